// `capplan bench gpu`, the GPU owner's one command, run for real on whatever adapter this machine has (Mesa
// lavapipe in CI) with one tiny step, so that it cannot rot; and its one-line refusal when no GPU backend works.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuPeakFlops, gpuPeakFlops } from '../src/backend/peak-flops.js';
import { probeWebGpu } from '../src/backend/webgpu.js';
import type { GpuCheckResult } from '../src/train/bench-gpu.js';
import { runCli } from './helpers/cli.js';

const adapter = await probeWebGpu().catch(() => null);
if (!adapter && process.env.CI) throw new Error('CI must exercise the webgpu backend, but no adapter was found');

const tinyRun = ['--depths', '1', '--vocab', '64', '--seq', '16', '--batch', '2', '--steps', '1', '--warmup', '0'];

describe('bench gpu', () => {
  it.skipIf(!adapter)('lists the adapter, runs a tiny step on every GPU backend present and writes a results file, never overwriting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capplan-gpu-'));
    const first = runCli(['bench', 'gpu', ...tinyRun, '--results-dir', dir, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^webgpu adapter: .*; shader-f16 (yes|no), subgroups (yes|no); max storage binding [\d.]+ [KMG]iB, max buffer/);
    expect(first.stdout).toMatch(/^webgpu d1: [\d.]+ tok\/s, MFU [\d.]+% of [\d.]+ TFLOP\/s; [\d.]+ ms\/step = gradients [\d.]+ \+ optimizer [\d.]+; 2 × 16 tokens per step/m);
    const result = JSON.parse(lines.at(-1)!) as GpuCheckResult;
    expect(result.runs).toHaveLength(1);
    expect(result.runs[0]).toMatchObject({ backend: 'webgpu', depth: 1, rows: 2, tensors_flat: true });
    expect(result.runs[0]!.tokens_per_s).toBeGreaterThan(0);
    expect(result.backends[0]!.max_tensor_bytes).toBe(adapter!.limits.maxStorageBufferBindingSize);
    // Every backend asked for is either run or listed with the reason it could not be.
    expect(result.backends.length + result.unavailable.length).toBe(2);
    const second = runCli(['bench', 'gpu', ...tinyRun, '--backends', 'webgpu', '--results-dir', dir]);
    expect(second.code, second.stderr).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(2);
    expect(files).toContain(second.stdout.match(/^results: .*\/(gpu-.*-\d{4}-\d{2}-\d{2}-2\.json)$/m)![1]);
    const saved = JSON.parse(readFileSync(result.results_file, 'utf8')) as GpuCheckResult;
    expect(saved.machine.cores).toBeGreaterThan(0);
    expect(saved.runs[0]!.depth).toBe(1);
  });

  it.skipIf(!adapter)('skips a depth that does not fit the device, naming the tensor and the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capplan-gpu-'));
    // d20's lm_head at vocab 2^20 is 5 GiB: over any adapter's 4 GiB buffer limit.
    const res = runCli(['bench', 'gpu', '--backends', 'webgpu', '--depths', '20', '--vocab', String(2 ** 20), '--seq', '16', '--steps', '1', '--results-dir', dir]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^webgpu d20: skipped: d20: does not fit this device even one row per micro-batch: lm_head \[1280, 1048576\] takes 5\.0 GiB, more than the device's largest tensor \([\d.]+ [MG]iB\)$/m);
  });

  it('without a GPU backend: one line saying which were tried and why each failed', () => {
    // An ICD list that names no driver: the Vulkan loader, hence Dawn, finds no adapter.
    const res = runCli(['bench', 'gpu', ...tinyRun], { env: { VK_ICD_FILENAMES: '/nonexistent/icd.json' } });
    expect(res.code).toBe(1);
    const ours = res.stderr.split('\n').filter((line) => line.startsWith('capplan'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(/^capplan: error: bench gpu: no GPU backend: webgpu: no WebGPU adapter: .*NVIDIA_DRIVER_CAPABILITIES must include graphics.*; tensorflow: /);
    expect(res.stdout).toBe('');
  });

  it('knows the fp32 peaks of common GPUs and estimates a CPU’s', () => {
    expect(gpuPeakFlops('nvidia ada-lovelace NVIDIA GeForce RTX 4090')?.flops).toBe(82.6e12);
    expect(gpuPeakFlops('NVIDIA H100 PCIe')?.flops).toBe(51e12);
    expect(gpuPeakFlops('NVIDIA H100 80GB HBM3')?.flops).toBe(67e12);
    expect(gpuPeakFlops('NVIDIA GeForce RTX 4090 Laptop GPU')).toBeNull();
    expect(gpuPeakFlops('Some Future GPU')).toBeNull();
    const cpu = cpuPeakFlops(2);
    if (cpu) expect(cpu.source).toMatch(/^estimate: 2 cores × [\d.]+ GHz × (8|16|32|64) FLOP\/cycle/);
  });
});
