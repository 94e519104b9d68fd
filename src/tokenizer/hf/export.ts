import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeManifest } from '../../provenance/manifest.js';
import { buildDirAtomic } from '../../util/atomic.js';
import { parseRanks, RANKS_FILE, TOKENIZER_FILE, type TokenizerFile } from '../format.js';
import { loadTokenizer } from '../tokenizer.js';
import { atomBoundaryNormalizer, MARK, TAG } from './atom-boundaries.js';
import { byteLevelString } from './byte-level.js';
import { mergesOfRanks } from './merges.js';

/** The export lives in `<tokenizer>/hf/`, beside (not in) the capplan tokenizer's manifest. */
export const HF_EXPORT_DIR = 'hf';
export const HF_TOKENIZER_FILE = 'tokenizer.json';

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };

/**
 * capplan's tokenizer as a Hugging Face `tokenizer.json` that gives the same ids: the split pattern
 * (Oniguruma splits exactly as tiktoken's engine does, tested), byte-level BPE over the same ranks with
 * `ignore_merges` (tiktoken also takes a piece that is a whole token as that token), the reserved atoms
 * as normalized added tokens whose boundaries the normalizer marks (atom-boundaries.ts), and the
 * control tokens as special added tokens. Added tokens take consecutive ids after the BPE vocabulary
 * in the order listed, which is capplan's id order.
 */
export function hfTokenizerJson(info: TokenizerFile, ranks: readonly Uint8Array[]): string {
  const vocab = Object.fromEntries(ranks.map((bytes, rank) => [byteLevelString(bytes), rank]));
  const merges = mergesOfRanks(ranks).map(([a, b]) => `${byteLevelString(a)} ${byteLevelString(b)}`);
  const added = (id: number, content: string, special: boolean) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: !special,
    special,
  });
  const addedTokens = [
    ...info.reserved_atoms.map((a) => added(a.id, Object.hasOwn(vocab, a.text) ? a.text + TAG : a.text, false)),
    ...Object.entries(info.special_tokens).map(([name, id]) => added(id, name, true)),
  ].sort((a, b) => a.id - b.id);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: atomBoundaryNormalizer(info.reserved_atoms),
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'Split', pattern: { Regex: info.pattern }, behavior: 'Isolated', invert: false }, BYTE_LEVEL],
    },
    post_processor: null,
    // Added tokens decode as their normalized form (with marks).
    decoder: { type: 'Sequence', decoders: [...[MARK, TAG].map((c) => ({ type: 'Replace', pattern: { String: c }, content: '' })), BYTE_LEVEL] },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: true,
      vocab,
      merges,
    },
  };
  return JSON.stringify(tokenizer) + '\n';
}

/**
 * Writes `<tokenizerDir>/hf/` atomically: tokenizer.json and a manifest pinning the two capplan files
 * it was made from. Returns the path of the written tokenizer.json.
 */
export async function exportHfTokenizer(tokenizerDir: string): Promise<string> {
  const tokenizer = loadTokenizer(tokenizerDir);
  tokenizer.free();
  const ranksPath = join(tokenizerDir, RANKS_FILE);
  const json = hfTokenizerJson(tokenizer.info, parseRanks(readFileSync(ranksPath, 'utf8'), ranksPath));
  const outDir = join(tokenizerDir, HF_EXPORT_DIR);
  const startedAt = new Date();
  await buildDirAtomic(outDir, (tmp) => {
    writeFileSync(join(tmp, HF_TOKENIZER_FILE), json);
    writeManifest(tmp, {
      stage: 'hf-tokenizer',
      inputs: { tokenizer: { path: join(tokenizerDir, TOKENIZER_FILE) }, ranks: { path: ranksPath } },
      config: { format: 'Hugging Face tokenizers tokenizer.json' },
      seeds: {},
      metrics: { vocab_size: tokenizer.vocabSize },
      startedAt,
      endedAt: new Date(),
    });
  });
  return join(outDir, HF_TOKENIZER_FILE);
}
