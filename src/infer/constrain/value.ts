import { integerRange, listElementType } from '../../data/capnp-values.js';
import { FINISHED, finishesIn, Push, saturate, type Finish, type Frame, type ShortestFinish, type Transition } from './frame.js';
import { LiteralSet } from './literal.js';
import { JsonStringFrame } from './json-string.js';
import { Base64StringFrame } from './base64-string.js';
import { FLOAT_LIMITS, FloatFrame, IntegerFrame } from './json-number.js';

/** Bounds that make every value finite. */
export interface ValueLimits {
  /** Characters of a Text value (and of a Data value's base64). */
  maxTextChars: number;
  /** Elements of a List value. */
  maxListItems: number;
}

const BOOL = new LiteralSet(['true', 'false']);
const NULL = new LiteralSet(['null']);

/** The frame recognizing one JSON value of Cap'n Proto type `type` (as capnp-values.ts defines it). */
export function valueFrame(type: string, limits: ValueLimits): Frame {
  const element = listElementType(type);
  if (element !== null) return new ListFrame(element, limits);
  const range = integerRange(type);
  if (range) return new IntegerFrame(range[0], range[1]);
  switch (type) {
    case 'Float32':
    case 'Float64':
      return new FloatFrame(FLOAT_LIMITS[type]);
    case 'Bool':
      return BOOL.start();
    case 'Void':
      return NULL.start();
    case 'Text':
      return new JsonStringFrame(0, limits.maxTextChars, true);
    case 'Data':
      return new Base64StringFrame(limits.maxTextChars);
    default:
      throw new Error(`no value grammar for Cap'n Proto type ${type}`);
  }
}

/** Fewest bytes of a whole value of `type` (`""` for Text, `[]` for a list, a digit for numbers…). */
export function shortestValueBytes(type: string, limits: ValueLimits): number {
  return Math.min(...valueFrame(type, limits).shortestFinishes().map((f) => f.bytes));
}

const enum L {
  Open,
  /** After `[`: `]` or the first element. */
  First,
  /** An element frame is running above this one. */
  InElement,
  /** After an element: `,` or `]`. */
  After,
  /** After `,`: an element. */
  Next,
}

/** `[` T (`,` T)* `]` or `[]`, at most maxListItems elements. */
class ListFrame implements Frame {
  constructor(
    private readonly element: string,
    private readonly limits: ValueLimits,
    private readonly phase = L.Open,
    private readonly count = 0,
  ) {}

  private to(phase: L, count = this.count): ListFrame {
    return new ListFrame(this.element, this.limits, phase, count);
  }

  step(b: number): Transition {
    switch (this.phase) {
      case L.Open:
        return b === 0x5b ? this.to(L.First) : null;
      case L.First:
        if (b === 0x5d) return FINISHED;
        return new Push(this.to(L.InElement), valueFrame(this.element, this.limits));
      case L.After:
        if (b === 0x5d) return FINISHED;
        return b === 0x2c && this.count < this.limits.maxListItems ? this.to(L.Next) : null;
      case L.Next:
        return new Push(this.to(L.InElement), valueFrame(this.element, this.limits));
      case L.InElement:
        throw new Error('a list waiting for its element takes no bytes');
    }
  }

  endResult(): number | null {
    return null;
  }

  resume(): Frame | Finish {
    return this.to(L.After, this.count + 1);
  }

  forcedByte(): number | null {
    switch (this.phase) {
      case L.Open:
        return 0x5b;
      case L.After:
        return this.count < this.limits.maxListItems ? null : 0x5d;
      case L.Next:
        return valueFrame(this.element, this.limits).forcedByte();
      default:
        return null;
    }
  }

  shortestFinishes(): readonly ShortestFinish[] {
    switch (this.phase) {
      case L.Open:
        return finishesIn(2);
      case L.First:
      case L.After:
        return finishesIn(1);
      case L.Next:
        return finishesIn(shortestValueBytes(this.element, this.limits) + 1);
      case L.InElement:
        throw new Error('a list waiting for its element is never on top of the stack');
    }
  }

  key(horizon: number): string {
    return `[${this.element}:${this.phase}:${saturate(this.limits.maxListItems - this.count, horizon)}`;
  }
}
