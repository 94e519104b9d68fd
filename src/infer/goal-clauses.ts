import { concepts } from './concepts.js';
import { QUOTED_PHRASE } from './goal-spans.js';

/**
 * A goal read as the actions it asks for, in the order it asks them to happen. Goals say order in
 * words, not only by position: "list the sources after you return fan control to automatic" runs the
 * second clause first, as do "before you add X, renew Y" and "unlock peggy. Prior to that, schedule …".
 * A negated clause ("do not page anyone", "don't kill anything") asks for no step: its words name what
 * must not run.
 */
export interface Clause {
  /** Character range in the goal. */
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
  'but first',
  'only after',
  'prior to that',
  'before that',
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

/** Clause-ending punctuation: a comma, semicolon, colon or sentence end followed by a space or the end ("example.org" does not split). */
const PUNCTUATION = /[,;:.!?](?=\s|$)/g;
const SENTENCE_END = /[;.!?]/;
const CONNECTIVE = new RegExp(`\\b(?:${CONNECTIVES.map((c) => c.replace(/ /g, '\\s+')).join('|')})\\b`, 'gi');
const NEGATION = /\b(?:do not|don't|dont|never|avoid)\b/i;

/** The text with its quoted phrases blanked: they are values ("post 'backup done'"), not words of the request. */
export function withoutQuoted(text: string): string {
  return text.replace(QUOTED_PHRASE, (m) => ' '.repeat(m.length));
}

/** How a clause's connective places it relative to what came before. */
type Placement = 'sequential' | 'beforePrevious' | 'beforeNext';

function placement(connective: string, sentenceStart: boolean): Placement {
  switch (connective) {
    case 'after':
    case 'once':
      // "X after Y": Y first; "After Y, X" reads in order.
      return sentenceStart ? 'sequential' : 'beforePrevious';
    case 'but only after':
    case 'only after':
    case 'but first':
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

/**
 * Reads `goal`'s clauses; `asks` says whether a clause's concepts name an action (some listed tool's
 * words): only those are ordered, so an enumeration split at its "and" ("git, openssl and jq") does not
 * count as steps of its own.
 */
export function readGoalClauses(goal: string, asks: (concepts: readonly string[]) => boolean): GoalClauses {
  // Connectives and punctuation inside quotes are part of a value ("list three uses of a timer").
  const quoted = [...goal.matchAll(QUOTED_PHRASE)].map((m) => [m.index, m.index + m[0].length] as const);
  const inQuotes = (at: number) => quoted.some(([from, to]) => at > from && at < to);
  const cuts: { at: number; connective: string | null; sentenceEnd: boolean; length: number }[] = [];
  for (const m of goal.matchAll(PUNCTUATION)) cuts.push({ at: m.index, connective: null, sentenceEnd: SENTENCE_END.test(m[0]), length: 1 });
  for (const m of goal.matchAll(CONNECTIVE)) cuts.push({ at: m.index, connective: m[0].toLowerCase().replace(/\s+/g, ' '), sentenceEnd: false, length: m[0].length });
  cuts.sort((a, b) => a.at - b.at);
  const clauseCuts = cuts.filter((cut) => !inQuotes(cut.at));

  const all: Clause[] = [];
  const ordered: Clause[] = [];
  const negatedConcepts = new Set<string>();
  const asked = new Set<string>();
  let from = 0;
  let connective: string | null = null;
  let sentenceStart = true;
  let beforeNext: Clause | null = null;
  const close = (to: number) => {
    const text = goal.slice(from, to);
    const clause: Clause = { start: from, end: to, concepts: concepts(withoutQuoted(text)) };
    if (clause.concepts.length === 0) return false;
    all.push(clause);
    if (NEGATION.test(text)) {
      clause.concepts.forEach((c) => negatedConcepts.add(c));
      return true;
    }
    clause.concepts.forEach((c) => asked.add(c));
    if (!asks(clause.concepts)) return true;
    const place = connective === null ? 'sequential' : placement(connective, sentenceStart);
    if (beforeNext) {
      ordered.splice(ordered.indexOf(beforeNext), 0, clause);
      beforeNext = null;
    } else if (place === 'beforePrevious' && ordered.length > 0) {
      ordered.splice(ordered.length - 1, 0, clause);
    } else {
      ordered.push(clause);
      if (place === 'beforeNext') beforeNext = clause;
    }
    return true;
  };
  for (const cut of clauseCuts) {
    if (cut.at < from) continue;
    // A clause without content words (a bare "Afterwards,") passes its connective on, unless a nearer one follows.
    if (close(cut.at)) {
      connective = null;
      sentenceStart = false;
    }
    if (cut.connective !== null) connective = cut.connective;
    if (cut.sentenceEnd) {
      sentenceStart = true;
      beforeNext = null;
    }
    from = cut.at + cut.length;
  }
  close(goal.length);
  return { all, ordered, forbidden: new Set([...negatedConcepts].filter((c) => !asked.has(c))) };
}
