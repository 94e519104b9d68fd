import { UserError } from '../errors.js';

/**
 * The parts of an ActionPlan whose loss `capplan eval plan-loss` reports apart: a step's tool name, its
 * args object (keys, values and punctuation), its rationale, the refusal text; everything else (the
 * `{"steps":[{"tool":"` scaffolding, string quotes around those values, the end token) is structure.
 */
export const PLAN_FIELDS = ['tool', 'args', 'rationale', 'refusal', 'structure'] as const;
export type PlanField = (typeof PLAN_FIELDS)[number];

/** Where a value sits in a plan: the plan object, its steps array, one step, or inside a field. */
type Level = 'plan' | 'steps' | 'step' | PlanField;

function childLevel(level: Level, key: string | null): Level {
  switch (level) {
    case 'plan':
      return key === 'steps' ? 'steps' : key === 'refusal' ? 'refusal' : 'structure';
    case 'steps':
      return 'step';
    case 'step':
      return key === 'tool' || key === 'args' || key === 'rationale' ? key : 'structure';
    default:
      return level;
  }
}

const fieldOf = (level: Level): PlanField => (level === 'plan' || level === 'steps' || level === 'step' ? 'structure' : level);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const ch = (c: string): number => c.charCodeAt(0);

/** A small JSON reader that labels every byte it passes with the field it belongs to. */
class FieldScanner {
  private pos = 0;
  readonly fields: PlanField[];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
  ) {
    this.fields = new Array<PlanField>(bytes.length).fill('structure');
  }

  scanPlan(): void {
    this.value('plan', false);
    this.space();
    if (this.pos !== this.bytes.length) this.fail('text after the plan');
  }

  private fail(what: string): never {
    throw new UserError(`${this.source}: plan is not valid JSON (${what} at byte ${this.pos})`);
  }

  private space(): void {
    while (this.pos < this.bytes.length && isSpace(this.bytes[this.pos]!)) this.pos++;
  }

  private take(field: PlanField): number {
    if (this.pos >= this.bytes.length) this.fail('unexpected end');
    this.fields[this.pos] = field;
    return this.bytes[this.pos++]!;
  }

  private expect(c: string, field: PlanField): void {
    if (this.take(field) !== ch(c)) this.fail(`expected '${c}'`);
  }

  /**
   * One value at `level`. A string that is itself a field's value (a tool name, rationale, refusal) has
   * its quotes counted as structure, so the field covers exactly the text the model chose.
   */
  private value(level: Level, isFieldString: boolean): void {
    this.space();
    const field = fieldOf(level);
    const b = this.bytes[this.pos];
    if (b === ch('{')) this.container(level, '}', true);
    else if (b === ch('[')) this.container(level, ']', false);
    else if (b === QUOTE) this.string(isFieldString ? 'structure' : field, field);
    else {
      const start = this.pos;
      while (this.pos < this.bytes.length && !isSpace(this.bytes[this.pos]!) && !',}]'.includes(String.fromCharCode(this.bytes[this.pos]!))) {
        this.take(field);
      }
      if (this.pos === start) this.fail('expected a value');
    }
  }

  /** An object (keys name the child levels) or an array; its punctuation belongs to the enclosing field. */
  private container(level: Level, close: string, keyed: boolean): void {
    const field = fieldOf(level);
    this.take(field);
    this.space();
    if (this.bytes[this.pos] === ch(close)) {
      this.take(field);
      return;
    }
    for (;;) {
      let key: string | null = null;
      if (keyed) {
        this.space();
        key = this.string(field, field);
        this.space();
        this.expect(':', field);
      }
      const child = childLevel(level, key);
      this.value(child, (level === 'plan' || level === 'step') && child !== 'structure');
      this.space();
      const next = this.take(field);
      if (next === ch(close)) return;
      if (next !== ch(',')) this.fail(`expected ',' or '${close}'`);
    }
  }

  /** A string: quotes labelled `quotes`, contents `contents`; returns the decoded text (for keys). */
  private string(quotes: PlanField, contents: PlanField): string {
    const start = this.pos;
    if (this.take(quotes) !== QUOTE) this.fail('expected a string');
    for (;;) {
      if (this.pos >= this.bytes.length) this.fail('unterminated string');
      if (this.bytes[this.pos] === QUOTE) break;
      if (this.take(contents) === BACKSLASH) this.take(contents);
    }
    this.take(quotes);
    return JSON.parse(Buffer.from(this.bytes.subarray(start, this.pos)).toString('utf8')) as string;
  }
}

/** The field of every byte of a plan's UTF-8 text; `source` names the plan in errors. */
export function planFieldOfBytes(bytes: Uint8Array, source: string): PlanField[] {
  const scanner = new FieldScanner(bytes, source);
  scanner.scanPlan();
  return scanner.fields;
}

/**
 * The field a token counts for: the one most of its bytes lie in (ties: the one that got there first).
 * A token such as `","args":{"` straddles a boundary; majority keeps it with the larger side.
 */
export function fieldOfSpan(fields: readonly PlanField[], start: number, end: number): PlanField {
  const counts = new Map<PlanField, number>();
  let best: PlanField = 'structure';
  let bestCount = 0;
  for (let i = start; i < end; i++) {
    const f = fields[i]!;
    const n = (counts.get(f) ?? 0) + 1;
    counts.set(f, n);
    if (n > bestCount) {
      best = f;
      bestCount = n;
    }
  }
  return best;
}
