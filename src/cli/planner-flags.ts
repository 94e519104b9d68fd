import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { initBackend, parseBackendName } from '../backend/select.js';
import type { SamplingOptions } from '../infer/sampling.js';
import { DEFAULT_CHECKPOINT_DIR, loadPlanner, type Planner } from '../infer/planner.js';
import { DEFAULT_COPY_BIAS, DEFAULT_MIN_CONFIDENCE, DEFAULT_TOOL_BIAS, type PlanOptions } from '../infer/plan.js';

/** Flags shared by `plan` and `eval plan`: checkpoint, backend, constraint and sampling. */
export interface PlannerFlags {
  checkpoint?: string;
  backend: string;
  constrain: boolean;
  temperature: string;
  topK: string;
  seed: string;
  copyBias: string;
  toolBias: string;
  minConfidence: string;
}

export function addPlannerOptions(cmd: Command): Command {
  return cmd
    .option('--checkpoint <dir>', 'planner checkpoint directory (default checkpoints/default)')
    .option('--no-constrain', 'do not mask the model\'s choices to valid plans (to measure what the constraint gains; the decoder still writes the forced structure)')
    .option('--temperature <t>', 'sampling temperature; 0 = greedy', '0')
    .option('--top-k <k>', 'sample among the k most likely tokens; 0 = all', '0')
    .option('--seed <n>', 'sampling seed', '0')
    .option('--copy-bias <nats>', 'constrained only: argument values come from the goal (each chosen among its spans and written whole, else copied with this many nats of bonus per token); 0 = off', String(DEFAULT_COPY_BIAS))
    .option('--tool-bias <weight>', 'constrained only: weight of the prior toward listed tools whose words the goal uses, step by step in the order the goal asks; 0 = off', String(DEFAULT_TOOL_BIAS))
    .option('--min-confidence <p>', 'constrained only: a plan whose confidence (the probability of its choices, lowered for each value of the goal it leaves unused) is below p becomes a refusal that says so; 0 = never', String(DEFAULT_MIN_CONFIDENCE))
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', 'auto');
}

function numberFlag(flag: string, value: string, check: (n: number) => boolean, want: string): number {
  const n = Number(value);
  if (value.trim() === '' || !check(n)) throw new UserError(`${flag} must be ${want}, got '${value}'`);
  return n;
}

export function samplingFromFlags(flags: PlannerFlags): SamplingOptions {
  return {
    temperature: numberFlag('--temperature', flags.temperature, (n) => Number.isFinite(n) && n >= 0, 'a number ≥ 0'),
    topK: numberFlag('--top-k', flags.topK, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
    seed: numberFlag('--seed', flags.seed, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 'an integer in 0..4294967295'),
  };
}

/** The copy bias in effect: the flag's value with a constraint, 0 without one (the bias needs it). */
export function copyBiasFromFlags(flags: PlannerFlags): number {
  const bias = numberFlag('--copy-bias', flags.copyBias, (n) => Number.isFinite(n) && n >= 0 && n <= 100, 'a number in 0..100');
  return flags.constrain ? bias : 0;
}

/** The tool-match weight in effect: the flag's value with a constraint, 0 without one (the prior needs it). */
export function toolBiasFromFlags(flags: PlannerFlags): number {
  const weight = numberFlag('--tool-bias', flags.toolBias, (n) => Number.isFinite(n) && n >= 0 && n <= 100, 'a number in 0..100');
  return flags.constrain ? weight : 0;
}

/** Validates the flags, initialises the backend and loads the planner (the caller disposes it). */
export async function openPlanner(flags: PlannerFlags): Promise<{ planner: Planner; backend: string; options: PlanOptions }> {
  const sampling = samplingFromFlags(flags);
  const minConfidence = numberFlag('--min-confidence', flags.minConfidence, (n) => Number.isFinite(n) && n >= 0 && n <= 1, 'a number in 0..1');
  // The threshold withholds plans of constrained decoding only (an unconstrained output need not be a plan).
  const options: PlanOptions = { constrain: flags.constrain, sampling, copyBias: copyBiasFromFlags(flags), toolBias: toolBiasFromFlags(flags), minConfidence: flags.constrain ? minConfidence : 0 };
  const backend = await initBackend(parseBackendName(flags.backend));
  const planner = loadPlanner(flags.checkpoint ?? DEFAULT_CHECKPOINT_DIR);
  return { planner, backend: backend.name, options };
}
