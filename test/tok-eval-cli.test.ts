import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get_encoding } from 'tiktoken';
import { runCli } from './helpers/cli.js';
import { sha256Hex } from '../src/util/hash.js';
import { loadTokenizer } from '../src/tokenizer/tokenizer.js';
import { DEFAULT_HF_TOKENIZERS_DIR, readHfManifest } from '../src/eval/tokenizers/hf-manifest.js';
import { repoRelative, TEXT_CLASS_NAMES } from '../src/eval/text-classes.js';
import type { TokEvalResult } from '../src/eval/tok-eval.js';

const BASELINES = ['gpt2', 'cl100k_base', 'o200k_base', 'hf/gpt2', 'hf/phi-3-mini-4k-instruct', 'hf/smollm2-135m', 'hf/llama3'];

const TEXTS = [
  '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"Check the stack first."}]}',
  '{"steps":[],"refusal":"No tool can reboot the machine."}',
  'interface Grain @0xc8d91463cfc4fb4a {\n  restart @0 () -> ();\n}\n',
];

let tmp = '';
let tokDir = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tok-eval-cli-'));
  tokDir = join(tmp, 'tok');
  // A small tokenizer trained from the synced corpus (seconds), so these tests do not depend on the committed one.
  const config = join(tmp, 'tokenizer.json');
  writeFileSync(config, JSON.stringify({ vocab_size: 1024 }));
  const trained = runCli(['tok', 'train', '--config', config, '--out', tokDir]);
  expect(trained.stderr).not.toContain('error');
  expect(trained.code).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeInput(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

describe('capplan tok compare', () => {
  it('counts the documents, bytes and tokens of ours and every baseline', () => {
    const input = writeInput('texts.jsonl', TEXTS.map((text) => JSON.stringify({ text })).join('\n') + '\n\n');
    const res = runCli(['tok', 'compare', '--input', input, '--tokenizer', tokDir, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { documents: number; bytes: number; tokenizers: Record<string, { tokens: number; bytes_per_token: number }> };

    const bytes = TEXTS.reduce((s, t) => s + Buffer.byteLength(t), 0);
    expect(out.documents).toBe(3);
    expect(out.bytes).toBe(bytes);
    expect(Object.keys(out.tokenizers)).toEqual(['capos', ...BASELINES]);

    const gpt2 = get_encoding('gpt2');
    const gpt2Tokens = TEXTS.reduce((s, t) => s + gpt2.encode(t).length, 0);
    gpt2.free();
    const ours = loadTokenizer(tokDir);
    const ourTokens = TEXTS.reduce((s, t) => s + ours.encode(t).length, 0);
    ours.free();
    expect(out.tokenizers.gpt2).toEqual({ tokens: gpt2Tokens, bytes_per_token: Math.round((bytes / gpt2Tokens) * 1e4) / 1e4 });
    expect(out.tokenizers.capos!.tokens).toBe(ourTokens);
    expect(out.tokenizers['hf/gpt2']!.tokens).toBe(gpt2Tokens);
  });

  it.each([
    ['a missing file', 'missing.jsonl', null, /missing\.jsonl: cannot read file/],
    ['an empty file', 'empty.jsonl', '', /empty\.jsonl: no documents/],
    ['bad JSON on line 2', 'bad-json.jsonl', '{"text":"a"}\n{"text":\n', /bad-json\.jsonl:2: not valid JSON/],
    ['a line without text', 'no-text.jsonl', '{"text":"a"}\n\n{"body":"b"}\n', /no-text\.jsonl:3: expected an object with a string field `text`/],
    ['a non-string text', 'non-string.jsonl', '{"text":42}\n', /non-string\.jsonl:1: expected an object/],
  ])('rejects %s with a one-line error naming file and line', (_what, name, content, message) => {
    const input = content === null ? join(tmp, name) : writeInput(name, content);
    const res = runCli(['tok', 'compare', '--input', input, '--tokenizer', tokDir, '--json']);
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^capplan: error: .*\n$/);
    expect(res.stderr).toMatch(message);
  });

  it('refuses a baseline tokenizer file whose sha256 differs from the hf-tokenizers MANIFEST', () => {
    const hfCopy = join(tmp, 'hf');
    cpSync(DEFAULT_HF_TOKENIZERS_DIR, hfCopy, { recursive: true });
    const victim = join(hfCopy, 'gpt2', 'tokenizer.json');
    chmodSync(victim, 0o644);
    appendFileSync(victim, '\n');
    const input = writeInput('one.jsonl', '{"text":"hello"}\n');
    const res = runCli(['tok', 'compare', '--input', input, '--tokenizer', tokDir, '--hf-dir', hfCopy, '--json']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^capplan: error: .*gpt2\/tokenizer\.json: sha256 [0-9a-f]{64} does not match [0-9a-f]{64} pinned in .*MANIFEST\.json\n$/);
  });
});

describe('capplan tok eval', () => {
  it('prints per-class counts for ours and every baseline, writes the result and exports classes that compare reproduces', () => {
    const outFile = join(tmp, 'results', 'tok-eval.json');
    const exportDir = join(tmp, 'classes');
    // Phi-3's xenova tokenizer is by far the slowest on long book segments; the compare test covers it.
    const hfDir = join(tmp, 'hf-fast');
    const manifest = readHfManifest(DEFAULT_HF_TOKENIZERS_DIR);
    const kept = manifest.filter((e) => e.slug !== 'phi-3-mini-4k-instruct');
    mkdirSync(hfDir);
    for (const e of kept) symlinkSync(join(DEFAULT_HF_TOKENIZERS_DIR, e.slug), join(hfDir, e.slug));
    const rawManifest = JSON.parse(readFileSync(join(DEFAULT_HF_TOKENIZERS_DIR, 'MANIFEST.json'), 'utf8')) as { slug: string }[];
    writeFileSync(join(hfDir, 'MANIFEST.json'), JSON.stringify(rawManifest.filter((e) => kept.some((k) => k.slug === e.slug))));
    const baselines = BASELINES.filter((b) => b !== 'hf/phi-3-mini-4k-instruct');

    const res = runCli(['tok', 'eval', '--tokenizer', tokDir, '--hf-dir', hfDir, '--json', '--out', outFile, '--export', exportDir]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout) as TokEvalResult;
    expect(JSON.parse(readFileSync(outFile, 'utf8'))).toEqual(result);

    expect(result.machine).toMatchObject({ cores: expect.any(Number), cpu: expect.any(String), mem_gib: expect.any(Number) });
    expect(Number.isNaN(Date.parse(result.date))).toBe(false);
    expect(result.tokenizer).toEqual({ dir: repoRelative(tokDir), sha256: loadTokenizer(tokDir).sha256, vocab_size: 1024 });
    expect(result.hf_manifest.sha256).toBe(sha256Hex(readFileSync(join(hfDir, 'MANIFEST.json'))));
    expect(result.classes.map((c) => c.name)).toEqual([...TEXT_CLASS_NAMES]);
    for (const c of result.classes) {
      expect(c.documents, c.name).toBeGreaterThan(0);
      expect(Object.keys(c.tokenizers)).toEqual(['capos', ...baselines]);
      for (const t of Object.values(c.tokenizers)) {
        expect(t.tokens).toBeGreaterThan(0);
        expect(t.bytes_per_token).toBeCloseTo(c.bytes / t.tokens, 3);
        expect(t.vs_gpt2).toBeCloseTo(t.tokens / c.tokenizers.gpt2!.tokens - 1, 3);
      }
    }
    expect(result.targets.map((t) => t.name)).toEqual(['plans_fewer_than_gpt2', 'plans_fewer_than_o200k', 'english_extra_vs_gpt2']);

    const plans = result.classes.find((c) => c.name === 'plans')!;
    expect(sha256Hex(readFileSync(join(exportDir, 'plans.jsonl')))).toBe(plans.sha256);
    const compared = runCli(['tok', 'compare', '--input', join(exportDir, 'plans.jsonl'), '--tokenizer', tokDir, '--hf-dir', hfDir, '--json']);
    const counts = JSON.parse(compared.stdout) as { documents: number; bytes: number; tokenizers: Record<string, { tokens: number }> };
    expect(counts.documents).toBe(plans.documents);
    expect(counts.bytes).toBe(plans.bytes);
    for (const [name, t] of Object.entries(counts.tokenizers)) expect(t.tokens, name).toBe(plans.tokenizers[name]!.tokens);
  });
});
