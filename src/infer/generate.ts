import type { PlanConstraint } from './constrain/plan-constraint.js';
import type { Decoder } from './decoder.js';
import type { GoalCopyBias } from './goal-copy.js';
import type { ToolMatchBias } from './tool-match.js';
import type { ValueSpans } from './value-spans.js';
import { logSumExp, type TokenPicker } from './sampling.js';

/** What a model choice decided: plan or refuse, a step's tool, whether the plan goes on, or a value. */
export type ChoiceKind = 'decision' | 'tool' | 'continue' | 'value';

/** One token the model picked and the probability it gave it among the tokens allowed there. */
export interface Choice {
  kind: ChoiceKind;
  id: number;
  probability: number;
}

export interface GenerateOptions {
  /** Stop after this many tokens of the turn (forced and chosen alike, not counting the end token). */
  maxTokens: number;
  /** Ids at or above this (the padding of the model's vocabulary) are never picked. */
  vocabLimit: number;
  picker: Pick<TokenPicker, 'pick'>;
  /** Masks the model's choices to tokens that keep the plan valid (false: only the decoder's own parts are written). */
  constrain: boolean;
  /** With `constrain`: a prior toward copying argument text from the goal. */
  copyBias?: GoalCopyBias | null;
  /** With `constrain`: a prior toward the listed tools whose words the goal uses at each step's tool, and toward as many steps as the goal has clauses. */
  toolBias?: ToolMatchBias | null;
  /** With `constrain`: argument values chosen among the goal's spans and written whole. */
  valueSpans?: ValueSpans | null;
  /** Encodes a forced piece (the tokenizer, as training encodes it). */
  encode: (text: string) => number[];
  /** Bytes of a token the model picked when it does not continue a valid plan (unconstrained only). */
  spell: (id: number) => Uint8Array;
}

export interface Generation {
  /** Every token of the turn, forced and chosen, without the end token. */
  tokens: number[];
  /** The text written (slot tokens as their tools' names). */
  text: string;
  /** True when the plan ended with the end token (false: stopped by maxTokens or the context). */
  ended: boolean;
  /** The model's picks, in order (the rest of `tokens` the decoder wrote). */
  choices: Choice[];
  /** Wall time of the prompt pass, of the later model steps, and of computing masks, in ms. */
  prefillMs: number;
  decodeMs: number;
  maskMs: number;
}

const utf8 = new TextDecoder();

/**
 * Unconstrained, once a pick leaves the grammar the output can no longer be a plan; the model writes at most
 * this many more tokens (enough to see what it was writing) instead of running to the end of the context.
 */
export const OFF_GRAMMAR_TOKENS = 32;

/** Softmax probability of `id` among the finite entries of `row`, in float64. */
function probabilityOf(row: Float32Array, id: number): number {
  return Math.exp(row[id]! - logSumExp(row));
}

function kindOf(constraint: PlanConstraint, picks: number): ChoiceKind {
  const state = constraint.state;
  if (picks === 0) return 'decision';
  if (constraint.atToolName()) return 'tool';
  return state !== 'complete' && constraint.grammar.isStepEnd(state.frame) ? 'continue' : 'value';
}

/**
 * Writes the assistant turn of a plan: the prompt runs in one pass; then, repeatedly, the decoder
 * appends everything the grammar forces (jump-forward, fed to the model as one pass) and the model picks
 * the next token where it has a choice, masked to the tokens that keep the plan valid. The mask also
 * keeps the plan completable within the tokens left, so a constrained turn always ends with a whole
 * plan. Unconstrained, the model's pick is not masked; once a pick leaves the grammar, the rest of the
 * turn is the model's alone until the end token or OFF_GRAMMAR_TOKENS more tokens.
 */
export async function generate(decoder: Decoder, prompt: readonly number[], constraint: PlanConstraint, opts: GenerateOptions): Promise<Generation> {
  const { picker } = opts;
  const tokens: number[] = [];
  const choices: Choice[] = [];
  const written: Uint8Array[] = [];
  let inGrammar = true;
  let offGrammar = 0;
  const firstPicks = Math.min(opts.maxTokens, decoder.capacity - decoder.length - prompt.length + 1);
  if (opts.constrain && constraint.minTokensToEnd() > firstPicks) {
    throw new RangeError(`the plan may need ${constraint.minTokensToEnd()} more tokens, but only ${firstPicks} fit after the prompt`);
  }
  let t0 = performance.now();
  let row = await decoder.feed(prompt);
  const prefillMs = performance.now() - t0;
  let decodeMs = 0;
  let maskMs = 0;
  const done = (ended: boolean): Generation => ({ tokens, text: utf8.decode(Buffer.concat(written)), ended, choices, prefillMs, decodeMs, maskMs });
  const room = () => Math.min(opts.maxTokens - tokens.length, decoder.capacity - decoder.length);
  /** Takes tokens that continue the plan: the constraint advances and their bytes are written. */
  const takeInGrammar = (ids: readonly number[]) => {
    for (const id of ids) {
      written.push(constraint.tokenBytes(id));
      constraint.advance(id);
    }
    tokens.push(...ids);
  };
  const feed = async (ids: number[]) => {
    const t = performance.now();
    row = await decoder.feed(ids);
    decodeMs += performance.now() - t;
  };
  for (;;) {
    if (inGrammar && !constraint.isChoice()) {
      const pieces = constraint.forcedRun();
      const ids = pieces.flatMap((piece) => opts.encode(utf8.decode(piece)));
      constraint.advanceForced();
      if (ids.length > room()) return done(false);
      tokens.push(...ids);
      written.push(...pieces);
      if (constraint.isComplete()) return done(true);
      await feed(ids);
    }
    row.fill(-Infinity, opts.vocabLimit);
    const kind = inGrammar ? kindOf(constraint, choices.length) : 'value';
    if (inGrammar && opts.constrain) {
      const m0 = performance.now();
      const mask = constraint.allowedTokens(room() + 1);
      for (let i = 0; i < opts.vocabLimit; i++) if (!mask[i]) row[i] = -Infinity;
      if (opts.copyBias || opts.toolBias || opts.valueSpans) {
        const soFar = Buffer.concat(written);
        const planText = utf8.decode(soFar);
        const span = kind === 'value' ? opts.valueSpans?.choose(row, mask, constraint, planText, room(), (scores) => picker.pick(scores)) : null;
        if (span) {
          choices.push({ kind, id: span.ids[0]!, probability: span.probability });
          takeInGrammar(span.ids);
          maskMs += performance.now() - m0;
          await feed(span.ids);
          continue;
        }
        opts.copyBias?.apply(row, mask, constraint, soFar);
        const firstByte = (id: number) => constraint.tokenBytes(id)[0];
        if (kind === 'value') opts.valueSpans?.applyAt(row, mask, firstByte, planText);
        opts.toolBias?.applyAt(kind, row, mask, firstByte, planText);
      }
      maskMs += performance.now() - m0;
    }
    const id = picker.pick(row);
    if (id < 0) throw new Error('no token is allowed here: the vocabulary lacks a byte the plan needs');
    choices.push({ kind, id, probability: probabilityOf(row, id) });
    if (!inGrammar || !opts.constrain) {
      if (id === constraint.endId) return done(inGrammar && constraint.isComplete());
      inGrammar &&= constraint.accepts(id);
    }
    if (inGrammar) {
      takeInGrammar([id]);
    } else {
      written.push(opts.spell(id));
      tokens.push(id);
    }
    if (!inGrammar && ++offGrammar >= OFF_GRAMMAR_TOKENS) return done(false);
    if (tokens.length >= opts.maxTokens || decoder.length >= decoder.capacity) return done(false);
    await feed([id]);
  }
}
