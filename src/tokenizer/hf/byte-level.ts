/**
 * The byte → character table of byte-level BPE as Hugging Face `tokenizers` writes vocabularies and
 * merges (its ByteLevel pre-tokenizer and decoder use the same table): bytes that are printable
 * Latin-1 characters stand for themselves, the other 68 get the code points 256, 257, … in byte order.
 */
function buildTable(): readonly string[] {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : next++));
}

const BYTE_CHARS = buildTable();

/** A token's bytes as the string a byte-level vocabulary stores. */
export function byteLevelString(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_CHARS[b]!;
  return out;
}
