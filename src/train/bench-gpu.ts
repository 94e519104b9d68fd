import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { activeCapabilities, type DeviceCapabilities } from '../backend/capabilities.js';
import { nvidiaGpus } from '../backend/nvidia-smi.js';
import { cpuPeakFlops, gpuPeakFlops, type PeakFlops } from '../backend/peak-flops.js';
import { initBackend } from '../backend/select.js';
import { isInstalled, TENSORFLOW_PACKAGES } from '../backend/tensorflow.js';
import { listWebGpuAdapters, type WebGpuAdapter } from '../backend/webgpu.js';
import { REPO_ROOT } from '../data/paths.js';
import { UserError, messageOf } from '../errors.js';
import { machineInfo } from '../eval/machine.js';
import { writeBenchResult } from '../eval/results-file.js';
import { modelDims } from '../model/dims.js';
import type { TrainBenchResult } from './bench-train.js';
import { chooseDeviceBatch } from './device-fit.js';
import { formatBytes } from './memory.js';

/** The GPU routes of DESIGN.md "Compute": Dawn's WebGPU (any Vulkan/Metal/D3D12 GPU) and native TensorFlow (CUDA). */
export const GPU_BACKENDS = ['webgpu', 'tensorflow'] as const;
export type GpuBackend = (typeof GPU_BACKENDS)[number];

/** Rows per step `--batch auto` tries first: nanochat's device batch at T 2048 on an 80 GB GPU. */
const AUTO_MAX_ROWS = 32;

export interface GpuCheckOptions {
  backends: readonly GpuBackend[];
  depths: readonly number[];
  vocab: number;
  seq: number;
  /** Rows per step, all in one micro-batch; 'auto': the most (of 32, 16, … 1) that fit the device. */
  batch: number | 'auto';
  steps: number;
  warmup: number;
  /** The device's fp32 peak when the built-in table does not know it (or to override it). */
  peakFlops?: number;
  resultsDir: string;
}

export const DEFAULT_RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

/** A GPU backend that initialised, with what the check needs to plan and report its runs. */
interface PresentBackend {
  backend: GpuBackend;
  device: string;
  caps: DeviceCapabilities;
  peak: PeakFlops | null;
  webgpu?: WebGpuAdapter;
}

export interface GpuRun {
  backend: GpuBackend;
  depth: number;
  /** Rows per step (one micro-batch) × seq tokens. */
  rows: number;
  tokens_per_s: number;
  /** Model FLOPs per second (6 × non-embedding params + attention, per token) over the device's fp32 peak. */
  mfu: number | null;
  ms_per_step: number;
  split_ms: { gradients: number; optimizer: number };
  peak_rss_mb: number;
  tensors_flat: boolean;
  loss: { first: number; last: number };
  device_errors: number;
}

export interface GpuCheckResult {
  name: string;
  date: string;
  /** The machine, and its 1-minute load average when the check started and ended (other jobs slow the runs). */
  machine: ReturnType<typeof machineInfo> & { loadavg_1m: [number, number] };
  command: string;
  adapters: WebGpuAdapter[];
  nvidia_smi: ReturnType<typeof nvidiaGpus>;
  backends: Array<{ backend: GpuBackend; device: string; kind: string; max_tensor_bytes: number | null; memory: DeviceCapabilities['memory']; peak: PeakFlops | null }>;
  /** Backends that could not run here, and why. */
  unavailable: Array<{ backend: GpuBackend; why: string }>;
  runs: GpuRun[];
  /** Runs not attempted (the shape does not fit the device) or that failed, and why. */
  skipped: Array<{ backend: GpuBackend; depth: number; why: string }>;
  results_file: string;
}

/** Initialises `backend` here (to learn its device) or says why it cannot run on this machine. */
async function probe(backend: GpuBackend, adapters: WebGpuAdapter[]): Promise<PresentBackend | string> {
  if (backend === 'tensorflow' && !isInstalled(TENSORFLOW_PACKAGES[0])) {
    return `${TENSORFLOW_PACKAGES[0]} is not installed (npm install ${TENSORFLOW_PACKAGES[0]}; it needs the CUDA 11.2 and cuDNN 8.1 runtime)`;
  }
  if (backend === 'webgpu' && adapters.length === 0) {
    return 'no WebGPU adapter: Dawn found no Vulkan, Metal or D3D12 device (in a container, NVIDIA_DRIVER_CAPABILITIES must include graphics)';
  }
  // TensorFlow must not reserve the whole GPU in this process: the runs happen in child processes.
  process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
  try {
    const info = await initBackend(backend);
    const caps = activeCapabilities();
    if (backend === 'tensorflow' && caps.kind !== 'gpu') {
      return `${info.adapter} loaded, but TensorFlow found no CUDA GPU and runs on the CPU (CUDA 11.2 / cuDNN 8.1 libraries on the library path?)`;
    }
    const device = backend === 'webgpu' ? adapters[0]!.name : (nvidiaGpus()[0]?.name ?? 'CUDA GPU');
    // lavapipe runs the shaders on LP_NUM_THREADS threads (default: every core).
    const peak = caps.kind === 'software' ? cpuPeakFlops(Number(process.env.LP_NUM_THREADS) || undefined) : gpuPeakFlops(backend === 'webgpu' ? adapters[0]!.description : device);
    return { backend, device, caps, peak, ...(backend === 'webgpu' ? { webgpu: adapters[0]! } : {}) };
  } catch (err) {
    return messageOf(err);
  }
}

/** One `capplan bench train` in a child process (a clean device per run); its JSON, or the error it printed. */
function runBench(backend: GpuBackend, depth: number, rows: number, opts: GpuCheckOptions): TrainBenchResult | string {
  const args = ['bench', 'train', '--backend', backend, '--depth', String(depth), '--vocab', String(opts.vocab), '--seq', String(opts.seq)];
  args.push('--batch', String(rows), '--device-batch', String(rows), '--steps', String(opts.steps), '--warmup', String(opts.warmup), '--json');
  const res = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status === 0) return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as TrainBenchResult;
  // Dawn writes its own warnings to stderr; the reason is capplan's error line, else how the process ended.
  const error = `${res.stderr ?? ''}`.split('\n').findLast((line) => line.startsWith('capplan: '));
  return error ? error.replace(/^capplan: (internal )?(error: )?/, '') : `bench train ended with ${res.signal ?? `exit code ${res.status}`}`;
}

function adapterLine(a: WebGpuAdapter): string {
  const features = Object.entries(a.features).map(([f, on]) => `${f} ${on ? 'yes' : 'no'}`);
  const limits = `max storage binding ${formatBytes(a.limits.maxStorageBufferBindingSize)}, max buffer ${formatBytes(a.limits.maxBufferSize)}`;
  return `webgpu adapter: ${a.description}${a.software ? ' (software: shaders run on the CPU cores)' : ''}; ${features.join(', ')}; ${limits}`;
}

function runLine(run: GpuRun, peakFlops: number | undefined, seq: number): string {
  const mfu = peakFlops === undefined ? 'MFU n/a (unknown peak: pass --peak-tflops)' : `MFU ${(run.mfu! * 100).toFixed(2)}% of ${(peakFlops / 1e12).toFixed(1)} TFLOP/s`;
  return (
    `${run.backend} d${run.depth}: ${run.tokens_per_s} tok/s, ${mfu}; ${run.ms_per_step} ms/step = gradients ${run.split_ms.gradients} + ` +
    `optimizer ${run.split_ms.optimizer}; ${run.rows} × ${seq} tokens per step; loss ${run.loss.first.toFixed(3)} → ${run.loss.last.toFixed(3)}` +
    (run.device_errors > 0 ? `; ${run.device_errors} device errors: the numbers are not valid` : '') +
    (run.tensors_flat ? '' : '; live tensors grew between steps')
  );
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 32).replace(/^-+|-+$/g, '') || 'gpu';
}

/**
 * `capplan bench gpu`: lists the WebGPU adapters (features, limits) and NVIDIA GPUs, then on every GPU backend
 * that initialises runs each depth that fits the device for a few steps, printing tok/s, MFU against the
 * device's fp32 peak and the gradients/optimizer split, and writes everything to
 * <resultsDir>/gpu-<device>-<date>.json (never overwriting). Without any GPU backend it refuses in one line
 * saying which were tried and why each failed.
 */
export async function gpuCheck(opts: GpuCheckOptions, print: (line: string) => void): Promise<GpuCheckResult> {
  const loadAtStart = loadavg()[0]!;
  let adapters: WebGpuAdapter[] = [];
  let dawnError: string | null = null;
  if (opts.backends.includes('webgpu')) {
    try {
      adapters = await listWebGpuAdapters();
    } catch (err) {
      dawnError = `Dawn (the 'webgpu' package) failed to load: ${messageOf(err)}`;
    }
  }
  for (const a of adapters) print(adapterLine(a));
  const gpus = nvidiaGpus();
  for (const g of gpus) print(`nvidia-smi: ${g.name}, ${formatBytes(g.memoryBytes)}, driver ${g.driver}`);

  const present: PresentBackend[] = [];
  const unavailable: GpuCheckResult['unavailable'] = [];
  for (const backend of opts.backends) {
    const found = backend === 'webgpu' && dawnError ? dawnError : await probe(backend, adapters);
    if (typeof found === 'string') unavailable.push({ backend, why: found });
    else present.push(found);
  }
  if (present.length === 0) {
    throw new UserError(`bench gpu: no GPU backend: ${unavailable.map((u) => `${u.backend}: ${u.why}`).join('; ')}`);
  }
  for (const u of unavailable) print(`${u.backend}: not available: ${u.why}`);

  const runs: GpuRun[] = [];
  const skipped: GpuCheckResult['skipped'] = [];
  for (const p of present) {
    const memory = p.caps.memory && { bytes: p.caps.memory.bytes, origin: p.caps.memory.source };
    print(
      `${p.backend}: ${p.device}; largest tensor ${p.caps.maxTensorBytes === null ? 'unlimited' : formatBytes(p.caps.maxTensorBytes)}, ` +
        `memory ${memory ? `${formatBytes(memory.bytes)} (${memory.origin})` : 'unknown'}; peak ${p.peak ? p.peak.source : 'unknown'}`,
    );
    for (const depth of opts.depths) {
      const dims = modelDims(depth, opts.vocab);
      let rows: number;
      try {
        const stepRows = opts.batch === 'auto' ? AUTO_MAX_ROWS : opts.batch;
        rows = chooseDeviceBatch(`d${depth}`, dims, opts.seq, stepRows, p.caps, memory).rows;
        if (opts.batch !== 'auto' && rows !== opts.batch) throw new UserError(`d${depth}: ${opts.batch} rows per step do not fit one micro-batch; at most ${rows} do`);
      } catch (err) {
        skipped.push({ backend: p.backend, depth, why: messageOf(err) });
        print(`${p.backend} d${depth}: skipped: ${messageOf(err)}`);
        continue;
      }
      const result = runBench(p.backend, depth, rows, opts);
      if (typeof result === 'string') {
        skipped.push({ backend: p.backend, depth, why: result });
        print(`${p.backend} d${depth}: failed: ${result}`);
        continue;
      }
      const peak = opts.peakFlops ?? p.peak?.flops;
      const run: GpuRun = {
        backend: p.backend,
        depth,
        rows,
        tokens_per_s: result.tokens_per_s,
        mfu: peak ? Math.round(((result.gflops * 1e9) / peak) * 1e5) / 1e5 : null,
        ms_per_step: result.ms_per_step,
        split_ms: result.split_ms,
        peak_rss_mb: result.peak_rss_mb,
        tensors_flat: result.tensors_flat,
        loss: result.loss,
        device_errors: result.device_errors,
      };
      runs.push(run);
      print(runLine(run, peak, opts.seq));
    }
  }
  const date = new Date().toISOString();
  const name = `gpu-${slug(present[0]!.device)}`;
  const result: Omit<GpuCheckResult, 'results_file'> = {
    name,
    date,
    machine: { ...machineInfo(), loadavg_1m: [loadAtStart, loadavg()[0]!] },
    command: `capplan ${process.argv.slice(2).join(' ')}`,
    adapters,
    nvidia_smi: gpus,
    backends: present.map((p) => ({
      backend: p.backend,
      device: p.device,
      kind: p.caps.kind,
      max_tensor_bytes: p.caps.maxTensorBytes,
      memory: p.caps.memory,
      peak: opts.peakFlops ? { flops: opts.peakFlops, source: '--peak-tflops' } : p.peak,
    })),
    unavailable,
    runs,
    skipped,
  };
  const file = writeBenchResult(name, result, date, opts.resultsDir);
  print(`results: ${file}`);
  return { ...result, results_file: file };
}
