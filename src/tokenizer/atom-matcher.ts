import { isIdentifierChar, type ReservedAtom } from './reserved.js';

function bigram(first: number, second: number): number {
  return ((first & 0xff) << 8) | (second & 0xff);
}

interface TrieNode {
  children: Map<number, TrieNode>;
  /** Index of the atom ending here, or -1. */
  atom: number;
}

function newNode(): TrieNode {
  return { children: new Map(), atom: -1 };
}

/** Identifier test on the code point that starts (or, with `before`, ends) at a UTF-16 index. */
function identifierAt(text: string, index: number, before: boolean): boolean {
  if (index < 0 || index >= text.length) return false;
  const unit = text.charCodeAt(index);
  if (unit < 128) {
    return (unit >= 48 && unit <= 57) || (unit >= 65 && unit <= 90) || (unit >= 97 && unit <= 122) || unit === 95;
  }
  let start = index;
  if (before && unit >= 0xdc00 && unit <= 0xdfff && index > 0) {
    const high = text.charCodeAt(index - 1);
    if (high >= 0xd800 && high <= 0xdbff) start = index - 1;
  }
  return isIdentifierChar(String.fromCodePoint(text.codePointAt(start)!));
}

/**
 * Finds reserved atoms in text: leftmost, then longest match whose boundary rules hold. Everything
 * between matches is a "gap" that ordinary byte-level BPE encodes. Training and runtime encoding
 * both segment through this one class, so they agree on what BPE ever sees.
 */
export class AtomMatcher {
  private readonly root = newNode();
  /**
   * Fast reject before the trie walk: the first two UTF-16 units of every atom, hashed to their low
   * bytes (a false positive only costs a walk). Spaces start many atoms (" using"), so the first unit
   * alone would let nearly every word through.
   */
  private readonly startsAtom = new Uint8Array(65536);
  /** An atom one unit long cannot pass a two-unit filter; then the filter is off. */
  private readonly hasSingleUnitAtom: boolean;

  constructor(private readonly atoms: readonly ReservedAtom[]) {
    atoms.forEach((a, index) => {
      let node = this.root;
      for (let i = 0; i < a.text.length; i++) {
        const unit = a.text.charCodeAt(i);
        let next = node.children.get(unit);
        if (!next) node.children.set(unit, (next = newNode()));
        node = next;
      }
      node.atom = index;
      if (a.text.length > 1) this.startsAtom[bigram(a.text.charCodeAt(0), a.text.charCodeAt(1))] = 1;
    });
    this.hasSingleUnitAtom = atoms.some((a) => a.text.length === 1);
  }

  /**
   * Walks text once, calling `onGap(start, end)` for ordinary stretches (never empty) and
   * `onAtom(atomIndex)` for reserved atoms, in order.
   */
  scan(text: string, onGap: (start: number, end: number) => void, onAtom: (atomIndex: number) => void): void {
    let gapStart = 0;
    let i = 0;
    const n = text.length;
    const filter = !this.hasSingleUnitAtom;
    while (i < n) {
      if (filter && (i + 1 >= n || !this.startsAtom[bigram(text.charCodeAt(i), text.charCodeAt(i + 1))])) {
        i++;
        continue;
      }
      const found = this.longestAt(text, i);
      if (found < 0) {
        i++;
        continue;
      }
      if (gapStart < i) onGap(gapStart, i);
      onAtom(found);
      i += this.atoms[found]!.text.length;
      gapStart = i;
    }
    if (gapStart < n) onGap(gapStart, n);
  }

  /** The longest atom starting at `start` whose boundary rules hold there, or -1. */
  private longestAt(text: string, start: number): number {
    let identifierBefore: boolean | undefined;
    let node: TrieNode | undefined = this.root;
    let best = -1;
    for (let i = start; i < text.length; i++) {
      node = node.children.get(text.charCodeAt(i));
      if (!node) break;
      if (node.atom >= 0) {
        const a = this.atoms[node.atom]!;
        const okStart = !a.boundaryStart || !(identifierBefore ??= identifierAt(text, start - 1, true));
        const okEnd = !a.boundaryEnd || !identifierAt(text, i + 1, false);
        if (okStart && okEnd) best = node.atom;
      }
    }
    return best;
  }

  /** Splits text into ordinary gaps and atom indices, in order (used by training and tests). */
  segments(text: string): Array<string | number> {
    const out: Array<string | number> = [];
    this.scan(
      text,
      (s, e) => out.push(text.slice(s, e)),
      (index) => out.push(index),
    );
    return out;
  }
}
