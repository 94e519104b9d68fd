import type { PlanConstraint } from './constrain/plan-constraint.js';
import type { Generation } from './generate.js';
import type { GoalCopyBias } from './goal-copy.js';

/**
 * Next-token logits for several continuations of one prompt, advanced in lockstep: after `prefill`
 * there is one continuation; each `extend` call forms new ones, continuation i taking the one numbered
 * `parents[i]` in the previous call and appending `tokens[i]`.
 */
export interface BeamScorer {
  /** Most tokens one continuation can hold, the prompt included (the model's context). */
  readonly capacity: number;
  prefill(prompt: readonly number[]): Promise<Float32Array>;
  extend(parents: readonly number[], tokens: readonly number[]): Promise<Float32Array[]>;
  dispose(): void;
}

export interface BeamOptions {
  /** Continuations kept after each step (1 gives the greedy output). */
  width: number;
  maxTokens: number;
  endId: number;
  vocabLimit: number;
  constraint?: PlanConstraint | null;
  /** With a constraint: a prior toward copying argument text from the goal, added before normalising. */
  copyBias?: GoalCopyBias | null;
}

export interface BeamGeneration extends Generation {
  /**
   * Sum of the model's log-probabilities (natural log) of the tokens, the end token included when taken
   * (with a copy bias: of the biased distribution).
   */
  logprob: number;
}

interface Beam {
  tokens: number[];
  logprob: number;
  constraint: PlanConstraint | null;
}

interface Candidate {
  parent: number;
  id: number;
  logprob: number;
}

/** log Σ exp over row[0, limit), in float64 relative to the largest finite entry. */
function logSumExp(row: Float32Array, limit: number): number {
  let max = -Infinity;
  for (let i = 0; i < limit; i++) if (row[i]! > max) max = row[i]!;
  let sum = 0;
  for (let i = 0; i < limit; i++) sum += Math.exp(row[i]! - max);
  return max + Math.log(sum);
}

/** The `k` allowed ids with the largest logits, largest first, the lower id first on ties. */
function topAllowed(row: Float32Array, limit: number, mask: Uint8Array | null, k: number): number[] {
  const top: number[] = [];
  for (let id = 0; id < limit; id++) {
    if (mask && !mask[id]) continue;
    const v = row[id]!;
    if (v === -Infinity || (top.length === k && v <= row[top[k - 1]!]!)) continue;
    let at = top.length;
    while (at > 0 && row[top[at - 1]!]! < v) at--;
    top.splice(at, 0, id);
    if (top.length > k) top.pop();
  }
  return top;
}

/** Best first; equal scores keep the earlier beam, then the lower id, so the search is deterministic. */
function byLogprob(a: Candidate, b: Candidate): number {
  return b.logprob - a.logprob || a.parent - b.parent || a.id - b.id;
}

/**
 * Beam search over the model's log-probabilities (unnormalised for length): each step extends every kept
 * continuation by its `width` most likely allowed tokens and keeps the `width` best continuations that
 * did not end. A continuation that takes the end token is finished. As log-probabilities only fall, the
 * search stops once the best finished output scores at least as well as every kept continuation, which
 * then can only do worse. With a constraint each continuation carries its own copy (PlanConstraint.fork),
 * so every output is a valid plan, completed within the token budget as in greedy decoding.
 */
export async function beamSearch(scorer: BeamScorer, prompt: readonly number[], opts: BeamOptions): Promise<BeamGeneration> {
  const { width, endId, vocabLimit } = opts;
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`beam width must be an integer ≥ 1, got ${width}`);
  const picksLeft = (generated: number): number => Math.min(opts.maxTokens - generated, scorer.capacity - prompt.length - generated + 1);
  const initial = opts.constraint ?? null;
  if (initial && initial.minTokensToEnd() > picksLeft(0)) {
    throw new RangeError(`the plan may need ${initial.minTokensToEnd()} more tokens, but only ${picksLeft(0)} fit after the prompt`);
  }
  let t0 = performance.now();
  let rows = [await scorer.prefill(prompt)];
  const prefillMs = performance.now() - t0;
  let decodeMs = 0;
  let maskMs = 0;
  let beams: Beam[] = [{ tokens: [], logprob: 0, constraint: initial }];
  let finished: Beam | null = null;
  let unfinished: Beam | null = null;
  while (beams.length > 0) {
    const candidates: Candidate[] = [];
    beams.forEach((beam, parent) => {
      const row = rows[parent]!;
      const m0 = performance.now();
      const mask = beam.constraint ? beam.constraint.allowedTokens(picksLeft(beam.tokens.length)) : null;
      if (mask) opts.copyBias?.apply(row, mask, beam.constraint!, beam.tokens);
      maskMs += performance.now() - m0;
      const lse = logSumExp(row, vocabLimit);
      for (const id of topAllowed(row, vocabLimit, mask, width)) candidates.push({ parent, id, logprob: beam.logprob + row[id]! - lse });
    });
    if (candidates.length === 0) throw new Error('no token is allowed here: the vocabulary lacks a byte the plan needs');
    candidates.sort(byLogprob);
    const kept: Candidate[] = [];
    for (const c of candidates) {
      if (finished && c.logprob <= finished.logprob) break;
      const parent = beams[c.parent]!;
      if (c.id === endId) {
        finished = { tokens: parent.tokens, logprob: c.logprob, constraint: null };
        continue;
      }
      kept.push(c);
      if (kept.length === width) break;
    }
    const next = kept.map((c): Beam => {
      const parent = beams[c.parent]!;
      const constraint = parent.constraint?.fork() ?? null;
      constraint?.advance(c.id);
      return { tokens: [...parent.tokens, c.id], logprob: c.logprob, constraint };
    });
    // Continuations advance together, so they reach the token limit or the context together; as in greedy
    // decoding, the last pick is kept even when it no longer fits the context to be fed.
    const generated = next[0]?.tokens.length ?? 0;
    if (next.length > 0 && (generated >= opts.maxTokens || prompt.length + generated > scorer.capacity)) {
      unfinished = next[0]!;
      break;
    }
    beams = next;
    if (beams.length === 0) break;
    t0 = performance.now();
    rows = await scorer.extend(
      kept.map((c) => c.parent),
      kept.map((c) => c.id),
    );
    decodeMs += performance.now() - t0;
  }
  const best: Beam = finished ?? unfinished!;
  return { tokens: best.tokens, ended: finished !== null, logprob: best.logprob, prefillMs, decodeMs, maskMs };
}
