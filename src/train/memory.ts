import type { ModelDims } from '../model/dims.js';
import { PARAM_GROUPS, paramCount, paramCountByGroup } from '../model/params.js';
import { STATE_FLOATS_PER_PARAM } from './optim/optimizers.js';

export interface MemoryEstimate {
  params: number;
  gradients: number;
  optimizer: number;
  activations: number;
  runtime: number;
  total: number;
}

const F32 = 4;
/** Node, TF.js (wasm/webgpu runtimes), tokenizer and tokenized corpus: a d2 run on wasm peaks at 912 MiB RSS. */
const RUNTIME_BYTES = 768 * 1024 ** 2;

/**
 * Bytes a training run needs, estimated before anything is allocated:
 * params; gradients twice (one micro-batch's and the running sum); optimizer state (by parameter group:
 * Muon one buffer per matrix, AdamW two per embedding/lm_head); activations of one micro-batch kept by the
 * autodiff tape (≈ 50·d_model floats per token per layer for the projections, norms and MLP, 4 copies of the
 * [heads × T] attention scores per token per layer, and ≈ 6 copies of the logits per token).
 */
export function estimateTrainingMemory(dims: ModelDims, seqLen: number, deviceBatch: number): MemoryEstimate {
  const p = paramCount(dims);
  const byGroup = paramCountByGroup(dims);
  const stateFloats = PARAM_GROUPS.reduce((total, group) => total + byGroup[group] * STATE_FLOATS_PER_PARAM[group], 0);
  const tokens = deviceBatch * seqLen;
  const perTokenPerLayer = 50 * dims.dModel + 4 * dims.nHead * seqLen;
  const activationFloats = tokens * (dims.depth * perTokenPerLayer + 6 * dims.vocabSize);
  const estimate = {
    params: p * F32,
    gradients: 2 * p * F32,
    optimizer: stateFloats * F32,
    activations: activationFloats * F32,
    runtime: RUNTIME_BYTES,
  };
  return { ...estimate, total: Object.values(estimate).reduce((a, b) => a + b, 0) };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Parses "512MiB", "20GiB", "1.5G", or a plain byte count. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*$/i.exec(text);
  if (!m) return null;
  const power = ['', 'K', 'M', 'G', 'T'].indexOf(m[2]!.toUpperCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}

export function describeEstimate(e: MemoryEstimate): string {
  return (
    `${formatBytes(e.total)} (params ${formatBytes(e.params)}, gradients ${formatBytes(e.gradients)}, ` +
    `optimizer ${formatBytes(e.optimizer)}, activations ${formatBytes(e.activations)}, runtime ${formatBytes(e.runtime)})`
  );
}
