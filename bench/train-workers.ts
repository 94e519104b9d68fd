/**
 * Data-parallel gradient threads (`--workers`) against one thread, interleaved: every round runs, per config,
 * `capplan bench train --backend wasm` with
 *   one-micro:  --workers 1, one micro-batch of B rows (the status quo of a B-row step),
 *   w1:         --workers 1, two micro-batches of B/2 rows,
 *   w2:         --workers 2, the same two micro-batches, one per thread,
 * so load from other processes hits all of them alike. The summary takes the median tokens/s over rounds and
 * the ratios w2/w1 (the threads' effect) and w2/one-micro (what a user of a B-row step gains).
 *
 * Run from the repo root after `npm run build`:
 *   node bench/run.mjs train-workers [--configs d2,d4] [--rounds 3]
 * Writes bench/results/train-workers-<YYYY-MM-DD>.json, or -2, -3… when that file exists (never overwritten).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/eval/machine.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const CONFIGS: Record<string, { depth: number; vocab: number; seq: number; batch: number; steps: number }> = {
  d2: { depth: 2, vocab: 4096, seq: 128, batch: 8, steps: 5 },
  d4: { depth: 4, vocab: 8192, seq: 256, batch: 8, steps: 3 },
};

const VARIANTS: Record<string, string[]> = {
  'one-micro': ['--workers', '1'],
  w1: ['--workers', '1', '--device-batch', 'HALF'],
  w2: ['--workers', '2', '--device-batch', 'HALF'],
};

const { values: args } = parseArgs({
  options: { configs: { type: 'string', default: 'd2,d4' }, rounds: { type: 'string', default: '3' } },
});

interface Run {
  variant: string;
  config: string;
  round: number;
  loadavg_1m_before: number;
  command: string;
  tokens_per_s?: number;
  result?: Record<string, unknown>;
  error?: string;
}

const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

function runOne(variant: string, config: string, round: number): Run {
  const cfg = CONFIGS[config]!;
  const shape = ['--depth', cfg.depth, '--vocab', cfg.vocab, '--seq', cfg.seq, '--batch', cfg.batch, '--steps', cfg.steps].map(String);
  const flags = VARIANTS[variant]!.map((f) => (f === 'HALF' ? String(cfg.batch / 2) : f));
  const argv = ['dist/cli.js', 'bench', 'train', '--backend', 'wasm', ...shape, ...flags, '--json'];
  const run: Run = { variant, config, round, loadavg_1m_before: load1(), command: `node ${argv.join(' ')}` };
  const res = spawnSync(process.execPath, argv, { encoding: 'utf8' });
  const line = res.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (res.status !== 0 || !line) {
    run.error = (res.stderr || `exit ${res.status}`).trim().split('\n').slice(-2).join(' ');
    return run;
  }
  run.result = JSON.parse(line) as Record<string, unknown>;
  run.tokens_per_s = Number(run.result.tokens_per_s);
  return run;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js missing: run `npm run build` first');
const configs = args.configs.split(',');
for (const c of configs) if (!CONFIGS[c]) throw new Error(`unknown config ${c} (known: ${Object.keys(CONFIGS).join(', ')})`);
const started = new Date().toISOString();
const runs: Run[] = [];
for (let round = 1; round <= Number(args.rounds); round++) {
  for (const config of configs) {
    for (const variant of Object.keys(VARIANTS)) {
      const run = runOne(variant, config, round);
      process.stdout.write(`${JSON.stringify({ ...run, result: undefined })}\n`);
      runs.push(run);
    }
  }
}
const ratio = (a: number | null, b: number | null) => (a !== null && b ? Math.round((a / b) * 1000) / 1000 : null);
const summary = configs.map((config) => {
  const tps = Object.fromEntries(
    Object.keys(VARIANTS).map((v) => [v, median(runs.filter((r) => r.config === config && r.variant === v && r.tokens_per_s).map((r) => r.tokens_per_s!))]),
  );
  // Per-round ratios too: each round's runs ran back to back, so they shared similar load.
  const perRound = [...new Set(runs.map((r) => r.round))].map((round) => {
    const t = (v: string) => runs.find((r) => r.config === config && r.variant === v && r.round === round)?.tokens_per_s ?? null;
    return { round, w2_over_w1: ratio(t('w2'), t('w1')), w2_over_one_micro: ratio(t('w2'), t('one-micro')) };
  });
  return {
    config,
    shape: CONFIGS[config],
    median_tokens_per_s: tps,
    w2_over_w1: ratio(tps.w2!, tps.w1!),
    w2_over_one_micro: ratio(tps.w2!, tps['one-micro']!),
    per_round: perRound,
  };
});
const path = writeBenchResult('train-workers', {
  name: 'train-workers',
  date: started,
  machine: machineInfo(),
  command: `node bench/run.mjs train-workers ${process.argv.slice(2).join(' ')}`.trim(),
  note:
    'medians over rounds of capplan bench train --backend wasm; runs interleaved per round; other engineers and the lead share ' +
    'the 2 cores (see loadavg_1m_before), which caps what a second thread can gain',
  loadavg_1m_range: [Math.min(...runs.map((r) => r.loadavg_1m_before)), Math.max(...runs.map((r) => r.loadavg_1m_before))],
  summary,
  runs,
});
process.stdout.write(`${JSON.stringify(summary)}\nwrote ${path}\n`);
