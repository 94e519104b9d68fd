/**
 * The building block of the plan automaton: an immutable recognizer of one piece of the output
 * (a literal, a string, a number, a list, a plan step…). Frames are never mutated, so a state can be
 * shared by every branch of the token-trie walk without copying (see automaton.ts).
 */
export interface Frame {
  /**
   * Consumes one byte. Returns the frame's next state, `Finish` when the byte completed it, `Push` to
   * hand the byte to a new child frame, or null when no valid output continues with this byte.
   */
  step(byte: number): Transition;
  /**
   * For frames that only know they are over when the next byte does not fit (numbers): the result to
   * finish with before that byte, or null when the frame cannot end here.
   */
  endResult(): number | null;
  /**
   * The one byte this frame accepts next when there is no other (a structural literal, a string's
   * opening quote), else null. Such bytes are the decoder's to write (jump-forward), never the model's.
   * A number never has one: even at its last allowed digit the model ends it with the byte after.
   */
  forcedByte(): number | null;
  /** Composite frames: the next state after a pushed child finished with `result`. */
  resume(result: number): Frame | Finish;
  /**
   * Everything that decides which byte strings of length ≤ `horizon` this frame accepts. Counters further
   * than `horizon` from their bound are written as "far", so states that differ only there share a key.
   */
  key(horizon: number): string;
  /**
   * For a frame on top of the stack: the fewest bytes that finish it, per result it can finish with
   * (what the parent does next depends on the result). Never asked of a composite frame waiting for
   * its child. Depends only on what key() records, so a cached mask may carry costs (see automaton.ts).
   */
  shortestFinishes(): readonly ShortestFinish[];
}

/** Finishing with `result` takes at least `bytes` more bytes. */
export interface ShortestFinish {
  readonly result: number;
  readonly bytes: number;
}

/** The common case: a frame that only finishes with result 0. */
export function finishesIn(bytes: number): readonly ShortestFinish[] {
  return [{ result: 0, bytes }];
}

/** The byte completed the frame; `result` tells the parent which alternative matched (else 0). */
export class Finish {
  constructor(readonly result: number) {}
}

/** Replace the current frame with `self` (waiting for the child) and feed the same byte to `child`. */
export class Push {
  constructor(
    readonly self: Frame,
    readonly child: Frame,
  ) {}
}

export type Transition = Frame | Finish | Push | null;

export const FINISHED = new Finish(0);

/** `remaining` as it matters within `horizon` bytes: each unit costs at least `bytesPerUnit` bytes. */
export function saturate(remaining: number, horizon: number, bytesPerUnit = 1): string {
  return remaining * bytesPerUnit > horizon ? 'far' : String(remaining);
}

/** Base for leaf frames, which never push children. */
export abstract class LeafFrame implements Frame {
  abstract step(byte: number): Transition;
  abstract key(horizon: number): string;
  abstract shortestFinishes(): readonly ShortestFinish[];
  abstract forcedByte(): number | null;
  endResult(): number | null {
    return null;
  }
  resume(): Frame | Finish {
    throw new Error('a leaf frame has no children to resume from');
  }
}
