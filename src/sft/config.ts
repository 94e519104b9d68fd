import { z } from 'zod';

/**
 * The SFT config (configs/sft-*.json). The model shape and the base learning rates come from the base
 * checkpoint (`--from`), so this file holds only what SFT decides: sequence length, the plan set, LR
 * multipliers relative to the base run, the schedule and batch size, evaluation cadence and the seed.
 */
const positiveInt = z.number().int().positive();
const fraction = z.number().min(0).max(1);

export const SftDataSchema = z
  .object({
    /** A directory written by `capplan data plans` (train.jsonl, val.jsonl, val_unseen.jsonl, manifest.json). */
    dir: z.string().min(1).default('data/generated/plans'),
    /** Generator seed and train-split size the plan set must have; a missing directory is generated with them. */
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    count: positiveInt.default(20000),
  })
  .strict();

export const SftOptimSchema = z
  .object({
    /** Rows per micro-batch (each row is seq_len tokens). */
    device_batch_size: positiveInt,
    /** Tokens per optimizer step; a multiple of device_batch_size × seq_len (gradient accumulation). */
    total_batch_tokens: positiveInt,
    /** Multipliers on the base run's embedding_lr, unembedding_lr and matrix_lr. */
    embedding_lr_scale: z.number().positive().default(1),
    unembedding_lr_scale: z.number().positive().default(1),
    matrix_lr_scale: z.number().positive().default(1),
    weight_decay: z.number().min(0).default(0),
    warmup_ratio: fraction.default(0),
    /** Fraction of the run over which the LR decays linearly to final_lr_frac. */
    warmdown_ratio: fraction.default(1),
    final_lr_frac: fraction.default(0),
  })
  .strict()
  .refine((o) => o.warmup_ratio > 1 || o.warmdown_ratio > 1 || o.warmup_ratio + o.warmdown_ratio <= 1, {
    message: 'warmup_ratio + warmdown_ratio must be at most 1',
    path: ['warmdown_ratio'],
  });

export const SftEvalSchema = z
  .object({
    /** Evaluate the validation losses every this many steps (0 = only at the end). */
    every: z.number().int().min(0).default(100),
    /** Examples of val and of val_unseen scored per evaluation (the first ones, in file order). */
    examples: positiveInt.default(200),
    /** Greedily generate this many tokens of a plan for the first val example at each evaluation (0 = none). */
    sample_tokens: z.number().int().min(0).default(0),
  })
  .strict();

export const SftConfigSchema = z
  .object({
    /** Tokens per row; every example longer than seq_len + 1 is cropped (and counted in the log). */
    seq_len: positiveInt.max(16384).default(512),
    /** The tokenizer; its sha256 must equal the one the base checkpoint was trained with. */
    tokenizer_dir: z.string().min(1).default('tokenizer'),
    data: SftDataSchema.prefault({}),
    /**
     * How examples fill rows: in_order lays them end to end in the shuffled order, a row ending where the next
     * one does not fit; best_fit fills each row's rest with the longest of the next examples that fits
     * (packing.ts), so a step holds more examples and less padding. Absent means in_order; optional rather
     * than defaulted, so recipes recorded before the field existed keep their config digest.
     */
    packing: z.enum(['in_order', 'best_fit']).optional(),
    optim: SftOptimSchema,
    /** Passes over the train split (fractions allowed); exactly one of epochs and steps. */
    epochs: z.number().positive().optional(),
    /** Optimizer steps; --max-steps overrides either. */
    steps: positiveInt.optional(),
    eval: SftEvalSchema.prefault({}),
    log_every: positiveInt.default(10),
    /** Write a checkpoint every this many steps (0 = only at the end). */
    save_every: z.number().int().min(0).default(0),
    /** Data order and (unused by SFT, which starts from the base weights) model init. */
    seed: z.number().int().min(0).max(0xffffffff).default(42),
  })
  .strict()
  .refine((c) => (c.epochs === undefined) !== (c.steps === undefined), {
    message: 'give exactly one of `epochs` and `steps`',
    path: ['epochs'],
  })
  .refine((c) => !(c.optim.device_batch_size > 0) || c.optim.total_batch_tokens % (c.optim.device_batch_size * c.seq_len) === 0, {
    message: 'must be a multiple of device_batch_size × seq_len',
    path: ['optim', 'total_batch_tokens'],
  });

export type SftConfig = z.output<typeof SftConfigSchema>;
