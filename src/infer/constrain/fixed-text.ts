import { FINISHED, finishesIn, LeafFrame, type ShortestFinish, type Transition } from './frame.js';

/**
 * Text the decoder writes itself, never the model: a step's rationale (the listed description of its
 * tool) and the refusal sentence, each a whole JSON string with its quotes. Any UTF-8 is fine (unlike
 * LiteralSet, which holds ASCII structure). Jump-forward feeds it in one piece, encoded on its own, so
 * its completion cost is its token count rather than its byte count: that is what keeps a long
 * description from using up the plan's token budget on paper while costing a dozen tokens in fact.
 */
export class FixedText {
  private static nextId = 0;
  /** Distinguishes texts in state keys. */
  readonly id = FixedText.nextId++;
  readonly bytes: Uint8Array;

  /** `tokens`: how many tokens the jump-forward feeds for these bytes (their encoding on its own). */
  constructor(
    readonly text: string,
    readonly tokens: number,
  ) {
    this.bytes = new TextEncoder().encode(text);
    if (this.bytes.length === 0) throw new Error('fixed text must not be empty');
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > this.bytes.length) throw new Error(`token count ${tokens} is impossible for ${this.bytes.length} bytes`);
  }

  start(): FixedTextFrame {
    return new FixedTextFrame(this, 0);
  }
}

export class FixedTextFrame extends LeafFrame {
  constructor(
    readonly fixed: FixedText,
    private readonly pos: number,
  ) {
    super();
  }

  get atStart(): boolean {
    return this.pos === 0;
  }

  step(byte: number): Transition {
    const bytes = this.fixed.bytes;
    if (bytes[this.pos] !== byte) return null;
    return this.pos + 1 === bytes.length ? FINISHED : new FixedTextFrame(this.fixed, this.pos + 1);
  }

  forcedByte(): number {
    return this.fixed.bytes[this.pos]!;
  }

  shortestFinishes(): readonly ShortestFinish[] {
    // Only ever entered whole; part-way (a token walked into it) the bytes left bound the tokens left.
    return finishesIn(this.pos === 0 ? this.fixed.tokens : this.fixed.bytes.length - this.pos);
  }

  key(): string {
    return `X${this.fixed.id}:${this.pos}`;
  }
}
