import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { ToolDescriptor } from '../data/descriptor.js';
import type { ActionPlan } from '../data/actionplan.js';
import { isStringType, listElementType } from '../data/capnp-values.js';
import { REPO_ROOT } from '../data/paths.js';
import type { ProbeCase } from './probe/probe-file.js';

/** The repo's own probe copy when there is one, else the shared dev probe next to the checkout. */
export function defaultProbePath(): string {
  const inRepo = join(REPO_ROOT, 'data', 'probe', 'dev.jsonl');
  return existsSync(inRepo) ? inRepo : resolve(REPO_ROOT, '..', 'shared', 'probe', 'dev.jsonl');
}

/**
 * A stand-in value for a param the probe does not pin: the probe only fixes the arguments it scores,
 * but a canonical plan carries every param of the tool.
 */
function placeholderValue(type: string): unknown {
  if (listElementType(type) !== null) return [];
  if (type === 'Bool') return false;
  if (isStringType(type)) return '';
  if (type === 'Void') return null;
  return 0;
}

export const PROBE_REFUSAL = 'None of the available tools can do this.';

/**
 * The plan a probe case expects, or null when the case pins no tool sequence (only ordering or
 * argument constraints). The rationale is the tool's own description: a short English sentence,
 * like the generator's rationales.
 */
export function planFromProbeCase(c: ProbeCase): ActionPlan | null {
  if (c.expect.refusal) return { steps: [], refusal: PROBE_REFUSAL };
  if (!c.expect.steps) return null;
  const byName = new Map(c.tools.map((d) => [d.name, d]));
  const steps = c.expect.steps.map((tool) => {
    const d = byName.get(tool);
    if (!d) throw new UserError(`probe case "${c.id}": expected step \`${tool}\` is not among its tools`);
    const pinned = c.expect.args[tool] ?? {};
    const args: Record<string, unknown> = {};
    for (const [param, spec] of Object.entries(d.params)) args[param] = param in pinned ? pinned[param] : placeholderValue(spec.type);
    return { tool, args, rationale: d.description };
  });
  return { steps };
}

/** Every tool descriptor the probe shows the planner, in case order (repeats included). */
export function probeDescriptors(cases: readonly ProbeCase[]): ToolDescriptor[] {
  return cases.flatMap((c) => c.tools);
}
