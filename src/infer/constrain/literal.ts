import { FINISHED, Finish, LeafFrame, type ShortestFinish, type Transition } from './frame.js';

/**
 * A fixed set of ASCII alternatives, none a prefix of another (so the end of a match needs no lookahead):
 * tool names with their closing quote, `true`/`false`, the plan's structural fragments.
 */
export class LiteralSet {
  private static nextId = 0;
  /** Distinguishes sets in state keys. */
  readonly id = LiteralSet.nextId++;
  readonly options: readonly string[];
  readonly results: readonly number[];

  /** `results[i]` is what matching `options[i]` finishes with (default: its index). */
  constructor(options: readonly string[], results: readonly number[] = options.map((_, i) => i)) {
    if (options.length === 0) throw new Error('a literal set needs at least one option');
    const order = options.map((_, i) => i).sort((a, b) => (options[a]! < options[b]! ? -1 : options[a]! > options[b]! ? 1 : 0));
    this.options = order.map((i) => options[i]!);
    this.results = order.map((i) => results[i]!);
    for (const o of this.options) {
      if (o.length === 0 || /[^\x20-\x7e]/.test(o)) throw new Error(`literal option ${JSON.stringify(o)} must be non-empty printable ASCII`);
    }
    for (let i = 1; i < this.options.length; i++) {
      if (this.options[i]!.startsWith(this.options[i - 1]!)) throw new Error(`literal option ${this.options[i - 1]} is a prefix of ${this.options[i]}`);
    }
  }

  start(): LiteralFrame {
    return new LiteralFrame(this, 0, this.options.length, 0);
  }
}

/** Matches one option of a LiteralSet: the options still possible are the sorted range [lo, hi). */
export class LiteralFrame extends LeafFrame {
  constructor(
    private readonly set: LiteralSet,
    private readonly lo: number,
    private readonly hi: number,
    private readonly pos: number,
  ) {
    super();
  }

  step(byte: number): Transition {
    const options = this.set.options;
    let lo = this.lo;
    while (lo < this.hi && options[lo]!.charCodeAt(this.pos) !== byte) lo++;
    if (lo === this.hi) return null;
    let hi = lo + 1;
    while (hi < this.hi && options[hi]!.charCodeAt(this.pos) === byte) hi++;
    // Sorted and prefix-free: an option ending here is the first of its range and the only one left.
    if (options[lo]!.length === this.pos + 1) {
      const result = this.set.results[lo]!;
      return result === 0 ? FINISHED : new Finish(result);
    }
    return new LiteralFrame(this.set, lo, hi, this.pos + 1);
  }

  forcedByte(): number | null {
    // Sorted options sharing the first `pos` bytes: the first and last agree on the next one only if all do.
    const options = this.set.options;
    const b = options[this.lo]!.charCodeAt(this.pos);
    return options[this.hi - 1]!.charCodeAt(this.pos) === b ? b : null;
  }

  shortestFinishes(): readonly ShortestFinish[] {
    const finishes: ShortestFinish[] = [];
    for (let i = this.lo; i < this.hi; i++) finishes.push({ result: this.set.results[i]!, bytes: this.set.options[i]!.length - this.pos });
    return finishes;
  }

  key(): string {
    return `L${this.set.id}:${this.lo}:${this.hi}:${this.pos}`;
  }
}
