/**
 * Byte-level BPE training over weighted pre-tokenized chunks.
 *
 * Each unique chunk ("word") is counted once with its frequency. Pair counts are updated
 * incrementally: merging pair (a,b) only revisits the words recorded as containing it, subtracting
 * their old pairs and adding their new ones. The best pair comes from a max-heap with lazy refresh:
 * an entry whose recorded count is stale is re-pushed with the current count when it surfaces.
 * Ties go to the smaller pair (a, then b), so the same input always gives the same merges.
 */

/** Ids < 2^20 keep the integer pair key exact in a double and ordered like (a, b). */
const PAIR_SHIFT = 1048576;
export const MAX_TRAINER_VOCAB = PAIR_SHIFT;

export interface BpeModel {
  /** merges[i] = [a, b]: token 256 + i (in creation order) is the concatenation of a and b. */
  merges: Array<[number, number]>;
  /** Bytes of every token: 0..255 single bytes, then one per merge. */
  tokenBytes: Uint8Array[];
}

export interface TrainProgress {
  merges: number;
  target: number;
}

class GrowableIntList {
  data = new Int32Array(4);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  last(): number {
    return this.length ? this.data[this.length - 1]! : -1;
  }
}

/** Max-heap of (count, pair) ordered by count desc, then pair key asc. */
class PairHeap {
  private counts: number[] = [];
  private pairs: number[] = [];
  constructor(private readonly pairKey: (p: number) => number) {}

  get size(): number {
    return this.counts.length;
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    if (ci !== cj) return ci > cj;
    return this.pairKey(this.pairs[i]!) < this.pairKey(this.pairs[j]!);
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i]!;
    this.counts[i] = this.counts[j]!;
    this.counts[j] = c;
    const p = this.pairs[i]!;
    this.pairs[i] = this.pairs[j]!;
    this.pairs[j] = p;
  }

  push(count: number, pair: number): void {
    this.counts.push(count);
    this.pairs.push(pair);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  topCount(): number {
    return this.counts[0]!;
  }

  topPair(): number {
    return this.pairs[0]!;
  }

  pop(): void {
    const lastCount = this.counts.pop()!;
    const lastPair = this.pairs.pop()!;
    if (this.counts.length === 0) return;
    this.counts[0] = lastCount;
    this.pairs[0] = lastPair;
    const n = this.counts.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n && this.before(l, best)) best = l;
      if (r < n && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
  }
}

/**
 * Learns up to `maxMerges` merges from weighted byte sequences (one per unique chunk). Stops early
 * when no pair occurs any more. If a merge would recreate the bytes of an existing token, that token
 * is reused (the merge still rewrites words, but takes no new id), so token bytes stay unique as the
 * tiktoken rank format requires.
 */
export function trainBpe(
  words: readonly Uint8Array[],
  weights: ArrayLike<number>,
  maxMerges: number,
  onProgress?: (p: TrainProgress) => void,
): BpeModel {
  const tokenBytes: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  const idByBytes = new Map<string, number>(tokenBytes.map((bytes, id) => [Buffer.from(bytes).toString('latin1'), id]));
  const merges: Array<[number, number]> = [];

  // Flat storage of word symbols; each word shrinks in place as merges apply.
  let total = 0;
  for (const w of words) total += w.length;
  const symbols = new Int32Array(total);
  const wordStart = new Int32Array(words.length);
  const wordLen = new Int32Array(words.length);
  let offset = 0;
  words.forEach((w, i) => {
    wordStart[i] = offset;
    wordLen[i] = w.length;
    symbols.set(w, offset);
    offset += w.length;
  });

  // Pair table: key a*2^20+b → dense pair index; per pair its count and the words containing it.
  const pairIndex = new Map<number, number>();
  const pairKeys: number[] = [];
  const pairCounts: number[] = [];
  const pairWords: GrowableIntList[] = [];
  const pairOf = (a: number, b: number): number => {
    const key = a * PAIR_SHIFT + b;
    let p = pairIndex.get(key);
    if (p === undefined) {
      p = pairKeys.length;
      pairIndex.set(key, p);
      pairKeys.push(key);
      pairCounts.push(0);
      pairWords.push(new GrowableIntList());
    }
    return p;
  };

  for (let w = 0; w < words.length; w++) {
    const s = wordStart[w]!;
    const weight = weights[w]!;
    for (let i = s; i < s + wordLen[w]! - 1; i++) {
      const p = pairOf(symbols[i]!, symbols[i + 1]!);
      pairCounts[p]! += weight;
      if (pairWords[p]!.last() !== w) pairWords[p]!.push(w);
    }
  }

  const heap = new PairHeap((p) => pairKeys[p]!);
  for (let p = 0; p < pairKeys.length; p++) if (pairCounts[p]! > 0) heap.push(pairCounts[p]!, p);

  // Words already rewritten for the current merge (a word may be listed twice for one pair).
  const visitedAt = new Int32Array(words.length).fill(-1);
  const createdPairs: number[] = [];
  let nextId = 256;

  for (let m = 0, step = 0; m < maxMerges && heap.size > 0; step++) {
    const count = heap.topCount();
    const p = heap.topPair();
    heap.pop();
    const current = pairCounts[p]!;
    if (count !== current) {
      if (current > 0) heap.push(current, p);
      continue;
    }
    if (current <= 0) break;

    const key = pairKeys[p]!;
    const a = Math.floor(key / PAIR_SHIFT);
    const b = key - a * PAIR_SHIFT;
    const joined = new Uint8Array(tokenBytes[a]!.length + tokenBytes[b]!.length);
    joined.set(tokenBytes[a]!);
    joined.set(tokenBytes[b]!, tokenBytes[a]!.length);
    const joinedKey = Buffer.from(joined).toString('latin1');
    let id = idByBytes.get(joinedKey);
    if (id === undefined) {
      id = nextId++;
      idByBytes.set(joinedKey, id);
      tokenBytes.push(joined);
      merges.push([a, b]);
      m++;
      onProgress?.({ merges: m, target: maxMerges });
    }

    createdPairs.length = 0;
    const list = pairWords[p]!;
    for (let k = 0; k < list.length; k++) {
      const w = list.data[k]!;
      if (visitedAt[w] === step) continue;
      visitedAt[w] = step;
      rewriteWord(w, a, b, id);
    }
    pairWords[p] = new GrowableIntList();
    pairCounts[p] = 0;
    for (const q of createdPairs) if (pairCounts[q]! > 0) heap.push(pairCounts[q]!, q);
  }

  /** Replaces (a,b) by `id` in word w, moving the word's pair counts from old pairs to new ones. */
  function rewriteWord(w: number, a: number, b: number, id: number): void {
    const s = wordStart[w]!;
    const len = wordLen[w]!;
    let found = false;
    for (let i = s; i < s + len - 1; i++) {
      if (symbols[i] === a && symbols[i + 1] === b) {
        found = true;
        break;
      }
    }
    if (!found) return;
    const weight = weights[w]!;
    for (let i = s; i < s + len - 1; i++) pairCounts[pairOf(symbols[i]!, symbols[i + 1]!)]! -= weight;
    let out = s;
    for (let i = s; i < s + len; i++) {
      if (i < s + len - 1 && symbols[i] === a && symbols[i + 1] === b) {
        symbols[out++] = id;
        i++;
      } else {
        symbols[out++] = symbols[i]!;
      }
    }
    const newLen = out - s;
    wordLen[w] = newLen;
    for (let i = s; i < s + newLen - 1; i++) {
      const x = symbols[i]!;
      const y = symbols[i + 1]!;
      const q = pairOf(x, y);
      pairCounts[q]! += weight;
      if (x === id || y === id) {
        if (pairWords[q]!.last() !== w) pairWords[q]!.push(w);
        createdPairs.push(q);
      }
    }
  }

  return { merges, tokenBytes };
}
