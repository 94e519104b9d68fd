import type { AtomMatcher } from './atom-matcher.js';
import { trainingSplitRegex } from './pattern.js';

/** A training text counted `weight` times (integer), as if it occurred that often. */
export interface WeightedText {
  text: string;
  weight: number;
}

/**
 * Counts the pre-tokenized chunks BPE trains on: reserved atoms are cut out first (they are never
 * merged with their neighbours), then each gap is split with the training regex — exactly how the
 * runtime encoder segments text before tiktoken sees it.
 */
export function countTrainingChunks(texts: Iterable<WeightedText>, matcher: AtomMatcher): Map<string, number> {
  const counts = new Map<string, number>();
  const re = trainingSplitRegex();
  for (const { text, weight } of texts) {
    matcher.scan(
      text,
      (start, end) => {
        const chunks = text.slice(start, end).match(re);
        if (chunks === null) return;
        for (const chunk of chunks) counts.set(chunk, (counts.get(chunk) ?? 0) + weight);
      },
      () => {},
    );
  }
  return counts;
}

/** UTF-8 bytes and weights of the unique chunks (chunks of one byte have no pair to merge and are dropped). */
export function chunkWords(counts: Map<string, number>): { words: Uint8Array[]; weights: Float64Array } {
  const words: Uint8Array[] = [];
  const weights: number[] = [];
  for (const [chunk, count] of counts) {
    const bytes = Buffer.from(chunk, 'utf8');
    if (bytes.length < 2) continue;
    words.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    weights.push(count);
  }
  return { words, weights: Float64Array.from(weights) };
}
