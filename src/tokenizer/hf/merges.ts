/**
 * The merge list a BPE model needs, recovered from a tiktoken rank table (which stores only tokens).
 * For the token of rank r it is the pair tiktoken itself ends with when it encodes that token's bytes
 * using only the ranks below r: repeatedly join the adjacent pair whose concatenation has the lowest
 * rank. Listed in rank order, the pairs make a BPE model apply joins in tiktoken's order.
 */
export function mergesOfRanks(ranks: readonly Uint8Array[]): Array<[Uint8Array, Uint8Array]> {
  const key = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
  const rankOf = new Map(ranks.map((bytes, rank) => [key(bytes), rank]));
  const merges: Array<[Uint8Array, Uint8Array]> = [];
  for (let rank = 256; rank < ranks.length; rank++) {
    const parts = lastJoin(Array.from(ranks[rank]!, (b) => String.fromCharCode(b)), rankOf, rank);
    // A token tiktoken's join loop never assembles from its own bytes gets no merge: like tiktoken,
    // the model still produces it for a piece that is exactly that token (`ignore_merges`).
    if (parts.length === 2) merges.push([Buffer.from(parts[0]!, 'latin1'), Buffer.from(parts[1]!, 'latin1')]);
  }
  return merges;
}

/** tiktoken's join loop over latin1-keyed parts, restricted to ranks below `limit`. */
function lastJoin(parts: string[], rankOf: ReadonlyMap<string, number>, limit: number): string[] {
  for (;;) {
    let best = -1;
    let bestRank = limit;
    for (let i = 0; i + 1 < parts.length; i++) {
      const rank = rankOf.get(parts[i]! + parts[i + 1]!);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) return parts;
    parts.splice(best, 2, parts[best]! + parts[best + 1]!);
  }
}
