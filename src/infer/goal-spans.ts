import { concepts, phrasalParticles } from './concepts.js';
import { unitOf, type Unit } from './units.js';

/** A word of the goal, with surrounding quotes, brackets and punctuation stripped. */
export interface GoalWord {
  start: number;
  end: number;
  text: string;
  concepts: string[];
}

/** A span of the goal that may be an argument value. */
export interface GoalSpan {
  /** The value as written in a plan (a number word as its digits). */
  text: string;
  /** Indexes of the first and last word it covers. */
  first: number;
  last: number;
  quoted: boolean;
  /** Quoted, or written like a name: with a digit, dash, slash, dot, colon, underscore or at sign. */
  identifier: boolean;
  /** One capitalised word inside a sentence ("Porto"): a likely value, though not written like one. */
  proper: boolean;
  /** A number (bare, or with a unit or percent sign: "75%", "900ms"), or a number word ("three"). */
  numeric: boolean;
  /** A number in words ("three", or the "a" of "a minute"): a value for numbers only. */
  numberWord: boolean;
  /** For a number: the unit written with it ("3 minutes", "900ms"), if any. */
  unit: Unit | null;
  concepts: string[];
}

/** An IPv4 address with a prefix length. */
export const CIDR = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;

/** Words that multiply the number before them ("twelve thousand"). */
const SCALES = new Map([
  ['hundred', 100],
  ['thousand', 1000],
  ['million', 1_000_000],
  ['dozen', 12],
]);

const NUMBER_WORDS = new Map<string, number>([
  ...'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'
    .split(' ')
    .map((w, n) => [w, n] as const),
  ...(['thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const).map((w, k) => [w, 30 + 10 * k] as const),
  ['half', 0.5],
  ['quarter', 0.25],
  ['dozen', 12],
  ['twice', 2],
  ['thrice', 3],
  ['hundred', 100],
  ['thousand', 1000],
]);

/** "third" … "twelfth": positions read as their number ("the third floor"); "first" and "second" say order and time. */
const ORDINALS = new Map(
  'third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth'.split(' ').map((w, k) => [w, k + 3] as const),
);

/**
 * A number written as one word: a number word or ordinal ("seven", "third"), tens and units joined by a
 * dash ("seventy-five"), or a number word before a dash and a noun ("four-room", "ten-minute": then the
 * noun may be its unit).
 */
export function spelledNumber(word: string): { value: number; unit: Unit | null } | undefined {
  const lower = word.toLowerCase();
  const whole = NUMBER_WORDS.get(lower) ?? ORDINALS.get(lower);
  if (whole !== undefined) return { value: whole, unit: null };
  const m = /^([a-z]+)-([a-z]+)$/.exec(lower);
  const lead = m ? NUMBER_WORDS.get(m[1]!) : undefined;
  if (lead === undefined || lead < 1) return undefined;
  const ones = NUMBER_WORDS.get(m![2]!);
  if (ones !== undefined) return lead >= 20 && lead % 10 === 0 && ones >= 1 && ones <= 9 ? { value: lead + ones, unit: null } : undefined;
  return { value: lead, unit: unitOf(m![2]!) };
}

/** The number a word says in digits or in words ("12", "2.5", "twelve", "seventy-five"), if any. */
function numberOf(word: string): number | undefined {
  return spelledNumber(word)?.value ?? (/^\d+(?:\.\d+)?$/.test(word) ? Number(word) : undefined);
}

/** Words that count one of what follows ("a minute", "every hour"). */
const ONE_OF = /^(?:an?|another|every|each|per)$/i;

/** Whether a word counts something: a number (with a currency sign or unit too), or "a", "an", "another", "every", "each", "per". */
export function countsSomething(word: string): boolean {
  return writtenNumber(word) !== null || spelledNumber(word) !== undefined || ONE_OF.test(word);
}

/**
 * A quoted phrase: the quote opens after a space or bracket (so "fan's" opens none) and closes before a
 * space, punctuation or the end. Group 2 is the phrase.
 */
export const QUOTED_PHRASE = /(?<=^|[\s([])(['"])([^'"]+)\1(?=$|[\s.,;:!?)\]])/g;

/** Written like a name: with a digit, dash, slash, dot, colon, underscore or at sign ("gpu0", "/etc/hosts", "db-01"). */
export function looksLikeName(text: string): boolean {
  return /[0-9\-/.:_@#]/.test(text);
}

/**
 * The number a word starts with and what follows it: a currency sign before it and thousands separators
 * are read ("$1,250.50" is 1250.5); null when the word starts with no number.
 */
export function writtenNumber(text: string): { value: number; suffix: string; currency: string } | null {
  const m = /^([$€£¥]?)(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)([kK](?![a-zA-Z]))?(.*)$/.exec(text);
  if (!m) return null;
  // "450k" is 450 thousand.
  return { value: Number(m[2]!.replace(/,/g, '')) * (m[3] ? 1000 : 1), suffix: m[4]!, currency: m[1]! };
}

/** A title written before a name with a dot ("Dr. Okafor", "Ms. Lee"): the dot ends no sentence. */
export const TITLE = /(?:Dr|Mr|Mrs|Ms|Mx|Prof|Rev)/;
const TITLE_WORD = new RegExp(`^${TITLE.source}$`);

/** A verb after its subject, which no imperative starts with ("needs", "won't", "is"). */
const SUBJECT_VERB = /^(?:is|isn't|was|wasn't|has|hasn't|needs|wants|will|won't|should|must|can't|cannot|keeps|likes|loves|'s)$/i;

/** Values written as two words a space apart: the first word's form, the second's, and whether the pair is a name. */
const TWO_WORD_VALUES: ReadonlyArray<readonly [RegExp, RegExp, boolean]> = [
  // "1012 AB": a postcode.
  [/^\d{4}$/, /^[A-Z]{2}$/, false],
  // "KX19 ZPT", "SW1A 1AA": a code in two parts (a licence plate, a UK postcode).
  [/^[A-Z]+\d+[A-Z]?$/, /^\d?[A-Z]{2,3}$/, false],
  // "vitamin D", "plan B": a word and a capital letter naming one of a series.
  [/^[a-z]{3,}$/, /^[A-HJ-Z]$/, true],
];

/** What may stand between two items of an enumeration: a comma, "and", "or" or both (", and"). */
const ENUMERATION_JOIN = /^\s*(?:,\s*)?(?:(?:and|or|&)\s+)?$/i;

/**
 * The spans of a goal an argument value can be: each quoted phrase whole, each name of several capitalised
 * words whole ("Priya Nair") and each address ("14 Harbour Road", "5 Mill Row, Bath"), a postcode of digits
 * and letters ("1012 AB") whole, each other word
 * that is no stopword, each number (with the unit or currency written with it, "45-minute" and "$3.50"
 * too) and each number word ("seventy-five", "third"), the address and the prefix length of "10.0.0.2/24"
 * apart, a number of several words as one ("twelve thousand", "an hour and a half", "two hours and ten
 * minutes"). A possessive ending a span names its owner. Values with a quote or backslash are left out (a
 * plan would have to escape them).
 */
export class GoalSpans {
  readonly words: GoalWord[] = [];
  readonly spans: GoalSpan[] = [];
  /** Per span: the spans that follow it in an enumeration (computed once; see enumerationNext). */
  private readonly following = new Map<GoalSpan, GoalSpan[]>();
  /** Per span that follows another in an enumeration: the first span it follows (computed once). */
  private readonly preceding = new Map<GoalSpan, GoalSpan>();

  constructor(private readonly goal: string) {
    for (const m of goal.matchAll(/\S+/g)) {
      const lead = /^["'([{]*/.exec(m[0])![0].length;
      const trail = /["'.,;:!?)\]}]*$/.exec(m[0].slice(lead))![0].length;
      const text = m[0].slice(lead, m[0].length - trail);
      if (text !== '') this.words.push({ start: m.index + lead, end: m.index + lead + text.length, text, concepts: concepts(text) });
    }
    const quotedWords = new Set<number>();
    for (const m of goal.matchAll(QUOTED_PHRASE)) {
      const start = m.index + 1;
      const end = start + m[2]!.length;
      const covered = this.words.flatMap((w, i) => (w.start >= start && w.end <= end ? [i] : []));
      if (covered.length === 0) continue;
      covered.forEach((i) => quotedWords.add(i));
      this.add(m[2]!, covered[0]!, covered.at(-1)!, true);
    }
    // The particle of a phrasal verb ("down" of "note down") is part of the verb.
    const particles = phrasalParticles(goal);
    this.words.forEach((w, i) => {
      if (quotedWords.has(i)) return;
      // Stopwords ("the", "to", "of") are never values, but "a" may be a number ("a minute").
      // The unit of a quantity ("hours" in "every three hours") is part of a number, no value of its own.
      const unitOfQuantity = unitOf(w.text) !== null && i > 0 && countsSomething(this.words[i - 1]!.text);
      // A capitalised word inside a sentence is a name ("in Porto", "the Fjord room"), and so is one that starts a
      // sentence as its subject ("Biscuit needs to see the vet", "Mila won't be in"): a sentence's first word is otherwise its verb.
      const name = /^\p{Lu}\p{Ll}+$/u.test(w.text) && (!this.startsSentence(i) || SUBJECT_VERB.test(this.words[i + 1]?.text ?? ''));
      // "every", "each" and "per" say how often or how many, never what ("every one hour").
      const quantifier = /^(?:every|each|per)$/i.test(w.text);
      // A dash or other sign alone ("—") is punctuation, no value.
      const sign = !/[\p{L}\p{N}]/u.test(w.text);
      const stopword = /^[A-Za-z]+$/.test(w.text) && w.concepts.length === 0;
      if (!stopword && !unitOfQuantity && !particles.has(w.start) && !quantifier && !sign) this.add(w.text, i, i, false, name);
      const next = this.words[i + 1];
      const pair = next && goal.slice(w.end, next.start) === ' ' && TWO_WORD_VALUES.find(([a, b]) => a.test(w.text) && b.test(next.text));
      if (pair && !stopword) this.add(goal.slice(w.start, next.end), i, i + 1, false, pair[2]);
      // "10.0.0.2/24" is an address with a prefix length: each part may be a value of its own.
      const cidr = CIDR.exec(w.text);
      if (cidr) {
        this.add(cidr[1]!, i, i, false);
        this.add(cidr[2]!, i, i, false);
      }
      // "half an hour" reads its unit past the article.
      const word = spelledNumber(w.text);
      const unit = word?.unit ?? this.unitAfter(i) ?? (/^half$/i.test(w.text) && /^an?$/i.test(this.words[i + 1]?.text ?? '') ? this.unitAfter(i + 1) : null);
      // "a minute" is one, but the "an" of "half an hour" is no number of its own.
      const afterHalf = /^half$/i.test(this.words[i - 1]?.text ?? '');
      const spelled = word?.value ?? (ONE_OF.test(w.text) && unit && !afterHalf ? 1 : undefined);
      if (spelled !== undefined) {
        this.spans.push({ text: String(spelled), first: i, last: i, quoted: false, identifier: false, proper: false, numeric: true, numberWord: true, unit, concepts: [] });
      }
      const n = spelled ?? numberOf(w.text);
      if (n !== undefined && !afterHalf) this.compoundNumbers(n, i);
    });
    // "Tell #general that lunch is ready": what is said after "that", up to the clause's end, is one value, as if quoted.
    for (const m of goal.matchAll(/\b(?:tell|telling|told|say|saying|said|announce|post|posting|let\s+\S+\s+know)\s+(?:\S+\s+)?that\s+([^,;.!?"]+?)(?=\s*(?:[,;.!?]|\s(?:and\s+)?then\b|$))/gi)) {
      const start = m.index + m[0].length - m[1]!.length;
      const first = this.words.findIndex((w) => w.start >= start);
      const last = this.words.findLastIndex((w) => w.end <= start + m[1]!.length);
      if (first >= 0 && last > first) this.add(m[1]!, first, last, true);
    }
    // A number written in several words is that number only ("twelve" and "thousand" are no values of their
    // own); a word of a name is none either ("Priya" of "Priya Nair"), though a number in it may be ("455").
    const compounds = this.spans.filter((c) => c.numberWord && c.last > c.first).map((c): [number, number] => [c.first, c.last]);
    const names = this.capitalisedNames(quotedWords);
    const inside = (s: GoalSpan, [first, last]: [number, number]) => s.first >= first && s.last <= last && (s.first !== first || s.last !== last);
    this.spans.splice(0, this.spans.length, ...this.spans.filter((s) => !(s.numeric ? compounds : names).some((r) => inside(s, r))));
    for (const [first, last] of names) this.add(goal.slice(this.words[first]!.start, this.words[last]!.end), first, last, false, true);
    const items = this.spans.filter((s) => !s.numberWord);
    for (const p of items) {
      const between = (s: GoalSpan) => goal.slice(this.words[p.last]!.end, this.words[s.first]!.start);
      const next = items.filter((s) => s.first > p.last && ENUMERATION_JOIN.test(between(s).replace(/['"]/g, '')) && /[,&]|\b(and|or)\b/i.test(between(s)));
      this.following.set(p, next);
      for (const s of next) if (!this.preceding.has(s)) this.preceding.set(s, p);
    }
  }

  /**
   * Names written as several capitalised words, a number may end them ("Priya Nair", "Biology 101",
   * "LH 455"): runs of two words or more joined by single spaces, outside quotes. A sentence's first word
   * is its verb ("Remove Tomás Ruiz"), not part of a name.
   */
  private capitalisedNames(quotedWords: ReadonlySet<number>): [number, number][] {
    const runs: [number, number][] = [];
    const capitalised = (i: number) => /^\p{Lu}[\p{L}'’-]*$/u.test(this.words[i]!.text);
    const joined = (i: number) => /^ $/.test(this.goal.slice(this.words[i - 1]!.end, this.words[i]!.start)) || this.afterTitle(i);
    // A house number before a capitalised name starts an address ("14 Harbour Road", "5 Mill Row, Bath").
    const titleWord = (i: number) => /^\p{Lu}\p{Ll}/u.test(this.words[i]!.text) && capitalised(i) && unitOf(this.words[i]!.text) === null;
    const houseNumber = (i: number) =>
      /^\d+[A-Za-z]?$/.test(this.words[i]!.text) && i + 1 < this.words.length && !quotedWords.has(i + 1) && joined(i + 1) && titleWord(i + 1);
    let i = 0;
    while (i < this.words.length) {
      if (!quotedWords.has(i) && houseNumber(i)) {
        let last = i + 1;
        while (last + 1 < this.words.length && !quotedWords.has(last + 1) && joined(last + 1) && capitalised(last + 1)) last++;
        runs.push([i, last]);
        // With the town after a comma, as addresses are written.
        const town = last + 1;
        if (town < this.words.length && !quotedWords.has(town) && capitalised(town) && /^, $/.test(this.goal.slice(this.words[last]!.end, this.words[town]!.start))) runs.push([i, town]);
        i = last + 1;
        continue;
      }
      if (quotedWords.has(i) || !capitalised(i)) {
        i++;
        continue;
      }
      let last = i;
      while (last + 1 < this.words.length && !quotedWords.has(last + 1) && joined(last + 1) && (capitalised(last + 1) || /^\d+$/.test(this.words[last + 1]!.text))) {
        last++;
        if (/^\d+$/.test(this.words[last]!.text)) break;
      }
      const first = this.startsSentence(i) ? i + 1 : i;
      if (last > first) runs.push([first, last]);
      i = last + 1;
    }
    return runs;
  }

  /**
   * Where a span stands to a short parenthesis ("French (fr)", "German (code de)"): its last word inside it
   * ('inside'), right before it ('glossed': the parenthesis gives another form of it), or neither.
   */
  parenthesised(span: GoalSpan): 'inside' | 'glossed' | null {
    const start = this.words[span.first]!.start;
    const end = this.words[span.last]!.end;
    if (/^\s*\((?:[^()\s]+\s+){0,2}[^()\s]+\)/.test(this.goal.slice(end))) return 'glossed';
    const open = this.goal.lastIndexOf('(', start);
    if (open < 0 || this.goal.slice(open, start).includes(')') || this.goal[end] !== ')') return null;
    return this.goal.slice(open + 1, start).trim().split(/\s+/).filter(Boolean).length <= 2 ? 'inside' : null;
  }

  /** Whether word `i` starts a sentence (where an imperative puts its verb). */
  private startsSentence(i: number): boolean {
    return i === 0 || (/[.!?:;]\W*$/.test(this.goal.slice(this.words[i - 1]!.start, this.words[i]!.start)) && !this.afterTitle(i));
  }

  /** Whether word `i` follows a title and its dot ("Okafor" of "Dr. Okafor"). */
  private afterTitle(i: number): boolean {
    const previous = this.words[i - 1]!;
    return TITLE_WORD.test(previous.text) && this.goal.slice(previous.end, this.words[i]!.start) === '. ';
  }

  private add(written: string, first: number, last: number, quoted: boolean, name = false): void {
    // A possessive at the end names its owner ("Priya Raghunathan's jacket": "Priya Raghunathan"); inside a name it stays ("Mum's Golf").
    const text = quoted ? written : written.replace(/(?<=[\p{L}\d])['’]s$/u, '');
    if (text.includes('"') || text.includes('\\')) return;
    // "59086d" is a name, not 59086 of some unit.
    const number = writtenNumber(text);
    const suffix = number?.suffix;
    // "45-minute" is 45 minutes.
    const unitSuffix = suffix?.replace(/^-/, '');
    // "3rd" is 3.
    const numeric = suffix !== undefined && (suffix === '' || suffix === '%' || /^(?:st|nd|rd|th)$/.test(suffix) || unitOf(unitSuffix!) !== null);
    const identifier = quoted || name || (!numeric && looksLikeName(text));
    const unit = numeric ? (suffix ? unitOf(unitSuffix!) : number!.currency ? unitOf(number!.currency) : this.unitAfter(last)) : null;
    const proper = name && first === last && !quoted;
    this.spans.push({ text, first, last, quoted, identifier, proper, numeric, numberWord: false, unit, concepts: concepts(text) });
  }

  /**
   * Numbers written in more than one word, from the number `n` at word `i`: "twelve thousand" (12000),
   * "an hour and a half", "two and a half minutes" (1.5 hours, 2.5 minutes).
   */
  private compoundNumbers(n: number, i: number): void {
    const text = (k: number) => this.words[k]?.text.toLowerCase() ?? '';
    const push = (value: number, last: number, unit: Unit | null) =>
      this.spans.push({ text: String(value), first: i, last, quoted: false, identifier: false, proper: false, numeric: true, numberWord: true, unit, concepts: [] });
    const scale = SCALES.get(text(i + 1));
    if (scale !== undefined && n < 1000 && n >= 1) push(n * scale, i + 1, this.unitAfter(i + 1));
    const andAHalf = (k: number) => text(k) === 'and' && /^an?$/.test(text(k + 1)) && text(k + 2) === 'half';
    const unit = this.unitAfter(i);
    // "two hours and ten minutes": in the smaller unit.
    const more = text(i + 2) === 'and' ? numberOf(text(i + 3)) : undefined;
    const smaller = more !== undefined ? this.unitAfter(i + 3) : null;
    if (unit && smaller && smaller.dimension === unit.dimension && smaller.factor < unit.factor) push((n * unit.factor) / smaller.factor + more!, i + 4, smaller);
    if (unit && andAHalf(i + 2)) push(n + 0.5, i + 4, unit);
    else if (andAHalf(i + 1) && this.unitAfter(i + 3)) push(n + 0.5, i + 4, this.unitAfter(i + 3));
  }

  /** The unit the word after word `i` names, if any. */
  private unitAfter(i: number): Unit | null {
    const next = this.words[i + 1];
    return next ? unitOf(next.text) : null;
  }

  /** True when a word within `window` words of the span (outside it) has a concept `names` accepts. */
  near(span: GoalSpan, window: number, names: (concept: string) => boolean, after = window, within?: { start: number; end: number }): boolean {
    const from = Math.max(0, span.first - window);
    const to = Math.min(this.words.length - 1, span.last + after);
    const inside = (i: number) => !within || (this.words[i]!.start >= within.start && this.words[i]!.end <= within.end);
    for (let i = from; i <= to; i++) if ((i < span.first || i > span.last) && inside(i) && this.words[i]!.concepts.some(names)) return true;
    return false;
  }

  /**
   * For a span right after "to" or "at" in a setter ("set the colour of lamp L to red"): the concepts of
   * the property being set, the word before the nearest "of" within ten words back in the sentence; null
   * elsewhere.
   */
  setterProperty(span: GoalSpan): string[] | null {
    if (!/^(?:to|at)$/.test(this.wordBefore(span))) return null;
    for (let i = span.first - 2; i > 0 && i >= span.first - 10; i--) {
      if (/[.;!?]$/.test(this.goal.slice(this.words[i]!.end, this.words[i]!.end + 1))) return null;
      if (/^of$/i.test(this.words[i]!.text)) return this.words[i - 1]!.concepts;
    }
    return null;
  }

  /** True when a word within three before the span says it counts backwards ("back by 250 ms", "minus 3"). */
  countsBack(span: GoalSpan): boolean {
    return this.words.slice(Math.max(0, span.first - 3), span.first).some((w) => /^(?:back|backwards?|behind|earlier|minus)$/i.test(w.text));
  }

  /** The word right before the span, lower-cased ("called" in "a job called cleanup"); '' at the start. */
  wordBefore(span: GoalSpan): string {
    return span.first > 0 ? this.words[span.first - 1]!.text.toLowerCase() : '';
  }

  /** The spans that follow a span written `previous` in an enumeration: a comma, "and" or "or" between them. */
  enumerationNext(previous: string): GoalSpan[] {
    return [...new Set(this.spans.flatMap((p) => (p.text === previous ? (this.following.get(p) ?? []) : [])))];
  }

  /**
   * The stretches of text that join the items of an enumeration of three or more ("eggs, butter and
   * lemons": ", " and " and "), by character range: a clause goes on through them.
   */
  enumerationJoins(): [number, number][] {
    const out: [number, number][] = [];
    for (const head of this.following.keys()) {
      if (this.preceding.has(head)) continue;
      // Items joined by commas, then one joined by "and"/"or", which ends the list ("…, lemons and set the …" goes on no further).
      const joins: [number, number][] = [];
      for (let p = head, q = this.following.get(p)?.[0]; q !== undefined; p = q, q = this.following.get(p)?.[0]) {
        const join: [number, number] = [this.words[p.last]!.end, this.words[q.first]!.start];
        joins.push(join);
        if (/\b(?:and|or)\b|&/i.test(this.goal.slice(...join))) break;
      }
      if (joins.length >= 2) out.push(...joins);
    }
    return out;
  }

  /** The first item of the enumeration the span is in (the span itself when it follows none). */
  enumerationHead(span: GoalSpan): GoalSpan {
    let head = span;
    for (let p = this.preceding.get(head); p !== undefined; p = this.preceding.get(head)) head = p;
    return head;
  }

  /** True when the span follows another in an enumeration. */
  followsAnother(span: GoalSpan): boolean {
    return this.preceding.has(span);
  }

  /**
   * What the goal says of a flag: true where a word `names` accepts appears, false where "no", "not",
   * "without" or "never" comes within two words before it; for a switch, "on"/"enable" or "off"/"disable"
   * within `range` (the step's clause) when no word names it; null when the goal says nothing.
   */
  saysFlag(names: (concept: string) => boolean, range: { start: number; end: number } | null, isSwitch: boolean): boolean | null {
    const inRange = (w: GoalWord) => !range || (w.start >= range.start && w.start < range.end);
    const negated = (i: number) => this.words.slice(Math.max(0, i - 2), i).some((p) => /^(?:no|not|without|never|don't|dont)$/i.test(p.text));
    const named = this.words.findIndex((w) => inRange(w) && w.concepts.some(names));
    if (named >= 0) return !negated(named);
    if (!isSwitch) return null;
    for (const w of this.words) {
      if (!inRange(w)) continue;
      if (/^(?:on|enable[ds]?|activate[ds]?)$/i.test(w.text)) return true;
      if (/^(?:off|disable[ds]?|deactivate[ds]?)$/i.test(w.text)) return false;
    }
    return null;
  }

  /** True when "no", "without" or "zero" comes right before a word with a concept `names` accepts ("no arguments", "without any flags"). */
  saysNone(names: (concept: string) => boolean): boolean {
    return this.words.some((w, i) => w.concepts.some(names) && this.words.slice(Math.max(0, i - 2), i).some((p) => /^(no|without|zero)$/i.test(p.text)));
  }
}
