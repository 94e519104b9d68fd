import { UserError } from '../../errors.js';
import type { ToolDescriptor } from '../../data/descriptor.js';
import { saturate, type Frame } from './frame.js';
import { LiteralSet } from './literal.js';
import { JsonStringFrame } from './json-string.js';
import { FixedText } from './fixed-text.js';
import { SeqFrame, type SeqNode } from './sequence.js';
import { valueFrame, type ValueLimits } from './value.js';

/** Bounds that make every plan finite, so constrained generation always terminates. */
export interface PlanGrammarOptions extends ValueLimits {
  maxSteps: number;
  /** Characters of a step's rationale and of a refusal (when the model writes them). */
  maxRationaleChars: number;
}

export const DEFAULT_PLAN_GRAMMAR_OPTIONS: PlanGrammarOptions = {
  maxSteps: 8,
  maxRationaleChars: 200,
  maxTextChars: 200,
  maxListItems: 16,
};

/**
 * Texts the decoder writes instead of the model (the planner's policy, see FixedText): each step's
 * rationale is its tool's listed description, a refusal is one fixed sentence. `countTokens` is how
 * many tokens the tokenizer spends on a text encoded on its own.
 */
export interface DecoderTexts {
  refusal: string;
  countTokens: (text: string) => number;
}

/** The shortest possible step, `,{"tool":"A.b","args":{},"rationale":""}`, is longer than this. */
const MIN_STEP_BYTES = 30;

const node = (key: string | ((h: number) => string), child: () => Frame, next: (result: number) => SeqNode | null): SeqNode => ({
  key: typeof key === 'string' ? () => key : key,
  child,
  next,
});

/** Builds the node for each index once, so `next` hands out the same objects (see SeqNode). */
function memoized(build: (i: number) => SeqNode): (i: number) => SeqNode {
  const built = new Map<number, SeqNode>();
  return (i) => {
    let n = built.get(i);
    if (!n) built.set(i, (n = build(i)));
    return n;
  };
}

/** A JSON string literal of `text` (quotes included) for the decoder to write. */
function fixedString(text: string, texts: DecoderTexts): FixedText {
  const json = JSON.stringify(text);
  return new FixedText(json, texts.countTokens(json));
}

/**
 * The canonical compact ActionPlan for one list of descriptors (DESIGN.md, ActionPlan and tool
 * descriptors): `{"steps":[` steps `]}` where each step is `{"tool":"<listed name>","args":{<every
 * param in declared order with a value of its type>},"rationale":"…"}`, or `{"steps":[],"refusal":"…"}`.
 * Without `decoderTexts` rationales and refusals are any strings (every valid plan); with them they are
 * the descriptions and the refusal sentence (the plans the planner writes).
 */
export class PlanGrammar {
  readonly options: PlanGrammarOptions;
  /** The listed tool names, each with its closing quote (null without descriptors: refusal only). */
  readonly toolNames: LiteralSet | null = null;
  /** The sequence positions whose next bytes are a tool name (the start of each step). */
  private readonly stepStarts = new Set<SeqNode>();
  /** The positions after a step, where the plan either goes on or ends. */
  private readonly stepEnds = new Set<SeqNode>();
  private readonly startNode: SeqNode;

  constructor(descriptors: readonly ToolDescriptor[], options: Partial<PlanGrammarOptions> = {}, decoderTexts: DecoderTexts | null = null) {
    const o = { ...DEFAULT_PLAN_GRAMMAR_OPTIONS, ...options };
    for (const [name, value] of Object.entries(o)) {
      if (!Number.isInteger(value) || value < 1) throw new UserError(`plan grammar option ${name} must be a positive integer, got ${value}`);
    }
    this.options = o;
    const names = new Set<string>();
    for (const d of descriptors) {
      if (names.has(d.name)) throw new UserError(`duplicate tool \`${d.name}\` in the descriptors: a plan step could not tell them apart`);
      names.add(d.name);
    }
    const close = new LiteralSet(['}']);
    const refusalClose = node('PC', () => close.start(), () => null);
    const refusalString = decoderTexts ? fixedString(decoderTexts.refusal, decoderTexts) : null;
    const refusalText = node('PR', () => refusalString?.start() ?? new JsonStringFrame(1, o.maxRationaleChars), () => refusalClose);
    if (descriptors.length === 0) {
      // Without tools the only plan is a refusal.
      const refusalOnly = new LiteralSet(['{"steps":[],"refusal":']);
      this.startNode = node('P0', () => refusalOnly.start(), () => refusalText);
      return;
    }

    // Each tool: its name (with the closing quote) chooses the fixed run of args and rationale after it.
    const toolItems = descriptors.map((d, t) => {
      const description = decoderTexts ? fixedString(d.description, decoderTexts) : null;
      return stepItems(d, t, o, () => description?.start() ?? new JsonStringFrame(0, o.maxRationaleChars), close);
    });
    const toolNames = new LiteralSet(
      descriptors.map((d) => `${d.name}"`),
      descriptors.map((_, t) => t),
    );
    this.toolNames = toolNames;
    const toolName = node('T', () => toolNames.start(), (t) => toolItems[t]!);

    const more = new LiteralSet([',{"tool":"', ']}']);
    const last = new LiteralSet([']}'], [1]);
    const afterStep: (n: number) => SeqNode = memoized((n) => {
      const end = node(
        (h) => `PA${saturate(o.maxSteps - n, h, MIN_STEP_BYTES)}`,
        () => (n < o.maxSteps ? more : last).start(),
        (r) => (r === 0 ? stepAt(n) : null),
      );
      this.stepEnds.add(end);
      return end;
    });
    // Inside step n the step bound matters at the next separator, so only the steps after this one count.
    const stepAt: (n: number) => SeqNode = memoized((n) => {
      const start = node(
        (h) => `PS${saturate(o.maxSteps - n - 1, h, MIN_STEP_BYTES)}`,
        () => new SeqFrame(toolName),
        () => afterStep(n + 1),
      );
      this.stepStarts.add(start);
      return start;
    });
    const open = new LiteralSet(['{"steps":[],"refusal":', '{"steps":[{"tool":"']);
    this.startNode = node('P', () => open.start(), (r) => (r === 0 ? refusalText : stepAt(0)));
  }

  start(): Frame {
    return new SeqFrame(this.startNode);
  }

  /** True when `frame`, on top of the stack, is about to read a step's tool name. */
  isToolNameStart(frame: Frame): boolean {
    return isAtAny(frame, this.stepStarts);
  }

  /** True when `frame`, on top of the stack, is about to read what follows a step: another one or the end. */
  isStepEnd(frame: Frame): boolean {
    return isAtAny(frame, this.stepEnds);
  }
}

function isAtAny(frame: Frame, nodes: ReadonlySet<SeqNode>): boolean {
  if (!(frame instanceof SeqFrame)) return false;
  for (const n of nodes) if (frame.isAt(n)) return true;
  return false;
}

/** After `"tool":"<name>"`: `,"args":{"p0":` v0 `,"p1":` v1 … `},"rationale":` text `}`. */
function stepItems(d: ToolDescriptor, t: number, limits: ValueLimits, rationale: () => Frame, close: LiteralSet): SeqNode {
  const params = Object.entries(d.params);
  const items: (() => Frame)[] = [];
  let pending = ',"args":{';
  params.forEach(([name, spec], i) => {
    const literal = new LiteralSet([`${pending}${i > 0 ? ',' : ''}"${name}":`]);
    items.push(() => literal.start());
    items.push(() => valueFrame(spec.type, limits));
    pending = '';
  });
  const tail = new LiteralSet([`${pending}},"rationale":`]);
  items.push(() => tail.start(), rationale, () => close.start());
  const at: (i: number) => SeqNode = memoized((i) => node(`T${t}.${i}`, items[i]!, () => (i + 1 < items.length ? at(i + 1) : null)));
  return at(0);
}
