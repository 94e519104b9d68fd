import { DEFAULT_COPY_BIAS, DEFAULT_MIN_CONFIDENCE, DEFAULT_TOOL_BIAS } from '../src/infer/plan.js';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeReport } from '../src/eval/probe/report.js';
import type { Manifest } from '../src/provenance/manifest.js';
import { verifyArtifact } from '../src/provenance/verify.js';
import { checkReproducible } from '../src/pipeline/reproduce.js';
import { sha256Hex } from '../src/util/hash.js';
import { runCli, repoRoot, startCli, type CliResult } from './helpers/cli.js';

/**
 * The tiny preset end to end (corpus → tokenizer → base → plans → SFT → eval → publish → report) in a
 * temp dir, then what the speedrun and `reproduce` do with it: reuse, bit-identical re-runs, and
 * refusals on edited, missing or mismatched inputs. The test's own recipe points at copies of the stage
 * configs so it can edit them; the tokenizer comparison (~10 s of HF baselines) is off.
 */
let root: string;
const run = (): string => join(root, 'run');
const out = (): string => join(root, 'default');
const recipe = (): string => join(root, 'recipe.json');

const speedrun = (...extra: string[]): CliResult =>
  runCli(['speedrun', '--config', recipe(), '--preset', 'tiny', '--run-dir', run(), '--out', out(), ...extra]);

function expectError(res: CliResult, pattern: RegExp): void {
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(pattern);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'capplan-reproduce-'));
  const r = JSON.parse(readFileSync(join(repoRoot, 'configs', 'default.json'), 'utf8'));
  for (const stage of ['base', 'sft']) {
    const copy = join(root, `${stage}-config.json`);
    writeFileSync(copy, readFileSync(join(repoRoot, r[stage].config)));
    r[stage].config = copy;
  }
  r.presets.tiny.eval = { ...r.presets.tiny.eval, tok_eval: false, val_cases: 2 };
  writeFileSync(recipe(), JSON.stringify(r));
  const res = speedrun();
  if (res.code !== 0) throw new Error(`tiny speedrun failed:\n${res.stderr}`);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tiny speedrun', () => {
  it('publishes the SFT weights, evaluation, manifest and report, and the base without its weights', () => {
    const published = ['manifest.json', 'model_10.safetensors', 'meta_10.json', 'report.md', 'speedrun.json', 'inputs/config.json', 'inputs/plans_manifest.json'];
    const evaluation = ['dev', 'val', 'val_unseen'].flatMap((p) => [`eval/probe-${p}.json`, `eval/probe-${p}.unconstrained.json`]);
    const baseCopy = ['base/manifest.json', 'base/meta_20.json', 'base/train.jsonl', 'base/inputs/config.json'];
    for (const f of [...published, ...evaluation, ...baseCopy]) {
      expect(existsSync(join(out(), f)), f).toBe(true);
    }
    for (const f of ['optim_10.safetensors', 'base/model_20.safetensors', 'base/optim_20.safetensors']) expect(existsSync(join(out(), f)), f).toBe(false);
    // The base weights stay pinned: by hash in the base manifest and in the SFT manifest that pins the base.
    const baseManifest = JSON.parse(readFileSync(join(out(), 'base', 'manifest.json'), 'utf8')) as Manifest;
    const sftManifest = JSON.parse(readFileSync(join(out(), 'manifest.json'), 'utf8')) as Manifest;
    const recorded = baseManifest.outputs['model_20.safetensors']!;
    expect(recorded).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), published: false });
    expect(recorded.sha256).toBe(sha256Hex(readFileSync(join(run(), 'base', 'model_20.safetensors'))));
    expect(sftManifest.outputs['base/model_20.safetensors']).toEqual(recorded);
    // Both decoding modes are scored and recorded; each case carries the raw text the model generated.
    expect(Object.keys(sftManifest.metrics.probe as object)).toEqual(['dev', 'ood-dev', 'val', 'val_unseen']);
    expect(Object.keys(sftManifest.metrics.probe_unconstrained as object)).toEqual(['dev', 'ood-dev', 'val', 'val_unseen']);
    const dev = JSON.parse(readFileSync(join(out(), 'eval', 'probe-dev.json'), 'utf8')) as ProbeReport & { source: { constrained: boolean } };
    const devFree = JSON.parse(readFileSync(join(out(), 'eval', 'probe-dev.unconstrained.json'), 'utf8')) as ProbeReport & { source: { constrained: boolean } };
    expect([dev.source.constrained, devFree.source.constrained]).toEqual([true, false]);
    expect(dev.totals.json_valid.rate).toBe(1); // constrained output always parses
    for (const c of [...dev.cases, ...devFree.cases]) expect(c.output.length, c.id).toBeGreaterThan(0);
    expect(() => JSON.parse(dev.cases[0]!.output)).not.toThrow();
    const md = readFileSync(join(out(), 'report.md'), 'utf8');
    expect(md).toContain('![base loss (nats/token)](report/base-loss.svg)');
    expect(md).toMatch(/\| base \| .* \| [\d.]+ \|/); // wall clock row
    expect(md).toContain(`| dev | constrained, copy bias ${DEFAULT_COPY_BIAS}, tool bias ${DEFAULT_TOOL_BIAS}, min confidence ${DEFAULT_MIN_CONFIDENCE} | 8 | 100.0% |`);
    expect(md).toMatch(/\| val_unseen \| unconstrained \| 2 \|/);
    expect(md).toMatch(/model_20\.safetensors `[0-9a-f]{16}…` \(not published\)/);
    const verify = runCli(['verify', out()]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/-- output model_20\.safetensors: recorded by hash [0-9a-f]{12}… \(\d+ bytes\), not published/);
    expect(verify.stdout).toMatch(/verified 3 artifacts: all hashes of present files match; 1 file is recorded by hash, not published/);
  });

  it('fails verify on a published file deleted, changed by one byte, or a hand-edited base manifest', () => {
    // Copies beside the original keep the manifests' relative links (tokenizer, catalog, lock) valid.
    const copy = join(root, 'copy');
    const fresh = (): void => {
      rmSync(copy, { recursive: true, force: true });
      cpSync(out(), copy, { recursive: true });
    };
    const verify = (): void => void verifyArtifact(copy, () => {});
    fresh();
    unlinkSync(join(copy, 'eval', 'probe-dev.unconstrained.json'));
    expectError(runCli(['verify', copy]), /copy\/eval\/probe-dev\.unconstrained\.json: missing \(output\)/);
    fresh();
    unlinkSync(join(copy, 'base', 'meta_20.json'));
    expect(verify).toThrow(/copy\/base\/meta_20\.json: missing \(output\)/);
    fresh();
    const weights = readFileSync(join(copy, 'model_10.safetensors'));
    weights[weights.length - 1]! ^= 1;
    writeFileSync(join(copy, 'model_10.safetensors'), weights);
    expect(verify).toThrow(/copy\/model_10\.safetensors: sha256 mismatch \(output/);
    fresh();
    // Base weights dropped back in are checked like any other file.
    writeFileSync(join(copy, 'base', 'model_20.safetensors'), 'not the trained weights');
    expect(verify).toThrow(/copy\/base\/model_20\.safetensors: sha256 mismatch \(output/);
    fresh();
    const manifest = join(copy, 'base', 'manifest.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as Manifest;
    m.outputs['model_20.safetensors']!.sha256 = '0'.repeat(64);
    writeFileSync(manifest, JSON.stringify(m, null, 2) + '\n');
    expect(verify).toThrow(/copy\/base\/manifest\.json: sha256 mismatch/);
    rmSync(copy, { recursive: true, force: true });
  });

  it('reuses every stage when nothing changed', () => {
    const res = speedrun();
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('7 of 7 stages reused');
  });

  it('keeps a tokenizer that a forced retrain reproduces byte for byte, manifest included, so nothing downstream re-runs', () => {
    const manifest = join(run(), 'tokenizer', 'manifest.json');
    const before = readFileSync(manifest);
    const res = speedrun('--restart-from', 'tokenizer', '--until', 'tokenizer');
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/stage tokenizer: retrained byte-identical to .*; keeping it and its manifest/);
    expect(readFileSync(manifest).equals(before)).toBe(true);
    expect(existsSync(join(run(), 'tokenizer.retrained'))).toBe(false);
    expect(speedrun().stderr).toContain('7 of 7 stages reused');
  });

  it('resumes an interrupted base re-run and, as it trains the same weights, keeps sft, eval and publish', async () => {
    const baseManifest = readFileSync(join(run(), 'base', 'manifest.json'));
    const interrupted = startCli(['speedrun', '--config', recipe(), '--preset', 'tiny', '--run-dir', run(), '--out', out(), '--restart-from', 'base'], { group: true });
    await interrupted.waitFor(/^step 5\/20 /m);
    interrupted.signal('SIGINT'); // Ctrl-C reaches the speedrun and its training child
    const stopped = await interrupted.exit;
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr).toMatch(/interrupted by SIGINT after step \d+ of 20; checkpoint saved in .*base\.partial/);
    // The finished base stays in place meanwhile.
    expect(readFileSync(join(run(), 'base', 'manifest.json')).equals(baseManifest)).toBe(true);

    const res = speedrun();
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('stage base: resuming (it was interrupted: continuing from its last checkpoint)');
    expect(res.stderr).toMatch(/stage base: trained the same weights as .*base; keeping it and its manifest/);
    for (const stage of ['plans', 'sft', 'eval', 'publish']) expect(res.stderr).toMatch(new RegExp(`stage ${stage}: reusing`));
    expect(readFileSync(join(run(), 'base', 'manifest.json')).equals(baseManifest)).toBe(true);
    expect(existsSync(join(run(), 'base.partial'))).toBe(false);
  });

  it('refuses to publish more weights than publish.max_weight_bytes, leaving the published tree as it was', () => {
    const capped = join(root, 'capped.json');
    writeFileSync(capped, JSON.stringify({ ...JSON.parse(readFileSync(recipe(), 'utf8')), publish: { max_weight_bytes: 1000 } }));
    const before = readFileSync(join(out(), 'manifest.json'));
    const res = runCli(['speedrun', '--config', capped, '--preset', 'tiny', '--run-dir', run(), '--out', out()]);
    expectError(res, /^capplan: error: stage publish: .*default would hold \d+ bytes \([\d.]+ MB\) of weights \(model_10\.safetensors [\d.]+ MB\), over the limit of 1000 bytes \(publish\.max_weight_bytes in the recipe\)$/m);
    expect(res.stderr).toContain('stage publish: running (inputs changed since it completed: max_weight_bytes)');
    expect(res.stderr.split('\n').filter((l) => l.startsWith('capplan: error:'))).toHaveLength(1);
    expect(readFileSync(join(out(), 'manifest.json'))).toEqual(before);
  });

  it('reproduces tokenizer, base and sft bit-identically from the published tree alone', () => {
    // Only the tokenizer (outside the published dir in the tiny preset) stays: base, SFT, plan set and configs go.
    const away = ['base', 'sft', 'plans', 'configs'];
    for (const d of away) renameSync(join(run(), d), join(root, `away-${d}`));
    try {
      expect(runCli(['verify', out()]).code).toBe(0);
      const tok = runCli(['reproduce', out(), '--stage', 'tokenizer']);
      expect(tok.code).toBe(0);
      expect(tok.stdout).toContain('reproduce tokenizer: bit-identical');
      // The corpus the recipe read is synced (here: checked) before the re-run, as a fresh clone needs it installed.
      expect(tok.stdout).toMatch(/re-running the recipe of .*\n  corpus up to date: \d+ files/);
      // The published base has no weights to fine-tune: --stage sft re-trains (and compares) the base first.
      const res = runCli(['reproduce', out(), '--stage', 'sft']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/reproduce sft: the base weights \(.*base\/model_20\.safetensors\) are recorded by hash, not published: re-training base first/);
      for (const s of ['base', 'sft']) expect(res.stdout).toContain(`reproduce ${s}: bit-identical`);
      expect(res.stdout.match(/corpus up to date/g)).toHaveLength(1); // base reads the corpus, SFT does not
      expect(res.stdout).toContain('re-running the recipe of ' + out() + ' from the re-trained base');
      expect(res.stdout).toMatch(/match model_10\.safetensors: recorded ([0-9a-f]{16})…, reproduced \1…/);
      expect(res.stdout).toMatch(/match model_20\.safetensors: recorded ([0-9a-f]{16})…, reproduced \1…/);
      expect(res.stdout).toContain('reproduce: base, sft: all hashes match');
    } finally {
      for (const d of away) renameSync(join(root, `away-${d}`), join(run(), d));
    }
  });

  it('refuses another backend than the recorded one', () => {
    expectError(runCli(['reproduce', join(run(), 'base'), '--backend', 'cpu']), /trained on backend wasm, --backend cpu asked; bit-identical reproduction is only promised on the recorded backend/);
  });

  it('refuses a manifest whose parent is missing', () => {
    renameSync(join(run(), 'tokenizer'), join(root, 'tokenizer-moved'));
    try {
      expectError(runCli(['reproduce', join(run(), 'base')]), /broken link to parent tokenizer: .*tokenizer\/manifest\.json is missing/);
    } finally {
      renameSync(join(root, 'tokenizer-moved'), join(run(), 'tokenizer'));
    }
  });

  it('refuses a hand-edited config, and the speedrun re-runs the stage saying why', () => {
    const file = join(run(), 'configs', 'base.json');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('"seed": 42', '"seed": 43'));
    expectError(runCli(['reproduce', join(run(), 'base')]), /configs\/base\.json: sha256 mismatch \(input config of /);
    const res = speedrun('--until', 'base');
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/stage base: running \(its artifact no longer verifies: .*configs\/base\.json: sha256 mismatch/);
    expect(readFileSync(file, 'utf8')).toBe(original); // rewritten from the recipe
  });

  it('re-runs a stage whose recipe config changed; its dependents then fail verification until re-run', () => {
    const d2 = join(root, 'base-config.json');
    writeFileSync(d2, readFileSync(d2, 'utf8').replace('"sample_prompt": "The capability"', '"sample_prompt": "The capOS"'));
    const res = speedrun('--until', 'base');
    expect(res.stderr).toContain('stage tokenizer: reusing');
    expect(res.stderr).toContain('stage base: running (inputs changed since it completed: config)');
    // The run's SFT artifact now hangs off a replaced base: verify names the broken link.
    expectError(runCli(['verify', join(run(), 'sft')]), /manifest\.json: sha256 mismatch \(parent base of /);
    // The published planner carries its own copy of the base it was trained from, so it still verifies.
    expect(runCli(['verify', out()]).code).toBe(0);
  });
});

describe('checkReproducible', () => {
  const manifest = { versions: { node: 'v20.11.0', tfjs: '4.22.0' }, backend: { name: 'wasm', version: '4.22.0', adapter: null } } as unknown as Manifest;
  it('refuses another Node major version, accepts another minor', () => {
    expect(() => checkReproducible(manifest, 'ck', undefined, 'v22.1.0')).toThrow(/recorded on Node v20\.11\.0, this is Node v22\.1\.0/);
    expect(() => checkReproducible(manifest, 'ck', undefined, 'v20.20.2')).not.toThrow();
    expect(() => checkReproducible(manifest, 'ck', 'wasm', 'v20.20.2')).not.toThrow();
  });
});
