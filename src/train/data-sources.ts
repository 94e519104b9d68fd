import { readCorpus, type CorpusSplit } from '../data/corpus.js';
import { UserError } from '../errors.js';
import { listParquetShards, readParquetTexts } from './parquet.js';
import { lazyTokenSource, toTokenArray, type TokenSource } from './token-source.js';

export interface DataSpec {
  corpus_dir: string;
  parquet_dir: string | null;
}

/** Token sources for training and validation, from the synced corpus or a parquet directory. */
export interface TrainData {
  train: TokenSource;
  val: TokenSource;
  description: string;
}

/** The synced jsonl corpus split (one group; tokenized once on first use). */
function corpusSource(dir: string, split: CorpusSplit, encode: (text: string) => number[] | Uint32Array, vocabSize: number): TokenSource {
  return lazyTokenSource(
    1,
    async () => [...readCorpus({ dir, split })].map((seg) => seg.text),
    (text) => toTokenArray(encode(text), vocabSize),
  );
}

/**
 * With `parquet_dir`, every shard but the last trains and the last is validation (nanochat's
 * convention); otherwise the corpus's pinned train/val split is used.
 */
export function openTrainData(
  spec: DataSpec,
  encode: (text: string) => number[] | Uint32Array,
  vocabSize: number,
): TrainData {
  if (spec.parquet_dir === null) {
    return {
      train: corpusSource(spec.corpus_dir, 'train', encode, vocabSize),
      val: corpusSource(spec.corpus_dir, 'val', encode, vocabSize),
      description: `corpus ${spec.corpus_dir}`,
    };
  }
  const shards = listParquetShards(spec.parquet_dir);
  if (shards.length < 2) {
    throw new UserError(
      `${spec.parquet_dir}: found ${shards.length} .parquet shard(s); need at least 2 (the last one is the validation shard)`,
    );
  }
  const trainShards = shards.slice(0, -1);
  const valShard = shards.at(-1)!;
  const tokenize = (text: string) => toTokenArray(encode(text), vocabSize);
  return {
    train: lazyTokenSource(trainShards.length, (i) => readParquetTexts(trainShards[i]!), tokenize),
    val: lazyTokenSource(1, () => readParquetTexts(valShard), tokenize),
    description: `parquet ${spec.parquet_dir} (${trainShards.length} train shards, validation ${valShard})`,
  };
}
