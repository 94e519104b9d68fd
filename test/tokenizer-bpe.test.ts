import { describe, expect, it } from 'vitest';
import { trainBpe } from '../src/tokenizer/bpe-trainer.js';

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/**
 * Reference BPE: recount every pair of every word before each merge (the naive algorithm), pick the
 * highest count, ties to the smallest (a, b). The trainer's incremental counts must agree with it.
 */
function naiveBpe(words: string[], weights: number[], maxMerges: number): Array<[number, number]> {
  const seqs = words.map((w) => [...enc(w)]);
  const merges: Array<[number, number]> = [];
  for (let id = 256; merges.length < maxMerges; id++) {
    const counts = new Map<string, number>();
    seqs.forEach((s, w) => {
      for (let i = 0; i + 1 < s.length; i++) counts.set(`${s[i]},${s[i + 1]}`, (counts.get(`${s[i]},${s[i + 1]}`) ?? 0) + weights[w]!);
    });
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [key, count] of counts) {
      const [a, b] = key.split(',').map(Number) as [number, number];
      if (count > bestCount || (count === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = count;
      }
    }
    if (!best) break;
    merges.push(best);
    for (const s of seqs) {
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === best[0] && s[i + 1] === best[1]) s.splice(i, 2, id);
    }
  }
  return merges;
}

/** A small deterministic pseudo-random corpus with repeats, overlaps ("aaaa") and multibyte text. */
function randomWords(seed: number, n: number): { words: string[]; weights: number[] } {
  let state = seed;
  const rand = (k: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % k;
  };
  const alphabet = ['a', 'b', 'c', 'ab', 'aa', ' ', 'é', 'x'];
  const words: string[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    let w = '';
    const len = 2 + rand(7);
    for (let j = 0; j < len; j++) w += alphabet[rand(alphabet.length)];
    words.push(w);
    weights.push(1 + rand(5));
  }
  return { words, weights };
}

describe('BPE trainer', () => {
  it('learns exactly the merges of the naive recount-everything algorithm', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { words, weights } = randomWords(seed, 60);
      const got = trainBpe(words.map(enc), weights, 40).merges;
      expect(got, `seed ${seed}`).toEqual(naiveBpe(words, weights, 40));
    }
  });

  it('counts overlapping pairs like the reference ("aaaa" has three (a,a) pairs, merges to two tokens)', () => {
    const model = trainBpe([enc('aaaa'), enc('ab')], [1, 1], 3);
    expect(model.merges).toEqual(naiveBpe(['aaaa', 'ab'], [1, 1], 3));
    // (a,a) counts 3 and goes first; then (256,256) and (a,b) tie at 1 and the smaller pair wins.
    expect(model.merges).toEqual([
      [97, 97],
      [97, 98],
      [256, 256],
    ]);
  });

  it('breaks ties by the smaller pair, independent of input order', () => {
    const a = trainBpe([enc('cd'), enc('ab'), enc('ba')], [1, 1, 1], 3).merges;
    const b = trainBpe([enc('ba'), enc('ab'), enc('cd')], [1, 1, 1], 3).merges;
    expect(a).toEqual([
      [97, 98],
      [98, 97],
      [99, 100],
    ]);
    expect(b).toEqual(a);
  });

  it('is deterministic: the same input gives the same merges and token bytes', () => {
    const { words, weights } = randomWords(7, 200);
    const one = trainBpe(words.map(enc), weights, 100);
    const two = trainBpe(words.map(enc), weights, 100);
    expect(two.merges).toEqual(one.merges);
    expect(two.tokenBytes).toEqual(one.tokenBytes);
  });

  it('weights count like repetitions', () => {
    const weighted = trainBpe([enc('xy'), enc('ab')], [3, 2], 2).merges;
    const repeated = trainBpe([enc('xy'), enc('xy'), enc('xy'), enc('ab'), enc('ab')], [1, 1, 1, 1, 1], 2).merges;
    expect(weighted).toEqual(repeated);
    expect(weighted[0]).toEqual([120, 121]);
  });

  it('stops early when no pair is left and keeps token bytes unique', () => {
    const model = trainBpe([enc('abc')], [1], 50);
    expect(model.merges.length).toBe(2);
    const keys = model.tokenBytes.map((b) => Buffer.from(b).toString('latin1'));
    expect(new Set(keys).size).toBe(keys.length);
    expect(Buffer.from(model.tokenBytes[257]!).toString()).toBe('abc');
  });
});
