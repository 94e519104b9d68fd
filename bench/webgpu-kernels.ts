/**
 * capplan's WGSL kernels (src/backend/webgpu-kernels.ts) against the stock tfjs-backend-webgpu kernels they
 * replace, on the shapes of a d2 training step: both registrations are kept and swapped before every
 * repetition, so stock and ours alternate in one process (the fair comparison on a shared machine). Prints
 * one JSON object: per case the best of 5 timed repetitions (3 calls each, after one warm-up) per variant.
 * The last cases are the fused softcap + cross-entropy op ("capplan") against the composition ("stock"),
 * alone and inside the d2 model's forward + backward. `--only-loss` skips the kernel cases before them;
 * `--only=PREFIX[,PREFIX…]` runs only the kernel cases whose names start with one of them (then the loss cases).
 *
 * Run from the repo root (LP_NUM_THREADS caps lavapipe's threads):
 *   LP_NUM_THREADS=2 node bench/run.mjs webgpu-kernels
 */
import * as tf from '@tensorflow/tfjs';
import { recordCapabilities } from '../src/backend/capabilities.js';
import { probeWebGpu } from '../src/backend/webgpu.js';
import { webGpuCapabilities } from '../src/backend/webgpu-device.js';
import { registerWebGpuKernels } from '../src/backend/webgpu-kernels.js';
import { boundedSparseCrossEntropy } from '../src/model/cross-entropy.js';
import { SOFTCAP_XENT_BACKWARD, SOFTCAP_XENT_FORWARD, softcapCrossEntropy } from '../src/model/softcap-cross-entropy.js';
import { Gpt, SOFTCAP } from '../src/model/gpt.js';
import { modelConfig } from '../src/model/config.js';

const KERNELS = ['BatchMatMul', 'Sum', 'Mean', 'Softmax', 'UnsortedSegmentSum', 'Transpose', 'Slice', 'PadV2'];

const adapter = await probeWebGpu();
if (!adapter) throw new Error('no WebGPU adapter');
if (!(await tf.setBackend('webgpu'))) throw new Error('backend webgpu failed to initialise');
await tf.ready();
// What initBackend records: the model's loss asks these whether to take the fused op.
recordCapabilities('webgpu', webGpuCapabilities(adapter));
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
  'slice [24,2,128,64] -> [8,2,128,64]': [[[24, 2, 128, 64]], (x) => tf.slice(x, [8, 0, 0, 0], [8, 2, 128, 64])],
  'pad [8,2,128,64] -> [24,2,128,64]': [[[8, 2, 128, 64]], (x) => tf.pad(x, [[8, 8], [0, 0], [0, 0], [0, 0]])],
};

// *_cpu_ms: process CPU time per call (all threads, lavapipe's included), best of 5 — unlike wall time it
// stays meaningful when other processes take the cores.
const results: Record<string, { stock_ms: number; capplan_ms: number; speedup: number; stock_cpu_ms?: number; capplan_cpu_ms?: number }> = {};
const onlyLoss = process.argv.includes('--only-loss');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
for (const [name, [shapes, f]] of Object.entries(onlyLoss ? {} : cases).filter(([name]) => !only || only.some((prefix) => name.startsWith(prefix)))) {
  const xs = shapes.map((shape) => tf.randomNormal(shape));
  const best = { stock: Infinity, capplan: Infinity };
  const bestCpu = { stock: Infinity, capplan: Infinity };
  for (let rep = 0; rep < 6; rep++) {
    for (const [label, set] of [['stock', stock], ['capplan', ours]] as const) {
      use(set);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const ys = [0, 1, 2].map(() => f(...xs));
      const last = ys[2]!;
      // Reading one element waits for all three products without timing a large readback.
      const probe = tf.slice(last, last.shape.map(() => 0), last.shape.map(() => 1));
      await probe.data();
      const ms = (performance.now() - t0) / 3;
      const cpu = process.cpuUsage(cpu0);
      tf.dispose([...ys, probe]);
      if (rep > 0) {
        best[label] = Math.min(best[label], ms);
        bestCpu[label] = Math.min(bestCpu[label], (cpu.user + cpu.system) / 3000);
      }
    }
  }
  results[name] = {
    stock_ms: +best.stock.toFixed(2),
    capplan_ms: +best.capplan.toFixed(2),
    speedup: +(best.stock / best.capplan).toFixed(1),
    stock_cpu_ms: +bestCpu.stock.toFixed(2),
    capplan_cpu_ms: +bestCpu.capplan.toFixed(2),
  };
  tf.dispose(xs);
}
// The fused softcap + cross-entropy op against the composition it replaces (both with our other kernels
// installed), forward + backward over the d2 logits [1024, 4096]: alternating, best of 5.
use(ours);
{
  const z = tf.mul(tf.randomNormal([1024, 4096]), 3) as tf.Tensor2D;
  const lossGrad = (fn: (z: tf.Tensor2D) => tf.Tensor1D) => tf.grad((x: tf.Tensor) => tf.sum(fn(x as tf.Tensor2D)));
  const variants = {
    composition: lossGrad((x) => boundedSparseCrossEntropy(tf.mul(tf.tanh(tf.mul(x, 1 / SOFTCAP)), SOFTCAP), ids)),
    fused: lossGrad((x) => softcapCrossEntropy(x, ids, SOFTCAP)),
  };
  const best = { composition: Infinity, fused: Infinity };
  for (let rep = 0; rep < 6; rep++) {
    for (const [label, f] of Object.entries(variants) as [keyof typeof best, (x: tf.Tensor) => tf.Tensor][]) {
      const t0 = performance.now();
      const g = f(z);
      const probe = tf.slice(g, [0, 0], [1, 1]);
      await probe.data();
      if (rep > 0) best[label] = Math.min(best[label], performance.now() - t0);
      tf.dispose([g, probe]);
    }
  }
  results['softcap + cross-entropy fwd+bwd [1024,4096]'] = {
    stock_ms: +best.composition.toFixed(2),
    capplan_ms: +best.fused.toFixed(2),
    speedup: +(best.composition / best.fused).toFixed(1),
  };
  z.dispose();
}
// The d2 model's forward + backward with the fused loss and with the composition, alternating step by step
// in this process (the fused path is switched by its kernel's registration): median wall and process CPU
// time (all threads, lavapipe's included) over 6 steps each, after one warm-up step each.
const stepTimes = await (async () => {
  const fusedKernels = [SOFTCAP_XENT_FORWARD, SOFTCAP_XENT_BACKWARD].map((name) => tf.getKernel(name, 'webgpu')!);
  const model = new Gpt(modelConfig({ depth: 2, seq_len: 128 }, 4096), 1);
  const tokens = tf.randomUniform([8, 128], 0, 4096, 'int32') as tf.Tensor2D;
  const targets = tf.randomUniform([8, 128], 0, 4096, 'int32') as tf.Tensor2D;
  const samples = { composition: { wall: [] as number[], cpu: [] as number[] }, fused: { wall: [] as number[], cpu: [] as number[] } };
  for (let step = 0; step < 14; step++) {
    const label = step % 2 === 0 ? 'composition' : 'fused';
    for (const config of fusedKernels) {
      const registered = tf.getKernel(config.kernelName, 'webgpu') !== undefined;
      if (registered && label === 'composition') tf.unregisterKernel(config.kernelName, 'webgpu');
      if (!registered && label === 'fused') tf.registerKernel(config);
    }
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => model.loss(tokens, targets), [...model.params.values()]);
    await Promise.all(Object.values(grads).map((g) => tf.slice(g, [0, 0], [1, 1]).data()));
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    tf.dispose([value, ...Object.values(grads)]);
    if (step >= 2) {
      samples[label].wall.push(wall);
      samples[label].cpu.push((cpu.user + cpu.system) / 1000);
    }
  }
  const median = (xs: number[]) => +[...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(1);
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, { wall_ms: median(v.wall), cpu_ms: median(v.cpu) }]));
})();
process.stdout.write(`${JSON.stringify({ ...results, 'd2 forward + backward (median of 6)': stepTimes })}\n`);
process.exit(0);
