import { finishesIn, LeafFrame, type ShortestFinish, type Transition } from './frame.js';

function digit(b: number): number {
  return b >= 0x30 && b <= 0x39 ? b - 0x30 : -1;
}

const MINUS = 0x2d;

/**
 * An integer in [min, max], canonical JSON: optional `-`, no leading zeros, no `-0`. Every accepted
 * prefix can still end in range: a digit is only taken while the magnitude stays within the bound.
 * (Bounds are safe integers — integerRange clamps Int64 — so the arithmetic is exact.)
 */
export class IntegerFrame extends LeafFrame {
  constructor(
    private readonly min: number,
    private readonly max: number,
    /** -1 before anything, else the magnitude so far. */
    private readonly magnitude = -1,
    private readonly negative = false,
  ) {
    super();
  }

  step(b: number): Transition {
    const d = digit(b);
    if (this.magnitude === -1) {
      if (b === MINUS && !this.negative && this.min < 0) return new IntegerFrame(this.min, this.max, -1, true);
      if (d < 0 || (d === 0 && this.negative)) return null;
      return d <= this.bound() ? new IntegerFrame(this.min, this.max, d, this.negative) : null;
    }
    if (d < 0 || this.magnitude === 0) return null;
    const next = this.magnitude * 10 + d;
    return next <= this.bound() ? new IntegerFrame(this.min, this.max, next, this.negative) : null;
  }

  private bound(): number {
    return this.negative ? -this.min : this.max;
  }

  override endResult(): number | null {
    return this.magnitude >= 0 ? 0 : null;
  }

  /** The integer's text so far (canonical, so it follows from the sign and the magnitude). */
  written(): string {
    return `${this.negative ? '-' : ''}${this.magnitude >= 0 ? this.magnitude : ''}`;
  }

  forcedByte(): null {
    return null;
  }

  shortestFinishes(): readonly ShortestFinish[] {
    // A number ends where the next byte does not fit, so a finished one costs nothing more; else one digit.
    return finishesIn(this.magnitude >= 0 ? 0 : 1);
  }

  key(): string {
    return `I${this.min}:${this.max}:${this.negative ? '-' : ''}${this.magnitude}`;
  }
}

/** Limits that keep a float finite (and within Float32 range) whatever digits follow. */
export interface FloatLimits {
  intDigits: number;
  fracDigits: number;
  /** Largest positive decimal exponent; with intDigits it bounds the magnitude below 10^(intDigits+maxExp). */
  maxExp: number;
}

/** Float64 stays below 1e308, Float32 below 1e38 (FLOAT32_MAX is 3.4e38). */
export const FLOAT_LIMITS: Record<'Float32' | 'Float64', FloatLimits> = {
  Float64: { intDigits: 17, fracDigits: 17, maxExp: 290 },
  Float32: { intDigits: 17, fracDigits: 17, maxExp: 20 },
};

const MAX_NEGATIVE_EXP = 999;
const MAX_EXP_DIGITS = 3;

const enum F {
  Start,
  Sign,
  Zero,
  Int,
  Dot,
  Frac,
  E,
  ESign,
  Exp,
}

/** A JSON number `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?` within FloatLimits. */
export class FloatFrame extends LeafFrame {
  constructor(
    private readonly limits: FloatLimits,
    private readonly phase = F.Start,
    /** Digits in the current part (integer, fraction or exponent). */
    private readonly digits = 0,
    private readonly exp = 0,
    private readonly expNegative = false,
  ) {
    super();
  }

  private to(phase: F, digits = 0, exp = 0, expNegative = this.expNegative): FloatFrame {
    return new FloatFrame(this.limits, phase, digits, exp, expNegative);
  }

  step(b: number): Transition {
    const d = digit(b);
    const isE = b === 0x65 || b === 0x45;
    switch (this.phase) {
      case F.Start:
        if (b === MINUS) return this.to(F.Sign);
        return this.intStart(d);
      case F.Sign:
        return this.intStart(d);
      case F.Zero:
      case F.Int:
        if (d >= 0) return this.phase === F.Int && this.digits < this.limits.intDigits ? this.to(F.Int, this.digits + 1) : null;
        if (b === 0x2e) return this.to(F.Dot);
        return isE ? this.to(F.E) : null;
      case F.Dot:
        return d >= 0 ? this.to(F.Frac, 1) : null;
      case F.Frac:
        if (d >= 0) return this.digits < this.limits.fracDigits ? this.to(F.Frac, this.digits + 1) : null;
        return isE ? this.to(F.E) : null;
      case F.E:
        if (b === 0x2b || b === MINUS) return this.to(F.ESign, 0, 0, b === MINUS);
        return this.expStart(d);
      case F.ESign:
        return this.expStart(d);
      case F.Exp: {
        const next = this.exp * 10 + d;
        return d >= 0 && this.digits < MAX_EXP_DIGITS && next <= this.expBound() ? this.to(F.Exp, this.digits + 1, next) : null;
      }
    }
  }

  private intStart(d: number): FloatFrame | null {
    if (d === 0) return this.to(F.Zero);
    return d > 0 ? this.to(F.Int, 1) : null;
  }

  private expStart(d: number): FloatFrame | null {
    return d >= 0 && d <= this.expBound() ? this.to(F.Exp, 1, d) : null;
  }

  private expBound(): number {
    return this.expNegative ? MAX_NEGATIVE_EXP : this.limits.maxExp;
  }

  override endResult(): number | null {
    return this.phase === F.Zero || this.phase === F.Int || this.phase === F.Frac || this.phase === F.Exp ? 0 : null;
  }

  forcedByte(): null {
    return null;
  }

  shortestFinishes(): readonly ShortestFinish[] {
    // One digit completes every unfinished part (after `-`, `.`, `e` or an exponent sign).
    return finishesIn(this.endResult() === null ? 1 : 0);
  }

  key(): string {
    return `F${this.limits.maxExp}:${this.phase}:${this.digits}:${this.exp}:${this.expNegative ? 1 : 0}`;
  }
}
