import { COMPLETE, feedByte, type PlanState } from './constrain/automaton.js';
import { IntegerFrame } from './constrain/json-number.js';
import { JsonStringFrame } from './constrain/json-string.js';
import type { PlanConstraint } from './constrain/plan-constraint.js';
import type { TokenTrie } from './constrain/token-trie.js';
import { concepts } from './concepts.js';
import { looksLikeName } from './goal-spans.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const APOSTROPHE = 0x27;
/** Extra bonus, as a share of the copy bonus, for the spans a param's name points at (preferredStarts). */
const PREFERRED_START = 1;

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** Where a copied span may begin: after a space or an opening quote or bracket. */
function opensSpan(b: number): boolean {
  return isSpace(b) || b === 0x22 || b === 0x27 || b === 0x28 || b === 0x5b;
}

/** Where a copied span may end: before a space, the end, or punctuation that ends a word (", " ". " "'" …). */
function closesSpan(rest: Uint8Array): boolean {
  if (rest.length === 0 || isSpace(rest[0])) return true;
  const punctuation = [0x2e, 0x2c, 0x3b, 0x3a, 0x21, 0x3f, 0x29, 0x5d, 0x27, 0x22].includes(rest[0]!);
  return punctuation && (rest.length === 1 || isSpace(rest[1]) || rest[1] === 0x2e || rest[1] === 0x2c);
}

function startsWithAt(haystack: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at + needle.length > haystack.length) return false;
  for (let i = 0; i < needle.length; i++) if (haystack[at + i] !== needle[i]) return false;
  return true;
}

/**
 * The text of the integer being written, '' where one may start (a value has no opening delimiter, so
 * that is where a 0 would start an integer frame), or null elsewhere.
 */
function integerSoFar(state: PlanState): string | null {
  if (state === COMPLETE) return null;
  if (state.frame instanceof IntegerFrame) return state.frame.written();
  const zero = feedByte(state, 0x30);
  return zero !== null && zero !== COMPLETE && zero.frame instanceof IntegerFrame ? '' : null;
}

/** The tokens whose bytes start with a byte `first` accepts, computed once per vocabulary. */
function tokensStartingWith(first: (byte: number) => boolean): (trie: TokenTrie) => readonly number[] {
  const byTrie = new WeakMap<TokenTrie, readonly number[]>();
  return (trie) => {
    let ids = byTrie.get(trie);
    if (!ids) {
      const found: number[] = [];
      trie.all.walk<boolean>(false, (started, byte) => (started || first(byte) ? true : null), (id) => found.push(id));
      byTrie.set(trie, (ids = found));
    }
    return ids;
  };
}

/** Tokens that begin with a quote: the ones that can close a string (the mask picks the valid ones). */
const closingTokens = tokensStartingWith((b) => b === QUOTE);
/** Tokens that cannot continue an integer (no leading digit): the ones that can end one. */
const numberEndingTokens = tokensStartingWith((b) => !isDigit(b));

/**
 * A prior toward copying argument text from the goal. Text arguments are spans of the goal (a path, a
 * name, a flag), but prose and plans tokenize them differently: in "with the arguments -l and /var" the
 * flag is " -" + "l", inside a plan's string it is the single token "-l", and a small model often fails
 * to map one spelling to the other (the dev probe's list-arg case: it writes "-", then ends the string).
 *
 * Inside a Text argument whose text so far is a span of the goal starting at a word, `bonus` (natural-log
 * units) is added to the logit of the token that continues the span as the tokenizer would spell it (the
 * first token of the rest of the goal), and, where the span ends a word, to the tokens that close the
 * string. Both continuing and stopping are boosted alike there, so the model still decides which span to
 * copy and how long it is; what the prior adds is the canonical spelling, and no ending mid-word.
 *
 * Integer arguments get the same prior toward the goal's numbers (a digit run, with its minus sign): the
 * token continuing one as the tokenizer spells it, and where the whole number is written, the tokens that
 * end it. The model still converts units ("two hours" → 120 minutes): the prior only favours copying.
 *
 * Only allowed tokens get the bonus, so it reorders them and nothing else; with a constraint only, as it
 * needs to know that the output is inside an argument.
 */
export class GoalCopyBias {
  private readonly goal: Uint8Array;
  private readonly spanStarts: number[] = [];
  private readonly numberStarts: number[] = [];
  private readonly closing: readonly number[];
  private readonly numberEnds: readonly number[];
  /** The goal's words with their byte ranges, for finding the values a param's name points at. */
  private readonly words: { start: number; end: number; concept: string | undefined }[] = [];
  private readonly preferredCache = new Map<string, { text: Int32Array; number: Int32Array }>();
  /** Boosted tokens per Text value so far and per integer so far. */
  private readonly textCache = new Map<string, Int32Array>();
  private readonly numberCache = new Map<string, Int32Array>();

  constructor(
    goal: string,
    private readonly trie: TokenTrie,
    private readonly encode: (text: string) => readonly number[],
    readonly bonus: number,
  ) {
    this.goal = new TextEncoder().encode(goal);
    this.goal.forEach((_, i) => {
      if (i === 0 || opensSpan(this.goal[i - 1]!)) this.spanStarts.push(i);
      const b = this.goal[i];
      const signed = b === MINUS && isDigit(this.goal[i + 1]) && (i === 0 || opensSpan(this.goal[i - 1]!));
      // A digit run after a sign that starts a number is part of that number, not one of its own.
      const unsigned = isDigit(b) && !isDigit(this.goal[i - 1]) && this.numberStarts.at(-1) !== i - 1;
      if (signed || unsigned) this.numberStarts.push(i);
    });
    this.closing = closingTokens(trie);
    this.numberEnds = numberEndingTokens(trie);
    for (const m of goal.matchAll(/[^\s"'()[\],;:.!?]+/g)) {
      const start = Buffer.byteLength(goal.slice(0, m.index));
      this.words.push({ start, end: start + Buffer.byteLength(m[0]), concept: concepts(m[0])[0] });
    }
  }

  /**
   * Adds the bonus in place to the logits in `row` of the tokens that `mask` allows next, where
   * `constraint` stands after the plan text `written` so far.
   */
  apply(row: Float32Array, mask: Uint8Array, constraint: PlanConstraint, written: Uint8Array): void {
    const state = constraint.state;
    let ids: Int32Array;
    let preferred: Int32Array | null = null;
    // Inside a string no integer can start, so most steps skip integerSoFar.
    if (state !== COMPLETE && state.frame instanceof JsonStringFrame) {
      const value = this.valueSoFar(state.frame, written);
      if (value === null) return;
      ids = this.boosted(value);
      if (value.length === 0) preferred = this.preferredStarts(written).text;
    } else {
      const integer = integerSoFar(state);
      if (integer === null) return;
      ids = this.boostedNumber(integer);
      if (integer === '') preferred = this.preferredStarts(written).number;
    }
    for (const id of ids) if (mask[id]) row[id]! += this.bonus;
    if (preferred) for (const id of preferred) if (mask[id]) row[id]! += this.bonus * PREFERRED_START;
  }

  /**
   * First tokens of the goal's spans that the param being started most likely takes. Text: a span right
   * after an opening quote, an identifier ("gpu0", "/etc/hosts", "db-01"), a word right after one that
   * names the param ("volume data0"). Integers: a number near a word naming the param ("80 percent").
   */
  private preferredStarts(written: Uint8Array): { text: Int32Array; number: Int32Array } {
    const tail = Buffer.from(written.subarray(Math.max(0, written.length - 64))).toString('latin1');
    const key = /"([A-Za-z0-9]+)":"?$/.exec(tail)?.[1] ?? '';
    const cached = this.preferredCache.get(key);
    if (cached) return cached;
    const named = new Set(concepts(key));
    const text = new Set<number>();
    const number = new Set<number>();
    const firstToken = (at: number) => this.encode(Buffer.from(this.goal.subarray(at)).toString('utf8'))[0];
    this.words.forEach((w, i) => {
      const quoted = w.start > 0 && (this.goal[w.start - 1] === QUOTE || this.goal[w.start - 1] === APOSTROPHE);
      const names = (from: number, to: number) => this.words.slice(Math.max(0, from), to).some((p) => p.concept !== undefined && named.has(p.concept));
      const afterName = names(i - 2, i);
      const beforeName = names(i + 1, i + 3);
      const numeric = isDigit(this.goal[w.start]) || (this.goal[w.start] === MINUS && isDigit(this.goal[w.start + 1]));
      if (numeric && (afterName || beforeName)) number.add(this.encode(Buffer.from(this.goal.subarray(w.start, w.end)).toString('latin1'))[0]!);
      // Identifiers (with a digit, dash, slash, dot or colon) name things; a plain word is preferred only right after the param's name.
      const identifier = looksLikeName(Buffer.from(this.goal.subarray(w.start, w.end)).toString('latin1'));
      if (quoted || identifier || names(i - 1, i)) {
        const id = firstToken(w.start);
        const bytes = id === undefined ? null : this.trie.bytesOf(id);
        if (bytes && !bytes.includes(QUOTE) && !bytes.includes(BACKSLASH)) text.add(id!);
      }
    });
    const out = { text: Int32Array.from(text), number: Int32Array.from(number) };
    this.preferredCache.set(key, out);
    return out;
  }

  /** The bytes of the Text argument `frame` being written, or null when it is no argument (or holds an escape). */
  private valueSoFar(frame: JsonStringFrame, written: Uint8Array): Uint8Array | null {
    if (!frame.isArgValue || frame.plainRemaining() === null) return null;
    // Back to the last quote: the opening one unless the value holds an escaped quote. Values with any
    // escape are left alone (copying escapes is not worth its edge cases).
    const quote = written.lastIndexOf(QUOTE);
    if (quote < 0) return null;
    const value = written.subarray(quote + 1);
    return written[quote - 1] === BACKSLASH || value.includes(BACKSLASH) ? null : value;
  }

  /** For an integer argument whose text so far is `written`. */
  private boostedNumber(written: string): Int32Array {
    const cached = this.numberCache.get(written);
    if (cached) return cached;
    const bytes = new TextEncoder().encode(written);
    const ids = new Set<number>();
    let ends = false;
    for (const start of this.numberStarts) {
      if (!startsWithAt(this.goal, bytes, start)) continue;
      let end = start + bytes.length;
      if (end === start && this.goal[end] === MINUS) end++;
      while (isDigit(this.goal[end])) end++;
      const rest = this.goal.subarray(start + bytes.length, end);
      if (rest.length > 0) ids.add(this.encode(Buffer.from(rest).toString('latin1'))[0]!);
      else if (isDigit(bytes.at(-1))) ends = true;
    }
    if (ends) for (const id of this.numberEnds) ids.add(id);
    const out = Int32Array.from(ids);
    this.numberCache.set(written, out);
    return out;
  }

  private boosted(written: Uint8Array): Int32Array {
    const key = Buffer.from(written).toString('latin1');
    const cached = this.textCache.get(key);
    if (cached) return cached;
    const ids = new Set<number>();
    let closes = false;
    for (const start of this.spanStarts) {
      if (!startsWithAt(this.goal, written, start)) continue;
      const rest = this.goal.subarray(start + written.length);
      const ends = written.length > 0 && closesSpan(rest);
      if (ends) closes = true;
      // Punctuation that ends a word ends the copy too: "authorize 1d6b:0003." takes no final period.
      if (ends && rest.length > 0 && !isSpace(rest[0])) continue;
      const next = rest.length > 0 ? this.encode(Buffer.from(rest).toString('utf8'))[0] : undefined;
      // A quote or backslash of the goal would need escaping inside the string: not a copy.
      const bytes = next === undefined ? null : this.trie.bytesOf(next);
      if (bytes && !bytes.includes(QUOTE) && !bytes.includes(BACKSLASH)) ids.add(next!);
    }
    if (closes) for (const id of this.closing) ids.add(id);
    const out = Int32Array.from(ids);
    this.textCache.set(key, out);
    return out;
  }
}
