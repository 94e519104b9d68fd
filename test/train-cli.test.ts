import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainConfigSchema } from '../src/config/train-schema.js';
import { runCli, repoRoot } from './helpers/cli.js';
import { tempDirs } from './helpers/train-fixtures.js';

const dirs = tempDirs('cli');
const tmp = dirs.make;
afterAll(dirs.removeAll);

function writeConfig(dir: string, value: unknown): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const base = JSON.parse(readFileSync(join(repoRoot, 'configs', 'd2.json'), 'utf8'));

function expectOneLineError(res: { code: number; stderr: string }, pattern: RegExp): void {
  expect(res.code).toBe(1);
  const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('capplan: error:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('configs', () => {
  it('every configs/dN.json validates and depth matches its name', () => {
    const names = readdirSync(join(repoRoot, 'configs')).filter((n) => /^d\d+\.json$/.test(n));
    for (const d of [2, 4, 6, 8, 12, 16, 20, 26]) expect(names).toContain(`d${d}.json`);
    for (const name of names) {
      const cfg = TrainConfigSchema.parse(JSON.parse(readFileSync(join(repoRoot, 'configs', name), 'utf8')));
      expect(`d${cfg.model.depth}.json`).toBe(name);
    }
  });
});

describe('capplan base train (bad input)', () => {
  it('documents its flags in --help', () => {
    const res = runCli(['base', 'train', '--help']);
    expect(res.code).toBe(0);
    for (const flag of ['--config', '--backend', '--max-steps', '--resume', '--out', '--seed', '--max-memory', '--device-batch', '--stop-at']) {
      expect(res.stdout).toContain(flag);
    }
  });

  it('names the bad config field and the allowed values', () => {
    const dir = tmp('cfg');
    expectOneLineError(
      runCli(['base', 'train', '--config', writeConfig(dir, { ...base, optim: { ...base.optim, device_batch_size: 0 } })]),
      /config\.json: field `optim\.device_batch_size`: Too small: expected number to be >0$/,
    );
    expectOneLineError(
      runCli(['base', 'train', '--config', writeConfig(dir, { ...base, optim: { ...base.optim, total_batch_tokens: 1000 } })]),
      /field `optim\.total_batch_tokens`: must be a multiple of device_batch_size × seq_len/,
    );
    expectOneLineError(
      runCli(['base', 'train', '--config', writeConfig(dir, { ...base, model: { ...base.model, depht: 3 } })]),
      /field `model`: .*depht/,
    );
    expectOneLineError(runCli(['base', 'train', '--config', join(dir, 'missing.json')]), /missing\.json: cannot read file/);
    expectOneLineError(runCli(['base', 'train', '--config', 'configs/d2.json', '--backend', 'tpu']), /unknown backend 'tpu'/);
    expectOneLineError(runCli(['base', 'train', '--config', 'configs/d2.json', '--max-steps', 'ten']), /--max-steps must be an integer/);
  });

  it('refuses a config that does not fit memory, with the estimate, before allocating', () => {
    const res = runCli(['base', 'train', '--config', 'configs/d26.json', '--max-memory', '16GiB', '--backend', 'cpu']);
    expectOneLineError(
      res,
      /configs\/d26\.json: device batch 1: training needs an estimated [\d.]+ GiB \(params .* activations .*\), more than the 16\.0 GiB limit \(--max-memory\); lower the sequence length or the depth/,
    );
    expect(res.stdout).not.toContain('base train:');
    const auto = runCli(['base', 'train', '--config', 'configs/d26.json', '--max-memory', '16GiB', '--device-batch', 'auto', '--backend', 'cpu']);
    expectOneLineError(auto, /configs\/d26\.json: does not fit this device even one row per micro-batch: training needs an estimated/);
    expectOneLineError(runCli(['base', 'train', '--config', 'configs/d2.json', '--device-batch', '3', '--backend', 'cpu']), /--device-batch 3 must divide the 8 rows of a step/);
  });

  it('reports an empty corpus or parquet directory clearly, writing nothing', () => {
    const dir = tmp('empty');
    const out = join(dir, 'run');
    mkdirSync(join(dir, 'corpus'));
    const cfg = writeConfig(dir, { ...base, data: { ...base.data, corpus_dir: join(dir, 'corpus') } });
    expectOneLineError(runCli(['base', 'train', '--config', cfg, '--backend', 'cpu', '--out', out]), /corpus not installed: .* is missing; run `capplan data sync`/);
    const pq = writeConfig(dir, { ...base, data: { ...base.data, parquet_dir: join(dir, 'corpus') } });
    expectOneLineError(runCli(['base', 'train', '--config', pq, '--backend', 'cpu', '--out', out]), /found 0 \.parquet shard\(s\)/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('capplan base train (tiny run)', () => {
  it('trains, stops at a step, resumes to the end and writes a manifest', () => {
    const dir = tmp('run');
    const out = join(dir, 'run');
    const cfg = writeConfig(dir, {
      ...base,
      model: { depth: 1, seq_len: 16 },
      optim: { ...base.optim, device_batch_size: 2, total_batch_tokens: 32 },
      eval: { every: 0, tokens: 32, sample_tokens: 2, sample_prompt: 'struct' },
      log_every: 1,
    });
    const first = runCli(['base', 'train', '--config', cfg, '--backend', 'cpu', '--max-steps', '2', '--stop-at', '1', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/step 1\/2 \| loss \d/);
    expect(readdirSync(out).sort()).toEqual(['meta_1.json', 'model_1.safetensors', 'optim_1.safetensors', 'train.jsonl']);

    const again = runCli(['base', 'train', '--config', cfg, '--backend', 'cpu', '--max-steps', '2', '--out', out]);
    expectOneLineError(again, /already holds a run \(latest checkpoint step 1\); pass --resume/);

    const resumed = runCli(['base', 'train', '--config', cfg, '--backend', 'cpu', '--max-steps', '2', '--resume', '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from .*meta_1\.json at step 1/);
    expect(resumed.stdout).toMatch(/step 2\/2 \| loss [\d.]+ \| val bpb [\d.]+/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.stage).toBe('base');
    expect(Object.keys(manifest.outputs)).toEqual(expect.arrayContaining(['model_2.safetensors', 'optim_2.safetensors', 'meta_2.json']));
    expect(manifest.backend.name).toBe('cpu');

    expectOneLineError(
      runCli(['base', 'train', '--config', cfg, '--backend', 'cpu', '--max-steps', '2', '--resume', '--out', out]),
      /already at step 2 of 2; raise --max-steps/,
    );
    writeFileSync(join(out, 'meta_2.json'), '{"format":"something-else"}');
    expectOneLineError(
      runCli(['base', 'train', '--config', cfg, '--backend', 'cpu', '--max-steps', '3', '--resume', '--out', out]),
      /meta_2\.json: not a capplan base checkpoint/,
    );
  });
});
