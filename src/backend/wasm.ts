import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { registerWasmKernels } from './wasm-kernels.js';
import { startMatMulPool, wasmThreadsWanted } from './wasm-matmul-pool.js';

/**
 * Loads the tfjs wasm backend and points it at the .wasm binaries inside its own package directory, so it
 * works whatever the current directory is, and installs our kernel replacements (wasm-kernels.ts). Under Node it
 * runs the single-threaded SIMD build, plus a pool of matMul threads (wasm-matmul-pool.ts; CAPPLAN_WASM_THREADS,
 * default: the number of cores).
 */
export async function loadWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${dirname(entry)}/`);
  registerWasmKernels();
  await startMatMulPool(wasmThreadsWanted());
}
