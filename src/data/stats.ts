import { readCorpus, type ReadCorpusOptions } from './corpus.js';

export interface SplitStats {
  segments: number;
  bytes: number;
  /** Per kind: segments and UTF-8 bytes. */
  kinds: Record<string, { segments: number; bytes: number }>;
}

/** Segment and byte counts of the installed corpus per split and kind. */
export function corpusStats(opts: Omit<ReadCorpusOptions, 'split'> = {}): Record<'train' | 'val', SplitStats> {
  const empty = (): SplitStats => ({ segments: 0, bytes: 0, kinds: {} });
  const stats = { train: empty(), val: empty() };
  for (const seg of readCorpus({ ...opts, split: 'all' })) {
    const bytes = Buffer.byteLength(seg.text, 'utf8');
    const s = stats[seg.split];
    const k = (s.kinds[seg.kind] ??= { segments: 0, bytes: 0 });
    s.segments++;
    s.bytes += bytes;
    k.segments++;
    k.bytes += bytes;
  }
  return stats;
}
