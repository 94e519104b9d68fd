import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { REPO_ROOT } from '../data/paths.js';

/** Minimal view of the WebGPU objects Dawn hands us (the `webgpu` package ships no typings we rely on). */
interface GpuAdapterInfo {
  isFallbackAdapter?: boolean;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  features: ReadonlySet<string>;
  limits: Record<string, number>;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: string; forceFallbackAdapter?: boolean }): Promise<GpuAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

/** "vendor architecture device (description)" with the empty parts left out. */
export function describeAdapter(info: GpuAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device].filter((p): p is string => !!p);
  const head = parts.join(' ') || 'unknown adapter';
  return info.description ? `${head} (${info.description})` : head;
}

/** Software rasterisers (Mesa lavapipe/llvmpipe, SwiftShader) run WGSL on the CPU cores. */
export function isSoftwareAdapter(info: GpuAdapterInfo | undefined): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter) return true;
  const text = [info.architecture, info.device, info.description].join(' ');
  return /llvmpipe|lavapipe|swiftshader|\bsoftware\b/i.test(text);
}

/** The adapter features a GPU owner asks about first (tfjs itself uses neither: it computes in fp32). */
export const REPORTED_FEATURES = ['shader-f16', 'subgroups'] as const;

/** The limits that decide which tensors fit (bench gpu prints them). */
export const REPORTED_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension'] as const;

export interface WebGpuAdapter {
  /** The device's own name (e.g. "NVIDIA GeForce RTX 4090"), for file names and the peak-FLOP/s table. */
  name: string;
  description: string;
  software: boolean;
  /** Which of REPORTED_FEATURES the adapter offers. */
  features: Record<(typeof REPORTED_FEATURES)[number], boolean>;
  limits: Record<(typeof REPORTED_LIMITS)[number], number>;
}

/** What an adapter offers, as plain data (so a child process can send it: see probeWebGpuQuietly). */
interface AdapterReport {
  info: GpuAdapterInfo | undefined;
  features: string[];
  limits: Record<string, number>;
}

function report(adapter: GpuAdapter): AdapterReport {
  return {
    info: adapter.info,
    features: REPORTED_FEATURES.filter((f) => adapter.features.has(f)),
    limits: Object.fromEntries(REPORTED_LIMITS.map((l) => [l, adapter.limits[l]!])),
  };
}

function describe({ info, features, limits }: AdapterReport): WebGpuAdapter {
  return {
    name: info?.device || info?.description || info?.vendor || 'unknown adapter',
    description: describeAdapter(info),
    software: isSoftwareAdapter(info),
    features: Object.fromEntries(REPORTED_FEATURES.map((f) => [f, features.includes(f)])) as WebGpuAdapter['features'],
    limits: Object.fromEntries(REPORTED_LIMITS.map((l) => [l, limits[l]!])) as WebGpuAdapter['limits'],
  };
}

let installed: { gpu: Gpu } | null = null;

/** Vulkan loaders want XDG_RUNTIME_DIR; a private default under /tmp is created when it is unset. */
function ensureXdgRuntimeDir(): void {
  if (process.env.XDG_RUNTIME_DIR) return;
  const dir = `/tmp/capplan-xdg-${process.getuid?.() ?? 'user'}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

/**
 * Makes Dawn (the `webgpu` package) the process's navigator.gpu, as a browser would provide it. Must run
 * before '@tensorflow/tfjs-backend-webgpu' is imported: that module registers its backend only if
 * navigator.gpu exists at import time.
 */
async function installDawn(): Promise<Gpu> {
  if (installed) return installed.gpu;
  ensureXdgRuntimeDir();
  const dawn = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  installed = { gpu };
  return gpu;
}

/**
 * Finds a WebGPU adapter through Dawn: a real GPU (Vulkan/Metal/D3D12) or, without one, Mesa's lavapipe.
 * Returns it, or null when there is none. Loads the tfjs webgpu backend (stock kernels: initBackend adds ours,
 * webgpu-kernels.ts) when there is one.
 */
export async function probeWebGpu(): Promise<WebGpuAdapter | null> {
  const gpu = await installDawn();
  // The same preference tfjs uses when it requests its own adapter, so we describe the one it will get.
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  await import('@tensorflow/tfjs-backend-webgpu');
  return describe(report(adapter));
}

/**
 * Every adapter Dawn offers through the WebGPU API (high-performance, low-power, and the fallback one),
 * without duplicates; the first is the one the webgpu backend uses.
 */
export async function listWebGpuAdapters(): Promise<WebGpuAdapter[]> {
  const gpu = await installDawn();
  const requests = [{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }];
  const found = new Map<string, WebGpuAdapter>();
  for (const options of requests) {
    const adapter = await gpu.requestAdapter(options);
    if (!adapter) continue;
    const described = describe(report(adapter));
    if (!found.has(described.description)) found.set(described.description, described);
  }
  return [...found.values()];
}

/** Run by the child of probeWebGpuQuietly: prints the adapter's info as JSON (null for none). */
const ADAPTER_INFO_SCRIPT = `
const { create } = await import('webgpu');
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = adapter?.info;
const info = i && { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter };
const features = ${JSON.stringify(REPORTED_FEATURES)}.filter((f) => adapter.features.has(f));
const limits = Object.fromEntries(${JSON.stringify(REPORTED_LIMITS)}.map((l) => [l, adapter.limits[l]]));
process.stdout.write(JSON.stringify(adapter ? { info, features, limits } : null));
process.exit(0);
`;

/**
 * What probeWebGpu finds, without loading Dawn into this process: a child process asks for the adapter.
 * Requesting one makes Dawn write warnings about its limits (on lavapipe: two "maxDynamic… artificially
 * reduced" lines) from native code straight to the process's stderr, where nothing in JavaScript can
 * hold them back; `--backend auto`, which only looks, should not print them on every run.
 */
export async function probeWebGpuQuietly(): Promise<WebGpuAdapter | null> {
  ensureXdgRuntimeDir();
  const child = spawn(process.execPath, ['--input-type=module', '-e', ADAPTER_INFO_SCRIPT], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    const why = stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Warning:')).at(-1);
    throw new Error(why ?? `the probe exited with code ${code}`);
  }
  const found = JSON.parse(stdout) as AdapterReport | null;
  return found ? describe(found) : null;
}
