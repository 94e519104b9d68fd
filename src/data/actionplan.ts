import { z } from 'zod';
import { UserError } from '../errors.js';
import { describeIssues } from '../config/load.js';
import type { ToolDescriptor } from './descriptor.js';
import { valueMatchesType } from './capnp-values.js';

/** The planner's refusal: one sentence, written by the decoder when the model decides no listed tool can do the goal. */
export const REFUSAL_TEXT = 'None of the listed tools can do what the goal asks.';

/** One call of a plan: which tool, its arguments by param name, and a short reason. */
export const planStepSchema = z
  .object({
    tool: z.string().min(1),
    args: z.record(z.string(), z.unknown()),
    rationale: z.string(),
  })
  .strict();

const executablePlanSchema = z.object({ steps: z.array(planStepSchema).min(1) }).strict();
const refusalPlanSchema = z.object({ steps: z.array(planStepSchema).length(0), refusal: z.string().min(1) }).strict();

/** An ActionPlan: one or more steps, or no steps and a refusal (DESIGN.md, ActionPlan and tool descriptors). */
export const actionPlanSchema = z.union([executablePlanSchema, refusalPlanSchema]);

export type PlanStep = z.output<typeof planStepSchema>;
export type ActionPlan = { steps: PlanStep[]; refusal?: string };

/**
 * Canonical compact JSON: `{"steps":[{"tool","args","rationale"}…]}` or `{"steps":[],"refusal":"…"}`.
 * With descriptors, args follow the tool's param order so equal plans serialize to equal bytes.
 */
export function serializePlan(plan: ActionPlan, descriptors?: readonly ToolDescriptor[]): string {
  if (plan.refusal !== undefined) return JSON.stringify({ steps: [], refusal: plan.refusal });
  const byName = new Map(descriptors?.map((d) => [d.name, d]));
  const steps = plan.steps.map((step) => ({
    tool: step.tool,
    args: orderArgs(step.args, byName.get(step.tool)),
    rationale: step.rationale,
  }));
  return JSON.stringify({ steps });
}

function orderArgs(args: Record<string, unknown>, descriptor: ToolDescriptor | undefined): Record<string, unknown> {
  if (!descriptor) return args;
  const keys = [...Object.keys(descriptor.params).filter((k) => k in args), ...Object.keys(args).filter((k) => !(k in descriptor.params))];
  return Object.fromEntries(keys.map((k) => [k, args[k]]));
}

/** Parses plan text (the whole text must be the JSON, nothing around it); UserError names `source`. */
export function parsePlan(text: string, source: string): ActionPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${source}: plan is not valid JSON (${(err as Error).message})`);
  }
  const result = actionPlanSchema.safeParse(value);
  if (!result.success) throw new UserError(describeIssues(source, result.error.issues));
  return result.data;
}

/** Why a plan does not fit its descriptors; `kind` lets the evaluator split tools_known from args_typed. */
export interface PlanIssue {
  kind: 'unknown_tool' | 'args_keys' | 'arg_type';
  step: number;
  message: string;
}

/** Checks every step: the tool is listed, args keys equal its params, every value has the declared type. */
export function validatePlanAgainst(plan: ActionPlan, descriptors: readonly ToolDescriptor[]): PlanIssue[] {
  const byName = new Map(descriptors.map((d) => [d.name, d]));
  const issues: PlanIssue[] = [];
  plan.steps.forEach((step, i) => {
    const d = byName.get(step.tool);
    if (!d) {
      issues.push({ kind: 'unknown_tool', step: i, message: `step ${i}: tool \`${step.tool}\` is not among the descriptors` });
      return;
    }
    const expected = Object.keys(d.params).sort();
    const given = Object.keys(step.args).sort();
    if (expected.join(',') !== given.join(',')) {
      issues.push({
        kind: 'args_keys',
        step: i,
        message: `step ${i}: ${step.tool} takes args {${expected.join(', ')}}, got {${given.join(', ')}}`,
      });
    }
    for (const [key, spec] of Object.entries(d.params)) {
      if (key in step.args && !valueMatchesType(step.args[key], spec.type)) {
        issues.push({
          kind: 'arg_type',
          step: i,
          message: `step ${i}: ${step.tool} arg \`${key}\` must be ${spec.type}, got ${JSON.stringify(step.args[key])}`,
        });
      }
    }
  });
  return issues;
}
