import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import type { LoaderPosition } from './loader.js';
import { decodeSafetensors, encodeSafetensors, expectTensors, type NamedTensor } from './safetensors.js';

export const META_FORMAT = 'capplan-base-checkpoint/1';

/**
 * `__metadata__.format` of the weight files, so each says what it holds. A base model's label is the one
 * every checkpoint file had before (same bytes: recorded base weights still reproduce by file hash).
 */
export const WEIGHTS_FORMATS = { base: 'capplan-base-checkpoint/1', sft: 'capplan-sft-checkpoint/1' } as const;
export const OPTIMIZER_FORMAT = 'capplan-optimizer-state/1';
export type CheckpointKind = keyof typeof WEIGHTS_FORMATS;

/** meta_<step>.json: everything besides tensors that a bit-exact resume needs, plus metrics. */
export interface CheckpointMeta {
  format: typeof META_FORMAT;
  step: number;
  total_steps: number;
  config: unknown;
  data_position: LoaderPosition;
  /** The data order is a pure function of these (see rng.ts); no other randomness is drawn in training. */
  rng: { seed: number; generator: 'splitmix32'; derivation: 'seed, epoch, group' };
  optimizer: { embedding_steps: number; unembedding_steps: number };
  metrics: Record<string, number | null>;
  tokenizer_sha256: string | null;
  /** What the run is built from beyond its config (an SFT run: base checkpoint, dataset); must match on resume. */
  lineage?: Record<string, unknown>;
  saved_at: string;
}

export const modelFile = (step: number) => `model_${step}.safetensors`;
export const optimFile = (step: number) => `optim_${step}.safetensors`;
export const metaFile = (step: number) => `meta_${step}.json`;

async function snapshot(vars: ReadonlyMap<string, tf.Variable>): Promise<Map<string, NamedTensor>> {
  const out = new Map<string, NamedTensor>();
  for (const [name, v] of vars) out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
  return out;
}

/**
 * Writes the three files, each atomically; meta goes last so its presence marks a complete checkpoint.
 * `kind` labels the weights (base or SFT model); the optimizer file is labelled as optimizer state of that kind.
 */
export async function saveCheckpoint(
  dir: string,
  model: ReadonlyMap<string, tf.Variable>,
  optimizer: ReadonlyMap<string, tf.Variable>,
  meta: CheckpointMeta,
  kind: CheckpointKind = 'base',
): Promise<void> {
  const step = String(meta.step);
  writeFileAtomic(join(dir, modelFile(meta.step)), encodeSafetensors(await snapshot(model), { format: WEIGHTS_FORMATS[kind], step }));
  writeFileAtomic(join(dir, optimFile(meta.step)), encodeSafetensors(await snapshot(optimizer), { format: OPTIMIZER_FORMAT, of: WEIGHTS_FORMATS[kind], step }));
  writeJsonAtomic(join(dir, metaFile(meta.step)), meta);
}

/** Steps that have a meta file in `dir`, ascending. */
export function checkpointSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^meta_(\d+)\.json$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  model: Map<string, NamedTensor>;
  optimizer: Map<string, NamedTensor>;
}

function shapesOf(vars: ReadonlyMap<string, tf.Variable>): Map<string, readonly number[]> {
  return new Map([...vars].map(([name, v]) => [name, v.shape]));
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch {
    throw new UserError(`${path}: cannot read checkpoint file`);
  }
}

function readMeta(path: string, step: number): CheckpointMeta {
  let meta: Partial<CheckpointMeta>;
  try {
    meta = JSON.parse(readFileSync(path, 'utf8')) as Partial<CheckpointMeta>;
  } catch {
    throw new UserError(`${path}: not a readable checkpoint meta file`);
  }
  if (meta.format !== META_FORMAT) throw new UserError(`${path}: not a capplan base checkpoint (format ${String(meta.format)})`);
  if (meta.step !== step) throw new UserError(`${path}: records step ${String(meta.step)}, expected ${step}`);
  const pos = meta.data_position;
  if (!pos || ![pos.epoch, pos.group, pos.doc, pos.offset].every((n) => Number.isInteger(n) && n >= 0)) {
    throw new UserError(`${path}: field \`data_position\` is missing or malformed`);
  }
  return meta as CheckpointMeta;
}

/**
 * Reads and fully validates the checkpoint at `step` against the live model and optimizer (names,
 * shapes, dtypes, sizes) without touching either; apply it with restoreVariables.
 */
export function loadCheckpoint(
  dir: string,
  step: number,
  model: ReadonlyMap<string, tf.Variable>,
  optimizer: ReadonlyMap<string, tf.Variable>,
): LoadedCheckpoint {
  const meta = readMeta(join(dir, metaFile(step)), step);
  const modelPath = join(dir, modelFile(step));
  const optimPath = join(dir, optimFile(step));
  const weights = decodeSafetensors(readBytes(modelPath), modelPath).tensors;
  expectTensors(weights, shapesOf(model), modelPath);
  const state = decodeSafetensors(readBytes(optimPath), optimPath).tensors;
  expectTensors(state, shapesOf(optimizer), optimPath);
  return { meta, model: weights, optimizer: state };
}

/** Copies validated tensors into the variables of the same names. */
export function restoreVariables(vars: ReadonlyMap<string, tf.Variable>, values: ReadonlyMap<string, NamedTensor>): void {
  for (const [name, v] of vars) {
    const t = values.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, 'float32')));
  }
}
