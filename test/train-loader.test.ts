import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { openTrainData } from '../src/train/data-sources.js';
import { PackedLoader, START_POSITION, type LoaderPosition } from '../src/train/loader.js';
import { listParquetShards, readParquetTexts } from '../src/train/parquet.js';
import { memoryTokenSource, type TokenArray } from '../src/train/token-source.js';
import { byteTokenizer, encodeDocs, SAMPLE_TEXTS, tempDirs } from './helpers/train-fixtures.js';
import { writeParquet } from './helpers/parquet-writer.js';

const BOS = 256;
const T = 16;
const docs = encodeDocs(SAMPLE_TEXTS);

async function rows(loader: PackedLoader, n: number): Promise<Int32Array[]> {
  const out: Int32Array[] = [];
  for (let i = 0; i < n; i++) out.push((await loader.nextRow())!);
  return out;
}

/** The document stream [bos]+doc… in the given order, as the packer must lay it out. */
function stream(order: readonly TokenArray[]): number[] {
  return order.flatMap((d) => [BOS, ...d]);
}

describe('PackedLoader', () => {
  it('packs [bos]+doc end to end into rows of T+1 that all start with BOS, cropping nothing', async () => {
    const loader = new PackedLoader(memoryTokenSource([docs]), { seqLen: T, bos: BOS, seed: null, singlePass: true });
    const s = stream(docs);
    let ptr = 0;
    let count = 0;
    for (let row = await loader.nextRow(); row; row = await loader.nextRow()) {
      count++;
      expect(row.length).toBe(T + 1);
      expect(row[0]).toBe(BOS);
      if (s[ptr] === BOS) {
        // The row starts where a document begins: its own BOS.
        expect(Array.from(row)).toEqual(s.slice(ptr, ptr + T + 1));
        ptr += T + 1;
      } else {
        // The row continues a document: a BOS is inserted and nothing is skipped.
        expect(Array.from(row.subarray(1))).toEqual(s.slice(ptr, ptr + T));
        ptr += T;
      }
    }
    expect(count).toBeGreaterThan(5);
    // Only the last partial row of the single pass is dropped.
    expect(s.length - ptr).toBeLessThan(T + 1);
    expect(s.length - ptr).toBeGreaterThanOrEqual(0);
  });

  it('splits rows into inputs = row[:-1] and targets = row[1:]', async () => {
    const a = new PackedLoader(memoryTokenSource([docs]), { seqLen: T, bos: BOS, seed: 3 });
    const b = new PackedLoader(memoryTokenSource([docs]), { seqLen: T, bos: BOS, seed: 3 });
    const batch = (await a.nextBatch(3))!;
    const r = await rows(b, 3);
    for (let i = 0; i < 3; i++) {
      expect(Array.from(batch.inputs.subarray(i * T, (i + 1) * T))).toEqual(Array.from(r[i]!.subarray(0, T)));
      expect(Array.from(batch.targets.subarray(i * T, (i + 1) * T))).toEqual(Array.from(r[i]!.subarray(1)));
    }
  });

  it('orders documents deterministically from the seed, each once per epoch', async () => {
    const firstTokens = async (seed: number) => {
      const loader = new PackedLoader(memoryTokenSource([docs]), { seqLen: 500, bos: BOS, seed });
      const row = (await loader.nextRow())!;
      // Document starts are the BOSes; their first token identifies the document (all differ here).
      return Array.from(row)
        .map((t, i) => (t === BOS ? row[i + 1]! : -1))
        .filter((t) => t >= 0);
    };
    const a = await firstTokens(1);
    expect(await firstTokens(1)).toEqual(a);
    const orders = new Set<string>();
    for (let seed = 0; seed < 6; seed++) orders.add(JSON.stringify((await firstTokens(seed)).slice(0, 6)));
    expect(orders.size).toBeGreaterThan(1);
    expect(a.slice(0, 6).sort()).toEqual(docs.map((d) => d[0]!).sort());
  });

  it('resumes from a serialised position exactly, across epoch boundaries', async () => {
    const source = memoryTokenSource([docs.slice(0, 3), docs.slice(3)]);
    const straight = new PackedLoader(source, { seqLen: T, bos: BOS, seed: 11 });
    const all = await rows(straight, 40); // several epochs of these few documents
    const first = new PackedLoader(source, { seqLen: T, bos: BOS, seed: 11 });
    await rows(first, 17);
    const position = JSON.parse(JSON.stringify(first.getPosition())) as LoaderPosition;
    expect(position.epoch).toBeGreaterThanOrEqual(0);
    const resumed = new PackedLoader(source, { seqLen: T, bos: BOS, seed: 11, position });
    expect((await rows(resumed, 23)).map((r) => Array.from(r))).toEqual(all.slice(17).map((r) => Array.from(r)));
    expect(straight.getPosition().epoch).toBeGreaterThan(0);
  });

  it('rejects empty data with a clear error', async () => {
    expect(() => new PackedLoader(memoryTokenSource([]), { seqLen: T, bos: BOS, seed: 1 })).toThrow(UserError);
    const empty = new PackedLoader(memoryTokenSource([[new Uint16Array(0)]]), { seqLen: T, bos: BOS, seed: 1 });
    await expect(empty.nextRow()).rejects.toThrow(/no documents with any tokens/);
    expect(START_POSITION).toEqual({ epoch: 0, group: 0, doc: 0, offset: 0 });
  });
});

describe('parquet shards', () => {
  const dirs = tempDirs('parquet');
  afterAll(dirs.removeAll);
  const dir = dirs.make('shards');
  writeFileSync(join(dir, 'shard_00000.parquet'), writeParquet({ id: ['a', 'b'], text: ['first document', 'zweites Dokument ü'] }));
  writeFileSync(join(dir, 'shard_00001.parquet'), writeParquet({ id: ['c'], text: ['validation text'] }));
  writeFileSync(join(dir, 'notes.txt'), 'ignored');

  it('reads the text column of every shard in name order', async () => {
    const shards = listParquetShards(dir);
    expect(shards.map((s) => s.slice(dir.length + 1))).toEqual(['shard_00000.parquet', 'shard_00001.parquet']);
    expect(await readParquetTexts(shards[0]!)).toEqual(['first document', 'zweites Dokument ü']);
  });

  it('trains on all shards but the last and validates on the last', async () => {
    const tok = byteTokenizer();
    const data = openTrainData({ corpus_dir: 'unused', parquet_dir: dir }, tok.encode, tok.vocabSize);
    const train = await data.train.group(0);
    expect(train.map((d) => Buffer.from(d).toString('utf8'))).toEqual(['first document', 'zweites Dokument ü']);
    const val = await data.val.group(0);
    expect(val.map((d) => Buffer.from(d).toString('utf8'))).toEqual(['validation text']);
  });

  it('rejects a shard without a text column and a directory with fewer than two shards', async () => {
    const bad = dirs.make('bad');
    writeFileSync(join(bad, 'a.parquet'), writeParquet({ content: ['x'] }));
    await expect(readParquetTexts(join(bad, 'a.parquet'))).rejects.toThrow(/no `text` column/);
    const tok = byteTokenizer();
    expect(() => openTrainData({ corpus_dir: 'unused', parquet_dir: bad }, tok.encode, tok.vocabSize)).toThrow(
      /found 1 \.parquet shard\(s\); need at least 2/,
    );
    writeFileSync(join(bad, 'b.parquet'), 'not parquet at all');
    await expect(readParquetTexts(join(bad, 'b.parquet'))).rejects.toThrow(/cannot read parquet shard/);
  });
});
