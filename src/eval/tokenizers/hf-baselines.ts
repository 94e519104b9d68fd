import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tiktoken } from 'tiktoken';
import { UserError } from '../../errors.js';
import { readHfManifest, readPinnedFile, type HfManifestEntry } from './hf-manifest.js';
import type { TokenCounter } from './token-counter.js';

/**
 * Loads every tokenizer listed in the shared hf-tokenizers MANIFEST.json, from local files only:
 * tokenizer.json folders through @xenova/transformers, tiktoken-ranks folders (Llama 3) through tiktoken.
 */
export async function loadHfBaselines(dir: string): Promise<TokenCounter[]> {
  const counters: TokenCounter[] = [];
  try {
    for (const entry of readHfManifest(dir)) counters.push(await loadHfBaseline(dir, entry));
  } catch (err) {
    for (const c of counters) c.free();
    throw err;
  }
  return counters;
}

async function loadHfBaseline(dir: string, entry: HfManifestEntry): Promise<TokenCounter> {
  if ('tokenizer.json' in entry.sha256) return loadTokenizerJson(dir, entry);
  if ('tokenizer.model' in entry.sha256) return loadTiktokenRanks(dir, entry);
  throw new UserError(`${join(dir, 'MANIFEST.json')}: entry "${entry.slug}" has neither tokenizer.json nor tokenizer.model`);
}

function parseJson(bytes: Buffer, path: string): Record<string, unknown> {
  try {
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * tokenizers ≥ 0.20 saves BPE merges as [left, right] pairs; @xenova/transformers 2.x only reads the older
 * "left right" strings. Byte-level vocabularies never contain a space, so joining is lossless — checked.
 */
function mergesAsStrings(tokenizerJson: Record<string, unknown>, path: string): void {
  const model = tokenizerJson.model as { merges?: unknown[] } | undefined;
  if (!model?.merges) return;
  model.merges = model.merges.map((m) => {
    if (typeof m === 'string') return m;
    if (Array.isArray(m) && m.length === 2 && m.every((p) => typeof p === 'string' && !p.includes(' '))) return m.join(' ');
    throw new UserError(`${path}: unsupported BPE merge entry ${JSON.stringify(m)}`);
  });
}

async function loadTokenizerJson(dir: string, entry: HfManifestEntry): Promise<TokenCounter> {
  const jsonPath = join(dir, entry.slug, 'tokenizer.json');
  const tokenizerJson = parseJson(readPinnedFile(dir, entry, 'tokenizer.json'), jsonPath);
  const config = parseJson(readPinnedFile(dir, entry, 'tokenizer_config.json'), join(dir, entry.slug, 'tokenizer_config.json'));
  mergesAsStrings(tokenizerJson, jsonPath);
  // Constructed from the verified bytes rather than via from_pretrained: nothing is fetched or re-read.
  const { AutoTokenizer, PreTrainedTokenizer } = await import('@xenova/transformers');
  const className = String(config.tokenizer_class ?? 'PreTrainedTokenizer').replace(/Fast$/, '');
  const mapping = AutoTokenizer.TOKENIZER_CLASS_MAPPING as Record<string, typeof PreTrainedTokenizer>;
  const TokenizerClass = mapping[className] ?? PreTrainedTokenizer;
  const tokenizer = new TokenizerClass(tokenizerJson, config);
  return {
    name: `hf/${entry.slug}`,
    countTokens: (text) => tokenizer.encode(text, null, { add_special_tokens: false }).length,
    free: () => {},
  };
}

function loadTiktokenRanks(dir: string, entry: HfManifestEntry): TokenCounter {
  const ranks = readPinnedFile(dir, entry, 'tokenizer.model').toString('utf8');
  // pattern.json is written next to the ranks by whoever prepared the folder; MANIFEST.json pins no hash for it.
  const patternPath = join(dir, entry.slug, 'pattern.json');
  let pattern: unknown;
  try {
    pattern = JSON.parse(readFileSync(patternPath, 'utf8'));
  } catch {
    throw new UserError(`${patternPath}: cannot read the split pattern (expected JSON with "pat_str")`);
  }
  const patStr = (pattern as { pat_str?: unknown }).pat_str;
  if (typeof patStr !== 'string') throw new UserError(`${patternPath}: field \`pat_str\`: expected a string`);
  const enc = new Tiktoken(ranks, {}, patStr);
  return {
    name: `hf/${entry.slug}`,
    countTokens: (text) => enc.encode_ordinary(text).length,
    free: () => enc.free(),
  };
}
