import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseWith, readJsonFile } from '../config/load.js';
import { TrainConfigSchema } from '../config/train-schema.js';
import { SftConfigSchema } from '../sft/config.js';
import { DEFAULT_CATALOG_PATH, loadCatalog } from '../data/catalog.js';
import { DEFAULT_CORPUS_DIR, DEFAULT_LOCK_PATH, REPO_ROOT } from '../data/paths.js';
import { writePlanDataset } from '../data/plans/write.js';
import { syncCorpus } from '../data/sync.js';
import { DEFAULT_HF_TOKENIZERS_DIR } from '../eval/tokenizers/hf-manifest.js';
import { tokenizerConfigSchema } from '../tokenizer/config.js';
import { trainTokenizer } from '../tokenizer/train-tokenizer.js';
import { checkpointSteps } from '../train/checkpoint.js';
import { UserError } from '../errors.js';
import { readManifest, verifyArtifact } from '../provenance/verify.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { forEachConcurrently } from '../util/concurrency.js';
import { sha256FileSync } from '../util/hash.js';
import type { PipelineStage } from './pipeline.js';
import { DECODING_MODES, probeResultFile } from './layout.js';
import { DEFAULT_COPY_BIAS, DEFAULT_MIN_CONFIDENCE, DEFAULT_TOOL_BIAS } from '../infer/plan.js';
import { publishCheckpoint } from './publish.js';
import { applyOverrides, repoPath, STAGE_NAMES, type StageName } from './recipe.js';
import { runCapplan } from './run-cli.js';
import { tokenizerContent, trainingRunContent } from './artifact-content.js';
import { dirDigest, valueDigest } from './stage-record.js';
import type { SpeedrunContext, SpeedrunPaths } from './speedrun-context.js';

const fromRepo = (p: string): string => resolve(REPO_ROOT, p);

/** sha256 of a file, or a marker when it is absent (an input that appears later still changes the set). */
function fileHash(path: string): string {
  return existsSync(path) ? sha256FileSync(path) : 'absent';
}

/** A manifest-bearing stage output is intact when `capplan verify` would pass on it. */
function verifyProblem(dir: string): string | null {
  try {
    verifyArtifact(dir, () => {});
    return null;
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
}

/** A parent stage's content digest (artifact-content.ts); a missing parent is a bug in stage order, not user input. */
function parentContent(dir: string, content: (dir: string) => string | null): string {
  const d = existsSync(dir) ? content(dir) : null;
  if (d === null) throw new Error(`stage output ${dir} is missing after its stage ran`);
  return d;
}

const tokenizerOf = (dir: string): string => parentContent(dir, tokenizerContent);
const trainingRunOf = (dir: string): string => parentContent(dir, trainingRunContent);
/** Outputs that are all content (the plan set, evaluation results): every file. */
const outputsOf = (dir: string): string => parentContent(dir, dirDigest);


/** Placeholders stage overrides may use, as the child commands (run from the checkout) should read them. */
function placeholders(paths: SpeedrunPaths): Record<string, string> {
  return { run_dir: repoPath(paths.runDir), tokenizer: repoPath(paths.tokenizer), plans: repoPath(paths.plans), base: repoPath(paths.base) };
}

/** Loads a stage config file with the recipe's overrides applied, and where the resolved config is written for the child command. */
function resolveStageConfig(ctx: SpeedrunContext, stage: 'tokenizer' | 'base' | 'sft'): { config: unknown; file: string } {
  const section = ctx.recipe[stage];
  const source = `${ctx.recipePath}: ${stage}.overrides`;
  const config = applyOverrides(readJsonFile(fromRepo(section.config)), section.overrides, placeholders(ctx.paths), source);
  return { config, file: join(ctx.paths.configs, `${stage}.json`) };
}

function corpusStage(ctx: SpeedrunContext): PipelineStage {
  return {
    name: 'corpus',
    outputDir: DEFAULT_CORPUS_DIR,
    inputs: () => ({ corpus_lock: sha256FileSync(DEFAULT_LOCK_PATH) }),
    run: async () => void (await syncCorpus({ log: ctx.log })),
  };
}

function tokenizerStage(ctx: SpeedrunContext): PipelineStage {
  const { config: raw } = resolveStageConfig(ctx, 'tokenizer');
  const config = parseWith(tokenizerConfigSchema, raw, `${ctx.recipe.tokenizer.config} (with the recipe's overrides)`);
  return {
    name: 'tokenizer',
    outputDir: ctx.paths.tokenizer,
    inputs: () => ({
      config: valueDigest(config),
      corpus_lock: sha256FileSync(DEFAULT_LOCK_PATH),
      catalog: fileHash(fromRepo(config.catalog)),
      ...Object.fromEntries(config.optional_files.map((f) => [`optional:${f}`, fileHash(fromRepo(f))])),
    }),
    check: () => verifyProblem(ctx.paths.tokenizer),
    run: async () => {
      // Train beside the target and keep an existing artifact that came out byte-identical (same outputs,
      // same inputs): a fresh clone's speedrun then leaves the committed tokenizer, and the git tree, clean.
      const target = ctx.paths.tokenizer;
      const fresh = `${target}.retrained`;
      rmSync(fresh, { recursive: true, force: true });
      await trainTokenizer(config, fresh, (line) => ctx.log(`tok train: ${line}`));
      if (sameArtifact(fresh, target, tokenizerContent)) {
        rmSync(fresh, { recursive: true, force: true });
        ctx.log(`stage tokenizer: retrained byte-identical to ${repoPath(target)}; keeping it and its manifest`);
        return;
      }
      replaceDir(target, fresh);
    },
  };
}

/**
 * Whether `existing` verifies and holds the same content, built from the same inputs, as the freshly
 * built `fresh`: then keeping `existing` (and its manifest, which later stages' manifests pin) loses nothing.
 */
function sameArtifact(fresh: string, existing: string, content: (dir: string) => string | null): boolean {
  if (!existsSync(join(existing, 'manifest.json')) || verifyProblem(existing) !== null) return false;
  const inputs = (dir: string) => JSON.stringify(Object.entries(readManifest(dir).inputs).map(([n, i]) => [n, i.sha256]).sort());
  return content(fresh) === content(existing) && inputs(fresh) === inputs(existing);
}

/** Puts `fresh` in place of `target`; some complete version is on disk at every moment. */
function replaceDir(target: string, fresh: string): void {
  const old = `${target}.replaced`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(target)) renameSync(target, old);
  renameSync(fresh, target);
  rmSync(old, { recursive: true, force: true });
}

function tokEvalStage(ctx: SpeedrunContext): PipelineStage {
  const probe = fromRepo(ctx.recipe.eval.probe);
  return {
    name: 'tok_eval',
    outputDir: ctx.paths.tokEval,
    inputs: () => ({
      tokenizer: tokenizerOf(ctx.paths.tokenizer),
      probe: fileHash(probe),
      hf_manifest: fileHash(join(DEFAULT_HF_TOKENIZERS_DIR, 'MANIFEST.json')),
    }),
    run: async () => {
      rmSync(ctx.paths.tokEval, { recursive: true, force: true });
      const out = join(ctx.paths.tokEval, 'tok-eval.json');
      // Children run from the checkout, so the recipe's relative probe path works as spelled (and is what results record).
      const args = ['tok', 'eval', '--tokenizer', repoPath(ctx.paths.tokenizer), '--probe', ctx.recipe.eval.probe, '--json', '--out', repoPath(out)];
      await runCapplan(args, { capture: true });
    },
  };
}

/**
 * A stage that trains with a child `capplan` command in `<outputDir>.partial`, resumable from its
 * checkpoints there. A finished run replaces `outputDir`, unless that already holds the same content
 * from the same inputs (e.g. a forced or interrupted re-run reproduced it): then the existing artifact
 * stays, manifest included, so the later stages built on it (whose manifests pin it) stay valid.
 */
function trainingStage(
  ctx: SpeedrunContext,
  name: 'base' | 'sft',
  outputDir: string,
  config: unknown,
  configFile: string,
  parents: Record<string, () => string>,
  command: string[],
  extraInputs: () => Record<string, string> = () => ({}),
): PipelineStage {
  const maxSteps = ctx.recipe[name].max_steps;
  const partial = `${outputDir}.partial`;
  return {
    name,
    outputDir,
    inputs: () => ({
      config: valueDigest(config),
      max_steps: String(maxSteps),
      backend: ctx.backend,
      ...Object.fromEntries(Object.entries(parents).map(([role, content]) => [role, content()])),
      ...extraInputs(),
    }),
    // A run that reached its last step (or wrote its manifest) before the interruption is redone, not resumed.
    canResume: () => {
      const last = checkpointSteps(partial).at(-1);
      return last !== undefined && last < maxSteps && !existsSync(join(partial, 'manifest.json'));
    },
    check: () => verifyProblem(outputDir),
    run: async ({ resume }) => {
      if (!resume) rmSync(partial, { recursive: true, force: true });
      writeJsonAtomic(configFile, config);
      const common = ['--config', repoPath(configFile), '--out', repoPath(partial), '--backend', ctx.backend, '--max-steps', String(maxSteps)];
      await runCapplan([...command, ...common, ...(resume ? ['--resume'] : [])]);
      if (sameArtifact(partial, outputDir, trainingRunContent)) {
        rmSync(partial, { recursive: true, force: true });
        ctx.log(`stage ${name}: trained the same weights as ${repoPath(outputDir)}; keeping it and its manifest`);
        return;
      }
      replaceDir(outputDir, partial);
    },
  };
}

function baseStage(ctx: SpeedrunContext): PipelineStage {
  const { config: raw, file } = resolveStageConfig(ctx, 'base');
  // The base model reads the speedrun's tokenizer whatever the stage config names.
  const withTokenizer = applyOverrides(raw, { 'data.tokenizer_dir': repoPath(ctx.paths.tokenizer) }, {}, ctx.recipePath);
  const config = parseWith(TrainConfigSchema, withTokenizer, `${ctx.recipe.base.config} (with the recipe's overrides)`);
  return trainingStage(ctx, 'base', ctx.paths.base, config, file, { tokenizer: () => tokenizerOf(ctx.paths.tokenizer) }, ['base', 'train'], () => ({
    corpus_lock: sha256FileSync(DEFAULT_LOCK_PATH),
    // The catalog documents are train data: a changed catalog re-runs base.
    ...(config.data.catalog ? { catalog: fileHash(fromRepo(config.data.catalog.path)) } : {}),
  }));
}

function plansStage(ctx: SpeedrunContext): PipelineStage {
  const catalogPath = fromRepo(DEFAULT_CATALOG_PATH);
  const { seed, count, val_count } = ctx.recipe.plans;
  return {
    name: 'plans',
    outputDir: ctx.paths.plans,
    inputs: () => ({ seed: String(seed), count: String(count), val_count: String(val_count), catalog: sha256FileSync(catalogPath) }),
    run: async () => {
      await writePlanDataset({
        seed,
        count,
        valCount: val_count,
        catalog: loadCatalog(catalogPath),
        catalogPath: repoPath(catalogPath),
        catalogSha256: sha256FileSync(catalogPath),
        out: ctx.paths.plans,
      });
    },
  };
}

function sftStage(ctx: SpeedrunContext): PipelineStage {
  const { config: raw, file } = resolveStageConfig(ctx, 'sft');
  // SFT reads the speedrun's tokenizer and plan set (generated with the recipe's seed and count).
  const wired = applyOverrides(
    raw,
    { tokenizer_dir: repoPath(ctx.paths.tokenizer), 'data.dir': repoPath(ctx.paths.plans), 'data.seed': ctx.recipe.plans.seed, 'data.count': ctx.recipe.plans.count },
    {},
    ctx.recipePath,
  );
  const config = parseWith(SftConfigSchema, wired, `${ctx.recipe.sft.config} (with the recipe's overrides)`);
  const parents = {
    base: () => trainingRunOf(ctx.paths.base),
    plans: () => outputsOf(ctx.paths.plans),
    tokenizer: () => tokenizerOf(ctx.paths.tokenizer),
  };
  return trainingStage(ctx, 'sft', ctx.paths.sft, config, file, parents, ['sft', '--from', repoPath(ctx.paths.base)]);
}

/** The first `n` examples of a generated split as probe lines (the probe schema has no `plan` field). */
function splitAsProbe(splitFile: string, n: number): string {
  const lines = readFileSync(splitFile, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, n);
  return lines
    .map((l) => {
      const { id, tools, goal, expect } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify({ id, tools, goal, expect }) + '\n';
    })
    .join('');
}

function evalStage(ctx: SpeedrunContext): PipelineStage {
  const probe = fromRepo(ctx.recipe.eval.probe);
  const oodProbe = fromRepo(ctx.recipe.eval.ood_probe);
  const n = ctx.recipe.eval.val_cases;
  return {
    name: 'eval',
    outputDir: ctx.paths.eval,
    inputs: () => ({
      sft: trainingRunOf(ctx.paths.sft),
      plans: outputsOf(ctx.paths.plans),
      probe: fileHash(probe),
      ood_probe: fileHash(oodProbe),
      val_cases: String(n),
      // The decoder's defaults decide the plans as much as the weights do: new defaults, new scores.
      decoding: [...DECODING_MODES, `copy bias ${DEFAULT_COPY_BIAS}`, `tool bias ${DEFAULT_TOOL_BIAS}`, `min confidence ${DEFAULT_MIN_CONFIDENCE}`].join(','),
      backend: ctx.backend,
    }),
    run: async () => {
      rmSync(ctx.paths.eval, { recursive: true, force: true });
      mkdirSync(ctx.paths.eval, { recursive: true });
      const probes: Array<[string, string]> = [
        ['dev', ctx.recipe.eval.probe],
        ['ood-dev', ctx.recipe.eval.ood_probe],
      ];
      if (n > 0) {
        for (const split of ['val', 'val_unseen'] as const) {
          const file = join(ctx.paths.eval, `${split}.probe.jsonl`);
          writeFileAtomic(file, splitAsProbe(join(ctx.paths.plans, `${split}.jsonl`), n));
          probes.push([split, repoPath(file)]);
        }
      }
      const runs = probes.flatMap(([name, file]) => DECODING_MODES.map((mode) => ({ name, file, mode })));
      // Each evaluation decodes on one thread: one process per core.
      await forEachConcurrently(runs, availableParallelism(), async ({ name, file, mode }) => {
        ctx.log(`eval plan: ${name}, ${mode} (${file})`);
        const json = await runCapplan(
          ['eval', 'plan', '--probe', file, '--checkpoint', repoPath(ctx.paths.sft), '--backend', ctx.backend, '--json', ...(mode === 'unconstrained' ? ['--no-constrain'] : [])],
          { capture: true },
        );
        writeFileAtomic(join(ctx.paths.eval, probeResultFile(name, mode)), json);
      });
    },
  };
}

function publishStage(ctx: SpeedrunContext): PipelineStage {
  const manifest = (): string => join(ctx.paths.out, 'manifest.json');
  return {
    name: 'publish',
    outputDir: ctx.paths.out,
    inputs: () => ({
      base: trainingRunOf(ctx.paths.base),
      sft: trainingRunOf(ctx.paths.sft),
      eval: outputsOf(ctx.paths.eval),
      tok_eval: ctx.recipe.eval.tok_eval ? outputsOf(ctx.paths.tokEval) : 'off',
      max_weight_bytes: String(ctx.recipe.publish.max_weight_bytes),
    }),
    // The report beside the manifest is regenerated at will; the manifest pins everything published.
    digest: () => (existsSync(manifest()) ? sha256FileSync(manifest()) : null),
    check: () => verifyProblem(ctx.paths.out),
    run: async () => publishCheckpoint(ctx),
  };
}

/**
 * The stages of a speedrun in order, up to and including `until`. Every stage is built (its config
 * loaded and validated) even when the run stops earlier, so a bad stage config fails at once, not
 * after an hour of pretraining.
 */
export function speedrunStages(ctx: SpeedrunContext, until: StageName): PipelineStage[] {
  const all: PipelineStage[] = [
    corpusStage(ctx),
    tokenizerStage(ctx),
    ...(ctx.recipe.eval.tok_eval ? [tokEvalStage(ctx)] : []),
    baseStage(ctx),
    plansStage(ctx),
    sftStage(ctx),
    evalStage(ctx),
    publishStage(ctx),
  ];
  const order = (name: string): number => STAGE_NAMES.indexOf(name as StageName);
  return all.filter((s) => order(s.name) <= order(until));
}
