import type { PlanRequest } from '../eval/probe/probe-file.js';
import { runPlan, type PlanOptions, type PlanResult } from './plan.js';
import type { Planner } from './planner.js';

export interface BatchTotals {
  cases: number;
  /** Tokens of the plans' turns (forced and chosen), and the model's picks among them. */
  generatedTokens: number;
  chosenTokens: number;
  seconds: number;
}

/**
 * Generates one output per probe case, in file order, reporting each as it finishes (so `plan --batch`
 * can stream lines and a long run shows progress).
 */
export async function planCases(
  planner: Planner,
  cases: readonly PlanRequest[],
  opts: PlanOptions,
  source: string,
  onCase: (c: PlanRequest, result: PlanResult, index: number) => void,
): Promise<BatchTotals> {
  const start = performance.now();
  let generatedTokens = 0;
  let chosenTokens = 0;
  for (const [i, c] of cases.entries()) {
    const result = await runPlan(planner, c.tools, c.goal, opts, `${source}: case "${c.id}"`);
    generatedTokens += result.generation.tokens.length;
    chosenTokens += result.generation.choices.length;
    onCase(c, result, i);
  }
  return { cases: cases.length, generatedTokens, chosenTokens, seconds: (performance.now() - start) / 1000 };
}
