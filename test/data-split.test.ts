import { describe, expect, it } from 'vitest';
import { isValSegment, segmentBook, segmentDocument } from '../src/data/split.js';

const rule = { segment_bytes: 100, buckets: 4 };
const paragraphs = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} with some words, caf\u00e9 \u2014 and more words.`);
const book = paragraphs.join('\n\n') + '\n';

describe('book segments', () => {
  const segs = segmentBook('gutenberg/x.txt', book, rule);

  it('are lossless and numbered', () => {
    expect(segs.map((s) => s.text).join('')).toBe(book);
    expect(segs.map((s) => s.id)).toEqual(segs.map((_, i) => `gutenberg/x.txt#${String(i).padStart(4, '0')}`));
    expect(segs.map((s) => s.index)).toEqual(segs.map((_, i) => i));
  });

  it('end on a paragraph break at or after segment_bytes, so the next starts a paragraph', () => {
    expect(segs.length).toBeGreaterThan(5);
    for (const s of segs.slice(0, -1)) {
      expect(Buffer.byteLength(s.text)).toBeGreaterThanOrEqual(rule.segment_bytes);
      expect(s.text.endsWith('\n\n')).toBe(true);
    }
    for (const s of segs.slice(1)) expect(s.text.startsWith('Paragraph ')).toBe(true);
  });

  it('leave other documents whole', () => {
    expect(segmentDocument({ id: 'a/b.capnp', kind: 'capnp', text: book }, rule)).toEqual([{ id: 'a/b.capnp', index: 0, text: book }]);
  });
});

describe('val buckets', () => {
  it('give exactly every buckets-th segment of a document to val, deterministically', () => {
    const val = Array.from({ length: 40 }, (_, i) => isValSegment('gutenberg/x.txt', i, rule));
    const first = val.indexOf(true);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(rule.buckets);
    expect(val).toEqual(val.map((_, i) => (i - first) % rule.buckets === 0));
    expect(Array.from({ length: 40 }, (_, i) => isValSegment('gutenberg/x.txt', i, rule))).toEqual(val);
  });

  it('put about 1/buckets of whole documents in val', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `repo/file${i}.capnp`);
    const share = ids.filter((id) => isValSegment(id, 0, rule)).length / ids.length;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.28);
  });
});
