import { UserError } from '../errors.js';
import type { LockedDocument } from './lock.js';

type BookSource = NonNullable<LockedDocument['book']>;

function decodeStrict(raw: Uint8Array, encoding: BookSource['raw_encoding'], source: string): string {
  if (encoding === 'utf-8') {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
    } catch {
      throw new UserError(`${source}: not valid UTF-8`);
    }
  }
  if (encoding === 'ascii' && raw.some((b) => b > 0x7f)) throw new UserError(`${source}: not ASCII`);
  // Buffer's latin1 maps every byte to the code point of the same value, which is ISO-8859-1
  // (TextDecoder's 'iso-8859-1' label would silently mean windows-1252).
  return Buffer.from(raw).toString('latin1');
}

const isBlank = (line: string): boolean => line.trim() === '';

/**
 * Recreates a book's corpus text from its raw Project Gutenberg file, following the corpus's
 * recorded transform: decode strictly, drop a BOM, normalise line ends, keep the lines strictly
 * between the START and END markers, drop every paragraph (run of non-blank lines) that mentions
 * "gutenberg" or "pglaf", trim blank lines at both ends, end with one LF.
 */
export function bookTextFromRaw(raw: Uint8Array, book: BookSource, source: string): string {
  const text = decodeStrict(raw, book.raw_encoding, source).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === book.start_marker);
  const end = lines.findIndex((l, i) => i > start && l.trim() === book.end_marker);
  if (start < 0 || end < 0) throw new UserError(`${source}: START/END markers not found`);
  const body = lines.slice(start + 1, end);

  const kept: string[] = [];
  for (let i = 0; i < body.length; ) {
    if (isBlank(body[i]!)) {
      kept.push(body[i++]!);
      continue;
    }
    let j = i;
    while (j < body.length && !isBlank(body[j]!)) j++;
    const paragraph = body.slice(i, j);
    if (!/gutenberg|pglaf/i.test(paragraph.join('\n'))) kept.push(...paragraph);
    i = j;
  }
  while (kept.length && isBlank(kept[0]!)) kept.shift();
  while (kept.length && isBlank(kept.at(-1)!)) kept.pop();
  return kept.join('\n') + '\n';
}
