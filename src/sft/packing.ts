import { UserError } from '../errors.js';
import type { Batch, LoaderPosition } from '../train/loader.js';
import type { BatchStream } from '../train/stage.js';
import { deriveSeed, seededPermutation } from '../util/prng.js';
import type { SftExample } from './examples.js';
import { RESTRICT } from '../train/target-restriction.js';

/** How examples fill rows (SftConfig.packing). */
export type PackingMode = 'in_order' | 'best_fit';

export interface PackerOptions {
  seqLen: number;
  /** in_order (default) lays examples end to end in the epoch's shuffled order; best_fit reorders them first (bestFitOrder). */
  packing?: PackingMode;
  /** Input id of the unused tail of a row (its targets are −1, so any id does). */
  pad: number;
  /** Seed of the example order (a fresh permutation per epoch); null keeps file order (validation). */
  seed: number | null;
  position?: LoaderPosition;
  /** Stop after one pass instead of starting a new epoch (validation). */
  singlePass?: boolean;
  /** Restrict each target's softmax as its example says (SftExample.restriction); these ids are the ones its "all but" leaves out. */
  excluded?: Int32Array;
}

/** Ignored target: no loss, no gradient (Gpt.tokenLosses). */
export const IGNORE = -1;

/**
 * Packs whole chat examples into rows of seqLen + 1 tokens, in a seeded order: examples are laid end to
 * end while they fit, the rest of the row is padding. An example never straddles two rows, so every one
 * is seen whole and starts with <|bos|>; attention stays causal across the examples of a row (as in
 * nanochat's packed SFT), which the model learns to ignore after each <|bos|>. Targets are the next
 * token where the example's loss mask is 1 (plan and <|assistant_end|>) and −1 everywhere else.
 *
 * Position = (epoch, index of the next unplaced example in that epoch's order); `group` and `offset` stay 0.
 * With best_fit packing that order is the shuffled one rearranged by bestFitOrder, so a position means the
 * same in both modes and a resumed run continues bit for bit.
 */
export class SftPacker implements BatchStream {
  private position: LoaderPosition;
  private order: Uint32Array = new Uint32Array(0);
  private orderEpoch = -1;

  constructor(
    private readonly examples: readonly SftExample[],
    private readonly opts: PackerOptions,
  ) {
    if (examples.length === 0) throw new UserError('the SFT data has no examples');
    const width = opts.seqLen + 1;
    if (examples.some((e) => e.tokens.length > width)) throw new Error(`an example is longer than seqLen + 1 = ${width}; crop it first`);
    this.position = { ...(opts.position ?? { epoch: 0, group: 0, doc: 0, offset: 0 }) };
  }

  getPosition(): LoaderPosition {
    return { ...this.position };
  }

  /** The example at the position, wrapping to the next epoch; null when a single pass is done. */
  private peek(): SftExample | null {
    if (this.position.doc >= this.examples.length) {
      if (this.opts.singlePass) return null;
      this.position = { epoch: this.position.epoch + 1, group: 0, doc: 0, offset: 0 };
    }
    if (this.orderEpoch !== this.position.epoch) {
      const shuffled = epochOrder(this.examples.length, this.opts.seed, this.position.epoch);
      this.order = this.opts.packing === 'best_fit' ? bestFitOrder(shuffled, this.examples, this.opts.seqLen + 1) : shuffled;
      this.orderEpoch = this.position.epoch;
    }
    return this.examples[this.order[this.position.doc]!]!;
  }

  /**
   * The next row as inputs and targets of seqLen each, or null when a single pass has nothing left;
   * also each target's restriction code and the choice sets its codes ≥ RESTRICT.firstSet point into.
   */
  nextRow(): { inputs: Int32Array; targets: Int32Array; codes: Int32Array; sets: Int32Array[] } | null {
    const T = this.opts.seqLen;
    const tokens = new Int32Array(T + 1).fill(this.opts.pad);
    const counted = new Uint8Array(T + 1);
    const codes = new Int32Array(T + 1);
    const sets: Int32Array[] = [];
    let fill = 0;
    for (let ex = this.peek(); ex !== null && fill + ex.tokens.length <= T + 1; ex = this.peek()) {
      tokens.set(ex.tokens, fill);
      counted.set(ex.mask, fill);
      const offset = sets.length;
      ex.restriction.codes.forEach((c, i) => (codes[fill + i] = c >= RESTRICT.firstSet ? c + offset : c));
      sets.push(...ex.restriction.sets);
      fill += ex.tokens.length;
      this.position.doc += 1;
    }
    if (fill === 0) return null;
    const targets = new Int32Array(T);
    for (let i = 0; i < T; i++) targets[i] = counted[i + 1] ? tokens[i + 1]! : IGNORE;
    return { inputs: tokens.subarray(0, T), targets, codes: codes.subarray(1), sets };
  }

  /** `rows` rows; a single pass that runs out returns the rows it has (null if none). */
  async nextBatch(rows: number): Promise<Batch | null> {
    const T = this.opts.seqLen;
    const inputs: Int32Array[] = [];
    const targets: Int32Array[] = [];
    const codes: Int32Array[] = [];
    const sets: Int32Array[] = [];
    for (let r = 0; r < rows; r++) {
      const row = this.nextRow();
      if (!row) break;
      inputs.push(row.inputs);
      targets.push(row.targets);
      // The row's set indices continue after those of the rows before it.
      const offset = sets.length;
      codes.push(row.codes.map((c) => (c >= RESTRICT.firstSet ? c + offset : c)));
      sets.push(...row.sets);
    }
    if (inputs.length === 0) return null;
    const width = countedWidth(targets, T);
    const flat = (parts: Int32Array[]) => {
      const out = new Int32Array(parts.length * width);
      parts.forEach((p, i) => out.set(p.subarray(0, width), i * width));
      return out;
    };
    const batch: Batch = { inputs: flat(inputs), targets: flat(targets), rows: inputs.length, seqLen: width };
    if (this.opts.excluded) batch.restriction = { codes: flat(codes), sets, excluded: this.opts.excluded };
    return batch;
  }
}

/**
 * Batch widths are multiples of this. Positions after a batch's last counted target only see (causally)
 * what comes before them and feed no loss, so dropping them leaves the loss and the gradients the same; at
 * a multiple of 32 every value that is kept also lands in the same SIMD lane of each reduction over
 * positions (the softmax over keys, the weight gradients' sums over rows), so they stay the same to the bit
 * (test/sft-trim.test.ts; at an arbitrary width they do not).
 */
export const WIDTH_ALIGN = 32;

/**
 * Columns a batch needs: through its last counted target (−1 everywhere after it), rounded up to
 * WIDTH_ALIGN, at most seqLen. Rows packed in order are ~73% full, so SFT steps compute on fewer positions.
 */
function countedWidth(targets: readonly Int32Array[], seqLen: number): number {
  let used = 0;
  for (const row of targets) {
    for (let i = row.length - 1; i >= used; i--) {
      if (row[i]! !== IGNORE) {
        used = i + 1;
        break;
      }
    }
  }
  return Math.min(seqLen, Math.ceil(Math.max(used, 1) / WIDTH_ALIGN) * WIDTH_ALIGN);
}

function epochOrder(n: number, seed: number | null, epoch: number): Uint32Array {
  if (seed !== null) return seededPermutation(n, deriveSeed(seed, epoch, 1));
  return Uint32Array.from({ length: n }, (_, i) => i);
}

/** How far ahead best_fit looks for an example that fills the rest of a row. */
export const BEST_FIT_WINDOW = 256;

/**
 * The shuffled order rearranged so that laying examples end to end fills rows better: each row starts with
 * the earliest example not yet placed, then repeatedly takes the longest of the next BEST_FIT_WINDOW unplaced
 * examples that still fits. A row ends when none of them fits, so the next row's first example does not fit
 * either and the packer's in-order fill cuts rows exactly where this plan does. Order stays close to the
 * shuffle (an example moves up at most a window), and every example is still seen once per epoch.
 */
export function bestFitOrder(order: Uint32Array, examples: readonly SftExample[], width: number): Uint32Array {
  const out = new Uint32Array(order.length);
  const placed = new Uint8Array(order.length);
  let written = 0;
  let head = 0;
  while (written < order.length) {
    while (placed[head]) head += 1;
    placed[head] = 1;
    out[written++] = order[head]!;
    let room = width - examples[order[head]!]!.tokens.length;
    for (;;) {
      let best = -1;
      let bestLength = 0;
      for (let i = head + 1, seen = 0; i < order.length && seen < BEST_FIT_WINDOW; i++) {
        if (placed[i]) continue;
        seen += 1;
        const length = examples[order[i]!]!.tokens.length;
        if (length <= room && length > bestLength) [best, bestLength] = [i, length];
      }
      if (best < 0) break;
      placed[best] = 1;
      out[written++] = order[best]!;
      room -= bestLength;
    }
  }
  return out;
}

/** Rows one epoch fills (epoch 0's order): sizes the schedule when the config asks for epochs. */
export function rowsPerEpoch(examples: readonly SftExample[], seqLen: number, seed: number, packing: PackingMode = 'in_order'): number {
  const packer = new SftPacker(examples, { seqLen, pad: 0, seed, singlePass: true, packing });
  let rows = 0;
  while (packer.nextRow()) rows += 1;
  return rows;
}
