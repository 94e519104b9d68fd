import * as tf from '@tensorflow/tfjs';

/**
 * The parts of tfjs-backend-webgpu our kernels use. A program's getUserCode() is appended to a header tfjs
 * generates: `result` (the output, array of vec<outputComponent>), one read-only array per variable name,
 * `uniforms` with `<name>Shape`/`outShape` (and any extra fields declared in `uniforms`), and the builtins
 * globalId, localId, workgroupId, numWorkgroups as private variables.
 */
export interface WebGpuProgram {
  variableNames: readonly string[];
  variableComponents?: readonly number[];
  outputComponent?: number;
  outputShape: number[];
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  shaderKey: string;
  uniforms?: string;
  atomic?: boolean;
  getUserCode(): string;
}

/** Lanes per workgroup of the one-axis programs: a multiple of lavapipe's SIMD width and of GPU warps. */
const FLAT_WORKGROUP = 64;

/**
 * A program over one flat x axis: `invocations` lanes in workgroups of FLAT_WORKGROUP. With that layout
 * tfjs calls the shader's main(index) with the flat invocation index. Subclasses name the inputs and
 * uniforms, the cache key and the code.
 */
export abstract class FlatProgram implements WebGpuProgram {
  abstract readonly variableNames: readonly string[];
  abstract readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [FLAT_WORKGROUP, 1, 1];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];

  constructor(
    readonly outputShape: number[],
    invocations: number,
  ) {
    this.dispatch = [Math.ceil(invocations / FLAT_WORKGROUP), 1, 1];
  }

  abstract getUserCode(): string;
}

export interface ProgramUniform {
  type: 'int32' | 'float32' | 'uint32';
  data: number[];
}

export interface WebGpuBackend {
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: ProgramUniform[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
  incRef(dataId: tf.DataId): void;
  disposeData(dataId: tf.DataId): boolean;
}

/** Replaces the webgpu backend's kernel `kernelName` by `make(stock)`; `make` may delegate to the stock one. */
export function replaceWebGpuKernel(kernelName: string, make: (stock: tf.KernelConfig) => tf.KernelFunc): void {
  const stock = tf.getKernel(kernelName, 'webgpu');
  if (!stock) throw new Error(`tfjs-backend-webgpu has no ${kernelName} kernel to replace`);
  tf.unregisterKernel(kernelName, 'webgpu');
  tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: make(stock), setupFunc: stock.setupFunc });
}
