import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import type { ModelDims } from './dims.js';
import { initValues } from './init.js';
import { blockParamName, paramSpecs, type BlockParam, type ParamGroup } from './params.js';
import { rmsNorm } from './rms-norm.js';
import { applyRotary, rotaryTables, type RotaryTables } from './rotary.js';
import { boundedSparseCrossEntropy } from './cross-entropy.js';
import { softcapCrossEntropy, useFusedSoftcapCrossEntropy } from './softcap-cross-entropy.js';
import { matMul, transposeLast } from './matmul.js';
import { activeCapabilities } from '../backend/capabilities.js';
import { mapRowChunks, rowsPerChunk } from './row-chunks.js';

/** Logits are squashed to ±SOFTCAP by SOFTCAP·tanh(z/SOFTCAP). */
export const SOFTCAP = 15;
/** Added to the scores of future positions; far below any reachable score (|q·k|/√hd ≤ √hd after QK-norm). */
const MASKED_SCORE = -1e9;

function softcap(z: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.tanh(tf.mul(z, 1 / SOFTCAP)), SOFTCAP);
}

/** Rotary tables and causal mask cut to the T positions of one forward pass (mask [T, past + T]). */
interface Positions {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  mask: tf.Tensor2D;
}

/** One layer's keys (after QK-norm and rotary) and values for every position so far, [B, H, T, hd] each. */
export type LayerKv = { k: tf.Tensor4D; v: tf.Tensor4D };

/**
 * The DESIGN.md GPT: embedding → RMSNorm → L × [x += Attn(RMSNorm(x)); x += MLP(RMSNorm(x))] → RMSNorm →
 * lm_head → 15·tanh(z/15). Activations stay 2-D [B·T, d] between blocks; attention reshapes to
 * [B, H, T, hd] and runs all heads in one batched matMul.
 */
export class Gpt {
  readonly config: ModelConfig;
  /** In paramSpecs order: wte, h.0.* … h.{L−1}.*, lm_head (stable, so checkpoints can rely on it). */
  readonly params: Map<string, tf.Variable>;
  /** Each parameter's optimizer group, by name. */
  readonly paramGroups: ReadonlyMap<string, ParamGroup>;
  private readonly rotary: RotaryTables;
  private readonly causalMask: tf.Tensor2D;

  /** `seed` picks the initial weights (init.ts); a loaded checkpoint overwrites them. */
  constructor(config: ModelConfig, seed: number) {
    const { dims, seqLen } = config;
    if (!Number.isInteger(seqLen) || seqLen < 1) throw new RangeError(`seqLen must be a positive integer, got ${seqLen}`);
    this.config = config;
    this.params = new Map();
    const specs = paramSpecs(dims);
    for (const { name, shape, init } of specs) {
      const initial = tf.tensor2d(initValues(seed, name, shape[0] * shape[1], init), shape);
      this.params.set(name, tf.variable(initial, true));
      initial.dispose();
    }
    this.paramGroups = new Map(specs.map(({ name, group }) => [name, group]));
    // Constants live as long as the model; keep() protects them from a caller's enclosing tidy.
    const tables = rotaryTables(seqLen, dims.headDim, config.ropeBase);
    this.rotary = { cos: tf.keep(tables.cos), sin: tf.keep(tables.sin), rotateHalf: tf.keep(tables.rotateHalf) };
    this.causalMask = tf.keep(
      tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([seqLen, seqLen]), -1, 0)), MASKED_SCORE)),
    ) as tf.Tensor2D;
  }

  get dims(): ModelDims {
    return this.config.dims;
  }

  get seqLen(): number {
    return this.config.seqLen;
  }

  private param(name: string): tf.Variable {
    const p = this.params.get(name);
    if (!p) throw new Error(`no parameter ${name}`);
    return p;
  }

  private blockParam(layer: number, param: BlockParam): tf.Variable {
    return this.param(blockParamName(layer, param));
  }

  /**
   * Final normalised hidden states [B·T, d] for int32 tokens [B, T] placed after the `past` positions
   * (none for a full pass), and every layer's keys and values including the past ones (decodeStep's cache).
   */
  private hidden(tokens: tf.Tensor2D, past: readonly LayerKv[] | null = null): { x: tf.Tensor2D; kv: LayerKv[] } {
    const [batch, time] = tokens.shape;
    const offset = past ? past[0]!.k.shape[2] : 0;
    if (offset + time > this.seqLen) throw new RangeError(`sequence length ${offset + time} exceeds the model's seqLen ${this.seqLen}`);
    const positions: Positions = {
      cos: tf.slice(this.rotary.cos, [offset, 0], [time, -1]),
      sin: tf.slice(this.rotary.sin, [offset, 0], [time, -1]),
      mask: tf.slice(this.causalMask, [offset, 0], [time, offset + time]),
    };
    let x = rmsNorm(tf.gather(this.param('wte'), tf.reshape(tokens, [batch * time]))) as tf.Tensor2D;
    const kv: LayerKv[] = [];
    for (let i = 0; i < this.dims.depth; i++) {
      const attn = this.attention(rmsNorm(x), i, batch, time, positions, past?.[i] ?? null);
      kv.push(attn.kv);
      x = tf.add(x, attn.out);
      x = tf.add(x, this.mlp(rmsNorm(x), i));
    }
    return { x: rmsNorm(x), kv };
  }

  /** Attention of the T new positions over the `past` ones and themselves; also returns keys and values so far. */
  private attention(
    x: tf.Tensor2D,
    layer: number,
    batch: number,
    time: number,
    pos: Positions,
    past: LayerKv | null,
  ): { out: tf.Tensor2D; kv: LayerKv } {
    const { nHead: h, headDim: hd, dModel: d } = this.dims;
    const p = (w: 'q' | 'k' | 'v' | 'proj') => this.blockParam(layer, `attn.${w}`);
    // One [d, 3d] projection instead of three, then the layout [3·B, H, T, hd] (two rank-4 transposes: webgpu
    // shaders stop at rank 4): q, k and v become contiguous blocks, so slicing them apart is cheap everywhere.
    const qkv = matMul(x, tf.concat([p('q'), p('k'), p('v')], 1));
    const parts = tf.transpose(tf.reshape(qkv, [batch, time, 3, d]), [2, 0, 1, 3]);
    const heads = tf.transpose(tf.reshape(parts, [3 * batch, time, h, hd]), [0, 2, 1, 3]);
    // QK-norm and rotary on q and k together; RMSNorm commutes with the rotation, so the order is free.
    const qkRaw = tf.slice(heads, [0, 0, 0, 0], [2 * batch, h, time, hd]);
    const qk = applyRotary(rmsNorm(qkRaw), pos.cos, pos.sin, this.rotary.rotateHalf);
    const q = tf.slice(qk, [0, 0, 0, 0], [batch, h, time, hd]);
    const kNew = tf.slice(qk, [batch, 0, 0, 0], [batch, h, time, hd]);
    const vNew = tf.slice(heads, [2 * batch, 0, 0, 0], [batch, h, time, hd]);
    const k = past ? tf.concat([past.k, kNew], 2) : kNew;
    const v = past ? tf.concat([past.v, vNew], 2) : vNew;
    const scores = tf.add(matMul(tf.mul(q, 1 / Math.sqrt(hd)), transposeLast(k)), pos.mask);
    const mixed = matMul(tf.softmax(scores), v);
    const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [batch * time, d]) as tf.Tensor2D;
    return { out: matMul(merged, p('proj')), kv: { k: k as tf.Tensor4D, v: v as tf.Tensor4D } };
  }

  private mlp(x: tf.Tensor2D, layer: number): tf.Tensor2D {
    const up = tf.relu(matMul(x, this.blockParam(layer, 'mlp.fc')));
    return matMul(tf.square(up), this.blockParam(layer, 'mlp.proj'));
  }

  /** Softcapped logits [B·T, V]. */
  private cappedLogits2d(tokens: tf.Tensor2D): tf.Tensor2D {
    return softcap(matMul(this.hidden(tokens).x, this.param('lm_head')));
  }

  /** Logits [B, T, V] after the softcap 15·tanh(z/15). */
  logits(tokens: tf.Tensor2D): tf.Tensor3D {
    const [batch, time] = tokens.shape;
    return tf.tidy(() => tf.reshape(this.cappedLogits2d(tokens), [batch, time, this.dims.vocabSize]));
  }

  /**
   * Softcapped logits [B, V] of the last position only, for sampling: the lm_head (the largest matmul at
   * small depth) runs on B rows instead of B·T.
   */
  lastLogits(tokens: tf.Tensor2D): tf.Tensor2D {
    const [batch, time] = tokens.shape;
    return tf.tidy(() => this.lastRowLogits(this.hidden(tokens).x, batch, time));
  }

  /**
   * KV-cache decoding: softcapped logits [B, V] of the last of `tokens` [B, T], which sit right after the
   * `past` positions (null: none), and the keys and values of every position so far — the next call's
   * `past`. A prompt is one call (prefill), each further token one call with T = 1. The caller owns the
   * returned tensors; `past` is left alone.
   */
  decodeStep(tokens: tf.Tensor2D, past: readonly LayerKv[] | null): { logits: tf.Tensor2D; kv: LayerKv[] } {
    const [batch, time] = tokens.shape;
    return tf.tidy(() => {
      const { x, kv } = this.hidden(tokens, past);
      return { logits: this.lastRowLogits(x, batch, time), kv };
    });
  }

  private lastRowLogits(hidden: tf.Tensor2D, batch: number, time: number): tf.Tensor2D {
    const rows = tf.reshape(hidden, [batch, time, this.dims.dModel]);
    const last = tf.reshape(tf.slice(rows, [0, time - 1, 0], [batch, 1, -1]), [batch, this.dims.dModel]) as tf.Tensor2D;
    return softcap(matMul(last, this.param('lm_head')));
  }

  /** Nats per position [B, T]; a target of −1 is ignored (loss 0, no gradient). */
  tokenLosses(inputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor2D {
    const [batch, time] = inputs.shape;
    if (targets.shape[0] !== batch || targets.shape[1] !== time) {
      throw new RangeError(`targets shape [${targets.shape}] differs from inputs shape [${inputs.shape}]`);
    }
    return tf.tidy(() => {
      const flatTargets = tf.reshape(targets, [batch * time]) as tf.Tensor1D;
      const lmHead = this.param('lm_head');
      // Where the device's capabilities ask for it, softcap and cross-entropy as one fused op (softcap-cross-entropy.ts).
      const perRow = useFusedSoftcapCrossEntropy()
        ? (h: tf.Tensor2D, ids: tf.Tensor1D) => softcapCrossEntropy(matMul(h, lmHead), ids, SOFTCAP)
        : (h: tf.Tensor2D, ids: tf.Tensor1D) => boundedSparseCrossEntropy(softcap(matMul(h, lmHead)), ids);
      const hidden = this.hidden(inputs).x;
      return tf.reshape(mapRowChunks([hidden, flatTargets], this.logitRowsPerChunk(hidden.shape[0]), perRow), [batch, time]);
    });
  }

  /**
   * Rows of [rows, V] logits (and of their gradient) that fit the device's largest tensor: the lm_head,
   * softcap and cross-entropy run over chunks of this many rows (all rows where there is no limit).
   */
  private logitRowsPerChunk(rows: number): number {
    return rowsPerChunk(rows, this.dims.vocabSize, activeCapabilities().maxTensorBytes);
  }

  /**
   * Mean loss over the targets that are not ignored (0 when all are ignored). `supervised` (from
   * supervisedPositions) lists the flattened positions b·T + t whose target counts: the lm_head and the
   * cross-entropy then run on those rows only. Same value and gradients, but where most targets are
   * ignored (SFT trains on the plan, about a quarter of the tokens) it skips most of the largest matmul.
   * `bias` [supervised.length, V] is added to those rows' softcapped logits (a target restriction, see
   * train/target-restriction.ts).
   */
  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D, supervised?: tf.Tensor1D, bias?: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      if (supervised !== undefined) {
        const [batch, time] = inputs.shape;
        const rows = tf.gather(this.hidden(inputs).x, supervised) as tf.Tensor2D;
        const kept = tf.gather(tf.reshape(targets, [batch * time]), supervised) as tf.Tensor1D;
        const lmHead = this.param('lm_head');
        const chunkRows = this.logitRowsPerChunk(supervised.size);
        const losses =
          bias === undefined
            ? mapRowChunks([rows, kept], chunkRows, (h, ids) => boundedSparseCrossEntropy(softcap(matMul(h, lmHead)), ids))
            : mapRowChunks([rows, kept, bias], chunkRows, (h, ids, b) => boundedSparseCrossEntropy(tf.add(softcap(matMul(h, lmHead)), b), ids));
        return tf.div(tf.sum(losses), supervised.size) as tf.Scalar;
      }
      const counted = tf.sum(tf.cast(tf.greaterEqual(targets, 0), 'float32'));
      return tf.div(tf.sum(this.tokenLosses(inputs, targets)), tf.maximum(counted, 1)) as tf.Scalar;
    });
  }

  dispose(): void {
    for (const p of this.params.values()) p.dispose();
    this.params.clear();
    this.rotary.cos.dispose();
    this.rotary.sin.dispose();
    this.rotary.rotateHalf.dispose();
    this.causalMask.dispose();
  }
}
