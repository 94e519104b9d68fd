/**
 * Well-formed UTF-8 (RFC 3629) one byte at a time, so a token that ends inside a character leaves the
 * automaton waiting for exactly the continuation bytes that complete it: no overlong forms, no
 * surrogates, nothing above U+10FFFF.
 */
export interface Utf8Pending {
  /** Continuation bytes still needed. */
  need: number;
  /** Inclusive range of the next continuation byte. */
  lo: number;
  hi: number;
}

/** The pending state after lead byte `b` (0x80 and above), or null when `b` cannot start a character. */
export function utf8Lead(b: number): Utf8Pending | null {
  if (b >= 0xc2 && b <= 0xdf) return { need: 1, lo: 0x80, hi: 0xbf };
  if (b === 0xe0) return { need: 2, lo: 0xa0, hi: 0xbf };
  if (b === 0xed) return { need: 2, lo: 0x80, hi: 0x9f };
  if (b >= 0xe1 && b <= 0xef) return { need: 2, lo: 0x80, hi: 0xbf };
  if (b === 0xf0) return { need: 3, lo: 0x90, hi: 0xbf };
  if (b === 0xf4) return { need: 3, lo: 0x80, hi: 0x8f };
  if (b >= 0xf1 && b <= 0xf3) return { need: 3, lo: 0x80, hi: 0xbf };
  return null;
}

/** The pending state after continuation byte `b`, or null when `b` does not fit. */
export function utf8Continue(p: Utf8Pending, b: number): Utf8Pending | null {
  if (b < p.lo || b > p.hi) return null;
  return { need: p.need - 1, lo: 0x80, hi: 0xbf };
}

export function utf8Key(p: Utf8Pending | null): string {
  return p && p.need > 0 ? `u${p.need}.${p.lo}.${p.hi}` : '';
}
