import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { parseWith } from '../config/load.js';
import { REPO_ROOT } from '../data/paths.js';
import { DEFAULT_ROPE_BASE, modelConfig } from '../model/config.js';
import { Gpt } from '../model/gpt.js';
import { loadTokenizer, type CapTokenizer } from '../tokenizer/tokenizer.js';
import { checkpointSteps, metaFile, modelFile, restoreVariables } from '../train/checkpoint.js';
import { decodeSafetensors, expectTensors } from '../train/safetensors.js';
import { capTokenizerVocab } from './constrain/vocab.js';
import { TokenTrie } from './constrain/token-trie.js';

/** The committed planner of this checkout (independent of the working directory). */
export const DEFAULT_CHECKPOINT_DIR = join(REPO_ROOT, 'checkpoints', 'default');

/**
 * What the planner reads from meta_<step>.json (base and SFT checkpoints alike): the model shape, the
 * tokenizer it was trained with and that tokenizer's hash. Other fields are the trainer's business.
 */
const plannerMetaSchema = z.looseObject({
  step: z.number().int().min(0),
  config: z.looseObject({
    model: z.looseObject({
      depth: z.number().int().min(1),
      seq_len: z.number().int().min(1),
      rope_base: z.number().positive().default(DEFAULT_ROPE_BASE),
    }),
    data: z.looseObject({ tokenizer_dir: z.string().min(1).default('tokenizer') }).prefault({}),
  }),
  tokenizer_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the sha256 of the tokenizer the checkpoint was trained with'),
});

export interface Planner {
  readonly model: Gpt;
  readonly tokenizer: CapTokenizer;
  /** The constraint's view of the vocabulary, built once and shared by every plan. */
  readonly trie: TokenTrie;
  readonly dir: string;
  readonly step: number;
  dispose(): void;
}

/**
 * A tokenizer dir recorded in meta is relative to where training ran; that is usually the repo root, so a
 * relative path is tried there when it does not exist from here. The hash check catches a wrong pick.
 */
function resolveTokenizerDir(recorded: string): string {
  if (isAbsolute(recorded) || existsSync(recorded)) return recorded;
  return resolve(REPO_ROOT, recorded);
}

function readMeta(path: string): z.output<typeof plannerMetaSchema> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UserError(`${path}: not a readable checkpoint meta file`);
  }
  return parseWith(plannerMetaSchema, value, path);
}

/**
 * How far past the context it was trained with the planner reads. Its positions are rotary, so a few
 * more than it saw in training stay meaningful; with the trained context alone, a plan of five steps
 * over many tools runs out of room and ends short (docs/planner.md, "Context").
 */
export const CONTEXT_STRETCH = 1.25;

/**
 * Loads the latest checkpoint in `dir` (model_<step>.safetensors + meta_<step>.json) into a Gpt with
 * the tokenizer it was trained with, its context stretched by CONTEXT_STRETCH. Refuses a tokenizer whose
 * sha256 differs from the recorded one: the weights would read different ids than they were trained on.
 * Needs an initialised backend.
 */
export function loadPlanner(dir: string): Planner {
  const steps = checkpointSteps(dir);
  if (steps.length === 0) {
    throw new UserError(`${dir}: no checkpoint (meta_<step>.json) found; train a planner with \`capplan sft\` or pass --checkpoint`);
  }
  const step = steps.at(-1)!;
  const metaPath = join(dir, metaFile(step));
  const meta = readMeta(metaPath);
  const tokenizer = loadTokenizer(resolveTokenizerDir(meta.config.data.tokenizer_dir));
  try {
    if (tokenizer.sha256 !== meta.tokenizer_sha256) {
      throw new UserError(
        `${metaPath}: checkpoint was trained with tokenizer ${meta.tokenizer_sha256.slice(0, 12)}…, but ${tokenizer.dir} is ${tokenizer.sha256.slice(0, 12)}…`,
      );
    }
    const weightsPath = join(dir, modelFile(step));
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(weightsPath);
    } catch {
      throw new UserError(`${weightsPath}: cannot read checkpoint weights`);
    }
    const weights = decodeSafetensors(bytes, weightsPath).tensors;
    const trained = modelConfig(meta.config.model, tokenizer.vocabSize);
    const model = new Gpt({ ...trained, seqLen: Math.round(trained.seqLen * CONTEXT_STRETCH) }, 0);
    try {
      expectTensors(weights, new Map([...model.params].map(([name, v]) => [name, v.shape])), weightsPath);
      restoreVariables(model.params, weights);
    } catch (err) {
      model.dispose();
      throw err;
    }
    const trie = new TokenTrie(capTokenizerVocab(tokenizer));
    return {
      model,
      tokenizer,
      trie,
      dir,
      step,
      dispose: () => {
        model.dispose();
        tokenizer.free();
      },
    };
  } catch (err) {
    tokenizer.free();
    throw err;
  }
}
