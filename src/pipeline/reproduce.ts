import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseWith, readJsonFile } from '../config/load.js';
import { loadCatalog } from '../data/catalog.js';
import { DEFAULT_CORPUS_DIR, REPO_ROOT } from '../data/paths.js';
import { syncCorpus } from '../data/sync.js';
import { writePlanDataset } from '../data/plans/write.js';
import { UserError } from '../errors.js';
import type { Manifest } from '../provenance/manifest.js';
import { readManifest, verifyArtifact } from '../provenance/verify.js';
import { tokenizerConfigSchema } from '../tokenizer/config.js';
import { trainTokenizer } from '../tokenizer/train-tokenizer.js';
import { tensorsSha256 } from '../train/safetensors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { sha256FileSync } from '../util/hash.js';
import { repoPath, setDotted } from './recipe.js';
import { runCapplan } from './run-cli.js';

/** What regenerating a plan set needs from its manifest (`capplan data plans`). */
const planSetRecipeSchema = z.looseObject({
  seed: z.number().int().min(0),
  catalog: z.looseObject({ path: z.string().min(1) }),
  splits: z.looseObject({ train: z.looseObject({ examples: z.number().int() }), val: z.looseObject({ examples: z.number().int() }) }),
});

export const REPRODUCIBLE_STAGES = ['tokenizer', 'base', 'sft'] as const;
export type ReproducibleStage = (typeof REPRODUCIBLE_STAGES)[number];

interface ChainArtifact {
  dir: string;
  manifest: Manifest;
}

/** The artifact and its ancestors by stage name (sft → base → tokenizer); verifyArtifact has checked the links. */
function chainByStage(dir: string): Map<string, ChainArtifact> {
  const byStage = new Map<string, ChainArtifact>();
  const visit = (d: string): void => {
    const manifest = readManifest(d);
    if (!byStage.has(manifest.stage)) byStage.set(manifest.stage, { dir: d, manifest });
    for (const parent of Object.values(manifest.parents)) visit(join(d, parent.path));
  };
  visit(dir);
  return byStage;
}

const major = (version: string): string => /^v?(\d+)/.exec(version)?.[1] ?? version;

/** Bit-identity is promised only on the recorded backend and Node major version: refuse anything else. */
export function checkReproducible(manifest: Manifest, dir: string, requestedBackend: string | undefined, nodeVersion = process.version): void {
  if (major(manifest.versions.node) !== major(nodeVersion)) {
    throw new UserError(
      `${dir}: recorded on Node ${manifest.versions.node}, this is Node ${nodeVersion}; bit-identical reproduction is only promised on the same Node major version`,
    );
  }
  const recorded = manifest.backend?.name;
  if (requestedBackend !== undefined && recorded !== undefined && requestedBackend !== recorded) {
    throw new UserError(
      `${dir}: trained on backend ${recorded}, --backend ${requestedBackend} asked; bit-identical reproduction is only promised on the recorded backend`,
    );
  }
}

/** The recorded step count a training stage re-runs with. */
function recordedSteps(a: ChainArtifact): number {
  const steps = a.manifest.metrics.total_steps;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1) {
    throw new UserError(`${a.dir}/manifest.json: metrics.total_steps is not recorded, so the run cannot be repeated`);
  }
  return steps;
}

/** A parent's directory as the child command should read it, from the manifest's relative link. */
function parentDir(a: ChainArtifact, role: string): string | null {
  const p = a.manifest.parents[role];
  return p ? repoPath(join(a.dir, p.path)) : null;
}

async function rerunTokenizer(a: ChainArtifact, out: string): Promise<void> {
  const { resolved_vocab_size: _resolved, ...config } = a.manifest.config as Record<string, unknown>;
  void _resolved; // derived from the training run, not part of the recipe
  await trainTokenizer(parseWith(tokenizerConfigSchema, config, `${a.dir}/manifest.json: config`), out);
}

/**
 * Regenerates the plan set an sft artifact was trained on from its recorded manifest (generator seed,
 * split sizes, catalog) into `dir`, and checks the result is byte-identical to the recorded one; the
 * set itself is not published (it is large and deterministic).
 */
async function regeneratePlans(a: ChainArtifact, dir: string): Promise<string> {
  const input = a.manifest.inputs.plans_manifest;
  if (input?.path === undefined) throw new UserError(`${a.dir}/manifest.json: inputs.plans_manifest has no path, so the plan set cannot be regenerated`);
  const recordedPath = join(a.dir, input.path);
  const recorded = parseWith(planSetRecipeSchema, readJsonFile(recordedPath), recordedPath);
  const catalogPath = resolve(REPO_ROOT, recorded.catalog.path);
  await writePlanDataset({
    seed: recorded.seed,
    count: recorded.splits.train.examples,
    valCount: recorded.splits.val.examples,
    catalog: loadCatalog(catalogPath),
    catalogPath: recorded.catalog.path,
    catalogSha256: sha256FileSync(catalogPath),
    out: dir,
  });
  if (sha256FileSync(join(dir, 'manifest.json')) !== input.sha256) {
    throw new UserError(`${recordedPath}: the plan set regenerated from this manifest differs from the recorded one (did the catalog or the generator change?)`);
  }
  return dir;
}

/**
 * Re-runs a training stage. SFT fine-tunes `base` when given (the base just re-trained by this
 * reproduction), else the recorded base parent, which must then hold its weights.
 */
async function rerunTraining(stage: 'base' | 'sft', a: ChainArtifact, out: string, scratch: string, reproducedBase?: string): Promise<void> {
  // An sft manifest records the run config resolved against its base; the SFT config it came from is its `sft` field.
  const recorded = stage === 'sft' ? ((a.manifest.config as { sft?: unknown }).sft ?? a.manifest.config) : a.manifest.config;
  // Point the config at the recorded tokenizer parent: the path it was trained with may be relative to another directory.
  const tokenizer = parentDir(a, 'tokenizer');
  const tokenizerField = stage === 'base' ? 'data.tokenizer_dir' : 'tokenizer_dir';
  const config = tokenizer === null ? recorded : setDotted(recorded, tokenizerField, tokenizer, `${a.dir}/manifest.json`);
  const configFile = join(out, '..', `${stage}.config.json`);
  writeJsonAtomic(configFile, config);
  const backend = a.manifest.backend?.name ?? 'cpu';
  const common = ['--config', configFile, '--out', out, '--backend', backend, '--max-steps', String(recordedSteps(a))];
  if (stage === 'base') {
    await runCapplan(['base', 'train', ...common], { capture: true });
    return;
  }
  const base = reproducedBase ?? parentDir(a, 'base');
  if (base === null) throw new UserError(`${a.dir}/manifest.json: an sft artifact must record its base parent`);
  const plans = await regeneratePlans(a, join(scratch, 'plans'));
  await runCapplan(['sft', '--from', base, '--data', plans, ...common], { capture: true });
}

/**
 * Recorded output files whose bytes the recipe decides: the artifact's own files (a published
 * checkpoint also holds its base model, compared as that stage), and for training only the weights
 * (logs and meta carry timings and timestamps).
 */
function comparedOutputs(stage: ReproducibleStage, manifest: Manifest): string[] {
  const files = Object.keys(manifest.outputs).filter((f) => !f.includes('/'));
  return stage === 'tokenizer' ? files : files.filter((f) => f.endsWith('.safetensors'));
}

export interface FileComparison {
  file: string;
  recorded: string;
  reproduced: string | null;
}

export interface StageComparison {
  stage: ReproducibleStage;
  dir: string;
  files: FileComparison[];
  /** Set when the re-run landed on another backend build or adapter than recorded: a mismatch is then expected. */
  environmentNote: string | null;
  match: boolean;
}

/** Where reproduceStage writes a stage's re-run outputs inside the scratch directory. */
const stageOut = (scratch: string, stage: ReproducibleStage): string => join(scratch, stage, 'out');

/**
 * The tokenizer and base recipes read the pinned corpus, which a fresh clone has not installed yet: when
 * the recorded run read the default install, it is synced first (from the mirror or the pinned URLs,
 * every hash checked), as the speedrun's first stage does.
 */
async function installRecordedCorpus(stage: ReproducibleStage, a: ChainArtifact, log: (line: string) => void): Promise<void> {
  if (stage === 'sft') return;
  const config = a.manifest.config as { corpus?: { dir?: string }; data?: { corpus_dir?: string } };
  const dir = (stage === 'tokenizer' ? config.corpus?.dir : config.data?.corpus_dir) ?? 'data/corpus';
  if (resolve(REPO_ROOT, dir) === DEFAULT_CORPUS_DIR) await syncCorpus({ log: (line) => log(`  ${line}`) });
}

/**
 * A recorded output against its re-run. Weight files present on both sides are compared by their tensors:
 * the label in a file's metadata depends on the capplan version that wrote it, the weights do not. A
 * recorded file that is not published is known only by its file hash (the base model's label never changed).
 */
function compareOutput(file: string, a: ChainArtifact, out: string): FileComparison {
  const recordedPath = join(a.dir, file);
  const reproducedPath = join(out, file);
  if (!existsSync(reproducedPath)) return { file, recorded: a.manifest.outputs[file]!.sha256, reproduced: null };
  if (file.endsWith('.safetensors') && existsSync(recordedPath)) {
    const tensors = (path: string) => tensorsSha256(readFileSync(path), path);
    return { file, recorded: tensors(recordedPath), reproduced: tensors(reproducedPath) };
  }
  return { file, recorded: a.manifest.outputs[file]!.sha256, reproduced: sha256FileSync(reproducedPath) };
}

async function reproduceStage(
  stage: ReproducibleStage,
  a: ChainArtifact,
  scratch: string,
  log: (line: string) => void,
  reproducedBase?: string,
): Promise<StageComparison> {
  const out = stageOut(scratch, stage);
  await installRecordedCorpus(stage, a, log);
  if (stage === 'tokenizer') await rerunTokenizer(a, out);
  else await rerunTraining(stage, a, out, join(scratch, stage), reproducedBase);
  const files = comparedOutputs(stage, a.manifest).map((file) => compareOutput(file, a, out));
  let environmentNote: string | null = null;
  if (stage !== 'tokenizer' && a.manifest.backend) {
    const now = readManifest(out).backend;
    const was = a.manifest.backend;
    if (now && (now.version !== was.version || now.adapter !== was.adapter)) {
      environmentNote = `recorded on ${was.name} ${was.version} (${was.adapter ?? 'no adapter'}), re-run on ${now.name} ${now.version} (${now.adapter ?? 'no adapter'})`;
    }
  }
  return { stage, dir: a.dir, files, environmentNote, match: files.length > 0 && files.every((f) => f.recorded === f.reproduced) };
}

/** Weights a published artifact records by hash only (`published: false`) and that are not present. */
function unpublishedWeights(a: ChainArtifact): string[] {
  return Object.entries(a.manifest.outputs)
    .filter(([f, o]) => o.published === false && f.endsWith('.safetensors') && !existsSync(join(a.dir, f)))
    .map(([f]) => f);
}

/**
 * Re-runs the recorded recipe of `dir` (or of its ancestor stages) in a scratch directory and compares
 * the output hashes with the recorded ones. The whole chain is verified first: reproducing from inputs
 * that changed since the recording would prove nothing. SFT fine-tunes its base's weights; when a
 * published checkpoint holds them by hash only, the base is re-trained (and compared) first, and SFT
 * runs from that re-trained base only if it is bit-identical to the recorded one.
 */
export async function reproduceArtifact(
  dir: string,
  opts: { stage?: ReproducibleStage | 'all'; backend?: string; log: (line: string) => void },
): Promise<StageComparison[]> {
  verifyArtifact(dir, () => {});
  const chain = chainByStage(dir);
  const own = readManifest(dir).stage;
  const wanted = opts.stage ?? own;
  const stages: string[] = wanted === 'all' ? REPRODUCIBLE_STAGES.filter((s) => chain.has(s)) : [wanted];
  const base = chain.get('base');
  if (stages.includes('sft') && !stages.includes('base') && base) {
    const missing = unpublishedWeights(base);
    if (missing.length > 0) {
      opts.log(`reproduce sft: the base weights (${missing.map((f) => join(base.dir, f)).join(', ')}) are recorded by hash, not published: re-training base first`);
      stages.unshift('base');
    }
  }
  for (const s of stages) {
    const a = chain.get(s);
    if (!a) throw new UserError(`${dir}: no ${s} artifact in its chain (stages: ${[...chain.keys()].join(', ')})`);
    if (!(REPRODUCIBLE_STAGES as readonly string[]).includes(s)) throw new UserError(`${dir}: stage ${s} cannot be reproduced (${REPRODUCIBLE_STAGES.join(', ')} can)`);
    checkReproducible(a.manifest, a.dir, opts.backend);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'capplan-reproduce-'));
  try {
    const results: StageComparison[] = [];
    for (const s of stages as ReproducibleStage[]) {
      const baseRun = results.find((r) => r.stage === 'base');
      if (s === 'sft' && baseRun && !baseRun.match) {
        opts.log('reproduce sft: skipped (its base did not reproduce, so there is no recorded base to fine-tune)');
        results.push({ stage: s, dir: chain.get(s)!.dir, files: [], environmentNote: null, match: false });
        continue;
      }
      opts.log(`reproduce ${s}: re-running the recipe of ${chain.get(s)!.dir}${s === 'sft' && baseRun ? ' from the re-trained base' : ''}`);
      const r = await reproduceStage(s, chain.get(s)!, scratch, opts.log, s === 'sft' && baseRun ? stageOut(scratch, 'base') : undefined);
      for (const f of r.files) {
        const status = f.recorded === f.reproduced ? 'match' : 'MISMATCH';
        opts.log(`  ${status} ${f.file}: recorded ${f.recorded.slice(0, 16)}…, reproduced ${f.reproduced?.slice(0, 16) ?? 'missing'}${f.reproduced ? '…' : ''}`);
      }
      if (r.environmentNote) opts.log(`  note: ${r.environmentNote}`);
      opts.log(`reproduce ${s}: ${r.match ? 'bit-identical' : 'MISMATCH'}`);
      results.push(r);
    }
    return results;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
