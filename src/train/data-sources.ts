import { existsSync, statSync } from 'node:fs';
import { readCorpus, type CorpusSplit } from '../data/corpus.js';
import { loadCatalog } from '../data/catalog.js';
import { catalogDocuments } from '../data/catalog-docs.js';
import { UserError } from '../errors.js';
import { sha256FileSync } from '../util/hash.js';
import { listParquetShards, readParquetTexts } from './parquet.js';
import { lazyTokenSource, toTokenArray, type TokenSource } from './token-source.js';

export interface CatalogDataSpec {
  path: string;
  copies: number;
}

export interface DataSpec {
  corpus_dir: string;
  parquet_dir: string | null;
  /** Catalog documents added to the train split; null or absent: none. */
  catalog?: CatalogDataSpec | null;
}

/** Token sources for training and validation, from the synced corpus or a parquet directory. */
export interface TrainData {
  train: TokenSource;
  val: TokenSource;
  description: string;
  /** The catalog file the train documents were generated from, hashed when it was read (for the manifest). */
  catalog: { path: string; sha256: string } | null;
}

/** The catalog documents of a config, dealt into the train groups, and the hash of the catalog file read. */
interface CatalogGroups {
  path: string;
  sha256: string;
  /** groups[i]: the documents added to train group i. */
  groups: string[][];
  note: string;
}

/**
 * Deals the catalog documents round-robin into `groupCount` lists: each train group (the one corpus
 * group, or every parquet shard) gets its share, so the loader's document shuffle mixes them among
 * the corpus documents instead of leaving them as one block.
 */
function catalogGroups(spec: CatalogDataSpec, groupCount: number, source: string): CatalogGroups {
  if (!existsSync(spec.path) || !statSync(spec.path).isFile()) {
    throw new UserError(`${source}: field \`data.catalog.path\`: ${spec.path} is not a file`);
  }
  const sha256 = sha256FileSync(spec.path);
  const docs = catalogDocuments(loadCatalog(spec.path), { copies: spec.copies });
  const groups: string[][] = Array.from({ length: groupCount }, () => []);
  docs.forEach((doc, i) => groups[i % groupCount]!.push(doc));
  return { path: spec.path, sha256, groups, note: ` + catalog ${spec.path} × ${spec.copies} (${docs.length} documents)` };
}

/** The synced jsonl corpus split (one group; tokenized once on first use), with extra texts after it. */
function corpusSource(
  dir: string,
  split: CorpusSplit,
  encode: (text: string) => number[] | Uint32Array,
  vocabSize: number,
  extra: readonly string[] = [],
): TokenSource {
  return lazyTokenSource(
    1,
    async () => [...[...readCorpus({ dir, split })].map((seg) => seg.text), ...extra],
    (text) => toTokenArray(encode(text), vocabSize),
  );
}

/** With a parquet directory, every shard but the last trains and the last is validation (nanochat's convention). */
function parquetShards(dir: string): { train: string[]; val: string } {
  const shards = listParquetShards(dir);
  if (shards.length < 2) {
    throw new UserError(`${dir}: found ${shards.length} .parquet shard(s); need at least 2 (the last one is the validation shard)`);
  }
  return { train: shards.slice(0, -1), val: shards.at(-1)! };
}

/**
 * Train and validation sources from the parquet shards or else the corpus's pinned train/val split.
 * Catalog documents, when configured, join the train split only, so validation bpb stays comparable
 * across configs. `source` names the config in error messages.
 */
export function openTrainData(
  spec: DataSpec,
  encode: (text: string) => number[] | Uint32Array,
  vocabSize: number,
  source = 'config',
): TrainData {
  const parquet = spec.parquet_dir === null ? null : parquetShards(spec.parquet_dir);
  const catalog = spec.catalog ? catalogGroups(spec.catalog, parquet?.train.length ?? 1, source) : null;
  const catalogInput = catalog && { path: catalog.path, sha256: catalog.sha256 };
  if (parquet === null) {
    return {
      train: corpusSource(spec.corpus_dir, 'train', encode, vocabSize, catalog?.groups[0]),
      val: corpusSource(spec.corpus_dir, 'val', encode, vocabSize),
      description: `corpus ${spec.corpus_dir}${catalog?.note ?? ''}`,
      catalog: catalogInput,
    };
  }
  const tokenize = (text: string) => toTokenArray(encode(text), vocabSize);
  return {
    train: lazyTokenSource(
      parquet.train.length,
      async (i) => [...(await readParquetTexts(parquet.train[i]!)), ...(catalog?.groups[i] ?? [])],
      tokenize,
    ),
    val: lazyTokenSource(1, () => readParquetTexts(parquet.val), tokenize),
    description: `parquet ${spec.parquet_dir} (${parquet.train.length} train shards, validation ${parquet.val})${catalog?.note ?? ''}`,
    catalog: catalogInput,
  };
}
