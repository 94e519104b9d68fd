import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { FIXTURE_CATALOG, FIXTURE_CORPUS_DIR } from './fixtures/tokenizer/fixture-tokenizer.js';

let work: string;
let tokDir: string;

function writeConfig(name: string, config: Record<string, unknown>): string {
  const path = join(work, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const baseConfig = { vocab_size: 800, catalog: FIXTURE_CATALOG, catalog_weight: 1, corpus: { dir: FIXTURE_CORPUS_DIR, split: 'all' }, optional_files: [] };

/** A failed train: exit 1, a single `capplan: error:` line matching `pattern`, and no output directory. */
function expectTrainError(configPath: string, pattern: RegExp): void {
  const out = join(work, `out-${readdirSync(work).length}`);
  const res = runCli(['tok', 'train', '--config', configPath, '--out', out]);
  expect(res.code, res.stderr).toBe(1);
  const lines = res.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('tok train:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^capplan: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(work).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'capplan-tok-cli-'));
  tokDir = join(work, 'tok');
  const res = runCli(['tok', 'train', '--config', writeConfig('good.json', baseConfig), '--out', tokDir]);
  expect(res.code, res.stderr).toBe(0);
  expect(res.stdout).toMatch(/wrote .*vocab 800 = 256 bytes \+ \d+ merges/);
});

describe('capplan tok', () => {
  it('has --help for every subcommand', () => {
    for (const [sub, flag] of [['train', '--config'], ['encode', '--json'], ['decode', '--tokenizer']] as const) {
      const res = runCli(['tok', sub, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(flag);
    }
  });

  it('encodes an argument or stdin and decodes the ids back', () => {
    const text = 'struct Destructor { name @0 :Text; } naïve 🚀';
    const enc = runCli(['tok', 'encode', '--tokenizer', tokDir, text]);
    expect(enc.code, enc.stderr).toBe(0);
    const ids = enc.stdout.trim().split(' ');
    const fromStdin = runCli(['tok', 'encode', '--tokenizer', tokDir, '--json'], { input: text });
    const json = JSON.parse(fromStdin.stdout) as { ids: number[]; tokens: string[] };
    expect(json.ids.map(String)).toEqual(ids);
    expect(json.tokens[0]).toBe('struct');
    expect(json.tokens).toContain('struct');
    const dec = runCli(['tok', 'decode', '--tokenizer', tokDir, ...ids]);
    expect(dec.code).toBe(0);
    expect(dec.stdout).toBe(text + '\n');
  });

  it('rejects bad ids and a missing tokenizer with one-line errors', () => {
    expect(runCli(['tok', 'decode', '--tokenizer', tokDir, '12', 'x1']).stderr).toMatch(/^capplan: error: not a token id: "x1"/);
    expect(runCli(['tok', 'decode', '--tokenizer', tokDir, '999999']).stderr).toMatch(/^capplan: error: token id 999999 is out of range/);
    const res = runCli(['tok', 'encode', '--tokenizer', join(work, 'nope'), 'x']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^capplan: error: tokenizer file missing: .*tokenizer\.json/);
  });

  it('refuses invalid configs naming the field', () => {
    expectTrainError(writeConfig('bad-type.json', { ...baseConfig, vocab_size: 'big' }), /field `vocab_size`/);
    expectTrainError(writeConfig('bad-key.json', { ...baseConfig, vocab: 4096 }), /vocab/);
    expectTrainError(writeConfig('bad-split.json', { ...baseConfig, corpus: { dir: FIXTURE_CORPUS_DIR, split: 'test' } }), /field `corpus.split`/);
    expectTrainError(writeConfig('small.json', { ...baseConfig, vocab_size: 300 }), /field `vocab_size`: 300 is too small: need at least \d+/);
    expectTrainError(join(work, 'absent.json'), /absent\.json: cannot read file/);
  });

  it('refuses missing, empty and binary input', () => {
    expectTrainError(writeConfig('no-corpus.json', { ...baseConfig, corpus: { dir: join(work, 'no-such-dir'), split: 'all' } }), /corpus not found/);
    const empty = join(work, 'empty-corpus');
    mkdirSync(empty);
    writeFileSync(join(empty, 'a.jsonl'), JSON.stringify({ id: 'a', text: '', kind: 'doc' }) + '\n');
    expectTrainError(writeConfig('empty.json', { ...baseConfig, corpus: { dir: empty, split: 'all' } }), /training input is empty/);
    const binary = join(work, 'binary-corpus');
    mkdirSync(binary);
    writeFileSync(join(binary, 'b.jsonl'), JSON.stringify({ id: 'b', text: 'ok\u0000\u0001\u0002', kind: 'doc' }) + '\n');
    expectTrainError(writeConfig('binary.json', { ...baseConfig, corpus: { dir: binary, split: 'all' } }), /binary input/);
    const blob = join(work, 'blob.bin');
    writeFileSync(blob, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]));
    expectTrainError(writeConfig('binary-extra.json', { ...baseConfig, optional_files: [blob] }), /blob\.bin: binary input/);
    const bad = join(work, 'bad-jsonl');
    mkdirSync(bad);
    writeFileSync(join(bad, 'c.jsonl'), '{"id":"c","text":"fine","kind":"doc"}\nnot json\n');
    expectTrainError(writeConfig('bad-jsonl.json', { ...baseConfig, corpus: { dir: bad, split: 'all' } }), /c\.jsonl:2: not a JSON object/);
  });

  it('leaves an existing tokenizer untouched when training fails', () => {
    const before = readFileSync(join(tokDir, 'capos.tiktoken'));
    const res = runCli(['tok', 'train', '--config', writeConfig('small2.json', { ...baseConfig, vocab_size: 300 }), '--out', tokDir]);
    expect(res.code).toBe(1);
    expect(readFileSync(join(tokDir, 'capos.tiktoken')).equals(before)).toBe(true);
  });
});
