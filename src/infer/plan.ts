import { UserError } from '../errors.js';
import type { ToolDescriptor } from '../data/descriptor.js';
import { renderPrompt, CONTROL } from './chat-template.js';
import { PlanConstraint, singleTokenToolNames } from './constrain/plan-constraint.js';
import type { PlanGrammarOptions } from './constrain/plan-grammar.js';
import { beamSearch } from './beam.js';
import { KvBeamDecoder, KvCacheDecoder } from './decoder.js';
import { generate, type Generation } from './generate.js';
import { GoalCopyBias } from './goal-copy.js';
import type { Planner } from './planner.js';
import { TokenPicker, type SamplingOptions } from './sampling.js';

/**
 * The CLI's beam width. On the default planner, beam 2 against greedy: val pass 45 → 50 of the first 100 and
 * 114 → 139 of the next 300 (README, Planner); wider beams gained nothing more.
 */
export const DEFAULT_BEAM = 2;

/** The CLI's goal-copy bias in nats (GoalCopyBias); see README, Planner, for how it was chosen. */
export const DEFAULT_COPY_BIAS = 4;

export interface PlanOptions {
  /** Schema-constrained decoding (DESIGN.md: on by default). */
  constrain: boolean;
  sampling: SamplingOptions;
  /** Beam width: 1 picks token by token with `sampling`; more searches for the most likely plan (greedy only). */
  beam: number;
  /** Logit bonus (nats) for tokens that copy argument text and numbers from the goal (GoalCopyBias); 0 = off. Needs `constrain`. */
  copyBias: number;
  grammar?: Partial<PlanGrammarOptions>;
}

export interface PlanResult {
  /** The raw generated text (the plan, when constrained and ended). */
  text: string;
  promptTokens: number;
  generation: Generation;
}

/** Prompt tokens for a goal; a goal that is empty or leaves no room for a plan is the user's error. */
export function planPrompt(planner: Planner, descriptors: readonly ToolDescriptor[], goal: string, source: string): number[] {
  if (goal.trim() === '') throw new UserError(`${source}: the goal is empty`);
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

/**
 * Generates one plan with a fresh KV cache (disposed before returning). With `toolScript` (constrained
 * only) the plan calls exactly those tools in that order, [] meaning a refusal: for measurement; the
 * output is empty when such a plan may not fit the context.
 */
export async function runPlan(
  planner: Planner,
  descriptors: readonly ToolDescriptor[],
  goal: string,
  opts: PlanOptions,
  source = 'goal',
  toolScript: readonly string[] | null = null,
): Promise<PlanResult> {
  const prompt = planPrompt(planner, descriptors, goal, source);
  const { tokenizer, model, trie } = planner;
  const singleTokenTools = singleTokenToolNames(
    descriptors.map((d) => d.name),
    (text) => tokenizer.encode(text),
    (id) => trie.bytesOf(id),
  );
  if (toolScript && !opts.constrain) throw new UserError('a tool script needs constrained decoding');
  const constraint = opts.constrain ? new PlanConstraint(descriptors, trie, { ...opts.grammar, singleTokenTools, toolScript }) : null;
  const room = model.seqLen - prompt.length;
  if (toolScript && constraint!.minTokensToEnd() > room) {
    // The bound counts a token per byte, so a long scripted plan may not be guaranteed to fit even though
    // the model would write it in fewer tokens: measured as a case without output.
    return { text: '', promptTokens: prompt.length, generation: { tokens: [], ended: false, prefillMs: 0, decodeMs: 0, maskMs: 0 } };
  }
  if (constraint && constraint.minTokensToEnd() > room) {
    throw new UserError(
      `${source}: the tools and goal take ${prompt.length} of the model's ${model.seqLen} context tokens, leaving ${room}, but a plan may need ${constraint.minTokensToEnd()} (shorten the goal or list fewer tools)`,
    );
  }
  const copyBias = constraint && opts.copyBias > 0 ? new GoalCopyBias(goal.trim(), trie, (text) => tokenizer.encode(text), opts.copyBias) : null;
  const limits = { maxTokens: room, endId: tokenizer.specialId(CONTROL.assistantEnd), vocabLimit: tokenizer.vocabSize, constraint, copyBias };
  const width = opts.beam;
  if (width > 1 && opts.sampling.temperature !== 0) throw new RangeError('beam search looks for the most likely plan: it needs temperature 0');
  const decoder = width > 1 ? new KvBeamDecoder(model) : new KvCacheDecoder(model);
  try {
    const generation =
      decoder instanceof KvBeamDecoder
        ? await beamSearch(decoder, prompt, { ...limits, width })
        : await generate(decoder, prompt, { ...limits, picker: new TokenPicker(opts.sampling) });
    return { text: tokenizer.decode(generation.tokens), promptTokens: prompt.length, generation };
  } finally {
    decoder.dispose();
  }
}
