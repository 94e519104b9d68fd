import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, cpSync, mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { get_encoding } from 'tiktoken';
import { loadHfBaselines } from '../src/eval/tokenizers/hf-baselines.js';
import { DEFAULT_HF_TOKENIZERS_DIR, readHfManifest } from '../src/eval/tokenizers/hf-manifest.js';
import { TIKTOKEN_BASELINES, loadTiktokenBaseline } from '../src/eval/tokenizers/tiktoken-baselines.js';
import type { TokenCounter } from '../src/eval/tokenizers/token-counter.js';
import { UserError } from '../src/errors.js';

// The Rust HF tokenizers (a dev dependency) is the reference implementation for tokenizer.json files.
const { Tokenizer } = createRequire(import.meta.url)('tokenizers') as typeof import('tokenizers');

const TEXTS = [
  '{"steps":[{"tool":"LogReader.tail","args":{"source":"auth","lines":20},"rationale":"Read the last lines."}]}',
  'struct Grain @0xc8d91463cfc4fb4a {\n  id @0 :Text;\n  sizes @1 :List(UInt32);\n}\n',
  '  It was the best of times,\n\n\tit was the worst of times — “naïve” café, 1848 AD; 日本語.',
  '',
];

let hf: TokenCounter[] = [];
beforeAll(async () => {
  // Loading the xenova tokenizers takes a few seconds: once for the whole file.
  hf = await loadHfBaselines(DEFAULT_HF_TOKENIZERS_DIR);
});
afterAll(() => hf.forEach((c) => c.free()));

const byName = (name: string) => {
  const c = hf.find((x) => x.name === name);
  if (!c) throw new Error(`no baseline ${name}`);
  return c;
};

describe('baseline tokenizers', () => {
  it('loads one counter per MANIFEST entry, named hf/<slug>', () => {
    const slugs = readHfManifest(DEFAULT_HF_TOKENIZERS_DIR).map((e) => `hf/${e.slug}`);
    expect(hf.map((c) => c.name)).toEqual(slugs);
    expect(slugs).toEqual(expect.arrayContaining(['hf/gpt2', 'hf/llama3', 'hf/smollm2-135m', 'hf/phi-3-mini-4k-instruct']));
  });

  it('tiktoken baselines count exactly what tiktoken encodes, without special tokens', () => {
    for (const name of TIKTOKEN_BASELINES) {
      const counter = loadTiktokenBaseline(name);
      const enc = get_encoding(name);
      for (const t of TEXTS) expect(counter.countTokens(t)).toBe(enc.encode(t).length);
      expect(counter.countTokens('<|endoftext|>')).toBeGreaterThan(1); // the literal is text, not a special token
      enc.free();
      counter.free();
    }
  });

  it('the HF copy of GPT-2 (through xenova) agrees with tiktoken gpt2', () => {
    const tiktokenGpt2 = loadTiktokenBaseline('gpt2');
    for (const t of TEXTS) expect(byName('hf/gpt2').countTokens(t)).toBe(tiktokenGpt2.countTokens(t));
    tiktokenGpt2.free();
  });

  it('every tokenizer.json baseline agrees with the Rust HF tokenizers, special tokens off', async () => {
    for (const entry of readHfManifest(DEFAULT_HF_TOKENIZERS_DIR).filter((e) => 'tokenizer.json' in e.sha256)) {
      const reference = Tokenizer.fromFile(join(DEFAULT_HF_TOKENIZERS_DIR, entry.slug, 'tokenizer.json'));
      for (const t of TEXTS) {
        const ids = (await reference.encode(t, null, { addSpecialTokens: false })).getIds();
        expect(byName(`hf/${entry.slug}`).countTokens(t), `${entry.slug} on ${JSON.stringify(t.slice(0, 20))}`).toBe(ids.length);
      }
    }
  });

  it('llama3 (tiktoken ranks) encodes the MANIFEST canary "hello world" as 2 tokens and empty text as none', () => {
    expect(byName('hf/llama3').countTokens('hello world')).toBe(2);
    expect(byName('hf/llama3').countTokens('')).toBe(0);
  });

  it('rejects a baseline file whose sha256 differs from the MANIFEST, naming the file', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hf-tampered-'));
    try {
      cpSync(DEFAULT_HF_TOKENIZERS_DIR, tmp, { recursive: true });
      const victim = join(tmp, 'smollm2-135m', 'tokenizer_config.json');
      chmodSync(victim, 0o644);
      appendFileSync(victim, ' ');
      const err = await loadHfBaselines(tmp).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain(victim);
      expect((err as Error).message).toMatch(/sha256 [0-9a-f]{64} does not match/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
