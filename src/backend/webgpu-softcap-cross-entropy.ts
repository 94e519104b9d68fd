import * as tf from '@tensorflow/tfjs';
import { SOFTCAP_XENT_BACKWARD, SOFTCAP_XENT_FORWARD } from '../model/softcap-cross-entropy.js';
import { FlatProgram, type ProgramUniform, type WebGpuBackend } from './webgpu-program.js';

/**
 * WGSL kernels of the fused softcap + cross-entropy op (model/softcap-cross-entropy.ts). On lavapipe every
 * element-wise pass over the [B·T, V] logits costs 10–40 ms (a d2 step's composition made about ten:
 * ≈ 250 ms); here the forward is one read of the logits and the backward one read and one write.
 * - Forward: one invocation per row loops over the row (no workgroup memory, no barriers: llvmpipe runs
 *   a workgroup's invocations as the SIMD lanes of one CPU thread) and writes the loss and log Σ exp.
 *   No max pass: the softcap bounds every logit by ±cap, so exp cannot overflow.
 * - Backward: element-wise over vec4s of the logits, consecutive lanes on consecutive vec4s; a grid-stride
 *   loop keeps the dispatch under WebGPU's 65535 workgroups per dimension.
 * Rows of a length that is a multiple of 4 are read as vec4 (one load per 4 elements).
 */

/** Invocations of the backward dispatch at most: 16384 workgroups of 64. */
const MAX_INVOCATIONS = 16384 * 64;

/** WGSL of tanh(x) through exp(−2|x|) ≤ 1, for the given type: never overflows (as tfjs's own Tanh). */
function tanhFunction(type: string): string {
  return `
  fn capplanTanh(x : ${type}) -> ${type} {
    let e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
  }`;
}

const UNIFORMS = 'rows : i32, rowLength : i32, cap : f32, invocations : i32,';

function uniformsFor(rows: number, rowLength: number, cap: number, invocations: number): ProgramUniform[] {
  return [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [rowLength] },
    { type: 'float32', data: [cap] },
    { type: 'int32', data: [invocations] },
  ];
}

class ForwardProgram extends FlatProgram {
  readonly variableNames = ['logits', 'targets'];
  readonly variableComponents: number[];
  readonly uniforms = UNIFORMS;
  readonly shaderKey: string;

  constructor(
    rows: number,
    private readonly width: 1 | 4,
  ) {
    super([2 * rows], rows);
    this.variableComponents = [width, 1];
    this.shaderKey = `capplanSoftcapXentForward_${width}`;
  }

  getUserCode(): string {
    const type = this.width === 4 ? 'vec4<f32>' : 'f32';
    const total = this.width === 4 ? 'dot(total, vec4<f32>(1.0))' : 'total';
    const targetTanh = this.width === 4 ? 'capplanTanh(logits[base + label / 4] * inv)[label % 4]' : 'capplanTanh(logits[base + label] * inv)';
    // rowLength counts elements of the declared width (vec4s when width is 4).
    return `${tanhFunction(type)}
  fn main(index : i32) {
    let rows = uniforms.rows;
    if (index >= rows) { return; }
    let len = uniforms.rowLength;
    let base = index * len;
    let cap = uniforms.cap;
    let inv = 1.0 / cap;
    var total = ${type}(0.0);
    for (var i = 0; i < len; i = i + 1) { total = total + exp(cap * capplanTanh(logits[base + i] * inv)); }
    let lse = log(${total});
    let label = targets[index];
    var loss = 0.0;
    if (label >= 0) { loss = lse - cap * ${targetTanh}; }
    result[index] = loss;
    result[rows + index] = lse;
  }`;
  }
}

class BackwardProgram extends FlatProgram {
  readonly variableNames = ['dy', 'logits', 'targets', 'stats'];
  readonly variableComponents: number[];
  readonly outputComponent: number;
  readonly uniforms = UNIFORMS;
  readonly shaderKey: string;

  constructor(
    size: number,
    invocations: number,
    private readonly width: 1 | 4,
  ) {
    super([size], invocations);
    this.variableComponents = [1, width, 1, 1];
    this.outputComponent = width;
    this.shaderKey = `capplanSoftcapXentBackward_${width}`;
  }

  getUserCode(): string {
    const type = this.width === 4 ? 'vec4<f32>' : 'f32';
    const hot =
      this.width === 4
        ? 'select(vec4<f32>(0.0), vec4<f32>(1.0), vec4<i32>(col, col + 1, col + 2, col + 3) == vec4<i32>(label))'
        : 'select(0.0, 1.0, col == label)';
    return `${tanhFunction(type)}
  fn main(index : i32) {
    let rows = uniforms.rows;
    let len = uniforms.rowLength;
    let cap = uniforms.cap;
    let inv = 1.0 / cap;
    for (var e = index; e < rows * len; e = e + uniforms.invocations) {
      let row = e / len;
      let label = targets[row];
      if (label < 0) {
        result[e] = ${type}(0.0);
        continue;
      }
      let col = (e - row * len) * ${this.width};
      let t = capplanTanh(logits[e] * inv);
      let p = exp(cap * t - stats[rows + row]);
      result[e] = dy[row] * (p - ${hot}) * (1.0 - t * t);
    }
  }`;
  }
}

function widthOf(vocab: number): 1 | 4 {
  return vocab % 4 === 0 ? 4 : 1;
}

const forwardKernel: tf.KernelFunc = (args) => {
  const backend = args.backend as unknown as WebGpuBackend;
  const { logits, targets } = args.inputs as { logits: tf.TensorInfo; targets: tf.TensorInfo };
  const cap = (args.attrs as { cap: number }).cap;
  const [rows, vocab] = logits.shape as [number, number];
  const width = widthOf(vocab);
  const program = new ForwardProgram(rows, width);
  const out = backend.runWebGPUProgram(program, [logits, targets], 'float32', uniformsFor(rows, vocab / width, cap, rows));
  return { dataId: out.dataId, shape: [2, rows], dtype: 'float32' };
};

const backwardKernel: tf.KernelFunc = (args) => {
  const backend = args.backend as unknown as WebGpuBackend;
  const { dy, logits, targets, stats } = args.inputs as Record<'dy' | 'logits' | 'targets' | 'stats', tf.TensorInfo>;
  const cap = (args.attrs as { cap: number }).cap;
  const [rows, vocab] = logits.shape as [number, number];
  const width = widthOf(vocab);
  const elements = (rows * vocab) / width;
  const invocations = Math.max(1, Math.min(elements, MAX_INVOCATIONS));
  const program = new BackwardProgram(rows * vocab, invocations, width);
  const uniforms = uniformsFor(rows, vocab / width, cap, invocations);
  const out = backend.runWebGPUProgram(program, [dy, logits, targets, stats], 'float32', uniforms);
  return { dataId: out.dataId, shape: [rows, vocab], dtype: 'float32' };
};

let registered = false;

/** Installs the fused op's webgpu kernels (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuSoftcapCrossEntropy(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: SOFTCAP_XENT_FORWARD, backendName: 'webgpu', kernelFunc: forwardKernel });
  tf.registerKernel({ kernelName: SOFTCAP_XENT_BACKWARD, backendName: 'webgpu', kernelFunc: backwardKernel });
}
