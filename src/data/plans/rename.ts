import { parsePlan, serializePlan } from '../actionplan.js';
import type { Prng } from '../../util/prng.js';
import type { PlanExample } from './generate.js';

/**
 * Tool-name augmentation for training examples: the listed tools trade names (every name moves to another
 * listed tool; descriptions, params and the plan's rationales stay with what the tool does). A renamed
 * example can only be solved by reading the descriptions and copying the matching name from the list,
 * which is what a planner needs for an interface it never saw in training (the val_unseen split); in the
 * untouched examples names keep their meaning. Examples listing a single tool and refusals stay as they are.
 */
export function renameTools(example: Omit<PlanExample, 'id'>, rng: Prng): Omit<PlanExample, 'id'> {
  if (example.expect.refusal || example.tools.length < 2) return example;
  const order = rng.shuffle(example.tools.map((t) => t.name));
  // Rotating a shuffled order by one is a derangement: no tool keeps its own name.
  const renamed = new Map(order.map((name, i) => [name, order[(i + 1) % order.length]!]));
  const rename = (name: string): string => renamed.get(name) ?? name;
  const tools = example.tools.map((t) => ({ ...t, name: rename(t.name) }));
  const plan = parsePlan(example.plan, 'generated plan');
  const { expect } = example;
  return {
    tools,
    goal: example.goal,
    expect: {
      ...expect,
      steps: expect.steps?.map(rename) ?? null,
      before: expect.before.map(([a, b]) => [rename(a), rename(b)]),
      args: Object.fromEntries(Object.entries(expect.args).map(([tool, args]) => [rename(tool), args])),
      forbid: expect.forbid.map(rename),
    },
    plan: serializePlan({ steps: plan.steps.map((s) => ({ ...s, tool: rename(s.tool) })) }, tools),
  };
}
