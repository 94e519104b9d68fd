import type { DeviceCapabilities } from '../backend/capabilities.js';
import { UserError } from '../errors.js';
import type { ModelDims } from '../model/dims.js';
import { describeEstimate, estimateTrainingMemory, formatBytes, type MemoryEstimate } from './memory.js';

/** The memory a run may use and where that number comes from (for the refusal message). */
export interface MemoryLimit {
  bytes: number;
  origin: string;
}

/**
 * The single tensors of a training step that no chunking splits, for micro-batches of `rows` rows: the
 * embedding and lm_head (and their gradients and Adam moments), the attention scores of all heads, the MLP's
 * hidden activations, and one row of logits (the lm_head and loss run over chunks of rows, model/row-chunks.ts).
 */
export function unsplitTensors(dims: ModelDims, seqLen: number, rows: number): Array<{ what: string; bytes: number }> {
  const { dModel: d, vocabSize: v, nHead: h, mlpDim } = dims;
  return [
    { what: `lm_head [${d}, ${v}]`, bytes: 4 * d * v },
    { what: `attention scores [${rows}, ${h}, ${seqLen}, ${seqLen}]`, bytes: 4 * rows * h * seqLen * seqLen },
    { what: `MLP activations [${rows * seqLen}, ${mlpDim}]`, bytes: 4 * rows * seqLen * mlpDim },
  ];
}

/** Why micro-batches of `rows` rows do not fit the device, or null when they do. */
export function misfit(dims: ModelDims, seqLen: number, rows: number, caps: DeviceCapabilities, memory: MemoryLimit | null): string | null {
  const maxTensor = caps.maxTensorBytes;
  if (maxTensor !== null) {
    const tooLarge = unsplitTensors(dims, seqLen, rows).find((t) => t.bytes > maxTensor);
    if (tooLarge) {
      return `${tooLarge.what} takes ${formatBytes(tooLarge.bytes)}, more than the device's largest tensor (${formatBytes(maxTensor)})`;
    }
  }
  const estimate = estimateTrainingMemory(dims, seqLen, rows);
  if (memory && estimate.total > memory.bytes) {
    return `training needs an estimated ${describeEstimate(estimate)}, more than the ${formatBytes(memory.bytes)} limit (${memory.origin})`;
  }
  return null;
}

export interface DeviceBatch {
  rows: number;
  estimate: MemoryEstimate;
}

/**
 * The largest number of rows per micro-batch that divides `stepRows` and fits the device (its largest
 * tensor, and `memory` when known), so a step of `stepRows` rows is accumulated over as few micro-batches as
 * possible. Refused before anything is allocated when not even one row fits.
 */
export function chooseDeviceBatch(
  source: string,
  dims: ModelDims,
  seqLen: number,
  stepRows: number,
  caps: DeviceCapabilities,
  memory: MemoryLimit | null,
): DeviceBatch {
  for (let rows = stepRows; rows >= 1; rows--) {
    if (stepRows % rows === 0 && misfit(dims, seqLen, rows, caps, memory) === null) {
      return { rows, estimate: estimateTrainingMemory(dims, seqLen, rows) };
    }
  }
  throw new UserError(`${source}: does not fit this device even one row per micro-batch: ${misfit(dims, seqLen, 1, caps, memory)}`);
}

/**
 * Refuses micro-batches of `rows` rows that do not fit the device, before anything is allocated, naming the
 * estimate and the limit, and the largest device batch that would fit when there is one.
 */
export function checkDeviceBatch(
  source: string,
  dims: ModelDims,
  seqLen: number,
  rows: number,
  caps: DeviceCapabilities,
  memory: MemoryLimit | null,
): MemoryEstimate {
  const why = misfit(dims, seqLen, rows, caps, memory);
  if (why === null) return estimateTrainingMemory(dims, seqLen, rows);
  let hint = 'lower the sequence length or the depth';
  for (let fewer = rows - 1; fewer >= 1; fewer--) {
    if (misfit(dims, seqLen, fewer, caps, memory) === null) {
      hint = `a device batch of ${fewer} row${fewer === 1 ? '' : 's'} fits (--device-batch ${fewer}, or auto)`;
      break;
    }
  }
  throw new UserError(`${source}: device batch ${rows}: ${why}; ${hint}`);
}
