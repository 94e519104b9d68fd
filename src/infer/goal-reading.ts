import { isNumberType, isStringType, listElementType } from '../data/capnp-values.js';
import type { ToolDescriptor } from '../data/descriptor.js';
import { concepts } from './concepts.js';
import { readGoalClauses, withoutValues, type Clause, type GoalClauses } from './goal-clauses.js';
import { GoalSpans } from './goal-spans.js';

const CREATE = concepts('create')[0]!;
const GET = concepts('get')[0]!;
const LIST = concepts('list')[0]!;
/** First words of a request a plan of reading tools can answer: verbs of reading, questions, "I'd like to know". */
const READING_LEADS = new Set(
  concepts(
    'get show list find check look see view display tell report read search locate fetch grab verify inspect confirm give print count ' +
      'track return let need want like know wonder pull',
  ),
);
/** Words that open a question ("What's the rate …?", "Is the flag on? Just tell me"). */
const QUESTION_START = /^\s*(?:what|what's|which|how|who|whose|when|where|why|is|are|was|were|does|do|did|has|have|can|could|would|will|should)\b/i;
/** The polite words before a request's verb ("Please could you", "I need you to", "I'd like you to"). */
const POLITE_REQUEST = /^\s*(?:please\s+)?(?:(?:could|can|would|will)\s+you\s+(?:please\s+)?|i\s+(?:need|want|would like|'d like|’d like)\s+you\s+to\s+)/i;
/** Methods that only read, and the verbs leading a clause that asks to read (fewer than READING_LEADS: "give member M-2 a locker" changes something). */
const READS = new Set(concepts('get list check search count status track info stats find verify'));
/** A description's first verb that says its tool reads ("Reports …", "Lists …"; "Returns" may give back: "Return every fan to automatic"). */
const DESCRIBES_READING = new Set(concepts('get list count check search'));
/** Actions that change something. */
const CHANGES = new Set(
  concepts(
    'set create delete start stop restart enable disable block unblock move write send cancel pause resume mount unmount resize lock unlock ' +
      'schedule book order pay grant revoke rename upgrade reserve',
  ),
);
/** Actions and their opposites, both ways. */
const OPPOSITE = new Map(
  ['create delete', 'book cancel', 'start stop', 'enable disable', 'block unblock', 'mount unmount', 'subscribe unsubscribe', 'pause resume', 'lock unlock', 'mute unmute']
    .map((pair) => concepts(pair) as [string, string])
    .flatMap(([a, b]) => [[a, b], [b, a]] as [string, string][]),
);

/** Verbs near enough to stand in for one another when no listed tool names the first ("send" money is to move it, "check" a parcel is to read where it is). */
const RELATED = new Map<string, string>(
  // Not delete and cancel: "Delete message 4071" is no cancelling of an alarm.
  ['stop cancel', 'cancel stop', 'send move', 'check get'].map((pair) => concepts(pair) as [string, string]),
);

/** Field weights: the method name says what a tool does most directly. */
export const FIELD_WEIGHT = { method: 1, iface: 0.6, param: 0.6, description: 0.5 } as const;

/** A tool's concepts, each with the weight of the most telling field it appears in. */
export function toolConcepts(tool: ToolDescriptor): Map<string, number> {
  const out = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const c of concepts(text)) out.set(c, Math.max(out.get(c) ?? 0, weight));
  };
  const [iface, method] = tool.name.split('.') as [string, string];
  add(method, FIELD_WEIGHT.method);
  add(iface, FIELD_WEIGHT.iface);
  for (const p of Object.keys(tool.params)) add(p, FIELD_WEIGHT.param);
  add(tool.description, FIELD_WEIGHT.description);
  // Listing is a way of showing: "show the keys" asks a list method as much as a get one, at a description word's weight.
  if (out.get(LIST) === FIELD_WEIGHT.method && !out.has(GET)) out.set(GET, FIELD_WEIGHT.description);
  return out;
}

/**
 * A goal read against a tool list, once per plan, for the decoder's priors (tool-match.ts picks tools
 * with it, value-spans.ts places values): the goal's concepts and clauses, each listed tool's concepts,
 * and how rare each concept is among the listed tools (words every tool shares decide nothing).
 */
export class GoalReading {
  readonly goalConcepts: ReadonlySet<string>;
  /** Per listed tool, in list order: its concepts with their field weights. */
  readonly toolConcepts: readonly ReadonlyMap<string, number>[];
  /** A listed tool's position by name. */
  readonly index: ReadonlyMap<string, number>;
  /** log(1 + tools / tools having it), for every concept some listed tool has. */
  readonly idf: ReadonlyMap<string, number>;
  readonly clauses: GoalClauses;
  /** The goal's candidate value spans (value-spans.ts places them; the tool match counts them). */
  readonly spans: GoalSpans;
  /** The clauses that ask for a step, in the order the goal asks (clauses.ordered). */
  readonly asked: readonly Clause[];

  /** Per listed tool: the concepts of its method's name. */
  private readonly methodConcepts: ReadonlySet<string>[];
  /** Per listed tool: how many values of each kind its params take (a list param any number). */
  private readonly capacity: { text: number; number: number }[];
  /** The goal's values (quoted phrases, names, identifiers; numbers), none inside another, by where they start. */
  private readonly values: { start: number; number: boolean }[];
  /**
   * Per listed tool: whether it only reads, as its method's verb says (`getOrder`, `listEvents`) or, for a
   * method named by a noun alone (`brightnessOf`), its description's verb ("Reports the brightness …").
   */
  private readonly onlyReads: boolean[];

  constructor(private readonly goal: string, tools: readonly ToolDescriptor[]) {
    this.methodConcepts = tools.map((t) => new Set(concepts(t.name.split('.')[1]!)));
    this.capacity = tools.map((t) => {
      const types = Object.values(t.params).map((p) => p.type);
      // A list param takes any number of its element's kind.
      const room = (isKind: (type: string) => boolean) =>
        types.some((x) => isKind(listElementType(x) ?? '')) ? Infinity : types.filter(isKind).length;
      return { text: room(isStringType), number: room(isNumberType) };
    });
    this.spans = new GoalSpans(goal);
    const valued = this.spans.spans.filter((v) => v.identifier || (v.numeric && (!v.numberWord || v.unit !== null)));
    this.values = valued
      .filter((v) => !valued.some((w) => w !== v && w.first <= v.first && v.last <= w.last && w.last - w.first > v.last - v.first))
      .map((span) => ({ start: this.spans.words[span.first]!.start, number: span.numeric }));
    this.onlyReads = tools.map((t, k) => {
      const method = [...this.methodConcepts[k]!];
      if (READS.has(method[0] ?? '')) return true;
      return !method.some((c) => CHANGES.has(c)) && DESCRIBES_READING.has(concepts(t.description)[0] ?? '');
    });
    const goalConcepts = new Set(concepts(withoutValues(goal)));
    this.toolConcepts = tools.map(toolConcepts);
    this.index = new Map(tools.map((t, k) => [t.name, k]));
    const idf = new Map<string, number>();
    for (const fields of this.toolConcepts) for (const c of fields.keys()) idf.set(c, (idf.get(c) ?? 0) + 1);
    for (const [c, df] of idf) idf.set(c, Math.log(1 + tools.length / df));
    this.idf = idf;
    // A clause asks for a step when it names what a tool does or acts on; a param's name alone ("Water bed-2,
    // duration 30 seconds") says how, and belongs to the clause before it.
    const actions = new Set(tools.flatMap((t) => concepts(`${t.name.replace('.', ' ')} ${t.description}`)));
    this.clauses = readGoalClauses(goal, (cs) => cs.some((c) => actions.has(c)), this.spans.enumerationJoins());
    this.asked = this.clauses.ordered;
    // A clause led by a noun that names a listed interface, method or param but starts no listed method
    // ("Bookmark <url>") asks to make one: the noun used as a verb.
    const verbs = new Set(this.methodConcepts.map((m) => m.values().next().value));
    for (const clause of this.asked) {
      // The clause's first word, where an imperative puts its verb.
      const lead = concepts(/^\s*(\S+)/.exec(goal.slice(clause.start, clause.end))?.[1] ?? '')[0];
      if (lead !== undefined && !verbs.has(lead) && this.toolConcepts.some((fields) => (fields.get(lead) ?? 0) > FIELD_WEIGHT.description)) {
        clause.concepts.push(CREATE);
        goalConcepts.add(CREATE);
      }
    }
    // A verb no listed tool names reads as a near one that some tool does, by its method's name or to something
    // the clause names: "Stop build 1187" with `cancelBuild`, "check where order FL-3 is" with `trackDelivery`.
    for (const clause of this.clauses.all) {
      const near = clause.concepts.flatMap((c) => {
        const r = RELATED.get(c);
        if (this.idf.has(c) || r === undefined) return [];
        const does = (k: number) => this.methodConcepts[k]!.has(r) || (this.toolConcepts[k]!.has(r) && clause.concepts.some((w) => w !== c && this.toolConcepts[k]!.has(w)));
        return this.toolConcepts.some((_, k) => does(k)) ? [r] : [];
      });
      clause.concepts.push(...near);
      near.forEach((r) => goalConcepts.add(r));
    }
    this.goalConcepts = goalConcepts;
  }

  /**
   * Whether the clause asks for an action ("delete", "allow") that no listed tool names anywhere while a
   * listed method does its opposite to something the clause names (`addTrack`, `blockPort`): a near miss,
   * which a plan would get wrong.
   */
  onlyOpposite(clause: Clause): boolean {
    const words = concepts(withoutValues(this.goal.slice(clause.start, clause.end)));
    return words.some((c) => {
      const o = OPPOSITE.get(c);
      if (o === undefined || this.idf.has(c)) return false;
      // The opposite tool must act on what the clause names ("allow port 22" against `blockPort`): "run the fan
      // at 65 percent" is no near miss of `ProcessManager.kill`.
      // And match the clause best: "drop reservation R" with `cancelReservation` listed is no near miss of `addSpecialRequest`.
      const best = Math.max(...this.toolConcepts.map((_, j) => this.clauseMatch(clause, j)));
      return this.methodConcepts.some((m, k) => m.has(o) && words.some((w) => w !== c && this.toolConcepts[k]!.has(w)) && this.clauseMatch(clause, k) >= best);
    });
  }

  /**
   * Whether the goal asks for more than reading (its first content word is no verb of reading and it is
   * no question: "Upgrade the seats on order ORD-441", "Pay off my fine") while every tool in `toolNames`
   * only reads (`getOrder`, `getBalance`): such a plan leaves undone what was asked.
   */
  changeUnmet(toolNames: readonly string[]): boolean {
    // "I need you to update …", "Could you delete …?": a request, whose verb follows the polite words.
    const polite = POLITE_REQUEST.exec(this.goal)?.[0] ?? '';
    const request = this.goal.slice(polite.length);
    const lead = concepts(withoutValues(request))[0];
    const question = QUESTION_START.test(request) || (polite === '' && this.goal.includes('?'));
    if (toolNames.length === 0 || lead === undefined || READING_LEADS.has(lead) || question) return false;
    return toolNames.every((name) => this.onlyReads[this.index.get(name) ?? -1] ?? false);
  }

  /**
   * Whether the clause asks to read, not to change: a question ("What's the rate …?", "how many …") or a
   * clause led by a verb of reading ("Please show the job schedule": `list`, not `schedule`).
   */
  asksToRead(clause: Clause): boolean {
    const text = this.goal.slice(clause.start, clause.end);
    if (READS.has(concepts(withoutValues(text))[0] ?? '')) return true;
    return QUESTION_START.test(text) && !/^\s*(?:can|could|would|will)\s+you\b/i.test(text);
  }

  /**
   * How many of the clause's values (quoted phrases, names, identifiers, numbers) listed tool `k` has no
   * param to take: a number may go to a number or a spare Text param, anything else to a Text param only.
   */
  unplacedValues(clause: Clause, k: number): number {
    const inClause = this.values.filter((v) => v.start >= clause.start && v.start < clause.end);
    const text = inClause.filter((v) => !v.number).length;
    const numbers = inClause.length - text;
    const { text: textRoom, number: numberRoom } = this.capacity[k]!;
    const spareText = Math.max(0, textRoom - text);
    return Math.max(0, text - textRoom) + Math.max(0, numbers - numberRoom - spareText);
  }

  /** Whether listed tool `k`'s method changes something (sets, creates, deletes, starts, stops …). */
  changes(k: number): boolean {
    return [...this.methodConcepts[k]!].some((c) => CHANGES.has(c));
  }

  /** How well a clause matches listed tool `k`: over the concepts they share, idf times field weight. */
  clauseMatch(clause: Clause, k: number): number {
    const fields = this.toolConcepts[k]!;
    let score = 0;
    for (const c of new Set(clause.concepts)) score += (this.idf.get(c) ?? 0) * (fields.get(c) ?? 0);
    return score;
  }

  /**
   * The clause that asks for step `step` (0-based) when it calls listed tool `k`: the step's clause in
   * the goal's order when it matches the tool, else the clause that matches the tool best; null when
   * none does.
   */
  clauseOf(step: number, k: number): Clause | null {
    const own = this.asked[step];
    if (own && this.clauseMatch(own, k) > 0) return own;
    let best: Clause | null = null;
    let bestScore = 0;
    for (const clause of this.asked) {
      const score = this.clauseMatch(clause, k);
      if (score > bestScore) [best, bestScore] = [clause, score];
    }
    return best;
  }
}
