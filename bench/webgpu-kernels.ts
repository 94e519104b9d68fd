/**
 * capplan's WGSL kernels (src/backend/webgpu-kernels.ts) against the stock tfjs-backend-webgpu kernels they
 * replace, on the shapes of a d2 training step: both registrations are kept and swapped before every
 * repetition, so stock and ours alternate in one process (the fair comparison on a shared machine). Prints
 * one JSON object: per case the best of 5 timed repetitions (3 calls each, after one warm-up) per variant.
 *
 * Run from the repo root (LP_NUM_THREADS caps lavapipe's threads):
 *   LP_NUM_THREADS=2 node bench/run.mjs webgpu-kernels
 */
import * as tf from '@tensorflow/tfjs';
import { probeWebGpu } from '../src/backend/webgpu.js';
import { registerWebGpuKernels } from '../src/backend/webgpu-kernels.js';

const KERNELS = ['BatchMatMul', 'Sum', 'Mean', 'Softmax', 'UnsortedSegmentSum', 'Transpose'];

if (!(await probeWebGpu())) throw new Error('no WebGPU adapter');
if (!(await tf.setBackend('webgpu'))) throw new Error('backend webgpu failed to initialise');
await tf.ready();
const configs = (): tf.KernelConfig[] => KERNELS.map((name) => tf.getKernel(name, 'webgpu')!);
const stock = configs();
registerWebGpuKernels();
const ours = configs();

function use(set: tf.KernelConfig[]): void {
  for (const config of set) {
    tf.unregisterKernel(config.kernelName, 'webgpu');
    tf.registerKernel(config);
  }
}

const ids = tf.randomUniform([1024], 0, 4096, 'int32') as tf.Tensor1D;
const flatIds = tf.randomUniform([1024], 0, 1024 * 4096, 'int32') as tf.Tensor1D;
const mm = (ta = false, tb = false) => (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb);
const cases: Record<string, [number[][], (...xs: tf.Tensor[]) => tf.Tensor]> = {
  'matMul [1024,128]x[128,4096]': [[[1024, 128], [128, 4096]], mm()],
  'matMul [1024,4096]x[4096,128]': [[[1024, 4096], [4096, 128]], mm()],
  'matMul [128,1024]x[1024,4096]': [[[128, 1024], [1024, 4096]], mm()],
  'matMul [1024,128]x[128,512]': [[[1024, 128], [128, 512]], mm()],
  'matMul [128,128]x[128,128]': [[[128, 128], [128, 128]], mm()],
  'matMul [128,512]x[128,512]^T': [[[128, 512], [128, 512]], mm(false, true)],
  'mean [1024,128] axis -1': [[[1024, 128]], (x) => tf.mean(x, -1, true)],
  'softmax [16,128,128]': [[[16, 128, 128]], (x) => tf.softmax(x)],
  'unsortedSegmentSum [1024,128] -> 4096': [[[1024, 128]], (x) => tf.unsortedSegmentSum(x, ids, 4096)],
  'unsortedSegmentSum [1024] -> 1024*4096': [[[1024]], (x) => tf.unsortedSegmentSum(x, flatIds, 1024 * 4096)],
  'transpose [1024,512]': [[[1024, 512]], (x) => tf.transpose(x)],
  'transpose [8,128,3,128] perm [2,0,1,3]': [[[8, 128, 3, 128]], (x) => tf.transpose(x, [2, 0, 1, 3])],
};

const results: Record<string, { stock_ms: number; capplan_ms: number; speedup: number }> = {};
for (const [name, [shapes, f]] of Object.entries(cases)) {
  const xs = shapes.map((shape) => tf.randomNormal(shape));
  const best = { stock: Infinity, capplan: Infinity };
  for (let rep = 0; rep < 6; rep++) {
    for (const [label, set] of [['stock', stock], ['capplan', ours]] as const) {
      use(set);
      const t0 = performance.now();
      const ys = [0, 1, 2].map(() => f(...xs));
      const last = ys[2]!;
      // Reading one element waits for all three products without timing a large readback.
      const probe = tf.slice(last, last.shape.map(() => 0), last.shape.map(() => 1));
      await probe.data();
      const ms = (performance.now() - t0) / 3;
      tf.dispose([...ys, probe]);
      if (rep > 0) best[label] = Math.min(best[label], ms);
    }
  }
  results[name] = { stock_ms: +best.stock.toFixed(2), capplan_ms: +best.capplan.toFixed(2), speedup: +(best.stock / best.capplan).toFixed(1) };
  tf.dispose(xs);
}
process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
