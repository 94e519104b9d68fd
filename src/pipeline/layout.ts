/** File names of a published planner directory (and of the speedrun's eval stage) shared by publish, report and tests. */

/** Evaluation results published beside the weights: what the report needs without the run directory. */
export const EVAL_DIR = 'eval';
export const TOK_EVAL_FILE = 'tok-eval.json';
/** The recipe, preset and wall clock per stage of the speedrun that made the checkpoint. */
export const SPEEDRUN_FILE = 'speedrun.json';
/** The base model the planner was fine-tuned from, published inside it so the chain verifies on a clone. */
export const PUBLISHED_BASE_DIR = 'base';
/** Copies of recorded inputs that only existed in the run directory (resolved stage configs, plan-set manifest). */
export const INPUT_COPIES_DIR = 'inputs';

/** The probe files the planner is scored on: the dev probe, the independent ood-dev probe and the head of each generated split. */
export const EVAL_PROBES = ['dev', 'ood-dev', 'val', 'val_unseen'] as const;
/** Each probe is scored with constrained decoding (the planner's default) and without, so its gain shows. */
export const DECODING_MODES = ['constrained', 'unconstrained'] as const;
export type DecodingMode = (typeof DECODING_MODES)[number];
export const probeResultFile = (name: string, mode: DecodingMode = 'constrained'): string =>
  mode === 'constrained' ? `probe-${name}.json` : `probe-${name}.unconstrained.json`;
/** The SFT manifest's metrics key holding each probe's rates per metric in this mode. */
export const probeMetricsKey = (mode: DecodingMode): string => (mode === 'constrained' ? 'probe' : 'probe_unconstrained');
