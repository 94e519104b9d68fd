import { UserError } from '../errors.js';
import { deriveSeed, seededPermutation } from '../util/prng.js';
import type { TokenArray, TokenSource } from './token-source.js';
import type { TargetRestriction } from './target-restriction.js';

/**
 * Where the loader stands: epoch, index into that epoch's group order, index into the group's
 * document order, and how many tokens of the current document (counting its BOS) are consumed.
 * Plain numbers: it goes into meta_<step>.json and a resumed loader continues from it exactly.
 */
export interface LoaderPosition {
  epoch: number;
  group: number;
  doc: number;
  offset: number;
}

export const START_POSITION: LoaderPosition = { epoch: 0, group: 0, doc: 0, offset: 0 };

export interface Batch {
  /** [rows × seqLen] row-major: row[:-1] of each packed row. */
  inputs: Int32Array;
  /** [rows × seqLen]: row[1:]. */
  targets: Int32Array;
  rows: number;
  seqLen: number;
  /** Which tokens each target's softmax ranges over (SFT: the decoder's choices, see sft/examples.ts); absent: the whole vocabulary. */
  restriction?: TargetRestriction;
}

export interface LoaderOptions {
  seqLen: number;
  bos: number;
  /** Seed of the document order; null keeps the source order (validation). */
  seed: number | null;
  position?: LoaderPosition;
  /** Stop after one pass instead of starting a new epoch (validation). */
  singlePass?: boolean;
}

/**
 * BOS-aligned packing: every document is [bos] + tokens, documents are laid end to end in a seeded
 * order and cut into rows of seqLen + 1 tokens. Every row starts with BOS: a row that begins in the
 * middle of a document gets a BOS inserted before the continuation (nothing is cropped away), so the
 * model always sees BOS at position 0, as at inference time.
 */
export class PackedLoader {
  private position: LoaderPosition;
  private docs: readonly TokenArray[] = [];
  private docOrder: Uint32Array = new Uint32Array(0);
  private groupOrder: Uint32Array = new Uint32Array(0);
  private groupOrderEpoch = -1;
  private loadedKey = '';
  private exhausted = false;

  constructor(
    private readonly source: TokenSource,
    private readonly opts: LoaderOptions,
  ) {
    if (source.groupCount === 0) throw new UserError('the training data has no documents');
    this.position = { ...(opts.position ?? START_POSITION) };
  }

  /** A copy of the current position (taken between batches, it resumes at the next batch). */
  getPosition(): LoaderPosition {
    return { ...this.position };
  }

  private order(n: number, ...seedParts: number[]): Uint32Array {
    return this.opts.seed === null ? seededIdentity(n) : seededPermutation(n, deriveSeed(this.opts.seed, ...seedParts));
  }

  /** Loads the group and orders for the current position, skipping empty groups and wrapping epochs. */
  private async settle(): Promise<boolean> {
    let emptyGroupsInARow = 0;
    for (;;) {
      const p = this.position;
      if (p.group >= this.source.groupCount) {
        if (this.opts.singlePass) return false;
        this.position = { epoch: p.epoch + 1, group: 0, doc: 0, offset: 0 };
        continue;
      }
      const key = `${p.epoch}/${p.group}`;
      if (key !== this.loadedKey) {
        if (this.groupOrderEpoch !== p.epoch) {
          this.groupOrder = this.order(this.source.groupCount, p.epoch);
          this.groupOrderEpoch = p.epoch;
        }
        const groupIndex = this.groupOrder[p.group]!;
        this.docs = await this.source.group(groupIndex);
        this.docOrder = this.order(this.docs.length, p.epoch, groupIndex + 1);
        this.loadedKey = key;
      }
      if (p.doc < this.docs.length) return true;
      if (this.docs.length === 0 && ++emptyGroupsInARow > this.source.groupCount) {
        throw new UserError('the training data has no documents with any tokens');
      }
      this.position = { epoch: p.epoch, group: p.group + 1, doc: 0, offset: 0 };
    }
  }

  /** The next packed row of seqLen + 1 tokens, or null when a single pass is exhausted. */
  async nextRow(): Promise<Int32Array | null> {
    if (this.exhausted) return null;
    const width = this.opts.seqLen + 1;
    const row = new Int32Array(width);
    let fill = 0;
    while (fill < width) {
      if (!(await this.settle())) {
        this.exhausted = true;
        // A partial last row of a single pass is dropped: evaluation uses whole rows only.
        return null;
      }
      const p = this.position;
      const doc = this.docs[this.docOrder[p.doc]!]!;
      if (p.offset === 0 || fill === 0) {
        row[fill++] = this.opts.bos;
        if (p.offset === 0) p.offset = 1;
        continue;
      }
      // offset counts the document's BOS, so token i of the document is at offset i + 1.
      const take = Math.min(doc.length - (p.offset - 1), width - fill);
      row.set(doc.subarray(p.offset - 1, p.offset - 1 + take), fill);
      fill += take;
      p.offset += take;
      if (p.offset - 1 >= doc.length) {
        p.doc += 1;
        p.offset = 0;
      }
    }
    return row;
  }

  /** The next `rows` rows as inputs/targets, or null when a single pass cannot fill the batch. */
  async nextBatch(rows: number): Promise<Batch | null> {
    const T = this.opts.seqLen;
    const inputs = new Int32Array(rows * T);
    const targets = new Int32Array(rows * T);
    for (let r = 0; r < rows; r++) {
      const row = await this.nextRow();
      if (!row) return null;
      inputs.set(row.subarray(0, T), r * T);
      targets.set(row.subarray(1), r * T);
    }
    return { inputs, targets, rows, seqLen: T };
  }
}

function seededIdentity(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
