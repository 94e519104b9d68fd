/**
 * The model's parameters, declared once: name, shape, optimizer group and initialisation. The model
 * creates its weights from this list, and the optimizer split, the parameter counts and the memory and FLOP
 * estimates are read off it, so a new parameter is added here (and used in gpt.ts) and nowhere else.
 * Pure arithmetic, like dims.ts: `capplan model info` counts d26 without allocating it.
 */
import type { ModelDims } from './dims.js';
import type { InitSpec } from './init.js';

/**
 * Which optimizer and learning rate a parameter gets (train/optim/optimizers.ts): AdamW with embedding_lr
 * for the token embedding, AdamW with unembedding_lr for the lm_head, Muon with matrix_lr for the
 * block matrices.
 */
export type ParamGroup = 'embedding' | 'unembedding' | 'matrix';
export const PARAM_GROUPS: readonly ParamGroup[] = ['embedding', 'unembedding', 'matrix'];

export interface ParamSpec {
  name: string;
  /** Weights are stored x·W: [fanIn, fanOut] for the matrices, [vocab, d] for the embedding table. */
  shape: [number, number];
  group: ParamGroup;
  init: InitSpec;
}

/** Block i's parameters are named h.{i}.{param}, created in this order. */
export const BLOCK_PARAMS = ['attn.q', 'attn.k', 'attn.v', 'attn.proj', 'mlp.fc', 'mlp.proj'] as const;
export type BlockParam = (typeof BLOCK_PARAMS)[number];

export function blockParamName(layer: number, param: BlockParam): string {
  return `h.${layer}.${param}`;
}

/**
 * Every parameter in creation order: wte, h.0.* … h.{L−1}.*, lm_head (checkpoints and the gradient workers'
 * shared buffers rely on it). Initialisation (nanochat-like): embedding N(0, 1); lm_head N(0, 0.001) so the
 * first logits are near uniform; q, k, v and mlp.fc uniform(±√3/√d), i.e. std 1/√d, which keeps activations
 * O(1); both output projections zero, so a fresh block is the identity and each residual branch grows from
 * nothing.
 */
export function paramSpecs(dims: ModelDims): ParamSpec[] {
  const { dModel: d, mlpDim: m, vocabSize: v } = dims;
  const fanIn: InitSpec = { kind: 'uniform', bound: Math.sqrt(3 / d) };
  const zeros: InitSpec = { kind: 'zeros' };
  const block: Record<BlockParam, Pick<ParamSpec, 'shape' | 'init'>> = {
    'attn.q': { shape: [d, d], init: fanIn },
    'attn.k': { shape: [d, d], init: fanIn },
    'attn.v': { shape: [d, d], init: fanIn },
    'attn.proj': { shape: [d, d], init: zeros },
    'mlp.fc': { shape: [d, m], init: fanIn },
    'mlp.proj': { shape: [m, d], init: zeros },
  };
  const blocks = Array.from({ length: dims.depth }, (_, i) =>
    BLOCK_PARAMS.map((p): ParamSpec => ({ name: blockParamName(i, p), ...block[p], group: 'matrix' })),
  );
  return [
    { name: 'wte', shape: [v, d], group: 'embedding', init: { kind: 'normal', std: 1 } },
    ...blocks.flat(),
    { name: 'lm_head', shape: [d, v], group: 'unembedding', init: { kind: 'normal', std: 0.001 } },
  ];
}

/** Parameters per optimizer group (with the model's shapes: V·d each for embedding and lm_head, 12·d²·L of matrices). */
export function paramCountByGroup(dims: ModelDims): Record<ParamGroup, number> {
  const counts: Record<ParamGroup, number> = { embedding: 0, unembedding: 0, matrix: 0 };
  for (const { shape, group } of paramSpecs(dims)) counts[group] += shape[0] * shape[1];
  return counts;
}

/** All parameters: 2·V·d + 12·d²·L (no biases, no norm weights). */
export function paramCount(dims: ModelDims): number {
  const counts = paramCountByGroup(dims);
  return PARAM_GROUPS.reduce((total, group) => total + counts[group], 0);
}
