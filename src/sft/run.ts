import { CONTROL, renderPrompt, type TemplateTokenizer } from '../infer/chat-template.js';
import { TokenTrie } from '../infer/constrain/token-trie.js';
import { KvCacheDecoder } from '../infer/decoder.js';
import { generate } from '../infer/generate.js';
import { plannerConstraint, slotIds } from '../infer/plan-turn.js';
import { GREEDY, TokenPicker } from '../infer/sampling.js';
import type { TrainingStage } from '../train/stage.js';
import { runStage, type LoopOptions, type RunConfig, type StageRunResult } from '../train/trainer.js';
import type { TrainTokenizer } from '../train/token-source.js';
import { checkTokenizer, type BaseCheckpoint } from './base-checkpoint.js';
import type { SftConfig } from './config.js';
import { maskedLoss } from './evaluate.js';
import { renderExamples, type PlanLine, type SftExample } from './examples.js';
import { rowsPerEpoch, SftPacker } from './packing.js';

export type SftTokenizer = TrainTokenizer & TemplateTokenizer & { decodeBytes(ids: ArrayLike<number>): Uint8Array; isSpecial(id: number): boolean };

/**
 * The config an SFT run trains with: the base model's shape at SFT's seq_len, the base LRs times SFT's
 * scales, SFT's batch, schedule, cadence and seed, and the SFT config as written. Saved in every meta
 * file (the planner reads model and data.tokenizer_dir from it) and compared on resume.
 */
export interface SftRunConfig extends RunConfig {
  data: { tokenizer_dir: string; plans: SftConfig['data'] };
  eval: SftConfig['eval'];
  sft: SftConfig;
}

export function resolveRunConfig(sft: SftConfig, base: Pick<BaseCheckpoint, 'model' | 'optim'>): SftRunConfig {
  const o = sft.optim;
  return {
    model: { ...base.model, seq_len: sft.seq_len },
    data: { tokenizer_dir: sft.tokenizer_dir, plans: sft.data },
    optim: {
      ...base.optim,
      device_batch_size: o.device_batch_size,
      total_batch_tokens: o.total_batch_tokens,
      embedding_lr: base.optim.embedding_lr * o.embedding_lr_scale,
      unembedding_lr: base.optim.unembedding_lr * o.unembedding_lr_scale,
      matrix_lr: base.optim.matrix_lr * o.matrix_lr_scale,
      weight_decay: o.weight_decay,
      warmup_ratio: o.warmup_ratio,
      warmdown_ratio: o.warmdown_ratio,
      final_lr_frac: o.final_lr_frac,
      // Fresh momentum buffers on trained weights: no ramp, the base run's final Muon momentum throughout.
      muon_momentum_start: base.optim.muon_momentum,
      muon_momentum_warmup_steps: 0,
    },
    eval: sft.eval,
    log_every: sft.log_every,
    save_every: sft.save_every,
    seed: sft.seed,
    sft,
  };
}

interface SftData {
  train: SftExample[];
  /** Rows of seq_len + 1 one pass over train fills (sizes an `epochs` schedule). */
  rowsPerEpoch: number;
  val: SftExample[];
  valUnseen: SftExample[];
  /** The first val line: its plan is generated as the progress sample. */
  sampleLine: PlanLine;
  /** The tool slots: a target outside a tool choice ranges over every token but these. */
  slots: Int32Array;
}

/** Plan loss on val and val_unseen, a greedy plan for the first val goal, starting from the base weights. */
function sftStage(config: SftRunConfig, tokenizer: SftTokenizer, data: SftData, base: BaseCheckpoint, lineage: Record<string, unknown>): TrainingStage {
  const seqLen = config.model.seq_len;
  let trie: TokenTrie | undefined;
  const pad = tokenizer.specialId(CONTROL.bos);
  const rowsPerStep = config.optim.total_batch_tokens / seqLen;
  const evalSpec = { seqLen, rows: config.optim.device_batch_size, pad, excluded: data.slots };
  const { epochs, steps } = config.sft;
  return {
    name: 'sft',
    checkpointKind: 'sft',
    defaultSteps: steps ?? Math.max(1, Math.ceil(((epochs ?? 1) * data.rowsPerEpoch) / rowsPerStep)),
    openTrain: (position) => new SftPacker(data.train, { seqLen, pad, seed: config.seed, position, excluded: data.slots, packing: config.sft.packing }),
    evaluate: async (model, helpers) => ({
      val_loss: await maskedLoss(model, data.val, evalSpec, helpers),
      val_unseen_loss: await maskedLoss(model, data.valUnseen, evalSpec, helpers),
    }),
    evaluateAtStart: true,
    sample: async (model) => {
      if (config.eval.sample_tokens === 0) return null;
      // The plan the planner would write for the first val goal (constrained, greedy, no copy bias).
      trie ??= new TokenTrie({ vocabSize: tokenizer.vocabSize, tokenBytes: (id) => tokenizer.tokenBytes(id), endId: tokenizer.specialId(CONTROL.assistantEnd), isSpecial: (id) => tokenizer.isSpecial(id) });
      const { tools, goal } = data.sampleLine;
      const prompt = renderPrompt(tokenizer, tools, goal);
      if (prompt.length >= seqLen) return null;
      const constraint = plannerConstraint(tokenizer, trie, tools);
      // At least the tokens a whole plan may need: the sample is a plan, cut short only by sample_tokens beyond that.
      const maxTokens = Math.min(Math.max(config.eval.sample_tokens, constraint.minTokensToEnd()), seqLen - prompt.length);
      if (constraint.minTokensToEnd() > maxTokens) return null;
      const decoder = new KvCacheDecoder(model);
      try {
        const g = await generate(decoder, prompt, constraint, {
          maxTokens,
          vocabLimit: tokenizer.vocabSize,
          picker: new TokenPicker(GREEDY),
          constrain: true,
          encode: (text) => Array.from(tokenizer.encode(text)),
          spell: (id) => tokenizer.decodeBytes([id]),
        });
        return g.text;
      } finally {
        decoder.dispose();
      }
    },
    initialWeights: { tensors: base.weights, source: base.modelPath },
    lineage,
  };
}

export interface SftRunOptions extends Omit<LoopOptions, 'tokenizer'> {
  config: SftConfig;
  base: BaseCheckpoint;
  tokenizer: SftTokenizer;
  splits: { train: readonly PlanLine[]; val: readonly PlanLine[]; val_unseen: readonly PlanLine[] };
  /** Inputs besides the base checkpoint that must not change across a resume (e.g. the plan set's hash). */
  inputs: Record<string, unknown>;
}

export interface SftRunResult extends StageRunResult {
  runConfig: SftRunConfig;
}

/** Fine-tunes the base checkpoint on the plan set with the chat template, loss on the plan only. */
export async function runSft(opts: SftRunOptions): Promise<SftRunResult> {
  const { config, base, tokenizer } = opts;
  const log = opts.log ?? ((line: string) => process.stdout.write(line + '\n'));
  checkTokenizer(base, tokenizer.sha256, config.tokenizer_dir);
  const runConfig = resolveRunConfig(config, base);
  const width = config.seq_len + 1;
  const render = (lines: readonly PlanLine[]) => renderExamples(tokenizer, tokenizer.vocabSize, lines, width);
  const train = render(opts.splits.train);
  const val = render(opts.splits.val.slice(0, config.eval.examples));
  const valUnseen = render(opts.splits.val_unseen.slice(0, config.eval.examples));
  const cropped = train.cropped + val.cropped + valUnseen.cropped;
  const counted = train.examples.reduce((n, e) => n + e.mask.reduce((a, b) => a + b, 0), 0);
  const tokens = train.examples.reduce((n, e) => n + e.tokens.length, 0);
  const packing = config.packing ?? 'in_order';
  const rows = rowsPerEpoch(train.examples, config.seq_len, config.seed, packing);
  log(
    `sft data: ${train.examples.length} train examples (${tokens} tokens, ${counted} of them plan targets) packed (${packing}) into ` +
      `${rows} rows of ${width} per epoch (${((100 * tokens) / (rows * width)).toFixed(1)}% filled); ` +
      `${val.examples.length} val, ${valUnseen.examples.length} val_unseen scored per evaluation` +
      (cropped > 0 ? `; ${cropped} example(s) longer than seq_len + 1 = ${width} tokens cropped` : ''),
  );
  const lineage = { base_checkpoint: { step: base.step, model_sha256: base.modelSha256 }, ...opts.inputs };
  const stage = sftStage(
    runConfig,
    tokenizer,
    {
      train: train.examples,
      rowsPerEpoch: rows,
      val: val.examples,
      valUnseen: valUnseen.examples,
      sampleLine: opts.splits.val[0]!,
      slots: Int32Array.from(slotIds(tokenizer)),
    },
    base,
    lineage,
  );
  const result = await runStage({ ...opts, log, config: runConfig, stage });
  return { ...result, runConfig };
}
