/**
 * Tokenized documents in groups (the jsonl corpus is one group, a parquet directory has one group
 * per shard). Documents are tokenized once and held as compact typed arrays.
 */
export type TokenArray = Uint16Array | Int32Array;

export interface TokenSource {
  readonly groupCount: number;
  /** Tokenized documents of group `index` (without BOS; empty documents already dropped). */
  group(index: number): Promise<readonly TokenArray[]>;
}

/** Encodes text into the smallest typed array that holds every id of the vocabulary. */
export function toTokenArray(ids: ArrayLike<number>, vocabSize: number): TokenArray {
  return vocabSize <= 0x10000 ? Uint16Array.from(ids) : Int32Array.from(ids);
}

/** A source over documents already in memory (one group per inner array). */
export function memoryTokenSource(groups: readonly (readonly TokenArray[])[]): TokenSource {
  return {
    groupCount: groups.length,
    group: async (index) => groups[index]!.filter((d) => d.length > 0),
  };
}

/**
 * A source that tokenizes each group's texts on first use and keeps only the most recent group
 * (a parquet shard can be large; the jsonl corpus is one group and so stays cached).
 */
export function lazyTokenSource(
  groupCount: number,
  texts: (index: number) => Promise<readonly string[]>,
  encode: (text: string) => TokenArray,
): TokenSource {
  let cached: { index: number; docs: TokenArray[] } | null = null;
  return {
    groupCount,
    async group(index) {
      if (cached?.index !== index) {
        const docs = (await texts(index)).map(encode).filter((d) => d.length > 0);
        cached = { index, docs };
      }
      return cached.docs;
    },
  };
}

/** What the trainer needs from a tokenizer (src/tokenizer/tokenizer.ts provides it). */
export interface TrainTokenizer {
  vocabSize: number;
  encode(text: string): number[] | Uint32Array;
  decode(ids: number[]): string;
  tokenBytes(id: number): Uint8Array;
  specialId(name: string): number;
  sha256?: string;
}
