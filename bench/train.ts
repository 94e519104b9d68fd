/**
 * capplan training throughput against the PyTorch peer (/work/shared/reference/torch_gpt.py, same model,
 * forward + backward + AdamW, fp32; run with 2 threads as specified and with 1 thread), interleaved: every
 * round runs each config on torch, torch-1t and every capplan backend in turn, so load from other processes
 * hits all of them alike. The summary takes the median tokens/s over rounds and the ratios capplan/torch and
 * capplan/torch-1t; every run records the load average before it.
 *
 * Run from the repo root after `npm run build`:
 *   node bench/run.mjs train [--backends cpu,wasm,wasm-2w,webgpu] [--configs d2,d4] [--rounds 2] [--peer PATH]
 *   (`wasm-2w`: the same batch as 2 micro-batches on 2 gradient threads)
 * Needs `apt-get install -y python3-torch libopenblas0-pthread` for the peer (skipped with a note if absent).
 * Writes bench/results/train-<YYYY-MM-DD>.json, or -2, -3… when that file exists (never overwritten).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/eval/machine.js';
import { writeBenchResult } from '../src/eval/results-file.js';

interface BenchConfig {
  name: string;
  depth: number;
  vocab: number;
  seq: number;
  batch: number;
  /** Timed steps per run, by backend (the pure-JS cpu backend is 20–80× slower). */
  steps: { torch: number; fast: number; cpu: number };
}

const CONFIGS: Record<string, BenchConfig> = {
  d2: { name: 'd2', depth: 2, vocab: 4096, seq: 128, batch: 8, steps: { torch: 10, fast: 5, cpu: 1 } },
  d4: { name: 'd4', depth: 4, vocab: 8192, seq: 256, batch: 8, steps: { torch: 5, fast: 3, cpu: 1 } },
};

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'cpu,wasm,webgpu' },
    configs: { type: 'string', default: 'd2,d4' },
    rounds: { type: 'string', default: '2' },
    peer: { type: 'string', default: '/work/shared/reference/torch_gpt.py' },
  },
});

interface Run {
  impl: string;
  config: string;
  round: number;
  loadavg_1m_before: number;
  tokens_per_s?: number;
  ms_per_step?: number;
  result?: Record<string, unknown>;
  error?: string;
}

const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

/** The first python3 that can import torch (pyenv shims may hide the Debian one), or null. */
function torchPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) return python;
  }
  return null;
}

function lastJsonLine(text: string): Record<string, unknown> | null {
  const line = text.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return line ? (JSON.parse(line) as Record<string, unknown>) : null;
}

function runOne(impl: string, cfg: BenchConfig, round: number, python: string | null): Run {
  const shape = ['--depth', cfg.depth, '--vocab', cfg.vocab, '--seq', cfg.seq, '--batch', cfg.batch].map(String);
  const run: Run = { impl, config: cfg.name, round, loadavg_1m_before: load1() };
  // `<backend>-2w`: the same batch as two micro-batches on two gradient threads (--workers 2), i.e. both cores.
  const [backend, twoWorkers] = impl.endsWith('-2w') ? [impl.slice(0, -3), true] : [impl, false];
  const parallel = twoWorkers ? ['--workers', '2', '--device-batch', String(cfg.batch / 2)] : ['--workers', '1'];
  const res =
    impl.startsWith('torch')
      ? spawnSync(python!, [args.peer, ...shape, '--steps', String(cfg.steps.torch), '--threads', impl === 'torch' ? '2' : '1'], { encoding: 'utf8' })
      : spawnSync(
          process.execPath,
          ['dist/cli.js', 'bench', 'train', ...shape, ...parallel, '--backend', backend, '--json', '--warmup', '1', '--steps', String(backend === 'cpu' ? cfg.steps.cpu : cfg.steps.fast)],
          { encoding: 'utf8' },
        );
  const result = res.status === 0 ? lastJsonLine(res.stdout) : null;
  if (!result) {
    run.error = (res.stderr || res.stdout || `exit ${res.status}`).trim().split('\n').slice(-2).join(' ');
    return run;
  }
  run.result = result;
  run.tokens_per_s = Number(result.tokens_per_s);
  run.ms_per_step = Number(result.ms_per_step);
  return run;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js missing: run `npm run build` first');
  const configs = args.configs.split(',').map((name) => {
    const cfg = CONFIGS[name];
    if (!cfg) throw new Error(`unknown config ${name} (known: ${Object.keys(CONFIGS).join(', ')})`);
    return cfg;
  });
  const python = existsSync(args.peer) ? torchPython() : null;
  // torch-1t: the peer on one thread, like tfjs's wasm and cpu backends; under load its 2-thread OpenMP
  // barriers suffer far more than a single thread does, so both are shown.
  const impls = [...(python ? ['torch', 'torch-1t'] : []), ...args.backends.split(',')];
  const rounds = Number(args.rounds);
  const runs: Run[] = [];
  const started = new Date().toISOString();
  for (let round = 1; round <= rounds; round++) {
    for (const cfg of configs) {
      for (const impl of impls) {
        const run = runOne(impl, cfg, round, python);
        process.stdout.write(`${JSON.stringify(run)}\n`);
        runs.push(run);
      }
    }
  }
  const summary = configs.map((cfg) => {
    const tokensPerS = (impl: string) => {
      const ok = runs.filter((r) => r.config === cfg.name && r.impl === impl && r.tokens_per_s !== undefined);
      return ok.length ? Math.round(median(ok.map((r) => r.tokens_per_s!)) * 10) / 10 : null;
    };
    const torch = tokensPerS('torch');
    const torch1 = tokensPerS('torch-1t');
    const ratio = (t: number | null, peer: number | null) => (t !== null && peer ? Math.round((t / peer) * 1000) / 1000 : null);
    const backends = Object.fromEntries(
      impls
        .filter((impl) => !impl.startsWith('torch'))
        .map((impl) => {
          const t = tokensPerS(impl);
          return [impl, { tokens_per_s: t, ratio_to_torch: ratio(t, torch), ratio_to_torch_1thread: ratio(t, torch1) }];
        }),
    );
    return {
      config: cfg.name,
      shape: { depth: cfg.depth, vocab: cfg.vocab, seq: cfg.seq, batch: cfg.batch },
      torch_tokens_per_s: torch,
      torch_1thread_tokens_per_s: torch1,
      backends,
    };
  });
  const path = writeBenchResult('train', {
    name: 'train',
    date: started,
    machine: machineInfo(),
    command: `node bench/run.mjs train ${process.argv.slice(2).join(' ')}`.trim(),
    peer: python
      ? `${python} ${args.peer} --threads 2 (torch) and --threads 1 (torch-1t); forward + backward + AdamW on all parameters; ratio_to_torch is against the 2-thread run`
      : 'torch not installed: peer skipped',
    capplan_step: 'capplan bench train: forward + backward + Muon (block matrices) + AdamW (embedding, lm_head)',
    note: 'medians over rounds; runs interleaved (torch, then each backend, per config per round); other engineers share the 2 cores, see loadavg_1m_before',
    loadavg_1m_range: [Math.min(...runs.map((r) => r.loadavg_1m_before)), Math.max(...runs.map((r) => r.loadavg_1m_before))],
    summary,
    runs,
  });
  process.stdout.write(`${JSON.stringify(summary)}\nwrote ${path}\n`);
}

await main();
