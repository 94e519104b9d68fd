import { describe, expect, it } from 'vitest';
import { parseWith } from '../src/config/load.js';
import { SftConfigSchema } from '../src/sft/config.js';
import type { SftExample } from '../src/sft/examples.js';
import { rowsPerEpoch, SftPacker, type PackingMode } from '../src/sft/packing.js';
import { Prng } from '../src/util/prng.js';

const SEQ = 512;
const WIDTH = SEQ + 1;
const PAD = 0;

/** Example k is `length` copies of the id k + 1, so a row's runs of equal ids are its examples. */
function example(k: number, length: number): SftExample {
  return {
    tokens: new Int32Array(length).fill(k + 1),
    mask: new Uint8Array(length).fill(1),
    restriction: { codes: new Uint8Array(length), sets: [] },
  };
}

function examplesOfLengths(lengths: readonly number[]): SftExample[] {
  return lengths.map((n, k) => example(k, n));
}

/** Lengths like the plan set's: 60 to 500 tokens. */
function variedExamples(count: number, seed: number): SftExample[] {
  const rng = new Prng(seed);
  return examplesOfLengths(Array.from({ length: count }, () => 60 + rng.int(441)));
}

/** Every row of one pass, each as the examples it holds: [example index, tokens of it in the row]. */
function packedRows(examples: readonly SftExample[], packing: PackingMode, seed: number | null): Array<Array<[number, number]>> {
  const packer = new SftPacker(examples, { seqLen: SEQ, pad: PAD, seed, singlePass: true, packing });
  const rows: Array<Array<[number, number]>> = [];
  for (let row = packer.nextRow(); row !== null; row = packer.nextRow()) {
    // The row's seqLen inputs plus its last target (the token at position seqLen, if any) are its WIDTH tokens.
    const tokens = [...row.inputs, row.targets[SEQ - 1]! >= 0 ? row.targets[SEQ - 1]! : PAD];
    const runs: Array<[number, number]> = [];
    for (const id of tokens) {
      if (id === PAD) continue;
      const last = runs.at(-1);
      if (last && last[0] === id - 1) last[1] += 1;
      else runs.push([id - 1, 1]);
    }
    rows.push(runs);
  }
  return rows;
}

describe('best-fit SFT packing', () => {
  it('fills each row with the longest following example that fits, so fewer rows hold the same examples', () => {
    const pair = examplesOfLengths([300, 300, 200, 200]);
    // In order: [300] [300 200] [200]; best fit pairs each 300 with a 200.
    expect(packedRows(pair, 'in_order', null).map((r) => r.map(([k]) => k))).toEqual([[0], [1, 2], [3]]);
    expect(packedRows(pair, 'best_fit', null).map((r) => r.map(([k]) => k))).toEqual([[0, 2], [1, 3]]);

    const examples = variedExamples(600, 7);
    const tokens = examples.reduce((n, e) => n + e.tokens.length, 0);
    const inOrder = rowsPerEpoch(examples, SEQ, 1);
    const bestFit = rowsPerEpoch(examples, SEQ, 1, 'best_fit');
    expect(tokens / (inOrder * WIDTH)).toBeLessThan(0.8);
    expect(tokens / (bestFit * WIDTH)).toBeGreaterThan(0.95);
  });

  it('places every example once per epoch, whole, and ends a row only where the first example of the next row does not fit', () => {
    const examples = variedExamples(300, 11);
    const rows = packedRows(examples, 'best_fit', 5);
    const seen = rows.flat();
    expect(seen.map(([k]) => k).sort((a, b) => a - b)).toEqual(examples.map((_, k) => k));
    for (const [k, n] of seen) expect(n).toBe(examples[k]!.tokens.length);
    // The first example of the next row never fits in a row's rest: rows are full as far as the order allows.
    for (let r = 0; r + 1 < rows.length; r++) {
      const room = WIDTH - rows[r]!.reduce((n, [, len]) => n + len, 0);
      expect(rows[r + 1]![0]![1]).toBeGreaterThan(room);
    }
  });

  it('resumes bit for bit from a saved position, also across an epoch boundary', async () => {
    const examples = variedExamples(40, 3);
    const rowsOf = async (p: SftPacker, n: number) => Array.from((await p.nextBatch(n))!.inputs);
    const a = new SftPacker(examples, { seqLen: SEQ, pad: PAD, seed: 9, packing: 'best_fit' });
    await rowsOf(a, 7);
    const resumed = new SftPacker(examples, { seqLen: SEQ, pad: PAD, seed: 9, packing: 'best_fit', position: a.getPosition() });
    // 40 examples fill about 22 rows: 30 more rows cross into the second epoch's order.
    expect(await rowsOf(resumed, 30)).toEqual(await rowsOf(a, 30));
    expect(a.getPosition().epoch).toBe(1);
  });

  it('is a config choice: in_order when absent, an unknown mode names the field and the allowed values', () => {
    const optim = { device_batch_size: 1, total_batch_tokens: 512 };
    // Absent means in_order, and stays absent so recorded recipes keep their config digest.
    expect(parseWith(SftConfigSchema, { optim, steps: 1 }, 'sft.json').packing).toBeUndefined();
    expect(rowsPerEpoch(variedExamples(50, 2), SEQ, 1)).toBe(rowsPerEpoch(variedExamples(50, 2), SEQ, 1, 'in_order'));
    expect(() => parseWith(SftConfigSchema, { optim, steps: 1, packing: 'bestfit' }, 'sft.json')).toThrow(/packing.*in_order.*best_fit/);
  });
});
