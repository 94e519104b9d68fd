import { FINISHED, finishesIn, LeafFrame, saturate, type ShortestFinish, type Transition } from './frame.js';
import { utf8Continue, utf8Key, utf8Lead, type Utf8Pending } from './utf8.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));

function isHexDigit(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

const enum Phase {
  Open,
  Content,
  Escape,
  /** Inside `\uXXXX`; `hexLeft` digits to go. */
  Hex,
}

/**
 * A JSON string with quotes, holding `min`..`max` characters (an escape counts as one character, as
 * does each UTF-8 encoded code point). The bound makes every string, hence every generation, finite.
 * `isArgValue` marks a Text argument (as opposed to a rationale or refusal): its text usually comes from
 * the goal, which the goal-copy prior uses (goal-copy.ts); masks do not depend on it.
 */
export class JsonStringFrame extends LeafFrame {
  constructor(
    private readonly min: number,
    private readonly max: number,
    readonly isArgValue = false,
    private readonly phase: Phase = Phase.Open,
    private readonly count = 0,
    private readonly utf8: Utf8Pending | null = null,
    private readonly hexLeft = 0,
  ) {
    super();
  }

  private with(phase: Phase, count: number, utf8: Utf8Pending | null = null, hexLeft = 0): JsonStringFrame {
    return new JsonStringFrame(this.min, this.max, this.isArgValue, phase, count, utf8, hexLeft);
  }

  step(b: number): Transition {
    switch (this.phase) {
      case Phase.Open:
        return b === QUOTE ? this.with(Phase.Content, 0) : null;
      case Phase.Escape:
        if (SIMPLE_ESCAPES.has(b)) return this.with(Phase.Content, this.count);
        return b === 0x75 ? this.with(Phase.Hex, this.count, null, 4) : null;
      case Phase.Hex:
        if (!isHexDigit(b)) return null;
        return this.hexLeft === 1 ? this.with(Phase.Content, this.count) : this.with(Phase.Hex, this.count, null, this.hexLeft - 1);
      case Phase.Content:
        return this.content(b);
    }
  }

  private content(b: number): Transition {
    if (this.utf8 && this.utf8.need > 0) {
      const next = utf8Continue(this.utf8, b);
      return next ? this.with(Phase.Content, this.count, next) : null;
    }
    if (b === QUOTE) return this.count >= this.min ? FINISHED : null;
    if (b < 0x20 || this.count >= this.max) return null;
    if (b === BACKSLASH) return this.with(Phase.Escape, this.count + 1);
    if (b < 0x80) return this.with(Phase.Content, this.count + 1);
    const lead = utf8Lead(b);
    return lead ? this.with(Phase.Content, this.count + 1, lead) : null;
  }

  forcedByte(): number | null {
    if (this.phase === Phase.Open) return QUOTE;
    // At the length bound only the closing quote is left.
    const fresh = this.phase === Phase.Content && !(this.utf8 && this.utf8.need > 0);
    return fresh && this.count >= this.max && this.count >= this.min ? QUOTE : null;
  }

  /**
   * Characters still allowed when the next byte starts a fresh character of the content (no escape or
   * UTF-8 sequence under way), else null. A token without quote, backslash or control bytes is then
   * allowed exactly when it has at most this many characters (see TokenTrie).
   */
  plainRemaining(): number | null {
    if (this.phase !== Phase.Content || (this.utf8 && this.utf8.need > 0)) return null;
    return this.max - this.count;
  }

  shortestFinishes(): readonly ShortestFinish[] {
    // Finish the character under way (escape: one letter, `\uXXXX`: its hex digits, UTF-8: its
    // continuation bytes), then single ASCII characters up to the minimum, then the closing quote.
    let pending = 0;
    if (this.phase === Phase.Open) pending = 1;
    else if (this.phase === Phase.Escape) pending = 1;
    else if (this.phase === Phase.Hex) pending = this.hexLeft;
    else if (this.utf8) pending = this.utf8.need;
    return finishesIn(pending + this.missingChars() + 1);
  }

  /** Characters still needed to reach the minimum. */
  missingChars(): number {
    return Math.max(0, this.min - this.count);
  }

  key(horizon: number): string {
    const minMet = this.count >= this.min ? 'm' : `m${this.min - this.count}`;
    return `S${this.phase}${minMet}${saturate(this.max - this.count, horizon)}${utf8Key(this.utf8)}h${this.hexLeft}`;
  }
}
