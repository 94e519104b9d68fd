import { registerWebGpuMatMul } from './webgpu-matmul.js';
import { registerWebGpuNewtonSchulz } from './webgpu-newton-schulz.js';
import { registerWebGpuRowKernels } from './webgpu-rows.js';
import { registerWebGpuScatterAdd } from './webgpu-scatter-add.js';
import { registerWebGpuSlicePad } from './webgpu-slice-pad.js';
import { registerWebGpuSoftcapCrossEntropy } from './webgpu-softcap-cross-entropy.js';
import { registerWebGpuTranspose } from './webgpu-transpose.js';

/**
 * Installs capplan's WGSL kernels for the webgpu backend (idempotent): a register-blocked matMul
 * (webgpu-matmul.ts), barrier-free row reductions and softmax (webgpu-rows.ts), an atomic-free scatter-add
 * (webgpu-scatter-add.ts), a run-wise transpose, slice and zero pad (webgpu-transpose.ts,
 * webgpu-slice-pad.ts), the fused softcap + cross-entropy (webgpu-softcap-cross-entropy.ts), which also
 * switches the model's loss to that op, and Muon's Newton–Schulz iterations on the same matMul
 * (webgpu-newton-schulz.ts). All are shaped for software adapters (llvmpipe: invocations are
 * SIMD lanes of one CPU thread), so initBackend installs them only there. Call after
 * '@tensorflow/tfjs-backend-webgpu' has been imported.
 */
export function registerWebGpuKernels(): void {
  registerWebGpuMatMul();
  registerWebGpuRowKernels();
  registerWebGpuScatterAdd();
  registerWebGpuTranspose();
  registerWebGpuSlicePad();
  registerWebGpuSoftcapCrossEntropy();
  registerWebGpuNewtonSchulz();
}

