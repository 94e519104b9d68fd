import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, isAbsolute } from 'node:path';
import { readJsonFile } from '../config/load.js';
import { UserError } from '../errors.js';
import { writeManifest, type ManifestInput, type WithheldFile } from '../provenance/manifest.js';
import { listArtifactFiles } from '../provenance/outputs.js';
import { readManifest } from '../provenance/verify.js';
import { checkpointSteps, metaFile, modelFile } from '../train/checkpoint.js';
import { TRAIN_LOG } from '../train/run-dir.js';
import { buildDirAtomic, writeJsonAtomic } from '../util/atomic.js';
import { sha256FileSync } from '../util/hash.js';
import { repoPath, STAGE_NAMES } from './recipe.js';
import { DECODING_MODES, EVAL_DIR, EVAL_PROBES, INPUT_COPIES_DIR, probeMetricsKey, probeResultFile, PUBLISHED_BASE_DIR, SPEEDRUN_FILE, TOK_EVAL_FILE } from './layout.js';
import type { SpeedrunContext } from './speedrun-context.js';
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

const isWeights = (file: string): boolean => file.endsWith('.safetensors');

interface PublishTrainingOptions {
  /** False: the weights are recorded by hash in the manifest (`published: false`) but not copied. */
  weights: boolean;
  /** Files of nested artifacts (e.g. `base/…`) already withheld, which this manifest records the same way. */
  nestedWithheld?: Record<string, WithheldFile>;
  extraMetrics?: Record<string, unknown>;
}

/**
 * Copies the final step of training artifact `src` into `dst` and writes a manifest carrying the
 * source manifest's recipe (config, seeds, metrics, backend, times) re-linked from `dst`. Recorded
 * inputs that live in the run directory are copied into `dst/inputs/` so the published tree verifies
 * without it; the others (corpus lock, catalog) are linked where they are. Returns the files the
 * manifest records as not published.
 */
function publishTraining(src: string, dst: string, runDir: string, parents: Record<string, string>, opts: PublishTrainingOptions): Record<string, WithheldFile> {
  const manifest = readManifest(src);
  mkdirSync(dst, { recursive: true });
  const withheld: Record<string, WithheldFile> = { ...opts.nestedWithheld };
  for (const f of finalStepFiles(src)) {
    const from = join(src, f);
    if (opts.weights || !isWeights(f)) copyFileSync(from, join(dst, f));
    else withheld[f] = { sha256: sha256FileSync(from), bytes: statSync(from).size };
  }
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
    metrics: { ...manifest.metrics, ...opts.extraMetrics },
    startedAt: manifest.started_at,
    endedAt: manifest.ended_at,
    backend: manifest.backend ?? undefined,
    withheld,
    // A stage reused from an earlier speedrun was made by that run's commit, not the publishing one.
    producedBy: { git: manifest.git, package_lock_sha256: manifest.package_lock_sha256, versions: manifest.versions },
  });
  return withheld;
}

interface ProbeTotals {
  totals: Record<string, { rate: number }>;
}

/**
 * Copies the evaluation results into `dir/eval/` and returns the probe rates per metric for the SFT
 * manifest: `probe` (constrained decoding) and `probe_unconstrained`, each by probe name.
 */
function publishEvaluation(ctx: SpeedrunContext, dir: string): Record<string, unknown> {
  const { paths } = ctx;
  mkdirSync(join(dir, EVAL_DIR));
  const metrics: Record<string, unknown> = {};
  for (const mode of DECODING_MODES) {
    const rates: Record<string, unknown> = {};
    for (const name of EVAL_PROBES) {
      const file = join(paths.eval, probeResultFile(name, mode));
      if (!existsSync(file)) continue;
      copyFileSync(file, join(dir, EVAL_DIR, probeResultFile(name, mode)));
      const { totals } = readJsonFile(file) as ProbeTotals;
      rates[name] = Object.fromEntries(Object.entries(totals).map(([m, t]) => [m, t.rate]));
    }
    if (Object.keys(rates).length > 0) metrics[probeMetricsKey(mode)] = rates;
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
  return metrics;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Refuses a published tree whose weights exceed the recipe's cap (what may be committed to git). */
function checkWeightSize(dir: string, limit: number, out: string): void {
  const weights = listArtifactFiles(dir)
    .filter(isWeights)
    .map((f) => ({ f, bytes: statSync(join(dir, f)).size }));
  const total = weights.reduce((s, w) => s + w.bytes, 0);
  if (total > limit) {
    const files = weights.map((w) => `${w.f} ${mb(w.bytes)}`).join(', ');
    throw new UserError(
      `${repoPath(out)} would hold ${total} bytes (${mb(total)}) of weights (${files}), over the limit of ${limit} bytes (publish.max_weight_bytes in the recipe)`,
    );
  }
}

/**
 * Writes the speedrun's planner into `out` atomically: the SFT weights + meta + log, the base model it
 * came from (in `base/`: meta, log and manifest; its weights are pinned by hash but not published, to
 * keep the committed tree small — `capplan reproduce` re-trains them), the evaluation results and wall
 * clock, and manifests chaining out → out/base → tokenizer → corpus lock, with the probe rates added to
 * the SFT metrics. Refuses (leaving `out` as it was) when the weights exceed publish.max_weight_bytes.
 */
export async function publishCheckpoint(ctx: SpeedrunContext): Promise<void> {
  const { paths } = ctx;
  await buildDirAtomic(paths.out, (tmp) => {
    const base = join(tmp, PUBLISHED_BASE_DIR);
    const baseWithheld = publishTraining(paths.base, base, paths.runDir, { tokenizer: paths.tokenizer }, { weights: false });
    const evalMetrics = publishEvaluation(ctx, tmp);
    const nestedWithheld = Object.fromEntries(Object.entries(baseWithheld).map(([f, w]) => [`${PUBLISHED_BASE_DIR}/${f}`, w]));
    publishTraining(paths.sft, tmp, paths.runDir, { base, tokenizer: paths.tokenizer }, { weights: true, nestedWithheld, extraMetrics: evalMetrics });
    checkWeightSize(tmp, ctx.recipe.publish.max_weight_bytes, paths.out);
  });
  ctx.log(`published ${repoPath(paths.out)} (base weights recorded by hash, not published)`);
}
