import { concepts } from './concepts.js';
import { countsSomething, QUOTED_PHRASE, TITLE } from './goal-spans.js';
import { unitOf } from './units.js';

/**
 * A goal read as the actions it asks for, in the order it asks them to happen. Goals say order in
 * words, not only by position: "list the sources after you return fan control to automatic" runs the
 * second clause first, as do "before you add X, renew Y" and "unlock peggy. Prior to that, schedule …".
 * What "and" or a comma joins to a moved clause moves with it ("X, but first Y and Z": Y, Z, X); "but
 * first" goes before all its sentence asked so far ("X once you've done Y, but first Z": Z, Y, X). A
 * negated clause ("do not page anyone", "don't kill anything") asks for no step: its words name what
 * must not run. A clause that asks for nothing (a param's name and value, a reason "so I know …") says
 * more about the asking clause before it and joins it.
 */
export interface Clause {
  /** Character range in the goal (an asking clause's range grows over the clauses that join it). */
  start: number;
  end: number;
  concepts: string[];
}

export interface GoalClauses {
  /** Every clause in text order (negated ones included), for locating words. */
  all: Clause[];
  /** The clauses that ask for an action (use a listed tool's word), in the order the goal wants them done. */
  ordered: Clause[];
  /** Concepts of the negated clauses that no asking clause uses. */
  forbidden: Set<string>;
}

/** Connectives that start a clause (regular expressions), longest first so "and then" wins over "and"; "last" only as "Last, …". */
const CONNECTIVES = [
  'once that is done',
  'when that is done',
  'once done',
  'but only after',
  // "X, but before you do that(,) Y": Y first, as "but first" says.
  'but before (?:you |we )?(?:do(?:ing)? )?(?:that|this|it|so)',
  'but first',
  'but start by',
  'only after',
  'prior to that',
  'before that',
  // "before you do that", "before doing so": pointing back, so only where the clause ends.
  'before (?:you |we )?(?:do(?:ing)? )?(?:that|this|it|so)(?=\\s*(?:[,;:.!?]|$))',
  'after that',
  'and then',
  'followed by',
  'afterwards',
  'finally',
  'lastly',
  'after',
  'before',
  'once',
  'then',
  'next',
  'also',
  'and',
  'last(?=\\s*,)',
];

/**
 * Clause-ending punctuation: a comma, semicolon, colon or sentence end followed by a space or the end
 * ("example.org" does not split; nor does the dot of a title, "Dr. Okafor"), and a dash between spaces ("water bed-2 — do not feed the cat"; "bed-2" does not split).
 */
const PUNCTUATION = new RegExp(`(?:[,;:!?]|(?<!\\b${TITLE.source})\\.)(?=\\s|$)|(?<=\\s)[-–—](?=\\s)`, 'g');
const SENTENCE_END = /[;.!?]/;
const CONNECTIVE = new RegExp(`\\b(?:${CONNECTIVES.map((c) => c.replace(/ /g, '\\s+')).join('|')})\\b`, 'gi');
/** A clause saying why ("so I know it worked"), which asks for no step of its own. */
const PURPOSE = /^\s*so (?:that )?(?:i|we|you|they)\b/i;
/** A negated clause: "do not page anyone", "never …", "no need to wipe …", and one opening with "not" ("Not a lesson, just the court"). */
const NEGATION = /\b(?:do not|don't|dont|never|avoid|not to|no need to)\b|^\s*(?:(?:but|and|just|though)\s+)?not\b/i;

/**
 * The text with its values blanked: quoted phrases ("post 'backup done'") and words written like names
 * ("shop.example.net", "7D:3E:01", "/var/log") are values, not words of the request.
 */
export function withoutValues(text: string): string {
  const blank = (m: string) => ' '.repeat(m.length);
  const unquoted = text.replace(QUOTED_PHRASE, blank);
  return unquoted.replace(NAME_LIKE, blank);
}

/** A word with a slash, colon, at, hash or underscore, or a dot inside it ("sha256" is a word). */
const NAME_LIKE = /\S*(?:[/:@#_]|\.(?=\w))\S*/g;

/** A connective as placement() reads it: lower case, single spaces, "before you do that" as "before that", "but before you do that" as "but first". */
function normalConnective(text: string): string {
  const words = text.toLowerCase().replace(/\s+/g, ' ');
  if (words.startsWith('but before ')) return 'but first';
  return words.startsWith('before ') ? 'before that' : words;
}

/**
 * Whether a connective pointing back ("prior to that", "before you do that") placed after a clause
 * moves that clause: "Lock the door. Feed the cat before you do that." feeds first.
 */
function pointsBack(connective: string): boolean {
  return connective === 'prior to that' || connective === 'before that';
}

/** How a clause's connective places it relative to what came before. */
type Placement = 'sequential' | 'beforePrevious' | 'beforeSentence' | 'beforeNext';

function placement(connective: string, sentenceStart: boolean): Placement {
  switch (connective) {
    case 'after':
    case 'once':
      // "X after Y": Y first; "After Y, X" reads in order.
      return sentenceStart ? 'sequential' : 'beforePrevious';
    case 'but first':
    case 'but start by':
      // "X once you've done Y, but first Z": Z before all the sentence asked so far.
      return 'beforeSentence';
    case 'but only after':
    case 'only after':
    case 'prior to that':
    case 'before that':
      return 'beforePrevious';
    case 'before':
      // "Before Y, X": X first; "X before Y" reads in order.
      return sentenceStart ? 'beforeNext' : 'sequential';
    default:
      return 'sequential';
  }
}

/** Whether the "and" between `from` and `to` joins two quantities of one amount ("two hours and ten minutes"). */
function joinsQuantities(goal: string, from: number, to: number): boolean {
  const before = /(\S+)\s+(\S+)\s*$/.exec(goal.slice(0, from));
  const after = /^\s*(\S+)\s+([A-Za-z]+)/.exec(goal.slice(to));
  return !!before && !!after && countsSomething(before[1]!) && unitOf(before[2]!) !== null && countsSomething(after[1]!) && unitOf(after[2]!) !== null;
}

/**
 * Reads `goal`'s clauses; `asks` says whether a clause's concepts name an action (some listed tool's
 * words): only those are ordered, so an enumeration split at its "and" ("git, openssl and jq") does not
 * count as steps of its own.
 */
export function readGoalClauses(goal: string, asks: (concepts: readonly string[]) => boolean, joins: readonly [number, number][] = []): GoalClauses {
  // Connectives and punctuation inside quotes are part of a value ("list three uses of a timer").
  const quoted = [...goal.matchAll(QUOTED_PHRASE)].map((m) => [m.index, m.index + m[0].length] as const);
  const inQuotes = (at: number) => quoted.some(([from, to]) => at > from && at < to);
  const cuts: { at: number; connective: string | null; sentenceEnd: boolean; length: number }[] = [];
  for (const m of goal.matchAll(PUNCTUATION)) cuts.push({ at: m.index, connective: null, sentenceEnd: SENTENCE_END.test(m[0]), length: 1 });
  for (const m of goal.matchAll(CONNECTIVE)) cuts.push({ at: m.index, connective: normalConnective(m[0]), sentenceEnd: false, length: m[0].length });
  cuts.sort((a, b) => a.at - b.at);
  // Nor between the items of an enumeration ("put eggs, butter and lemons on the list" is one clause).
  const inEnumeration = (cut: (typeof cuts)[number]) => !cut.sentenceEnd && joins.some(([from, to]) => cut.at >= from && cut.at < to);
  const clauseCuts = cuts.filter(
    (cut) => !inQuotes(cut.at) && !inEnumeration(cut) && !(cut.connective === 'and' && joinsQuantities(goal, cut.at, cut.at + cut.length)),
  );

  const all: Clause[] = [];
  const ordered: Clause[] = [];
  const negatedConcepts = new Set<string>();
  const asked = new Set<string>();
  let from = 0;
  let connective: string | null = null;
  let sentenceStart = true;
  let beforeNext: Clause | null = null;
  // The clause the last clause moved before, while the sentence goes on joining clauses to that one.
  let movedBefore: Clause | null = null;
  // The last asking clause of the sentence: a clause that asks for nothing after it says more about its step.
  let lastAsking: Clause | null = null;
  // Where the sentence's clauses start in `ordered`.
  let sentenceFirst = 0;
  const close = (to: number, pointedBack: boolean) => {
    const text = goal.slice(from, to);
    const clause: Clause = { start: from, end: to, concepts: concepts(withoutValues(text)) };
    if (clause.concepts.length === 0) return false;
    all.push(clause);
    if (NEGATION.test(text)) {
      clause.concepts.forEach((c) => negatedConcepts.add(c));
      return true;
    }
    clause.concepts.forEach((c) => asked.add(c));
    if (!asks(clause.concepts) || PURPOSE.test(text)) {
      if (lastAsking) lastAsking.end = to;
      return true;
    }
    lastAsking = clause;
    const place = pointedBack ? 'beforePrevious' : connective === null ? 'sequential' : placement(connective, sentenceStart);
    if (beforeNext && place === 'sequential' && (connective === null || connective === 'and')) {
      // "Before Y, X and Z": X and Z go before Y.
      ordered.splice(ordered.indexOf(beforeNext), 0, clause);
    } else if ((place === 'beforePrevious' || place === 'beforeSentence') && ordered.length > 0) {
      const at = place === 'beforeSentence' ? Math.min(sentenceFirst, ordered.length - 1) : ordered.length - 1;
      movedBefore = ordered[at]!;
      ordered.splice(at, 0, clause);
    } else if (movedBefore && place === 'sequential' && (connective === null || connective === 'and')) {
      // "X, but first Y and Z": Z joins Y before X.
      ordered.splice(ordered.indexOf(movedBefore), 0, clause);
    } else {
      movedBefore = null;
      beforeNext = null;
      ordered.push(clause);
      if (place === 'beforeNext') beforeNext = clause;
    }
    return true;
  };
  for (const cut of clauseCuts) {
    if (cut.at < from) continue;
    // A clause without content words (a bare "Afterwards,") passes its connective on, unless a nearer one follows.
    // A connective pointing back ("prior to that") right after a clause's words places that clause, not the next.
    const back = cut.connective !== null && pointsBack(cut.connective);
    const closed = close(cut.at, back);
    if (closed) {
      connective = null;
      sentenceStart = false;
    }
    if (cut.connective !== null && !(back && closed)) connective = cut.connective;
    if (cut.sentenceEnd) {
      sentenceStart = true;
      beforeNext = null;
      lastAsking = null;
      movedBefore = null;
      sentenceFirst = ordered.length;
    }
    from = cut.at + cut.length;
  }
  close(goal.length, false);
  return { all, ordered, forbidden: new Set([...negatedConcepts].filter((c) => !asked.has(c))) };
}
