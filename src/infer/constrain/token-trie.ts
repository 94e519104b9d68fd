import { ByteTrie } from './byte-trie.js';
import { utf8Lead } from './utf8.js';

/** What the constraint needs to know of a tokenizer (CapTokenizer fits, with endId = specialId('<|assistant_end|>')). */
export interface ConstraintVocab {
  readonly vocabSize: number;
  tokenBytes(id: number): Uint8Array;
  /** The end-of-turn token: allowed exactly when the plan is complete. */
  readonly endId: number;
  /** Control tokens never appear inside a plan; all but endId are always masked out. */
  isSpecial?(id: number): boolean;
}

/**
 * Characters a token adds when it lies wholly inside a JSON string: it has no quote, backslash or
 * control byte and is whole UTF-8 characters. -1 for every other token.
 */
function plainStringChars(bytes: Uint8Array): number {
  let chars = 0;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b === 0x22 || b === 0x5c || b < 0x20) return -1;
    if (b < 0x80) {
      i++;
    } else {
      const lead = utf8Lead(b);
      if (!lead || i + lead.need >= bytes.length) return -1;
      const second = bytes[i + 1]!;
      if (second < lead.lo || second > lead.hi) return -1;
      for (let k = 2; k <= lead.need; k++) if (bytes[i + k]! < 0x80 || bytes[i + k]! > 0xbf) return -1;
      i += lead.need + 1;
    }
    chars++;
  }
  return chars;
}

/**
 * Everything about a vocabulary that masks need, computed once per tokenizer and shared by every
 * constraint: a byte trie of all ordinary tokens, and a split for the commonest state — inside a JSON
 * string — where "plain" tokens (see plainStringChars) are allowed exactly when their character count
 * fits the string's bound, so only the other tokens need walking (their own, much smaller trie).
 */
export class TokenTrie {
  readonly vocabSize: number;
  readonly endId: number;
  /** Longest token in bytes: how far one mask can look ahead (the cache horizon). */
  readonly maxTokenBytes: number;
  readonly all: ByteTrie;
  readonly nonPlain: ByteTrie;
  /** Plain token ids in ascending character count, and those counts. */
  readonly plainIds: Int32Array;
  readonly plainChars: Int32Array;
  private readonly bytes: (Uint8Array | null)[];

  constructor(vocab: ConstraintVocab) {
    this.vocabSize = vocab.vocabSize;
    this.endId = vocab.endId;
    if (!Number.isInteger(vocab.endId) || vocab.endId < 0 || vocab.endId >= vocab.vocabSize) {
      throw new Error(`end token id ${vocab.endId} is outside the vocabulary 0..${vocab.vocabSize - 1}`);
    }
    this.bytes = new Array<Uint8Array | null>(vocab.vocabSize).fill(null);
    const ordinary: { id: number; bytes: Uint8Array }[] = [];
    for (let id = 0; id < vocab.vocabSize; id++) {
      if (id === vocab.endId || vocab.isSpecial?.(id)) continue;
      const bytes = vocab.tokenBytes(id);
      if (bytes.length === 0) continue;
      this.bytes[id] = bytes;
      ordinary.push({ id, bytes });
    }
    this.maxTokenBytes = ordinary.reduce((max, t) => Math.max(max, t.bytes.length), 0);
    this.all = new ByteTrie(ordinary);
    const plain = ordinary.map((t) => ({ ...t, chars: plainStringChars(t.bytes) }));
    this.nonPlain = new ByteTrie(plain.filter((t) => t.chars < 0));
    const sorted = plain.filter((t) => t.chars >= 0).sort((a, b) => a.chars - b.chars || a.id - b.id);
    this.plainIds = Int32Array.from(sorted, (t) => t.id);
    this.plainChars = Int32Array.from(sorted, (t) => t.chars);
  }

  /** Bytes of an ordinary token; null for control tokens and the end token. */
  bytesOf(id: number): Uint8Array | null {
    return this.bytes[id] ?? null;
  }
}
