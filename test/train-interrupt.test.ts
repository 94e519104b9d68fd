import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkpointSteps } from '../src/train/checkpoint.js';
import { refuseExistingRun, rewindRun, TRAIN_LOG } from '../src/train/run-dir.js';
import { watchStopSignals } from '../src/train/stop-signals.js';
import { expectOneLineError, runCli, startCli, type CliResult } from './helpers/cli.js';
import { tempDirs, tinyParquetBaseConfig, tinySftConfig } from './helpers/train-fixtures.js';

const dirs = tempDirs('interrupt');
afterAll(dirs.removeAll);

const STEPS = 40;
let work = '';
let base: string[] = [];
let reference = '';

const bytes = (dir: string, file: string): Buffer => readFileSync(join(dir, file));

/** The steps train.jsonl records, in order. */
function loggedSteps(dir: string): number[] {
  return readFileSync(join(dir, TRAIN_LOG), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { step: number }).step);
}

const oneToN = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** Starts `args`, sends `signals` once the output matches `at`, and waits for the exit. */
async function interrupt(args: string[], at: RegExp, ...signals: NodeJS.Signals[]): Promise<CliResult> {
  const run = startCli(args);
  await run.waitFor(at);
  for (const signal of signals) run.signal(signal);
  return run.exit;
}

/** Resumes the run in `out` to its end: exit 0, the weights and optimizer state of `straight` byte for byte. */
function expectResumedLike(args: string[], out: string, straight: string, finalStep: number): CliResult {
  const resumed = runCli([...args, '--out', out, '--resume']);
  expect(resumed.code, resumed.stderr).toBe(0);
  for (const file of [`model_${finalStep}.safetensors`, `optim_${finalStep}.safetensors`]) expect(bytes(out, file).equals(bytes(straight, file)), file).toBe(true);
  return resumed;
}

/** A depth-1 run on two tiny parquet shards (no corpus to tokenize), checkpoints every 5 steps; and its uninterrupted result. */
beforeAll(() => {
  work = dirs.make('work');
  const config = tinyParquetBaseConfig(work, { log_every: 1, save_every: 5 });
  base = ['base', 'train', '--config', config, '--backend', 'wasm', '--workers', '1', '--max-steps', String(STEPS)];
  reference = join(work, 'reference');
  const res = runCli([...base, '--out', reference]);
  expect(res.code, res.stderr).toBe(0);
}, 120_000);

describe('capplan base train, interrupted', () => {
  it('saves the last completed step on SIGINT, refuses a fresh run into the directory, and --resume ends byte-identical', async () => {
    const out = join(work, 'sigint');
    const stopped = await interrupt([...base, '--out', out], /^step 12\/40 /m, 'SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    const m = /^capplan: error: interrupted by SIGINT after step (\d+) of 40; checkpoint saved in (.+); continue with: capplan base train .*--out \S+ --resume$/m.exec(stopped.stderr);
    expect(m, stopped.stderr).not.toBeNull();
    const step = Number(m![1]);
    expect(step).toBeGreaterThanOrEqual(12);
    expect(step).toBeLessThan(STEPS);
    expect(m![2]).toBe(out);
    expect(checkpointSteps(out).at(-1)).toBe(step);
    expect(loggedSteps(out)).toEqual(oneToN(step));

    const log = bytes(out, TRAIN_LOG);
    expectOneLineError(runCli([...base, '--out', out]), /already holds a run \(latest checkpoint step \d+\); pass --resume to continue it or --out DIR for a new run$/);
    expect(bytes(out, TRAIN_LOG).equals(log)).toBe(true);

    expectResumedLike(base, out, reference, STEPS);
    expect(loggedSteps(out)).toEqual(oneToN(STEPS));
  }, 120_000);

  it('quits at once on a second signal, keeping the previous checkpoint, from which --resume ends byte-identical', async () => {
    const out = join(work, 'twice');
    // Two signals of one kind sent together arrive as one; two kinds arrive as two, in either order.
    const stopped = await interrupt([...base, '--out', out], /^step 12\/40 /m, 'SIGINT', 'SIGTERM');
    const second = /^capplan: (SIGINT|SIGTERM) again: quitting without a new checkpoint/m.exec(stopped.stderr);
    expect(second, stopped.stderr).not.toBeNull();
    expect(stopped.code).toBe(second![1] === 'SIGINT' ? 130 : 143);
    // The save_every checkpoint before the interruption; the steps logged after it are trained again.
    expect(checkpointSteps(out)).toEqual([5, 10]);
    expect(loggedSteps(out).length).toBeGreaterThan(10);

    expect(expectResumedLike(base, out, reference, STEPS).stdout).toMatch(/resumed from .*meta_10\.json at step 10/);
    expect(loggedSteps(out)).toEqual(oneToN(STEPS));
  }, 120_000);
});

describe('capplan sft, interrupted', () => {
  it('saves on SIGTERM (exit 143) and --resume ends byte-identical with an uninterrupted run', async () => {
    const plans = join(work, 'plans');
    const gen = runCli(['data', 'plans', '--seed', '3', '--count', '6', '--val-count', '2', '--out', plans]);
    expect(gen.code, gen.stderr).toBe(0);
    const config = tinySftConfig(join(work, 'sft.json'), plans, { steps: 12, eval: { every: 0, examples: 2, sample_tokens: 0 } });
    const sft = ['sft', '--config', config, '--from', reference, '--backend', 'wasm', '--workers', '1'];
    const ref = join(work, 'sft-reference');
    const straight = runCli([...sft, '--out', ref]);
    expect(straight.code, straight.stderr).toBe(0);

    const out = join(work, 'sft-sigterm');
    const stopped = await interrupt([...sft, '--out', out], /^step 3\/12 /m, 'SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toMatch(/^capplan: error: interrupted by SIGTERM after step \d+ of 12; checkpoint saved in .*; continue with: capplan sft .* --resume$/m);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);

    expectResumedLike(sft, out, ref, 12);
    // SFT logs its evaluation before the first step as step 0.
    expect(loggedSteps(out)).toEqual([0, ...oneToN(12)]);
  }, 180_000);
});

describe('stop signals', () => {
  it('asks the loop to stop on the first signal and quits on the second', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const signals = watchStopSignals();
    try {
      expect(signals.received).toBeNull();
      process.emit('SIGINT', 'SIGINT');
      expect(signals.received).toBe('SIGINT');
      expect(() => process.emit('SIGINT', 'SIGINT')).toThrow('exit 130');
    } finally {
      signals.dispose();
      exit.mockRestore();
      stderr.mockRestore();
    }
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('run directory state', () => {
  it('rewinds a run to a checkpoint: later log records and the files of a save cut short go', () => {
    const dir = dirs.make('rewind');
    for (const f of ['meta_5.json', 'model_5.safetensors', 'optim_5.safetensors', 'model_8.safetensors']) writeFileSync(join(dir, f), 'x');
    const records = oneToN(8).map((step) => JSON.stringify({ step, loss: 1 }));
    writeFileSync(join(dir, TRAIN_LOG), records.join('\n') + '\n{"step": 9, "lo');
    rewindRun(dir, 5);
    expect(loggedSteps(dir)).toEqual(oneToN(5));
    expect(readdirSync(dir).sort()).toEqual(['meta_5.json', 'model_5.safetensors', 'optim_5.safetensors', TRAIN_LOG]);
  });

  it('refuses a new run where a run without a checkpoint left its log, naming --resume and --out', () => {
    const dir = dirs.make('log-only');
    expect(() => refuseExistingRun(dir)).not.toThrow();
    writeFileSync(join(dir, TRAIN_LOG), '{"step":1}\n');
    expect(() => refuseExistingRun(dir)).toThrow(/already holds a run without a checkpoint \(train\.jsonl\), so --resume has nothing to continue: remove it or pass --out DIR for a new run/);
  });
});
