import { UserError } from '../errors.js';
import type { ToolDescriptor } from '../data/descriptor.js';
import { renderPrompt } from './chat-template.js';
import type { PlanGrammarOptions } from './constrain/plan-grammar.js';
import { KvCacheDecoder } from './decoder.js';
import { generate, type Generation } from './generate.js';
import { GoalCopyBias } from './goal-copy.js';
import { GoalReading } from './goal-reading.js';
import { toolsInPlan } from './plan-so-far.js';
import { ToolMatchBias } from './tool-match.js';
import { ValueSpans } from './value-spans.js';
import { lowConfidenceRefusal, planConfidence, type PlanConfidence } from './confidence.js';
import { serializePlan } from '../data/actionplan.js';

/** How every refusal starts in canonical form. */
const REFUSAL_START = '{"steps":[],';
import { checkToolCount, plannerConstraint, slotIds } from './plan-turn.js';
import type { Planner } from './planner.js';
import { TokenPicker, type SamplingOptions } from './sampling.js';

/** The CLI's goal-copy bias in nats (GoalCopyBias); see README, Planner, for how it was chosen. */
export const DEFAULT_COPY_BIAS = 16;

/** The CLI's tool-match weight (ToolMatchBias); see README, Planner, for how it was chosen. */
export const DEFAULT_TOOL_BIAS = 2;

/** The CLI's confidence threshold (PlanOptions.minConfidence); see README, Planner, for how it was chosen. */
export const DEFAULT_MIN_CONFIDENCE = 0.1;

export interface PlanOptions {
  /** Schema-constrained decoding (DESIGN.md: on by default). */
  constrain: boolean;
  sampling: SamplingOptions;
  /** Logit bonus (nats) for tokens that copy argument text and numbers from the goal (GoalCopyBias); 0 = off. Needs `constrain`. */
  copyBias: number;
  /** Weight of the prior toward listed tools whose words the goal uses (ToolMatchBias); 0 = off. Needs `constrain`. */
  toolBias: number;
  /** A plan whose confidence (planConfidence().overall) is below this becomes a refusal saying so; 0 = never. */
  minConfidence: number;
  grammar?: Partial<PlanGrammarOptions>;
}

export interface PlanResult {
  /** The raw generated text (the plan, when constrained and ended), or the low-confidence refusal. */
  text: string;
  confidence: PlanConfidence;
  /** True when the plan was replaced by a refusal for its low confidence. */
  withheld: boolean;
  promptTokens: number;
  generation: Generation;
}

/** Prompt tokens for a goal; an empty goal or tool list, or one that leaves no room for a plan, is the user's error. */
export function planPrompt(planner: Planner, descriptors: readonly ToolDescriptor[], goal: string, source: string): number[] {
  if (goal.trim() === '') throw new UserError(`${source}: the goal is empty`);
  checkToolCount(descriptors.length, source);
  // Training goals never carry surrounding whitespace; a user's stray spaces should not change the plan.
  const prompt = renderPrompt(planner.tokenizer, descriptors, goal.trim());
  const context = planner.model.seqLen;
  if (prompt.length >= context) {
    throw new UserError(
      `${source}: the tools and goal take ${prompt.length} tokens, but the model's context is ${context} (shorten the goal or list fewer tools)`,
    );
  }
  return prompt;
}

/** Generates one plan with a fresh KV cache (disposed before returning). */
export async function runPlan(planner: Planner, descriptors: readonly ToolDescriptor[], goal: string, opts: PlanOptions, source = 'goal'): Promise<PlanResult> {
  const prompt = planPrompt(planner, descriptors, goal, source);
  const { tokenizer, model, trie } = planner;
  const constraint = plannerConstraint(tokenizer, trie, descriptors, opts.grammar);
  const room = model.seqLen - prompt.length;
  if (constraint.minTokensToEnd() > room) {
    throw new UserError(
      `${source}: the tools and goal take ${prompt.length} of the model's ${model.seqLen} context tokens, leaving ${room}, but a plan may need ${constraint.minTokensToEnd()} (shorten the goal or list fewer tools)`,
    );
  }
  const copyBias = opts.constrain && opts.copyBias > 0 ? new GoalCopyBias(goal.trim(), trie, (text) => tokenizer.encode(text), opts.copyBias) : null;
  const reading = new GoalReading(goal.trim(), descriptors);
  const toolBias = opts.constrain && opts.toolBias > 0 ? new ToolMatchBias(reading, opts.toolBias, slotIds(tokenizer)) : null;
  const valueSpans = opts.constrain && opts.copyBias > 0 ? new ValueSpans(goal.trim(), descriptors, reading, (text) => tokenizer.encode(text)) : null;
  const decoder = new KvCacheDecoder(model);
  try {
    const generation = await generate(decoder, prompt, constraint, {
      maxTokens: room,
      vocabLimit: tokenizer.vocabSize,
      picker: new TokenPicker(opts.sampling),
      constrain: opts.constrain,
      copyBias,
      toolBias,
      valueSpans,
      encode: (text) => tokenizer.encode(text),
      spell: (id) => constraint.tokenBytes(id).length > 0 ? constraint.tokenBytes(id) : tokenizer.decodeBytes([id]),
    });
    const refused = generation.text.startsWith(REFUSAL_START);
    // The priors read the goal for constrained decoding only; so does what the confidence takes from them.
    const read = opts.constrain && !refused;
    const confidence = planConfidence(
      generation.choices,
      read ? (valueSpans?.unusedValues() ?? 0) : 0,
      read && reading.changeUnmet(toolsInPlan(generation.text)),
    );
    const withheld = generation.ended && opts.constrain && !refused && confidence.overall < opts.minConfidence;
    const text = withheld ? serializePlan({ steps: [], refusal: lowConfidenceRefusal(confidence.overall, opts.minConfidence) }) : generation.text;
    return { text, confidence, withheld, promptTokens: prompt.length, generation };
  } finally {
    decoder.dispose();
  }
}
