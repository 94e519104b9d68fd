import * as tf from '@tensorflow/tfjs';
import { ADAMW_STEP_KERNEL, MOVING_AVERAGE_KERNEL, SCALED_SUBTRACT_KERNEL } from '../train/optim/fused-updates.js';
import { FlatProgram, type ProgramUniform, type WebGpuBackend } from './webgpu-program.js';

/**
 * The optimizers' element-wise updates (train/optim/fused-updates.ts) as one dispatch each, for any WebGPU
 * adapter: AdamW's composition makes 9 passes over a parameter-sized tensor per parameter and Muon's 6 per
 * matrix; here the moments, the Nesterov direction and each parameter update are one read of the inputs and
 * one write. Tensors whose size is a multiple of 4 are processed as vec4s.
 */

type Update = 'movingAverage' | 'movingAverageSquared' | 'scaledSubtract' | 'adamwStep';

const SPEC: Record<Update, { inputs: string[]; uniforms: string; value: string }> = {
  movingAverage: { inputs: ['state', 'g'], uniforms: 'beta : f32,', value: 'uniforms.beta * state[i] + (1.0 - uniforms.beta) * g[i]' },
  movingAverageSquared: {
    inputs: ['state', 'g'],
    uniforms: 'beta : f32,',
    value: 'uniforms.beta * state[i] + (1.0 - uniforms.beta) * (g[i] * g[i])',
  },
  scaledSubtract: { inputs: ['p', 'u'], uniforms: 'scale : f32,', value: 'p[i] - uniforms.scale * u[i]' },
  adamwStep: {
    inputs: ['p', 'm', 'v'],
    uniforms: 'lr : f32, keep : f32, correction1 : f32, correction2 : f32, eps : f32,',
    value: 'p[i] * uniforms.keep - uniforms.lr * (m[i] / uniforms.correction1) / (sqrt(v[i] / uniforms.correction2) + uniforms.eps)',
  },
};

class UpdateProgram extends FlatProgram {
  readonly variableNames: string[];
  readonly variableComponents: number[];
  readonly outputComponent: number;
  readonly uniforms: string;
  readonly shaderKey: string;

  constructor(
    private readonly update: Update,
    size: number,
    width: 1 | 4,
  ) {
    super([size], size / width);
    this.variableNames = SPEC[update].inputs;
    this.variableComponents = this.variableNames.map(() => width);
    this.outputComponent = width;
    this.uniforms = `${SPEC[update].uniforms} count : i32,`;
    this.shaderKey = `capplanOptimizerUpdate_${update}_${width}`;
  }

  getUserCode(): string {
    return `
  fn main(i : i32) {
    if (i >= uniforms.count) { return; }
    result[i] = ${SPEC[this.update].value};
  }`;
  }
}

function run(update: Update, args: Parameters<tf.KernelFunc>[0], values: number[]): tf.TensorInfo {
  const backend = args.backend as unknown as WebGpuBackend;
  const inputs = SPEC[update].inputs.map((name) => (args.inputs as Record<string, tf.TensorInfo>)[name]!);
  const shape = inputs[0]!.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const width = size % 4 === 0 ? 4 : 1;
  const uniforms: ProgramUniform[] = [...values.map((v) => ({ type: 'float32' as const, data: [v] })), { type: 'int32', data: [size / width] }];
  const out = backend.runWebGPUProgram(new UpdateProgram(update, size, width), inputs, 'float32', uniforms);
  return { dataId: out.dataId, shape, dtype: 'float32' };
}

const movingAverageKernel: tf.KernelFunc = (args) => {
  const { beta, squared } = args.attrs as { beta: number; squared: boolean };
  return run(squared ? 'movingAverageSquared' : 'movingAverage', args, [beta]);
};

const scaledSubtractKernel: tf.KernelFunc = (args) => run('scaledSubtract', args, [(args.attrs as { scale: number }).scale]);

const adamwStepKernel: tf.KernelFunc = (args) => {
  const { lr, decay, correction1, correction2, eps } = args.attrs as Record<string, number>;
  return run('adamwStep', args, [lr!, 1 - lr! * decay!, correction1!, correction2!, eps!]);
};

let registered = false;

/** Installs the fused optimizer updates (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuOptimizerUpdates(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: MOVING_AVERAGE_KERNEL, backendName: 'webgpu', kernelFunc: movingAverageKernel });
  tf.registerKernel({ kernelName: SCALED_SUBTRACT_KERNEL, backendName: 'webgpu', kernelFunc: scaledSubtractKernel });
  tf.registerKernel({ kernelName: ADAMW_STEP_KERNEL, backendName: 'webgpu', kernelFunc: adamwStepKernel });
}
