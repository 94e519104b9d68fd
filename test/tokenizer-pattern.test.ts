import { describe, expect, it } from 'vitest';
import { Tiktoken } from 'tiktoken/lite';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { RUNTIME_SPLIT_PATTERN, TRAINING_SPLIT_SOURCE, splitChunks } from '../src/tokenizer/pattern.js';
import { fixtureTexts } from './fixtures/tokenizer/fixture-tokenizer.js';

function* allCodePoints(): Generator<string> {
  for (let cp = 0; cp < 0x110000; cp++) if (cp < 0xd800 || cp > 0xdfff) yield String.fromCodePoint(cp);
}

/**
 * A tiktoken instance with the runtime pattern whose vocabulary is the 256 bytes plus every given
 * chunk. Encoding text whose runtime pieces are exactly those chunks gives one id per chunk; a piece
 * boundary inside a chunk makes that chunk's id impossible, so the id list exposes tiktoken's split.
 */
function chunkVocabEncoder(chunks: Iterable<string>): { tk: Tiktoken; idOf: (chunk: string) => number } {
  const ids = new Map<string, number>();
  let ranks = '';
  for (let b = 0; b < 256; b++) {
    ranks += `${Buffer.from([b]).toString('base64')} ${b}\n`;
    ids.set(Buffer.from([b]).toString('latin1'), b);
  }
  const byBytes = (chunk: string): string => Buffer.from(chunk, 'utf8').toString('latin1');
  for (const chunk of chunks) {
    const key = byBytes(chunk);
    if (ids.has(key)) continue;
    ids.set(key, ids.size);
    ranks += `${Buffer.from(chunk, 'utf8').toString('base64')} ${ids.size - 1}\n`;
  }
  return { tk: new Tiktoken(ranks, {}, RUNTIME_SPLIT_PATTERN), idOf: (chunk) => ids.get(byBytes(chunk))! };
}

const TRICKY = [
  "I'm sure you'll see they've done it; he'd say 'twas WE'RE and I'LL and ſ'ſ and 'S'D'M'T' ſtop",
  "'ſtop 'Stop 'stop 'LLama 'Very 'Remo 'tis 'dear",
  'numbers 1 12 123 1234 ١٢٣ ½ Ⅻ 3.14159 0x8f',
  'spaces  and\ttabs \t mixed   \n\n  \r\n\r\n trailing   ',
  'punct !!! ?!... ---  ***\n{"a":[1,2]}\n\n',
  'a \u0085\u0085 b c \ufeff\ufeff d \u0085\n\ufeff \u0085',
  'NEL\u0085here, BOM\ufeffthere, nbsp\u00a0x, ideographic\u3000y, line\u2028sep, para\u2029sep, zwsp\u200bz',
  'combining e\u0301 a\u0308 and Hangul 한국어 and Thai ภาษาไทย and Devanagari हिन्दी',
  'emoji 🚀🔒 👩‍💻 flags 🇩🇪 and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛',
  '\n', ' ', '', "'", "'s", 'x  ', '  x', '\r', '\r\r\n ',
];

describe('training split pattern (JS) vs runtime pattern (tiktoken, fancy-regex)', () => {
  it("rewrites (?i:[sdmt]|ll|ve|re) with exactly the Unicode simple case folds", () => {
    const ci = new RegExp("^'(?:[sdmt]|ll|ve|re)$", 'iu');
    const explicit = new RegExp(`^(?:${TRAINING_SPLIT_SOURCE.split('|[^')[0]})$`, 'u');
    const folds = [...allCodePoints()].filter((c) => /^[sdmtlver]$/iu.test(c));
    const mismatches: string[] = [];
    const check = (s: string): void => void (explicit.test(s) !== ci.test(s) && mismatches.push(s));
    for (const c of allCodePoints()) check(`'${c}`);
    for (const a of folds) for (const b of folds) check(`'${a}${b}`);
    expect(folds).toContain('\u017F');
    expect(mismatches).toEqual([]);
  });

  it('uses the Unicode White_Space set, as Rust regex \\s does', () => {
    const ws = [...allCodePoints()].filter((c) => /^\p{White_Space}$/u.test(c)).map((c) => c.codePointAt(0)!);
    // Unicode PropList.txt White_Space (stable since Unicode 6.3).
    const expected = [0x9, 0xa, 0xb, 0xc, 0xd, 0x20, 0x85, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];
    expect(ws).toEqual(expected);
  });

  it('splits losslessly', () => {
    for (const text of [...TRICKY, ...fixtureTexts()]) expect(splitChunks(text).join('')).toBe(text);
  });

  it('gives exactly the pieces the runtime tiktoken encoder uses', () => {
    const texts = [...TRICKY, ...fixtureTexts(), TRICKY.join('')];
    const { tk, idOf } = chunkVocabEncoder(texts.flatMap(splitChunks));
    try {
      for (const text of texts) {
        expect([...tk.encode_ordinary(text)], JSON.stringify(text)).toEqual(splitChunks(text).map(idOf));
      }
    } finally {
      tk.free();
    }
  });

  it('gives the same pieces as Hugging Face tokenizers (Oniguruma) with the runtime pattern', () => {
    const hf = HfTokenizer.fromString(
      JSON.stringify({
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: [],
        normalizer: null,
        pre_tokenizer: { type: 'Split', pattern: { Regex: RUNTIME_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        post_processor: null,
        decoder: null,
        model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: {}, merges: [] },
      }),
    );
    const pre = hf.getPreTokenizer()!;
    for (const text of [...TRICKY, ...fixtureTexts()]) {
      if (text === '') continue;
      expect(pre.preTokenizeString(text).map(([piece]) => piece), JSON.stringify(text)).toEqual(splitChunks(text));
    }
  });
});
