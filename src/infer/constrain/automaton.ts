import { Finish, Push, type Frame } from './frame.js';
import type { PlanGrammar } from './plan-grammar.js';

/**
 * A recognizer state: the stack of frames, top first, as an immutable linked list. Feeding a byte
 * replaces only the top few nodes and shares the rest, which is what lets the token-trie walk branch
 * at every node without copying states.
 */
export class StackNode {
  constructor(
    readonly frame: Frame,
    readonly below: StackNode | null,
  ) {}
}

/** The whole plan has been read: nothing but the end-of-turn token may follow. */
export const COMPLETE = 'complete' as const;

export type PlanState = StackNode | typeof COMPLETE;

export function initialState(grammar: PlanGrammar): PlanState {
  return new StackNode(grammar.start(), null);
}

export function isComplete(state: PlanState): boolean {
  return state === COMPLETE;
}

/** Pops the finished top frame and lets the frames below resume with its result. */
function finish(below: StackNode | null, result: number): PlanState {
  let node = below;
  let r = result;
  while (node) {
    const next = node.frame.resume(r);
    if (!(next instanceof Finish)) return new StackNode(next, node.below);
    r = next.result;
    node = node.below;
  }
  return COMPLETE;
}

/** The state after one more byte, or null when no valid plan starts with the bytes read so far and `byte`. */
export function feedByte(state: PlanState, byte: number): PlanState | null {
  let s = state;
  for (;;) {
    if (s === COMPLETE) return null;
    const t = s.frame.step(byte);
    if (t === null) {
      // A number ends where a byte it cannot take begins: finish it and offer the byte to its parent.
      const result = s.frame.endResult();
      if (result === null) return null;
      s = finish(s.below, result);
    } else if (t instanceof Finish) {
      return finish(s.below, t.result);
    } else if (t instanceof Push) {
      s = new StackNode(t.child, new StackNode(t.self, s.below));
    } else {
      return new StackNode(t, s.below);
    }
  }
}

export function feedBytes(state: PlanState, bytes: Uint8Array): PlanState | null {
  let s: PlanState | null = state;
  for (let i = 0; i < bytes.length && s; i++) s = feedByte(s, bytes[i]!);
  return s;
}

/**
 * Fewest bytes that turn the output so far into a complete plan (0 once complete). Every single byte
 * is a token of a byte-level vocabulary, so this also bounds the tokens needed. Exact: some byte always
 * lowers it by one, which is what lets generation stop in time (PlanConstraint.allowedTokens). Equal
 * state keys give equal values, since no frame's shortest finish depends on a counter the key saturates.
 */
export function minCompletionBytes(state: PlanState): number {
  if (state === COMPLETE) return 0;
  let best = Infinity;
  for (const { result, bytes } of state.frame.shortestFinishes()) best = Math.min(best, bytes + afterFinish(state.below, result));
  return best;
}

/** Fewest bytes after the frame above `below` finished with `result`. */
function afterFinish(below: StackNode | null, result: number): number {
  let node = below;
  let r = result;
  while (node) {
    const next = node.frame.resume(r);
    if (!(next instanceof Finish)) return minCompletionBytes(new StackNode(next, node.below));
    r = next.result;
    node = node.below;
  }
  return 0;
}

/** Two states with equal keys accept the same byte strings of length ≤ horizon (the cache key of masks). */
export function stateKey(state: PlanState, horizon: number): string {
  if (state === COMPLETE) return COMPLETE;
  const parts: string[] = [];
  for (let n: StackNode | null = state; n; n = n.below) parts.push(n.frame.key(horizon));
  return parts.join('|');
}

/**
 * How many leading bytes of `text` (UTF-8) are a valid plan prefix, and whether the whole text is a
 * complete plan. Used to locate the first offending byte of a bad output.
 */
export function recognize(grammar: PlanGrammar, text: string): { validBytes: number; totalBytes: number; complete: boolean } {
  const bytes = new TextEncoder().encode(text);
  let s: PlanState = initialState(grammar);
  for (let i = 0; i < bytes.length; i++) {
    const next = feedByte(s, bytes[i]!);
    if (!next) return { validBytes: i, totalBytes: bytes.length, complete: false };
    s = next;
  }
  return { validBytes: bytes.length, totalBytes: bytes.length, complete: isComplete(s) };
}
