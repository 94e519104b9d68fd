import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, repoRoot } from './helpers/cli.js';
import { tempDirs } from './helpers/train-fixtures.js';

const dirs = tempDirs('parallel');
afterAll(dirs.removeAll);

const base = JSON.parse(readFileSync(join(repoRoot, 'configs', 'd2.json'), 'utf8'));

describe('--workers through the CLI (compiled worker threads)', () => {
  it('base train: 2 gradient threads, stopped and resumed with 1, writes the same bytes as 1 thread throughout', () => {
    const dir = dirs.make('bitexact');
    const cfg = join(dir, 'config.json');
    // Two micro-batches of 1×16 per step, so a second thread gets one of them.
    writeFileSync(
      cfg,
      JSON.stringify({
        ...base,
        model: { depth: 1, seq_len: 16 },
        optim: { ...base.optim, device_batch_size: 1, total_batch_tokens: 32 },
        eval: { every: 0, tokens: 32, sample_tokens: 2, sample_prompt: 'struct' },
        log_every: 1,
      }),
    );
    const train = (out: string, ...extra: string[]) =>
      runCli(['base', 'train', '--config', cfg, '--backend', 'wasm', '--max-steps', '2', '--out', join(dir, out), ...extra]);

    const serial = train('serial', '--workers', '1');
    expect(serial.code, serial.stderr).toBe(0);
    expect(serial.stdout).toContain('(2 micro-batches of 1×16); backend wasm, 1 gradient thread;');

    const first = train('parallel', '--workers', '2', '--stop-at', '1');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('backend wasm, 2 gradient threads;');
    expect(first.stderr).not.toMatch(/Hi, looks like/);
    const meta1 = JSON.parse(readFileSync(join(dir, 'parallel', 'meta_1.json'), 'utf8'));
    expect(meta1.metrics.workers).toBe(2);

    const resumed = train('parallel', '--workers', '1', '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from .*meta_1\.json at step 1/);
    for (const file of ['model_2.safetensors', 'optim_2.safetensors']) {
      const a = readFileSync(join(dir, 'serial', file));
      const b = readFileSync(join(dir, 'parallel', file));
      expect(b.equals(a), file).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'parallel', 'manifest.json'), 'utf8'));
    expect(manifest.metrics.workers).toBe(1);
  });

  it('bench train --workers 2 --device-batch: reports the threads, and tensors stay flat in every thread', () => {
    const res = runCli(
      ['bench', 'train', '--backend', 'wasm', '--depth', '1', '--vocab', '64', '--seq', '8', '--batch', '4', '--device-batch', '2'].concat(
        ['--workers', '2', '--steps', '2', '--json'],
      ),
    );
    expect(res.code, res.stderr).toBe(0);
    const row = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(row).toMatchObject({ backend: 'wasm', tokens_per_step: 32, micro_batches: 2, workers: 2, tensors_flat: true });
    // The worker's replica: 8 parameters of a depth-1 model and 4 constants (rotary tables, causal mask).
    expect(row.worker_tensors).toEqual([12]);
  });

  it('base train and sft document --workers', () => {
    for (const command of [['base', 'train'], ['sft']]) {
      const help = runCli([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/--workers <n>\s+threads computing each step's micro-batches/);
    }
  });

  it('bad --workers values are one-line errors', () => {
    const bad = runCli(['bench', 'train', '--depth', '1', '--workers', 'many']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("capplan: error: --workers must be 'auto' or an integer from 1 to 256, got 'many'");
    const indivisible = runCli(['bench', 'train', '--depth', '1', '--batch', '4', '--device-batch', '3']);
    expect(indivisible.stderr.trim()).toBe('capplan: error: bench train: --device-batch 3 must divide --batch 4');
  });
});
