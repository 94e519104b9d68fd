import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../config/load.js';
import { REPO_ROOT } from '../data/paths.js';
import { MAX_TRAINER_VOCAB } from './bpe-trainer.js';

export const DEFAULT_TOKENIZER_CONFIG = join(REPO_ROOT, 'configs', 'tokenizer.json');

/**
 * `vocab_size` counts every id: 256 byte tokens + learned merges + reserved domain atoms + control
 * tokens. Its lower bound depends on the catalog (number of atoms), so training re-checks it.
 */
export const tokenizerConfigSchema = z
  .object({
    vocab_size: z.number().int().min(257).max(MAX_TRAINER_VOCAB),
    /** Tool catalog whose interface and method names (and type ids) become reserved atoms. */
    catalog: z.string().min(1).default('data/tools/catalog.json'),
    corpus: z
      .object({
        /** Folder of corpus JSONL files ({"id","text","kind"} per line), as `capplan data sync` installs it. */
        dir: z.string().min(1).default('data/corpus'),
        /** `train`: only documents of the lock's train split (all documents while the lock has no split). */
        split: z.enum(['train', 'all']).default('train'),
      })
      .strict()
      .default({ dir: 'data/corpus', split: 'train' }),
    /** How many times the catalog's serialized tool descriptors count as training text (0 = not at all). */
    catalog_weight: z.number().int().min(0).max(1000).default(100),
    /** Extra plain-text training files, used when they exist (e.g. the generated capOS schema). */
    optional_files: z.array(z.string().min(1)).default(['data/tools/capos.capnp']),
  })
  .strict();

export type TokenizerConfig = z.output<typeof tokenizerConfigSchema>;

/** Relative paths in a tokenizer config name files of the capplan checkout, whatever the working directory. */
export function resolveConfigPaths(config: TokenizerConfig): TokenizerConfig {
  const fromRepo = (p: string): string => (isAbsolute(p) ? p : resolve(REPO_ROOT, p));
  return {
    ...config,
    catalog: fromRepo(config.catalog),
    corpus: { ...config.corpus, dir: fromRepo(config.corpus.dir) },
    optional_files: config.optional_files.map(fromRepo),
  };
}

export function loadTokenizerConfig(path = DEFAULT_TOKENIZER_CONFIG): TokenizerConfig {
  return loadConfig(tokenizerConfigSchema, path);
}
