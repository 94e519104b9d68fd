import type { Choice } from './generate.js';

/**
 * How sure the planner was of a plan: the model's probability (among the tokens allowed there) of each
 * choice that decides what the plan does — plan or refuse, each step's tool, going on or stopping —
 * and their product. Argument values are left out: they are many, and the copy bias reshapes them.
 */
export interface PlanConfidence {
  /** Probability of planning (or refusing), as decided. */
  decision: number;
  /** Probability of each step's tool. */
  tools: number[];
  /** Product of every deciding choice's probability. */
  overall: number;
}

export function planConfidence(choices: readonly Choice[]): PlanConfidence {
  const deciding = choices.filter((c) => c.kind !== 'value');
  return {
    decision: choices.find((c) => c.kind === 'decision')?.probability ?? 0,
    tools: choices.filter((c) => c.kind === 'tool').map((c) => c.probability),
    overall: deciding.reduce((p, c) => p * c.probability, 1),
  };
}

/** The refusal that replaces a plan below the confidence threshold, saying so. */
export function lowConfidenceRefusal(confidence: number, threshold: number): string {
  return `No plan: the planner is not confident enough that the listed tools do what the goal asks (confidence ${confidence.toFixed(2)}, below ${threshold.toFixed(2)}).`;
}
