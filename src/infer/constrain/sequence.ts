import { FINISHED, Push, type Finish, type Frame, type Transition } from './frame.js';

/** One position in a grammar sequence: the child to recognize there and where each result leads. */
export interface SeqNode {
  key(horizon: number): string;
  child(): Frame;
  /** The position after the child finished with `result`, or null when the sequence is complete. */
  next(result: number): SeqNode | null;
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

  endResult(): number | null {
    return null;
  }

  resume(result: number): Frame | Finish {
    const next = this.node.next(result);
    return next ? new SeqFrame(next) : FINISHED;
  }

  key(horizon: number): string {
    return `${this.node.key(horizon)}${this.waiting ? 'w' : 'r'}`;
  }
}
