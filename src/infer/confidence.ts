import type { Choice } from './generate.js';

/**
 * How sure the planner was of a plan: the probability (among the options allowed there, after the
 * decoder's priors) of each choice it made — plan or refuse, each step's tool, going on or stopping,
 * each argument value (a span of the goal among the candidate spans, its scores read at a temperature
 * because its priors are hand-set nats (value-spans.ts), or a token of the model's own) —
 * and their product. Values count: a plan whose tools are clear but whose values were a close call
 * is as likely wrong as one with an unclear tool; so does each value of the goal that no argument took
 * (one nat each), the mark of a plan that missed what the goal asks (docs/planner.md, "Confidence").
 */
export interface PlanConfidence {
  /** Probability of planning (or refusing), as decided. */
  decision: number;
  /** Probability of each step's tool. */
  tools: number[];
  /** Probability of each argument value choice. */
  values: number[];
  /** Values of the goal (quoted, identifiers, numbers) that no argument took. */
  unusedValues: number;
  /** True when the goal asks to change something and every step only reads (GoalReading.changeUnmet). */
  changeUnmet: boolean;
  /** Product of every choice's probability, times e^-1 per unused value of the goal, and e^-3 for a change unmet. */
  overall: number;
}

/** Nats of confidence taken off per value of the goal that the plan leaves unused. */
const UNUSED_VALUE_NATS = 1;
/** Nats of confidence taken off a plan that only reads where the goal asks for a change. */
const CHANGE_UNMET_NATS = 3;

export function planConfidence(choices: readonly Choice[], unusedValues = 0, changeUnmet = false): PlanConfidence {
  return {
    decision: choices.find((c) => c.kind === 'decision')?.probability ?? 0,
    tools: choices.filter((c) => c.kind === 'tool').map((c) => c.probability),
    values: choices.filter((c) => c.kind === 'value').map((c) => c.probability),
    unusedValues,
    changeUnmet,
    overall: choices.reduce((p, c) => p * c.probability, 1) * Math.exp(-UNUSED_VALUE_NATS * unusedValues - (changeUnmet ? CHANGE_UNMET_NATS : 0)),
  };
}

/** The refusal that replaces a plan below the confidence threshold, saying so. */
export function lowConfidenceRefusal(confidence: number, threshold: number): string {
  return `No plan: the planner is not confident enough that the listed tools do what the goal asks (confidence ${confidence.toFixed(2)}, below ${threshold.toFixed(2)}).`;
}
