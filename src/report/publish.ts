import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { extname, join, relative, resolve, isAbsolute } from 'node:path';
import { readJsonFile } from '../config/load.js';
import { UserError } from '../errors.js';
import { writeManifest, type ManifestInput } from '../provenance/manifest.js';
import { readManifest } from '../provenance/verify.js';
import { checkpointSteps, metaFile, modelFile } from '../train/checkpoint.js';
import { TRAIN_LOG } from '../train/trainer.js';
import { buildDirAtomic, writeJsonAtomic } from '../util/atomic.js';
import { repoPath, STAGE_NAMES } from './recipe.js';
import { EVAL_DIR, EVAL_PROBES, INPUT_COPIES_DIR, probeResultFile, PUBLISHED_BASE_DIR, SPEEDRUN_FILE, TOK_EVAL_FILE } from './layout.js';
import type { SpeedrunContext } from './speedrun-stages.js';
import { readStageRecord } from './stage-record.js';

const isInside = (path: string, dir: string): boolean => {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/** Weights and meta of a training run's final step and its log: what a planner or an SFT `--from` needs. */
function finalStepFiles(runDir: string): string[] {
  const step = checkpointSteps(runDir).at(-1);
  if (step === undefined) throw new UserError(`${runDir}: no checkpoint to publish`);
  return [modelFile(step), metaFile(step), TRAIN_LOG].filter((f) => existsSync(join(runDir, f)));
}

/**
 * Copies the final step of training artifact `src` into `dst` and writes a manifest carrying the
 * source manifest's recipe (config, seeds, metrics, backend, times) re-linked from `dst`. Recorded
 * inputs that live in the run directory are copied into `dst/inputs/` so the published tree verifies
 * without it; the others (corpus lock, catalog) are linked where they are.
 */
function publishTraining(src: string, dst: string, runDir: string, parents: Record<string, string>, extraMetrics: Record<string, unknown> = {}): void {
  const manifest = readManifest(src);
  mkdirSync(dst, { recursive: true });
  for (const f of finalStepFiles(src)) copyFileSync(join(src, f), join(dst, f));
  const inputs: Record<string, ManifestInput> = {};
  for (const [name, input] of Object.entries(manifest.inputs)) {
    if (input.path === undefined) {
      inputs[name] = { sha256: input.sha256 };
      continue;
    }
    const from = resolve(src, input.path);
    if (!isInside(from, runDir)) {
      inputs[name] = { path: from, sha256: input.sha256 };
      continue;
    }
    const copy = join(dst, INPUT_COPIES_DIR, `${name}${extname(from)}`);
    mkdirSync(join(dst, INPUT_COPIES_DIR), { recursive: true });
    copyFileSync(from, copy);
    inputs[name] = { path: copy, sha256: input.sha256 };
  }
  writeManifest(dst, {
    stage: manifest.stage,
    inputs,
    parents,
    config: manifest.config,
    seeds: manifest.seeds,
    metrics: { ...manifest.metrics, ...extraMetrics },
    startedAt: manifest.started_at,
    endedAt: manifest.ended_at,
    backend: manifest.backend ?? undefined,
  });
}

interface ProbeTotals {
  totals: Record<string, { rate: number }>;
}

/** Copies the evaluation results into `dir/eval/` and returns the probe pass rates per metric for the manifest. */
function publishEvaluation(ctx: SpeedrunContext, dir: string): Record<string, unknown> {
  const { paths } = ctx;
  mkdirSync(join(dir, EVAL_DIR));
  const rates: Record<string, unknown> = {};
  for (const name of EVAL_PROBES) {
    const file = join(paths.eval, probeResultFile(name));
    if (!existsSync(file)) continue;
    copyFileSync(file, join(dir, EVAL_DIR, probeResultFile(name)));
    const { totals } = readJsonFile(file) as ProbeTotals;
    rates[name] = Object.fromEntries(Object.entries(totals).map(([m, t]) => [m, t.rate]));
  }
  if (ctx.recipe.eval.tok_eval) copyFileSync(join(paths.tokEval, TOK_EVAL_FILE), join(dir, EVAL_DIR, TOK_EVAL_FILE));
  writeJsonAtomic(join(dir, SPEEDRUN_FILE), {
    recipe: ctx.recipePath,
    preset: ctx.preset,
    backend: ctx.backend,
    resolved: ctx.recipe,
    stages: STAGE_NAMES.flatMap((name) => {
      const r = readStageRecord(paths.runDir, name);
      return r && r.status === 'done' ? [{ stage: name, seconds: r.seconds, ended_at: r.ended_at }] : [];
    }),
  });
  return rates;
}

/**
 * Writes the speedrun's planner into `out` atomically: the SFT weights + meta + log, the base model it
 * came from (in `base/`), the evaluation results and wall clock, and manifests chaining
 * out → out/base → tokenizer → corpus lock, with the probe pass rates added to the SFT metrics.
 */
export async function publishCheckpoint(ctx: SpeedrunContext): Promise<void> {
  const { paths } = ctx;
  await buildDirAtomic(paths.out, (tmp) => {
    const base = join(tmp, PUBLISHED_BASE_DIR);
    publishTraining(paths.base, base, paths.runDir, { tokenizer: paths.tokenizer });
    const probe = publishEvaluation(ctx, tmp);
    publishTraining(paths.sft, tmp, paths.runDir, { base, tokenizer: paths.tokenizer }, { probe });
  });
  ctx.log(`published ${repoPath(paths.out)}`);
}
