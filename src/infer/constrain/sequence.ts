import { FINISHED, finishesIn, Push, type Finish, type Frame, type ShortestFinish, type Transition } from './frame.js';

/**
 * One position in a grammar sequence: the child to recognize there and where each result leads.
 * `next` must return the same node object for the same result each time: shortest completions are
 * memoized per node, and a grammar that branches per step would otherwise be re-explored exponentially.
 */
export interface SeqNode {
  key(horizon: number): string;
  child(): Frame;
  /** The position after the child finished with `result`, or null when the sequence is complete. */
  next(result: number): SeqNode | null;
}

const shortestFromNode = new WeakMap<SeqNode, number>();

/** Fewest bytes from the start of `node`'s child to the end of the sequence. */
function shortestFrom(node: SeqNode): number {
  let best = shortestFromNode.get(node);
  if (best !== undefined) return best;
  best = Infinity;
  for (const { result, bytes } of node.child().shortestFinishes()) {
    const next = node.next(result);
    best = Math.min(best, bytes + (next ? shortestFrom(next) : 0));
  }
  shortestFromNode.set(node, best);
  return best;
}

/**
 * Runs a sequence of child frames. Between children it hands the next byte to the child of its node;
 * while a child runs it waits below it on the stack.
 */
export class SeqFrame implements Frame {
  constructor(
    private readonly node: SeqNode,
    private readonly waiting = false,
  ) {}

  step(): Transition {
    return new Push(new SeqFrame(this.node, true), this.node.child());
  }

  /** True when this sequence is about to start `node`'s child (not waiting for it). */
  isAt(node: SeqNode): boolean {
    return !this.waiting && this.node === node;
  }

  endResult(): number | null {
    return null;
  }

  resume(result: number): Frame | Finish {
    const next = this.node.next(result);
    return next ? new SeqFrame(next) : FINISHED;
  }

  forcedByte(): number | null {
    return this.waiting ? null : this.node.child().forcedByte();
  }

  /** The frame the next byte goes to: this sequence's child when it is about to start one. */
  incoming(): Frame {
    return this.waiting ? this : this.node.child();
  }

  shortestFinishes(): readonly ShortestFinish[] {
    if (this.waiting) throw new Error('a sequence waiting for its child is never on top of the stack');
    return finishesIn(shortestFrom(this.node));
  }

  key(horizon: number): string {
    return `${this.node.key(horizon)}${this.waiting ? 'w' : 'r'}`;
  }
}
