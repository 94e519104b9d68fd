import type { ChoiceKind } from './generate.js';
import { FIELD_WEIGHT, type GoalReading } from './goal-reading.js';
import { toolsInPlan } from './plan-so-far.js';

/**
 * A prior toward the listed tools whose words the goal uses. The d2 planner learns a plan's format and
 * copies argument values, but its pick among the listed tools stays near chance on tools it has not
 * seen (docs/planner.md); this prior supplies what the goal and the descriptors say in words.
 *
 * Words are lower-cased, split at camelCase, stripped of common English endings and mapped to a concept
 * when they are one of a few generic synonyms ("remove" and "delete", "ms" and "milliseconds"). A tool's
 * concepts come from its method name, its interface name, its params and its description, weighted in that
 * order. A listed tool scores the sum, over the goal's concepts it has, of how rare the concept is among
 * the listed tools (so words every tool shares decide nothing) times its field weight. Concepts a chosen
 * step's tool already matched count less for the next step, so a second step looks for the goal's
 * other clause. Step k also scores against the goal's k-th clause in the order the goal asks for
 * (goal-clauses.ts), less for a tool that matches a clause still to come better (that clause's step) or that
 * has no param for a value the clause gives (a quoted name, an identifier, a number), and
 * a tool whose method a negated clause names ("do not page anyone") is pushed down. The bonus, in nats, is `weight` times the score; only the listed slots get it.
 */
export class ToolMatchBias {
  /** Per listed tool: true when a negated clause names its method. */
  private readonly forbidden: boolean[];

  constructor(
    private readonly reading: GoalReading,
    readonly weight: number,
    /** The slot token of each listed tool, in list order. */
    private readonly slotIds: readonly number[],
  ) {
    const { forbidden } = reading.clauses;
    this.forbidden = reading.toolConcepts.map((fields) => [...fields].some(([c, field]) => field === FIELD_WEIGHT.method && forbidden.has(c)));
  }

  /** Each listed tool's score for the next step, after the steps whose tools are named in `written`. */
  scores(written: string): number[] {
    const explained = new Map<string, number>();
    const used = new Set<number>();
    const { index, toolConcepts, idf, goalConcepts, asked } = this.reading;
    const chosen = toolsInPlan(written);
    for (const name of chosen) {
      const k = index.get(name);
      if (k === undefined) continue;
      used.add(k);
      for (const c of toolConcepts[k]!.keys()) explained.set(c, (explained.get(c) ?? 0) + 1);
    }
    const aligned = asked[chosen.length];
    // A question, or a clause led by "show" or "list", asks to read, not to change.
    const reads = aligned !== undefined && this.reading.asksToRead(aligned);
    return toolConcepts.map((fields, k) => {
      let score = (this.forbidden[k] ? -FORBIDDEN : 0) - (used.has(k) ? REPEATED : 0);
      if (aligned) {
        const own = this.reading.clauseMatch(aligned, k);
        score += ALIGNED * own;
        if (reads && this.reading.changes(k)) score -= READING_CHANGES;
        // A tool with no param for a value the clause gives ("Set the fridge to 'eco'" and `setTemperature(celsius)`) leaves it out.
        score -= UNPLACED_VALUE * this.reading.unplacedValues(aligned, k);
        // A tool that matches a clause still to come better than this one is likely that clause's step.
        let later = 0;
        for (let t = chosen.length + 1; t < asked.length; t++) later = Math.max(later, this.reading.clauseMatch(asked[t]!, k));
        if (later > own) score -= BELONGS_LATER * (later - own);
      }
      for (const c of goalConcepts) {
        const field = fields.get(c);
        if (field !== undefined) score += (idf.get(c)! * field) / (1 + EXPLAINED_DISCOUNT * (explained.get(c) ?? 0));
      }
      return score;
    });
  }

  /**
   * How many steps the goal asks for, as its words read: the clauses (split at connectives and
   * punctuation) that use a word of some listed tool, at least one.
   */
  stepsAsked(): number {
    return Math.max(1, this.reading.asked.length);
  }

  /**
   * At the choice between another step (`,`) and the plan's end (`]`): `weight` nats toward another step
   * while fewer steps than stepsAsked() are written, toward the end once that many are. `firstByte`
   * gives the first byte of a token's text.
   */
  applyContinue(row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined, written: string): void {
    const steps = toolsInPlan(written).length;
    const favoured = steps < this.stepsAsked() ? COMMA : CLOSE_BRACKET;
    // The more clearly the next asked clause names a listed tool, the surer another step is.
    const next = favoured === COMMA ? this.reading.asked[steps] : undefined;
    const evidence = next ? Math.max(...this.reading.toolConcepts.map((_, k) => this.reading.clauseMatch(next, k))) : 0;
    for (let id = 0; id < mask.length; id++) if (mask[id] && firstByte(id) === favoured) row[id]! += this.weight * (STEP_COUNT_NATS + evidence);
  }

  /**
   * At the choice between a plan (`{`) and a refusal (`]`): when the goal shares no word with any listed
   * tool (a goal in another language, or about something else), or a clause asks for an action no listed
   * tool does while one does its opposite ("allow the port" with only `blockPort`), `weight` nats toward
   * the refusal.
   */
  applyDecision(row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined): void {
    const oppositeOnly = this.reading.asked.some((clause) => this.reading.onlyOpposite(clause));
    if (!oppositeOnly && [...this.reading.goalConcepts].some((c) => this.reading.idf.has(c))) return;
    for (let id = 0; id < mask.length; id++) if (mask[id] && firstByte(id) === CLOSE_BRACKET) row[id]! += this.weight * UNMATCHED_REFUSAL_NATS;
  }

  /** Adds the bonus in place to the logits of the listed slots, for the plan text `written` so far. */
  apply(row: Float32Array, written: string): void {
    this.scores(written).forEach((s, k) => (row[this.slotIds[k]!]! += this.weight * s));
  }

  /** The prior for a choice of `kind` (generate.ts): a step's tool, plan or refuse, another step or the end; values get none. */
  applyAt(kind: ChoiceKind, row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined, written: string): void {
    if (kind === 'tool') this.apply(row, written);
    else if (kind === 'decision') this.applyDecision(row, mask, firstByte);
    else if (kind === 'continue') this.applyContinue(row, mask, firstByte, written);
  }
}

const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
/** Nats per unit of weight toward the step count the goal's clauses suggest. */
const STEP_COUNT_NATS = 3;
/** Nats per unit of weight toward refusing a goal that shares no word with the listed tools. */
const UNMATCHED_REFUSAL_NATS = 6;
/** Weight of the match with the clause the goal asks to do at this step, relative to the whole goal's. */
const ALIGNED = 4;
/** Score taken off per unit a tool matches a later asked clause better than this step's own. */
const BELONGS_LATER = 2;
/** Score taken off a tool that changes something, for a step a question or a verb of reading asks for ("What's the rate?", "Show the schedule"). */
const READING_CHANGES = 1;
/** Score taken off per value of the step's clause that the tool has no param for (0.125 and 0.375 did as well or worse). */
const UNPLACED_VALUE = 0.25;
/** Score taken off a tool an earlier step already calls (plans rarely call a tool twice). */
const REPEATED = 1;
/** Score taken off a tool whose method a negated clause names. */
const FORBIDDEN = 6;

/** How much less a concept counts for each earlier step whose tool matched it. */
const EXPLAINED_DISCOUNT = 2;
