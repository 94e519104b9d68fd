import { integerRange, isNumberType, isStringType, listElementType } from '../data/capnp-values.js';
import type { ToolDescriptor } from '../data/descriptor.js';
import { COMPLETE, feedBytes, minCompletionBytes, type PlanState } from './constrain/automaton.js';
import { Base64StringFrame } from './constrain/base64-string.js';
import { FloatFrame, IntegerFrame } from './constrain/json-number.js';
import { JsonStringFrame } from './constrain/json-string.js';
import type { PlanConstraint } from './constrain/plan-constraint.js';
import { concepts } from './concepts.js';
import { withoutValues, type Clause } from './goal-clauses.js';
import type { GoalReading } from './goal-reading.js';
import { CIDR, GoalSpans, spelledNumber, writtenNumber, type GoalSpan } from './goal-spans.js';
import { argumentInProgress, type ArgumentInProgress } from './plan-so-far.js';
import { logSumExp } from './sampling.js';
import { convert, paramUnit, PERCENT, type Unit } from './units.js';
import { shapeOf, shapesAskedBy, type ValueShape } from './value-shapes.js';

/**
 * Argument values as spans of the goal. A Text argument of a plan is a span of the goal (a name, a
 * path, a quoted phrase), and most numbers are numbers the goal writes; the d2 planner knows the shape
 * of a value but not which span fills which param, and written token by token a copy drifts (it ends
 * mid-word, repeats a list element, or wanders off the goal). So at the start of a value the decoder
 * lists the goal's candidate spans (goal-spans.ts), scores each by the model's log-probability of its
 * first token (at most 8 nats behind the model's favourite span) plus a prior from what the words around
 * it say, and writes the chosen span whole (with its closing quote, or the byte that ends the number) as
 * one forced run. A number is converted to the
 * unit the param takes ("3 minutes" into `timeoutMs`: 180000), and may also be the model's own: then
 * the model writes it token by token as before.
 *
 * The prior, in nats, reads the goal's wording only: a quoted span or an identifier, a span near a word
 * naming the param (or, for a tool's only Text param, a plain word right after a word of the tool: "the
 * package ulfinost"), and a span in the clause that asks for the step's tool (goal-reading.ts) are likely
 * values (a span in a clause asking for another step a less likely one); so are the span after "to" in
 * "set the P of X to V" for P, the span after a param's own preposition (`from`, `to`) or, for a
 * destination (`channel`, `folder`), after "to" or "in" and, for a start (`origin`, `pickupAddress`),
 * after "from"; the span after the interface's noun for a name ("as job 'nightly'"); a span of the form
 * the param asks for (a path, a date, "7pm" for `time`, a code "RD-90210" for `rideId`), which other
 * params leave alone, and a date or time no param asks for is rarely a value; a quantity whose unit
 * measures what the param's does ("15 euros" for `amountCents`, not for `temperatureCelsius`). A span
 * right after a word naming or cueing another param is that param's; a word naming what a listed tool
 * does, or starting a clause (its verb), is rarely a value, nor is the word naming the param ("from
 * postcode 10115": the value is 10115), while a word the tool's description gives as an example of the
 * param's values is likely ("a channel such as sms or email"); an address with its town beats the same
 * street alone; a span another param already took is rarely taken again (never twice in one step), while the value the same param took in the step before often is
 * (unless the step's clause holds a value of its own), the more so when the clause refers back ("renew
 * it", "book her a fitting"), and such a clause points to a span the param's word names elsewhere ("check
 * how moist its soil is" after "water the roses zone"); a list never holds one twice; a Text param rarely
 * takes a bare number, unless right after its own word ("zone 7"). A flag (Bool) is what the words naming
 * it say, and off when the goal does not mention it. A list's elements are written as an enumeration ("python3, tmux and nginx"): a list likely
 * starts where an enumeration does, the span that follows the last element is the likely next one, the
 * list likely ends where none follows, and it is empty where the goal says "no arguments". The values of a
 * step are chosen together: a span costs (0.9 of) what taking it here costs the step's later params, by
 * their priors with each taking a different span ("Schedule 'echo ping' as job cleanup": the quoted span
 * is the command, so the name loses it).
 */
export class ValueSpans {
  private readonly goal: GoalSpans;
  /** Whether a goal word's concept names some listed tool's param. */
  private readonly namesSomeParam: (concept: string) => boolean;
  private readonly descriptors: ReadonlyMap<string, ToolDescriptor>;
  private readonly goalText: string;
  /** Per listed tool: the concepts of its interface's name. */
  private readonly ifaceConcepts: ReadonlySet<string>[];
  /** Every goal span chosen as a value so far. */
  private readonly writtenSpans: GoalSpan[] = [];
  /** Indexes of the goal words that start a clause (an imperative's verb). */
  private readonly clauseFirstWords = new Set<number>();
  /** Memos of shapesAsked() and sameThing(): both read param names, and the prior asks them per candidate span. */
  private readonly shapesByParam = new Map<string, readonly ValueShape[] | null>();
  private readonly related = new Map<string, boolean>();
  /** Memos of examplesOf() and asksForCode(). */
  private readonly examples = new Map<string, ReadonlySet<string>>();
  private readonly codes = new Map<string, boolean>();
  /** Identifier spans holding another identifier ("KX19 ZPT"), and spans inside an identifier of several words ("1350" of "TP 1350"). */
  private readonly holdsIdentifier = new Set<GoalSpan>();
  private readonly inLongerIdentifier = new Set<GoalSpan>();

  constructor(
    goal: string,
    descriptors: readonly ToolDescriptor[],
    private readonly reading: GoalReading,
    private readonly encode: (text: string) => readonly number[],
  ) {
    this.goal = reading.spans;
    this.goalText = goal;
    this.ifaceConcepts = descriptors.map((d) => new Set(concepts(d.name.split('.')[0]!)));
    for (const clause of reading.clauses.all) {
      const i = this.goal.words.findIndex((w) => w.start >= clause.start);
      if (i >= 0 && this.goal.words[i]!.start < clause.end) this.clauseFirstWords.add(i);
    }
    for (const outer of this.goal.spans) {
      if (!outer.identifier) continue;
      for (const inner of this.goal.spans) {
        if (inner.first < outer.first || inner.last > outer.last) continue;
        if (outer.last > outer.first) this.inLongerIdentifier.add(inner);
        if (inner !== outer && inner.identifier) this.holdsIdentifier.add(outer);
      }
    }
    this.descriptors = new Map(descriptors.map((d) => [d.name, d]));
    const names = [...new Set(descriptors.flatMap((d) => Object.keys(d.params)))].map(namesParam);
    this.namesSomeParam = (c) => names.some((n) => n(c));
  }

  /**
   * At the start of an argument value (`written` is the plan so far, `row` the masked logits, `room` the
   * tokens left): the tokens of the goal span to write and the probability of that choice among the
   * candidates; null when no value starts here, no span fits, or the model's own number wins.
   */
  choose(row: Float32Array, mask: Uint8Array, constraint: PlanConstraint, written: string, room: number, pick: (scores: Float32Array) => number): SpanPick | null {
    const state = constraint.state;
    if (state === COMPLETE) return null;
    // A string value starts right after its opening quote (not after an escaped quote inside it).
    const text = written.endsWith('"') && !written.endsWith('\\"') && ((state.frame instanceof JsonStringFrame && state.frame.isArgValue) || state.frame instanceof Base64StringFrame);
    const number = !text && startsNumber(state);
    const at = text || number ? this.argumentAt(written) : null;
    if (!at || !(at.key in at.tool.params)) return null;

    const takes = number ? paramUnit(at.key, at.tool.description) : null;
    const type = at.tool.params[at.key]!.type;
    const names = namesParam(at.key);
    const logZ = logSumExp(row);
    const options: { ids: number[]; score: number; span: GoalSpan }[] = [];
    const firstTokens = new Set<number>();
    for (const span of this.goal.spans) {
      if (number ? !span.numeric : span.numberWord) continue;
      const value = this.spanValue(span, type, takes, number);
      const piece = forcedPiece(state, value, text);
      const ids = piece ? [...this.encode(piece.text)] : [];
      if (ids.length === 0 || !mask[ids[0]!] || ids.length + minCompletionBytes(piece!.state) + 1 > room) continue;
      const prior = this.prior(span, value, at, text, names, takes);
      if (prior === null) continue;
      firstTokens.add(ids[0]!);
      options.push({ ids, score: row[ids[0]!]! - logZ + prior, span });
    }
    if (options.length === 0) return null;
    // The model's lean counts at most as one piece of the priors' evidence: a span it likes MODEL_LEAD_CAP nats less
    // than its favourite is scored as if it liked it that much less ("off the design team" is no team's name).
    const favourite = Math.max(...options.map((o) => row[o.ids[0]!]!));
    for (const o of options) o.score += Math.max(0, favourite - MODEL_LEAD_CAP - row[o.ids[0]!]!);
    // A span a later param of the step needs costs that param its value (see the class comment).
    const later = this.laterParams(at);
    const needed = new Set(later.flat().map((c) => c.span));
    if (needed.size > 0) {
      const best = bestAssignment(later, null);
      for (const o of options) if (needed.has(o.span)) o.score -= LATER_COST * (best - bestAssignment(later, o.span));
    }
    const own = number ? ownNumberScore(row, mask, firstTokens) - logZ + OWN_NUMBER : -Infinity;
    const scores = Float32Array.from([...options.map((o) => o.score), own]);
    const k = pick(scores);
    if (k < 0 || k === options.length) return null;
    this.writtenSpans.push(options[k]!.span);
    // The priors are set by hand in nats, not learnt: the confidence reads the scores at a third of their strength.
    const tempered = scores.map((x) => x / VALUE_CONFIDENCE_TEMPERATURE);
    return { ids: options[k]!.ids, probability: Math.exp(tempered[k]! - logSumExp(tempered)) };
  }

  /**
   * How many of the goal's values (quoted phrases, identifiers, numbers written in digits) no argument of
   * the plan written so far took: a plan that leaves a value of the goal unused likely missed what the goal
   * asks ("Slow fan 'cpu' down to 30%" answered by a tool that takes neither).
   */
  unusedValues(): number {
    // A value written in part or whole ("10.0.0.2" of "10.0.0.2/24", "3 Quay Street" of "3 Quay Street, Galway") is used.
    const used = (s: GoalSpan) => this.writtenSpans.some((w) => w.text === s.text || (w.first <= s.last && s.first <= w.last));
    return new Set(this.goal.spans.filter((s) => ((s.identifier && !s.proper) || (s.numeric && !s.numberWord)) && !used(s)).map((s) => s.text)).size;
  }

  /** The priors on a value's tokens where no span is written whole: a list going on or ending, a flag. */
  applyAt(row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined, written: string): void {
    this.applyListContinue(row, mask, firstByte, written);
    this.applyBool(row, mask, firstByte, written);
  }

  /**
   * At the choice between another list element and the list's end (`,` or `]`, or `]` right after `[`):
   * ENUMERATION nats toward what the goal's enumeration says (see the class comment). `firstByte` gives
   * the first byte of a token's text.
   */
  private applyListContinue(row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined, written: string): void {
    // Only right after `[`, a closing quote or a digit; the plan text is read only there.
    if (!/[["0-9]$/.test(written)) return;
    const at = this.argumentAt(written);
    if (!at || !at.valueText.startsWith('[') || at.valueText.includes(']')) return;
    let favoured: number;
    if (at.valueText === '[') {
      if (!this.goal.saysNone(namesParam(at.key))) return;
      favoured = CLOSE_BRACKET;
    } else {
      const previous = at.listSoFar.at(-1);
      if (previous === undefined) return;
      favoured = this.enumerationNext(previous).some((s) => !at.listSoFar.includes(s.text)) ? COMMA : CLOSE_BRACKET;
    }
    for (let id = 0; id < mask.length; id++) if (mask[id] && firstByte(id) === favoured) row[id]! += ENUMERATION;
  }

  /**
   * At the start of a Bool value: BOOL nats toward what the goal says. A word naming the param says
   * true ("a forced stop"), false when "no", "not" or "without" comes before it ("without
   * forcing"); a switch-like param ("on", "enabled", "powered") reads on/enable against off/disable in
   * its step's clause; a param the goal does not mention stays false (a flag not asked for is off).
   */
  private applyBool(row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined, written: string): void {
    if (!written.endsWith('":')) return;
    const at = this.argumentAt(written);
    if (!at || at.valueText !== '' || at.tool.params[at.key]?.type !== 'Bool') return;
    const value = this.goal.saysFlag(namesParam(at.key), at.clause && { start: at.clause.start, end: at.clause.end }, isSwitch(at.key));
    const favoured = value === false || value === null ? FALSE : TRUE;
    const nats = value === null ? UNMENTIONED_FLAG : BOOL;
    for (let id = 0; id < mask.length; id++) if (mask[id] && firstByte(id) === favoured) row[id]! += nats;
  }

  /**
   * The prior of `span` (written as `value`) for the argument `at`, whose param takes numbers in unit `takes`
   * if any; null when the list being written already holds it.
   */
  private prior(span: GoalSpan, value: string, at: Argument, text: boolean, names: (concept: string) => boolean, takes: Unit | null): number | null {
    if (at.listSoFar.includes(value)) return null;
    let prior = 0;
    // "15 euros" is no temperature, "2.4 kg" is a weight: a quantity goes to a param of its dimension.
    if (takes && span.unit) prior += takes.dimension === span.unit.dimension ? UNIT_MATCH : -UNIT_MATCH;
    if (span.identifier) prior += LOOKS_LIKE_VALUE;
    // A value of a form goes to the param asking for that form ("7pm" to `time`), and to no other.
    const shape = text ? shapeOf(span.text) : null;
    const asked = shape && this.shapesAsked(at.tool, at.key);
    if (asked) prior += asked.includes(shape) ? SHAPE_MATCH : -SHAPE_MATCH;
    else if (shape && Object.keys(at.tool.params).some((k) => k !== at.key && this.shapesAsked(at.tool, k)?.includes(shape))) prior -= SHAPE_MATCH;
    else if (shape && DATED.has(shape)) prior -= SHAPE_MATCH;
    // "3 Quay Street, Galway" whole rather than its street alone, which it otherwise ties with.
    if (asked?.includes('address') && shape === 'address' && span.text.includes(',')) prior += WHOLE_ADDRESS;
    // "KX19 ZPT" whole rather than "KX19", which it otherwise ties with.
    if (this.holdsIdentifier.has(span)) prior += WHOLE_CODE;
    // "10.0.0.2/24" is one value, unless the tool takes the prefix length apart (`address`, `prefixLength`).
    if (shape === 'ip' && this.partOfCidr(span) !== CIDR_SPLIT.test(Object.keys(at.tool.params).join(' '))) prior -= SHAPE_MATCH;
    const before = this.goal.wordBefore(span);
    if (text && placeCue(at.key, before)) prior += DESTINATION;
    // "books about falconry", "look for invoice", "packages matching vacation": the topic is the query.
    if (text && takesQuery(at.key) && /^(?:about|for|matching|containing|mentioning|on)$/.test(before)) prior += QUERY_TOPIC;
    // "set the P of X to V": V is P's value, and no other param's.
    const property = this.goal.setterProperty(span);
    if (property?.some(names)) prior += SETTER_PROPERTY;
    else if (property?.some(this.namesSomeParam)) prior -= SETTER_PROPERTY;
    // "as job 'nightly'": the interface's own noun next to a value names it more surely than a word near it.
    const byToolNoun = takesName(at.key) && this.afterToolNoun(span, at.k);
    // A list's later items belong with the name next to its first item ("sizes 38, 42 and 44").
    const head = this.goal.enumerationHead(span);
    const named =
      this.goal.near(span, NAME_WINDOW, names, NAME_WINDOW, this.clauseAround(span)) ||
      (before !== '' && before === prepositionOf(at.key)) ||
      (takesName(at.key) && NAMING_WORD.test(before)) ||
      // "put the reason down as 'limping paw'", "save the file as notes.txt": the span after "as" a few words on from the param's word.
      (text && before === 'as' && this.goal.near(span, AS_WINDOW, names, 0)) ||
      byToolNoun ||
      (head !== span && at.listSoFar.length > 0 && this.goal.near(head, 1, names, 0));
    if (named) prior += NEAR_NAME + (byToolNoun ? BY_TOOL_NOUN : 0);
    // "Erase the package ulfinost": a plain word right after a word of the step's tool names what it acts on.
    else if (text && !span.identifier && !span.numeric && this.actsOn(span, at)) prior += TOOL_OBJECT;
    // "Rename A to B" with params `from` and `to`, "move F to D" with `file` and `target`: the span after "to" is the other param's.
    // Only a param that could take the span counts: "dim the porch lights to a quarter" gives no number to `zone`.
    else if (
      before !== '' &&
      !placeCue(at.key, before) &&
      Object.keys(at.tool.params).some((k) => k !== at.key && (text || !isStringType(at.tool.params[k]!.type)) && (prepositionOf(k) === before || placeCue(k, before)))
    )
      prior += NEXT_TO_OTHER_NAME;
    // Otherwise an item after the first, where the name next to the first is some param's, is no value here ("the arguments -l and /var").
    else if (this.goal.near(head, 1, this.namesSomeParam, 0)) prior += NEXT_TO_OTHER_NAME;
    // The value the same param took in the step before, which a clause holding no value of its own may mean again.
    const carried = at.taken.findLast((t) => this.sameThing(t.key, at.key) && t.step < at.step)?.value === value;
    const ownValue = at.clause !== null && this.clauseHoldsValue(at.clause, span);
    const start = this.goal.words[span.first]!.start;
    if (at.clause && start >= at.clause.start && start < at.clause.end) prior += IN_TOOL_CLAUSE;
    // "…, but first check how moist its soil is": "its" points to what the goal names by the param's word ("the roses zone").
    else if (named && at.clause && this.refersBack(at.clause)) prior += NAMED_REFERENT;
    // "Check the certificate of a.com, then get the MX records of b.lan": a.com is the first clause's value, not the second's.
    else if (at.clause && !(carried && !ownValue) && !this.refersBack(at.clause) && this.inOtherClause(start, at.clause)) prior += OTHER_CLAUSE;
    // "German (code de)", "French (fr)": a param asking for a code takes the code in parentheses, not the word it glosses.
    if (text && this.asksForCode(at)) {
      const gloss = this.goal.parenthesised(span);
      if (gloss === 'inside') prior += CODE_IN_PARENTHESES;
      else if (gloss === 'glossed') prior -= 2 * CODE_IN_PARENTHESES;
    }
    // "Sends a reminder through a channel such as sms or email": "email" is a value the descriptor names for `channel`.
    if (text && this.examplesOf(at.tool, at.key).has(span.text.toLowerCase())) prior += EXAMPLE_VALUE;
    else if (!span.identifier && !span.numeric) {
      // "from postcode 10115": the word naming the param labels its value, and is none itself.
      if (span.concepts.some(names)) prior += PARAM_NAME_WORD;
      if (span.concepts.some((c) => this.reading.toolConcepts[at.k]!.has(c))) prior += OWN_TOOL_WORD;
      else if (this.isToolWord(span)) prior += OTHER_TOOL_WORD;
      // A clause's first word is its verb ("give member M-2 a large locker"), no value.
      else if (this.clauseFirstWords.has(span.first)) prior += CLAUSE_VERB;
      // "Kick lee@corp.io off the design team", "up for spin on 2026-02-03": a preposition is a value less likely.
      if (PREPOSITION.test(span.text)) prior += PREPOSITION_WORD;
    }
    // Part of a value already written, or one reaching into it ("Morning" of "Sunday Morning"), is no value of its own;
    // the prefix length of "10.0.0.2/24" is, once its address is written.
    const overlaps = (w: GoalSpan) => w.text !== span.text && w.first <= span.last && span.first <= w.last && !(this.partOfCidr(w) && span.numeric);
    if (this.writtenSpans.some(overlaps)) prior += OVERLAPS_WRITTEN;
    if (at.taken.some((t) => t.value === value && t.key !== at.key && t.step === at.step)) prior += TAKEN_IN_STEP;
    else if (at.taken.some((t) => t.value === value && !this.sameThing(t.key, at.key))) prior += TAKEN;
    else if (carried) {
      const refers = at.clause !== null && this.refersBack(at.clause);
      if (refers || !ownValue) prior += SAME_PARAM_TAKEN + (refers ? REFERENT : 0);
    }
    const previous = at.listSoFar.at(-1);
    if (previous !== undefined && this.enumerationNext(previous).includes(span)) prior += ENUMERATION;
    else if (at.valueText === '["' && this.headsEnumeration(span)) prior += ENUMERATION;
    // "zone 7", "table 4": a number right after the param's own word is its label, as a name would be.
    const labelled = span.first > 0 && this.goal.words[span.first - 1]!.concepts.some(names);
    // A number in words is one too ("a quarter", "seven"), though its word is a span of its own.
    const spelled = !span.numeric && span.first === span.last && spelledNumber(span.text) !== undefined;
    // Unless the param asks for digits ("card ending 8812" for `last4`) and they are no part of a longer name ("TP 1350").
    const formAsked = shape !== null && !!asked && asked.includes(shape) && !this.inLongerIdentifier.has(span);
    if (text && (span.numeric || spelled) && !span.quoted && !labelled && !formAsked) prior += BARE_NUMBER_FOR_TEXT;
    return prior;
  }

  /**
   * What `span` writes as a value of `type` (or of its list's element): its text, or for a number its value in the
   * unit the param takes (`takes`), negated for a signed param where the goal counts back ("back by 250 ms" is -250).
   */
  private spanValue(span: GoalSpan, type: string, takes: Unit | null, number: boolean): string {
    if (!number) return span.text;
    const element = listElementType(type) ?? type;
    return numberValue(span, takes, /^(?:Int|Float)/.test(element) && this.goal.countsBack(span), integerRange(element) !== null);
  }

  /** Per scalar param (Text, Data, a number) of the step's tool after `at.key`: its best candidate spans by prior alone, best first. */
  private laterParams(at: Argument): { span: GoalSpan; prior: number }[][] {
    const keys = Object.keys(at.tool.params);
    const out: { span: GoalSpan; prior: number }[][] = [];
    for (const key of keys.slice(keys.indexOf(at.key) + 1)) {
      const type = at.tool.params[key]!.type;
      const number = isNumberType(type);
      if (!number && !isStringType(type)) continue;
      const takes = number ? paramUnit(key, at.tool.description) : null;
      const here: Argument = { ...at, key, valueText: '', listSoFar: [] };
      const names = namesParam(key);
      const candidates: { span: GoalSpan; prior: number }[] = [];
      for (const span of this.goal.spans) {
        if (number ? !span.numeric : span.numberWord) continue;
        const value = this.spanValue(span, type, takes, number);
        const prior = this.prior(span, value, here, !number, names, takes);
        if (prior !== null) candidates.push({ span, prior });
      }
      candidates.sort((a, b) => b.prior - a.prior);
      if (candidates.length > 0) out.push(candidates.slice(0, LATER_CANDIDATES));
    }
    return out;
  }

  /**
   * Whether the word right after the span, or right before it outside a clause's verb position, is a noun
   * of the tool's interface ("as job 'nightly'" and "the 'nightly' job" name the job; "Schedule 'echo hi'"
   * does not).
   */
  private afterToolNoun(span: GoalSpan, k: number): boolean {
    const before = span.first - 1;
    const after = this.goal.words[span.last + 1];
    if (after && after.concepts.some((c) => this.ifaceConcepts[k]!.has(c))) return true;
    if (before < 0 || this.clauseFirstWords.has(before)) return false;
    return this.goal.words[before]!.concepts.some((c) => this.ifaceConcepts[k]!.has(c));
  }

  /** Whether the goal offset `start` lies in a clause asking for a step other than `own`. */
  private inOtherClause(start: number, own: Clause): boolean {
    return this.reading.asked.some((c) => c !== own && start >= c.start && start < c.end);
  }

  /** Whether the span is the address of a goal word written as address/prefix ("10.0.0.2" of "10.0.0.2/24"). */
  private partOfCidr(span: GoalSpan): boolean {
    return span.first === span.last && CIDR.test(this.goal.words[span.first]!.text) && !span.text.includes('/');
  }

  /**
   * Whether the span follows a word of the step's tool other than a clause's verb, and the tool has one Text
   * param only, which the span then likely fills ("the package ulfinost", "the user lena").
   */
  private actsOn(span: GoalSpan, at: Argument): boolean {
    // A preposition is no object; the word after it may be ("a build on main").
    if (PREPOSITION.test(span.text)) return false;
    const before = span.first - (span.first > 1 && PREPOSITION.test(this.goal.words[span.first - 1]!.text) ? 2 : 1);
    if (before < 0 || this.clauseFirstWords.has(before)) return false;
    if (soleTextParam(at.tool) !== at.key) return false;
    return this.goal.words[before]!.concepts.some((c) => this.reading.toolConcepts[at.k]!.has(c));
  }

  /** The clause the span stands in ("vol-orders" of "Take a snapshot of vol-orders and label it …" is no label's). */
  private clauseAround(span: GoalSpan): { start: number; end: number } | undefined {
    const start = this.goal.words[span.first]!.start;
    return this.reading.clauses.all.find((c) => start >= c.start && start < c.end);
  }

  /** Whether the param asks for a code: its name says so (`languageCode`), or its tool's description near the param's word ("into a target language code"). */
  private asksForCode(at: Argument): boolean {
    const id = `${at.tool.name} ${at.key}`;
    if (!this.codes.has(id)) {
      const words = at.tool.description.toLowerCase().split(/[^a-z]+/);
      const names = namesParam(at.key);
      const described = words.some((w, i) => /^codes?$/.test(w) && words.slice(Math.max(0, i - 3), i).some((v) => concepts(v).some(names)));
      this.codes.set(id, /code/i.test(at.key) || described);
    }
    return this.codes.get(id)!;
  }

  /**
   * The values a tool's description gives as examples for param `key`, lower-cased: the words after "such as",
   * "like", "e.g." or "for example" when the word before names the param ("a channel such as sms or email"),
   * or wherever they stand when `key` is the tool's only Text param.
   */
  private examplesOf(tool: ToolDescriptor, key: string): ReadonlySet<string> {
    const id = `${tool.name} ${key}`;
    let examples = this.examples.get(id);
    if (!examples) {
      const names = namesParam(key);
      // A tool's only Text param takes whatever examples its description gives ("the unit of the scale, such as grams or ounces").
      const onlyText = soleTextParam(tool) === key;
      examples = new Set(
        [...tool.description.matchAll(EXAMPLES)].flatMap((m) =>
          concepts(m[1]!).some(names) || onlyText ? m[2]!.split(/\s*,\s*|\s+(?:or|and)\s+/).map((w) => w.replace(/['"]/g, '').toLowerCase()) : [],
        ),
      );
      this.examples.set(id, examples);
    }
    return examples;
  }

  /** The forms param `key` of `tool` asks for (value-shapes.ts), read from its name once. */
  private shapesAsked(tool: ToolDescriptor, key: string): readonly ValueShape[] | null {
    const id = `${tool.name} ${key}`;
    if (!this.shapesByParam.has(id)) this.shapesByParam.set(id, shapesAskedBy(key));
    return this.shapesByParam.get(id)!;
  }

  /** Whether two params name the same thing: the same key, or one's name abbreviating the other's ("user" and "username"); read once per pair. */
  private sameThing(a: string, b: string): boolean {
    if (a === b) return true;
    const id = `${a} ${b}`;
    if (!this.related.has(id)) this.related.set(id, concepts(a).some(namesParam(b)) || concepts(b).some(namesParam(a)));
    return this.related.get(id)!;
  }

  /** Whether the clause holds a value of its own (quoted, an identifier, a name; for a number, a number) other than `span` that no argument took yet. */
  private clauseHoldsValue(clause: Clause, span: GoalSpan): boolean {
    return this.goal.spans.some((s) => {
      const start = this.goal.words[s.first]!.start;
      // For a number, a number in digits of the clause is a value of its own too ("send 9 pings").
      const own = s.identifier || (span.numeric && s.numeric && !s.numberWord);
      return s !== span && own && start >= clause.start && start < clause.end && !this.writtenSpans.includes(s);
    });
  }

  /** Whether a clause refers back to what an earlier step acted on ("restart it", "its memory", "that same user"). */
  private refersBack(clause: Clause): boolean {
    return REFERS_BACK.test(withoutValues(this.goalText.slice(clause.start, clause.end)));
  }

  /** The spans continuing an enumeration after `previous`, except words naming what a listed tool does ("… and tamar and set …"). */
  private enumerationNext(previous: string): GoalSpan[] {
    return this.goal.enumerationNext(previous).filter((s) => !this.isToolWord(s));
  }

  /** True when an enumeration starts at the span: another follows it and it follows none ("flour" in "flour, sugar and salt"). */
  private headsEnumeration(span: GoalSpan): boolean {
    return !this.isToolWord(span) && this.enumerationNext(span.text).length > 0 && !this.goal.followsAnother(span);
  }

  /** A plain word that names what some listed tool does. */
  private isToolWord(span: GoalSpan): boolean {
    return !span.identifier && !span.numeric && span.concepts.some((c) => this.reading.idf.has(c));
  }

  /** The argument being written, with its tool's descriptor and list position and the clause asking for its step. */
  private argumentAt(written: string): Argument | null {
    const at = argumentInProgress(written);
    const tool = at && this.descriptors.get(at.tool);
    if (!at || !tool) return null;
    const k = this.reading.index.get(at.tool)!;
    return { ...at, tool, k, clause: this.reading.clauseOf(at.step, k) };
  }
}

/**
 * The share of a later param's loss a span pays: a little under all of it, so a tie goes to the param being
 * written, whose model score is known (the later params' is not).
 */
const LATER_COST = 0.9;
/** How many of a later param's best candidates bestAssignment() tries (8 chose as 4 on every probe set). */
const LATER_CANDIDATES = 4;
/** How much worse than its last candidate a later param's value is when every candidate is taken. */
const NO_CANDIDATE_LEFT = 8;
/** The best sum of priors over the later params, each taking a different span, none taking `excluded`. */
function bestAssignment(later: readonly { span: GoalSpan; prior: number }[][], excluded: GoalSpan | null): number {
  const used = new Set<GoalSpan>(excluded ? [excluded] : []);
  const search = (i: number): number => {
    if (i === later.length) return 0;
    const list = later[i]!;
    // A param whose candidates are all taken gets a value worse than its last.
    let best = list.at(-1)!.prior - NO_CANDIDATE_LEFT + search(i + 1);
    for (const c of list) {
      if (used.has(c.span)) continue;
      used.add(c.span);
      best = Math.max(best, c.prior + search(i + 1));
      used.delete(c.span);
    }
    return best;
  };
  return search(0);
}

/** What the decoder writes for a chosen value, and how sure the choice was. */
export interface SpanPick {
  ids: number[];
  /** Probability of the chosen candidate among the candidates (softmax of their scores). */
  probability: number;
}

interface Argument extends Omit<ArgumentInProgress, 'tool'> {
  tool: ToolDescriptor;
  /** The tool's position in the list. */
  k: number;
  /** The clause that asks for this step, if the goal's words say. */
  clause: Clause | null;
}

/** A word (a comma may follow), then "such as", "like", "e.g." or "for example", then one-word examples joined by commas, "or" or "and". */
const EXAMPLE = `['"]?[\\w+-]+['"]?`;
const EXAMPLES = new RegExp(`([A-Za-z]+),?\\s+(?:such as|like|e\\.g\\.,?|for example,?|for instance,?)\\s+(${EXAMPLE}(?:\\s*,\\s*${EXAMPLE})*(?:\\s*,?\\s+(?:or|and)\\s+${EXAMPLE})?)`, 'g');
/** The tool's Text param when it has exactly one, else null. */
function soleTextParam(tool: ToolDescriptor): string | null {
  const text = Object.keys(tool.params).filter((k) => tool.params[k]!.type === 'Text');
  return text.length === 1 ? text[0]! : null;
}
/** Prior weights in nats (see the class comment). */
const LOOKS_LIKE_VALUE = 8;
const SHAPE_MATCH = 8;
/** Toward an address with its town over the same address without (they start alike, so the model scores them alike). */
const WHOLE_ADDRESS = 1;
/** Toward an identifier holding a shorter one ("KX19 ZPT" over "KX19"). */
const WHOLE_CODE = 1;
/** Forms that only a param asking for them takes (a date is no dog's breed). */
const DATED: ReadonlySet<ValueShape> = new Set(['date', 'time', 'datetime']);
/** Toward a quantity whose unit measures what the param's unit does, away from one of another dimension. */
const UNIT_MATCH = 8;
const NEAR_NAME = 8;
/** How many words before "as" the param's word may stand ("the reason down as …"). */
const AS_WINDOW = 4;
/** More toward a name param's value right next to its interface's noun. */
const BY_TOOL_NOUN = 4;
const NEXT_TO_OTHER_NAME = -8;
/** Toward a plain word right after a word of the step's tool, for the tool's only Text param (8: dev −1, val −1, non-OS dev −1). */
const TOOL_OBJECT = 4;
const IN_TOOL_CLAUSE = 8;
/**
 * Away from a span in the clause asking for another step, unless the step's clause refers back ("book her a
 * fitting") or it is the same param's earlier value and the step's clause holds none of its own.
 */
const OTHER_CLAUSE = -4;
const OWN_TOOL_WORD = -8;
/** Toward a value the tool's description names as an example for the param. */
const EXAMPLE_VALUE = 8;
/** Toward a code in parentheses ("French (fr)"), and twice that away from the word it glosses, for a param asking for a code. */
const CODE_IN_PARENTHESES = 8;
/** A plain word naming the param itself. */
const PARAM_NAME_WORD = -8;
const OTHER_TOOL_WORD = -4;
/** A plain word that starts a clause, where an imperative puts its verb. */
const CLAUSE_VERB = -8;
/** A preposition as a plain value ("on", "off", "up"): −8 let a refusal's plan through (its confidence rose over 0.1). */
const PREPOSITION_WORD = -4;
const TAKEN = -8;
const SAME_PARAM_TAKEN = 4;
/** Toward the value the same param took in an earlier step, for a clause that refers back ("set its humidity"). */
const REFERENT = 8;
/** Toward a span the param's word names outside the step's clause, when that clause refers back. */
const NAMED_REFERENT = 4;
const REFERS_BACK = /\b(?:it|its|them|their|he|him|his|she|her|hers|the same|that same|this same)\b/i;
/** A value another param of the same step took: a step rarely passes one value twice. */
const TAKEN_IN_STEP = -16;
/** A span overlapping one already written as a value. */
const OVERLAPS_WRITTEN = -16;
const BARE_NUMBER_FOR_TEXT = -8;
/** Toward the span that continues an enumeration, and toward going on with or ending a list as the goal does. */
const ENUMERATION = 16;
/**
 * How far the model's first-token log-probability may put a candidate span behind its favourite: one prior's
 * worth of evidence (7 and less let wrong plans through on refusals, 10 and 12 fixed fewer values).
 */
const MODEL_LEAD_CAP = 8;
/** The model writing a number of its own instead of one of the goal's. */
const OWN_NUMBER = -8;
/** How much weaker the confidence reads a value choice's scores than the choice does (docs/planner.md, "Confidence"). */
const VALUE_CONFIDENCE_TEMPERATURE = 3;
/** A param that takes a name ("name", "jobName", "label", "title"), which NAMING_WORD introduces in a goal. */
function takesName(key: string): boolean {
  return /(?:^|[a-z0-9])(?:name|Name|label|Label|title|Title)$/.test(key) && !/[a-z]name$/.test(key);
}
/** The words that introduce a name ("a job called cleanup"). */
const NAMING_WORD = /^(?:called|named|label+ed|titled)$/;
/** Toward the span after "about", "for", "matching" … for a param holding what to search for. */
const QUERY_TOPIC = 8;
/** Toward the span after "to", "into", "under" or "in" for a param naming where something goes or is, after "from" for one naming where it starts. */
const DESTINATION = 8;
/** A param naming where something goes or is ("channel", "folder", "targetDir"), which "to", "into", "under" or "in" introduce. */
function takesDestination(key: string): boolean {
  return /(?:^|[a-z0-9])(?:channel|Channel|folder|Folder|target|Target|destination|Destination|recipient|Recipient|room|Room)$|^(?:dropoff|dest|arrival|recipient)|(?:Dropoff|Arrival)/.test(key);
}
const PREPOSITION = /^(?:on|in|at|to|for|from|with|by|of|into|onto|off|up|down|over)$/i;

/** Whether `word`, right before a span, says the span is where param `key` puts, keeps or takes something ("to" or "in" for `folder`, "from" for `origin`). */
function placeCue(key: string, word: string): boolean {
  return (takesDestination(key) && /^(?:to|into|under|in)$/.test(word)) || (takesSource(key) && word === 'from');
}
/** A param naming where something starts ("origin", "pickupAddress", "sourceDir"), which "from" introduces. */
function takesSource(key: string): boolean {
  return /^(?:origin|source|src|pickup|sender|departure)|(?:Origin|Source|Pickup|Sender|Departure)/.test(key);
}
/** A param holding what to search for ("query", "q", "keyword", "searchTerm", "topic", "pattern"). */
function takesQuery(key: string): boolean {
  return /^(?:q|query|keyword|term|topic|pattern)$|(?:Query|Keyword|Term|Topic|Pattern)$/.test(key);
}
/** Words either side of a span that may name its param. */
const NAME_WINDOW = 2;
/** A param named by a preposition ("from", "to", "fromAccount"): its value is the span right after that word. */
const PREPOSITION_KEY = /^(?:from|to|into|via|at|by|with|on|in|for)$/;
/** The preposition a param's name is or starts with ("to", "fromAccount": "from"), if any. */
function prepositionOf(key: string): string | undefined {
  const lead = /^([a-z]+)(?=[A-Z0-9]|$)/.exec(key)?.[1];
  return lead !== undefined && PREPOSITION_KEY.test(lead) ? lead : undefined;
}
/** Toward the value a setter gives the param it names ("set the colour of lamp L to red"), away from other params. */
const SETTER_PROPERTY = 16;

/** Toward the Bool value the goal's words say. */
const BOOL = 8;
/** Toward false for a flag the goal does not mention. */
const UNMENTIONED_FLAG = 4;
const TRUE = 0x74;
const FALSE = 0x66;
/** Param names that take a network prefix's length apart from its address. */
const CIDR_SPLIT = /(?:^|\s)(?:prefix|mask|netmask|bits)|[a-z](?:Prefix|Mask|Bits)/;
/** A Bool param that is an on/off switch, whose value "on", "enable", "off" or "disable" say. */
function isSwitch(key: string): boolean {
  return concepts(key).some((c) => SWITCH_CONCEPTS.has(c));
}
const SWITCH_CONCEPTS = new Set(concepts('on enabled powered active'));

const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

/** Whether a goal word's concept names param `key`: one of its words, or a word it abbreviates ("args": "arguments"). */
function namesParam(key: string): (concept: string) => boolean {
  const named = concepts(key);
  return (c) => named.some((n) => n === c || (n.length >= 3 && c.startsWith(n)));
}

/** The forced text for a value: a string's text and closing quote; a number and the byte that ends it when only one can. */
function forcedPiece(state: PlanState, value: string, text: boolean): { text: string; state: PlanState } | null {
  const full = text ? `${value}"` : value;
  const after = feedBytes(state, new TextEncoder().encode(full));
  if (!after || text || after === COMPLETE) return after ? { text: full, state: after } : null;
  const endings = [',', '}', ']'].flatMap((c) => {
    const next = feedBytes(after, new TextEncoder().encode(c));
    return next ? [{ c, next }] : [];
  });
  return endings.length === 1 ? { text: full + endings[0]!.c, state: endings[0]!.next } : { text: full, state: after };
}

/**
 * A number span's value (negated when `negated`) in the unit the param takes (as written when either has no
 * unit, or across dimensions); a converted value for an integer param is rounded ("3 lb" is 1361 `grams`).
 */
function numberValue(span: GoalSpan, takes: Unit | null, negated: boolean, integer: boolean): string {
  const written = (negated ? -1 : 1) * writtenNumber(span.text)!.value;
  // "a quarter brightness" into `percent` is 25.
  const unit = span.unit ?? (takes === PERCENT && span.numberWord && written < 1 ? { ...PERCENT, factor: 100 } : null);
  const value = takes && unit ? convert(written, unit, takes) : null;
  if (value === null) return String(written);
  return String(integer ? Math.round(value) : Number(value.toPrecision(12)));
}

/** True where a number may start and none has (a number has no opening delimiter). */
function startsNumber(state: Exclude<PlanState, typeof COMPLETE>): boolean {
  if (state.frame instanceof IntegerFrame || state.frame instanceof FloatFrame) return false;
  const next = feedBytes(state, Uint8Array.of(0x31));
  return next !== null && next !== COMPLETE && (next.frame instanceof IntegerFrame || next.frame instanceof FloatFrame);
}

/** Log of the summed exp-logits of the allowed first tokens that start no candidate (the model's own number). */
function ownNumberScore(row: Float32Array, mask: Uint8Array, candidates: ReadonlySet<number>): number {
  const own = new Float32Array(row.length).fill(-Infinity);
  for (let i = 0; i < mask.length; i++) if (mask[i] && !candidates.has(i)) own[i] = row[i]!;
  return logSumExp(own);
}
