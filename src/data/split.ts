import { sha256Hex } from '../util/hash.js';

/**
 * The train/val split rule. Books are cut into paragraph-aligned segments first; every other
 * document is one segment (index 0). Segment i of document d falls in bucket
 * (h(d) + i) mod `buckets`, h = first 32 bits of sha256(d); bucket 0 is val. Consecutive segments
 * walk through the buckets, so every book with at least `buckets` segments gives exactly every
 * `buckets`-th segment to val (a pure hash per segment left some books with no val text at all),
 * while short documents are bucketed by the hash of their id alone.
 */
export interface SplitRule {
  /** A book segment ends at the first paragraph break ("\n\n") at or after this many bytes. */
  segment_bytes: number;
  buckets: number;
}

export const DEFAULT_SPLIT_RULE: SplitRule = { segment_bytes: 65536, buckets: 12 };

export function describeSplitRule(rule: SplitRule): string {
  return (
    `books (kind "book") are cut into segments ending at the first "\\n\\n" at or after ${rule.segment_bytes} UTF-8 bytes ` +
    `(the following newlines stay with the segment), ids "<doc id>#NNNN" with 0-based index i; every other document is ` +
    `one segment with the document id and i = 0; segment i of document d is val iff ` +
    `(uint32(first 8 hex digits of sha256(d)) + i) mod ${rule.buckets} == 0`
  );
}

export function isValSegment(docId: string, index: number, rule: SplitRule): boolean {
  return (parseInt(sha256Hex(docId).slice(0, 8), 16) + index) % rule.buckets === 0;
}

export interface Segment {
  id: string;
  /** Position of the segment within its document (0 for a document that is not cut). */
  index: number;
  text: string;
}

export function segmentId(docId: string, index: number): string {
  return `${docId}#${String(index).padStart(4, '0')}`;
}

/** Cuts a book into paragraph-aligned segments whose concatenation is exactly the book. */
export function segmentBook(docId: string, text: string, rule: SplitRule): Segment[] {
  const bytes = Buffer.from(text, 'utf8');
  const segments: Segment[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.length;
    const br = bytes.indexOf('\n\n', start + rule.segment_bytes);
    if (br >= 0) {
      end = br + 2;
      while (end < bytes.length && bytes[end] === 0x0a) end++;
    }
    // Cutting right after an ASCII newline never splits a UTF-8 sequence.
    segments.push({ id: segmentId(docId, segments.length), index: segments.length, text: bytes.subarray(start, end).toString('utf8') });
    start = end;
  }
  return segments;
}

export function segmentDocument(doc: { id: string; text: string; kind: string }, rule: SplitRule): Segment[] {
  return doc.kind === 'book' ? segmentBook(doc.id, doc.text, rule) : [{ id: doc.id, index: 0, text: doc.text }];
}
