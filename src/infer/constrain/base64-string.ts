import { FINISHED, finishesIn, LeafFrame, saturate, type ShortestFinish, type Transition } from './frame.js';

const QUOTE = 0x22;
const PAD = 0x3d;

function isBase64Char(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2b || b === 0x2f;
}

const enum Pad {
  None,
  /** One `=` after two data characters: a second `=` must follow. */
  NeedOne,
  /** The padding is complete: only the closing quote may follow. */
  Done,
}

/**
 * A Cap'n Proto Data value: a quoted string of standard padded base64 (the form capnp-values.ts accepts),
 * at most `max` characters, whole 4-character groups only.
 */
export class Base64StringFrame extends LeafFrame {
  constructor(
    private readonly max: number,
    private readonly open = false,
    private readonly count = 0,
    private readonly pad = Pad.None,
  ) {
    super();
  }

  private with(count: number, pad: Pad): Base64StringFrame {
    return new Base64StringFrame(this.max, true, count, pad);
  }

  step(b: number): Transition {
    if (!this.open) return b === QUOTE ? this.with(0, Pad.None) : null;
    const group = this.count % 4;
    if (b === QUOTE) return group === 0 && this.pad !== Pad.NeedOne ? FINISHED : null;
    if (this.pad === Pad.Done) return null;
    if (this.pad === Pad.NeedOne) return b === PAD ? this.with(this.count + 1, Pad.Done) : null;
    if (b === PAD) {
      if (group === 2) return this.with(this.count + 1, Pad.NeedOne);
      return group === 3 ? this.with(this.count + 1, Pad.Done) : null;
    }
    if (!isBase64Char(b)) return null;
    // A new group is only started when it can be finished within the bound.
    if (group === 0 && this.count + 4 > this.max) return null;
    return this.with(this.count + 1, Pad.None);
  }

  forcedByte(): number | null {
    if (!this.open || this.pad === Pad.Done) return QUOTE;
    if (this.pad === Pad.NeedOne) return PAD;
    // No room for another group: only the closing quote.
    return this.count % 4 === 0 && this.count + 4 > this.max ? QUOTE : null;
  }

  shortestFinishes(): readonly ShortestFinish[] {
    if (!this.open) return finishesIn(2);
    if (this.pad !== Pad.None) return finishesIn(this.pad === Pad.NeedOne ? 2 : 1);
    // A started group is finished with data characters or padding, both one byte each, then the quote.
    const group = this.count % 4;
    return finishesIn((group === 0 ? 0 : 4 - group) + 1);
  }

  key(horizon: number): string {
    // The bound bites when a group would start with fewer than 4 characters left: up to 3 bytes sooner.
    return `B${this.open ? 1 : 0}${this.count % 4}${this.pad}${saturate(this.max - this.count - 3, horizon)}`;
  }
}
