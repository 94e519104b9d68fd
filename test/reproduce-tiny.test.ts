import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/provenance/manifest.js';
import { checkReproducible } from '../src/report/reproduce.js';
import { runCli, repoRoot, type CliResult } from './helpers/cli.js';

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
  it('publishes the SFT weights, evaluation, manifest and report', () => {
    const published = ['manifest.json', 'model_10.safetensors', 'meta_10.json', 'report.md', 'eval/probe-dev.json', 'eval/probe-val.json', 'speedrun.json'];
    const baseCopy = ['base/manifest.json', 'base/model_20.safetensors', 'base/meta_20.json', 'base/train.jsonl', 'base/inputs/config.json', 'inputs/config.json', 'inputs/plans_manifest.json'];
    for (const f of [...published, ...baseCopy]) {
      expect(existsSync(join(out(), f)), f).toBe(true);
    }
    expect(existsSync(join(out(), 'optim_10.safetensors'))).toBe(false);
    const md = readFileSync(join(out(), 'report.md'), 'utf8');
    expect(md).toContain('![base loss (nats/token)](report/base-loss.svg)');
    expect(md).toMatch(/\| base \| .* \| [\d.]+ \|/); // wall clock row
    expect(runCli(['verify', out()]).code).toBe(0);
  });

  it('reuses every stage when nothing changed', () => {
    const res = speedrun();
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('7 of 7 stages reused');
  });

  it('reproduces tokenizer, base and sft bit-identically from the published tree alone', () => {
    // Only the tokenizer (outside the published dir in the tiny preset) stays: base, SFT, plan set and configs go.
    const away = ['base', 'sft', 'plans', 'configs'];
    for (const d of away) renameSync(join(run(), d), join(root, `away-${d}`));
    try {
      expect(runCli(['verify', out()]).code).toBe(0);
      const res = runCli(['reproduce', out(), '--stage', 'all']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      for (const s of ['tokenizer', 'base', 'sft']) expect(res.stdout).toContain(`reproduce ${s}: bit-identical`);
      expect(res.stdout).toMatch(/match model_10\.safetensors: recorded ([0-9a-f]{16})…, reproduced \1…/);
      expect(res.stdout).toMatch(/match model_20\.safetensors: recorded ([0-9a-f]{16})…, reproduced \1…/);
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
