import type { ProbeCase } from '../eval/probe/probe-file.js';
import { runPlan, type PlanOptions } from './plan.js';
import type { Planner } from './planner.js';

export interface BatchTotals {
  cases: number;
  generatedTokens: number;
  seconds: number;
}

/**
 * Generates one output per probe case, in file order, reporting each as it finishes (so `plan --batch`
 * can stream lines and a long run shows progress). `toolScript` may fix each case's tools (runPlan).
 */
export async function planCases(
  planner: Planner,
  cases: readonly ProbeCase[],
  opts: PlanOptions,
  source: string,
  onCase: (c: ProbeCase, output: string, index: number) => void,
  toolScript: (c: ProbeCase) => readonly string[] | null = () => null,
): Promise<BatchTotals> {
  const start = performance.now();
  let generatedTokens = 0;
  for (const [i, c] of cases.entries()) {
    const result = await runPlan(planner, c.tools, c.goal, opts, `${source}: case "${c.id}"`, toolScript(c));
    generatedTokens += result.generation.tokens.length;
    onCase(c, result.text, i);
  }
  return { cases: cases.length, generatedTokens, seconds: (performance.now() - start) / 1000 };
}
