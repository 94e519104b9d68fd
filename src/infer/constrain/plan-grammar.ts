import { UserError } from '../../errors.js';
import type { ToolDescriptor } from '../../data/descriptor.js';
import { saturate, type Frame } from './frame.js';
import { LiteralSet } from './literal.js';
import { JsonStringFrame } from './json-string.js';
import { SeqFrame, type SeqNode } from './sequence.js';
import { valueFrame, type ValueLimits } from './value.js';

/** Bounds that make every plan finite, so constrained generation always terminates. */
export interface PlanGrammarOptions extends ValueLimits {
  maxSteps: number;
  /** Characters of a step's rationale and of a refusal. */
  maxRationaleChars: number;
}

export const DEFAULT_PLAN_GRAMMAR_OPTIONS: PlanGrammarOptions = {
  maxSteps: 8,
  maxRationaleChars: 200,
  maxTextChars: 200,
  maxListItems: 16,
};

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

/**
 * The canonical compact ActionPlan for one list of descriptors (DESIGN.md, ActionPlan and tool
 * descriptors): `{"steps":[` steps `]}` where each step is `{"tool":"<listed name>","args":{<every
 * param in declared order with a value of its type>},"rationale":"…"}`, or `{"steps":[],"refusal":"…"}`.
 */
export class PlanGrammar {
  readonly options: PlanGrammarOptions;
  /** The listed tool names, each with its closing quote (null without descriptors: refusal only). */
  readonly toolNames: LiteralSet | null = null;
  /** The sequence positions whose next bytes are a tool name (the start of each step). */
  private readonly stepStarts = new Set<SeqNode>();
  private readonly startNode: SeqNode;

  /**
   * With `script`, only the plans that call exactly those listed tools in that order (an empty script:
   * only a refusal). That is a measurement, not a planner: decoding under it shows how the model writes
   * arguments and rationales once the tools are given (`capplan eval plan --oracle-tools`).
   */
  constructor(descriptors: readonly ToolDescriptor[], options: Partial<PlanGrammarOptions> = {}, script: readonly string[] | null = null) {
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
    const rationale = () => new JsonStringFrame(0, o.maxRationaleChars);
    const close = new LiteralSet(['}']);

    const refusalClose = node('PC', () => close.start(), () => null);
    const refusalText = node('PR', () => new JsonStringFrame(1, o.maxRationaleChars), () => refusalClose);
    if (descriptors.length === 0 || script?.length === 0) {
      // Without tools (or told to refuse) the only plan is a refusal.
      const refusalOnly = new LiteralSet(['{"steps":[],"refusal":']);
      this.startNode = node('P0', () => refusalOnly.start(), () => refusalText);
      return;
    }

    // Each tool: its name (with the closing quote) chooses the fixed run of args and rationale after it.
    const toolItems = descriptors.map((d, t) => stepItems(d, t, o, rationale, close));
    const toolNames = new LiteralSet(
      descriptors.map((d) => `${d.name}"`),
      descriptors.map((_, t) => t),
    );
    this.toolNames = toolNames;
    if (script) {
      this.startNode = this.scripted(descriptors, script, toolItems);
      return;
    }
    const toolName = node('T', () => toolNames.start(), (t) => toolItems[t]!);

    const more = new LiteralSet([',{"tool":"', ']}']);
    const last = new LiteralSet([']}'], [1]);
    const afterStep: (n: number) => SeqNode = memoized((n) =>
      node(
        (h) => `PA${saturate(o.maxSteps - n, h, MIN_STEP_BYTES)}`,
        () => (n < o.maxSteps ? more : last).start(),
        (r) => (r === 0 ? stepAt(n) : null),
      ),
    );
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

  /**
   * `{"steps":[` then step n calling `script[n]` for every n, then `]}`. Node keys carry the step index:
   * steps differ in the tool they allow, so their states must not share cached masks.
   */
  private scripted(descriptors: readonly ToolDescriptor[], script: readonly string[], toolItems: readonly SeqNode[]): SeqNode {
    const index = new Map(descriptors.map((d, t) => [d.name, t]));
    const tools = script.map((name) => {
      const t = index.get(name);
      if (t === undefined) throw new UserError(`the tool script names \`${name}\`, which is not among the descriptors`);
      return t;
    });
    const stepAt: (n: number) => SeqNode = memoized((n) => {
      const t = tools[n]!;
      const name = new LiteralSet([`${script[n]}"`], [t]);
      const toolName = node(`T@${n}`, () => name.start(), () => toolItems[t]!);
      const start = node(`PS@${n}`, () => new SeqFrame(toolName), () => afterStep(n + 1));
      this.stepStarts.add(start);
      return start;
    });
    const more = new LiteralSet([',{"tool":"']);
    const last = new LiteralSet([']}']);
    const afterStep: (n: number) => SeqNode = memoized((n) =>
      n < script.length ? node(`PA@${n}`, () => more.start(), () => stepAt(n)) : node('PA@end', () => last.start(), () => null),
    );
    const open = new LiteralSet(['{"steps":[{"tool":"']);
    return node('P@', () => open.start(), () => stepAt(0));
  }

  start(): Frame {
    return new SeqFrame(this.startNode);
  }

  /** True when `frame`, on top of the stack, is about to read a step's tool name. */
  isToolNameStart(frame: Frame): boolean {
    if (!(frame instanceof SeqFrame)) return false;
    for (const start of this.stepStarts) if (frame.isAt(start)) return true;
    return false;
  }
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
