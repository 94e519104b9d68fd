import { z } from 'zod';
import { DEFAULT_ROPE_BASE } from '../model/config.js';

/**
 * The base-pretraining config (configs/dN.json): model shape, data, optimizer and schedule,
 * evaluation and checkpoint cadence. Depth is the one model dial; everything else about the
 * shape follows from it (src/model/dims.ts). Defaults are nanochat's values where it has one.
 */
const positiveInt = z.number().int().positive();
const fraction = z.number().min(0).max(1);

export const ModelSectionSchema = z
  .object({
    depth: z.number().int().min(1).max(64),
    seq_len: positiveInt.max(16384),
    rope_base: z.number().positive().default(DEFAULT_ROPE_BASE),
  })
  .strict();

/** Pretraining documents generated from the tool catalog (src/data/catalog-docs.ts), mixed into the train split. */
export const CatalogDataSchema = z
  .object({
    path: z.string().min(1),
    /** Variations of the whole document set; every copy names every tool of the catalog. */
    copies: positiveInt,
  })
  .strict();

export const DataSectionSchema = z
  .object({
    /** The synced jsonl corpus (`capplan data sync`); its train/val split is used. */
    corpus_dir: z.string().min(1).default('data/corpus'),
    /** Optional directory of parquet shards with a `text` column; the last shard is validation. */
    parquet_dir: z.string().min(1).nullable().default(null),
    tokenizer_dir: z.string().min(1).default('tokenizer'),
    /** null: the corpus (or parquet) documents only. Validation never includes catalog documents. */
    catalog: CatalogDataSchema.nullable().default(null),
  })
  .strict();

export const OptimSectionSchema = z
  .object({
    /** Rows per micro-batch (each row is seq_len tokens). */
    device_batch_size: positiveInt,
    /** Tokens per optimizer step; a multiple of device_batch_size × seq_len (gradient accumulation). */
    total_batch_tokens: positiveInt,
    /** Token budget = ratio × parameters, unless --max-steps is given. */
    target_param_data_ratio: z.number().positive().default(20),
    embedding_lr: z.number().positive().default(0.2),
    unembedding_lr: z.number().positive().default(0.004),
    matrix_lr: z.number().positive().default(0.02),
    /** Decoupled weight decay of the AdamW groups (embedding and lm_head). */
    weight_decay: z.number().min(0).default(0),
    warmup_ratio: fraction.default(0),
    warmdown_ratio: fraction.default(0.2),
    final_lr_frac: fraction.default(0),
    muon_momentum: fraction.default(0.95),
    muon_momentum_start: fraction.default(0.85),
    muon_momentum_warmup_steps: z.number().int().min(0).default(300),
  })
  .strict()
  // Only meaningful once both ratios are valid fractions (otherwise their own error is the one to read).
  .refine((o) => o.warmup_ratio > 1 || o.warmdown_ratio > 1 || o.warmup_ratio + o.warmdown_ratio <= 1, {
    message: 'warmup_ratio + warmdown_ratio must be at most 1',
    path: ['warmdown_ratio'],
  });

export const EvalSectionSchema = z
  .object({
    /** Evaluate validation bits-per-byte every this many steps (0 = only at the end). */
    every: z.number().int().min(0).default(250),
    /** Validation tokens per evaluation (rounded up to whole micro-batches). */
    tokens: positiveInt.default(65536),
    /** Generate a text sample at every evaluation, greedily, this many tokens long (0 = none). */
    sample_tokens: z.number().int().min(0).default(32),
    sample_prompt: z.string().default('The capability'),
  })
  .strict();

export const TrainConfigSchema = z
  .object({
    model: ModelSectionSchema,
    data: DataSectionSchema.prefault({}),
    optim: OptimSectionSchema,
    eval: EvalSectionSchema.prefault({}),
    /** One progress line (and one train.jsonl record) every this many steps. */
    log_every: positiveInt.default(10),
    /** Write a checkpoint every this many steps (0 = only at the end). */
    save_every: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).max(0xffffffff).default(42),
  })
  .strict()
  .refine((c) => !(c.optim.device_batch_size > 0) || c.optim.total_batch_tokens % (c.optim.device_batch_size * c.model.seq_len) === 0, {
    message: 'must be a multiple of device_batch_size × seq_len',
    path: ['optim', 'total_batch_tokens'],
  });

export type TrainConfig = z.output<typeof TrainConfigSchema>;
