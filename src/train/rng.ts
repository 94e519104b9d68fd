/**
 * A tiny seeded PRNG (splitmix32) for data order. Its whole state is one uint32, so it is trivially
 * serialisable; the loader derives a fresh generator per (seed, epoch, group), which makes every order
 * a pure function of those numbers and a resumed run sees exactly the same documents.
 */
export class SplitMix32 {
  constructor(public state: number) {
    this.state = state >>> 0;
  }

  /** The next uint32. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform integer in [0, n), n ≤ 2^32 (rejection sampling: no modulo bias). */
  below(n: number): number {
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }
}

/** Mixes several integers into one seed. */
export function deriveSeed(...parts: number[]): number {
  const rng = new SplitMix32(0x6a09e667);
  let acc = 0;
  for (const p of parts) {
    rng.state = (rng.state ^ (p >>> 0)) >>> 0;
    acc = rng.nextU32();
  }
  return acc;
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new SplitMix32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}
