import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { parseWith } from '../config/load.js';
import { ModelSectionSchema, OptimSectionSchema } from '../config/train-schema.js';
import { UserError } from '../errors.js';
import { MANIFEST_FILE } from '../provenance/outputs.js';
import { checkpointSteps, metaFile, modelFile } from '../train/checkpoint.js';
import { decodeSafetensors, type NamedTensor } from '../train/safetensors.js';
import type { RunConfig } from '../train/trainer.js';
import { sha256Hex } from '../util/hash.js';

/** What SFT reads from the base run's meta_<step>.json: the model shape, its optimizer config and tokenizer hash. */
const baseMetaSchema = z.looseObject({
  step: z.number().int().min(0),
  config: z.looseObject({
    model: ModelSectionSchema,
    data: z.looseObject({ tokenizer_dir: z.string().min(1) }),
    optim: OptimSectionSchema,
  }),
  tokenizer_sha256: z.string().nullable(),
});

export interface BaseCheckpoint {
  dir: string;
  step: number;
  metaPath: string;
  modelPath: string;
  /** The base run's model and optimizer sections (SFT scales its LRs). */
  model: RunConfig['model'];
  optim: RunConfig['optim'];
  tokenizerSha256: string | null;
  weights: Map<string, NamedTensor>;
  modelSha256: string;
  /** A finished base run has manifest.json (a provenance parent); an intermediate checkpoint does not. */
  hasManifest: boolean;
}

/** `--from`: a run directory (its latest step) or one of a step's files (model_/optim_/meta_<step>). */
export function resolveCheckpointPath(from: string): { dir: string; step: number } {
  if (!existsSync(from)) throw new UserError(`--from ${from}: no such checkpoint directory or file`);
  if (statSync(from).isDirectory()) {
    const steps = checkpointSteps(from);
    if (steps.length === 0) throw new UserError(`--from ${from}: the directory holds no checkpoint (meta_<step>.json)`);
    return { dir: from, step: steps.at(-1)! };
  }
  const m = /^(?:model|optim|meta)_(\d+)\.(?:safetensors|json)$/.exec(basename(from));
  if (!m) throw new UserError(`--from ${from}: expected a checkpoint directory or a model_<step>.safetensors / meta_<step>.json file`);
  return { dir: dirname(from), step: Number(m[1]) };
}

/** Reads the base checkpoint's meta and weights (shapes are checked against the model when they are applied). */
export function loadBaseCheckpoint(from: string): BaseCheckpoint {
  const { dir, step } = resolveCheckpointPath(from);
  const metaPath = join(dir, metaFile(step));
  const modelPath = join(dir, modelFile(step));
  let metaValue: unknown;
  try {
    metaValue = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch {
    throw new UserError(`${metaPath}: not a readable checkpoint meta file`);
  }
  const meta = parseWith(baseMetaSchema, metaValue, metaPath);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(modelPath);
  } catch {
    throw new UserError(`${modelPath}: cannot read checkpoint weights`);
  }
  return {
    dir,
    step,
    metaPath,
    modelPath,
    model: meta.config.model,
    optim: meta.config.optim,
    tokenizerSha256: meta.tokenizer_sha256,
    weights: decodeSafetensors(bytes, modelPath).tensors,
    modelSha256: sha256Hex(bytes),
    hasManifest: existsSync(join(dir, MANIFEST_FILE)),
  };
}

/** The weights would read other ids than they were trained on: refuse. */
export function checkTokenizer(base: BaseCheckpoint, tokenizerSha256: string | undefined, tokenizerDir: string): void {
  if ((tokenizerSha256 ?? null) !== base.tokenizerSha256) {
    const short = (h: string | null | undefined) => (h ? `${h.slice(0, 12)}…` : 'unknown');
    throw new UserError(
      `${base.metaPath}: the base checkpoint was trained with tokenizer ${short(base.tokenizerSha256)}, but ${tokenizerDir} is ` +
        `${short(tokenizerSha256)}; set tokenizer_dir to the base run's tokenizer`,
    );
  }
}
