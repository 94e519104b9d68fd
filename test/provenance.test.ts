import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitState } from '../src/provenance/environment.js';
import { writeManifest, type ManifestSpec } from '../src/provenance/manifest.js';
import { verifyArtifact } from '../src/provenance/verify.js';
import { sha256Hex } from '../src/util/hash.js';
import { runCli } from './helpers/cli.js';
import { writeCorpusMirror } from './helpers/data-fixture.js';
import { buildLock } from '../src/data/lock-build.js';
import { syncCorpus } from '../src/data/sync.js';

let root: string;
let tokenizer: string;
let base: string;
let sft: string;
let lockFile: string;

const spec = (stage: string, extra: Partial<ManifestSpec> = {}): ManifestSpec => ({
  stage,
  inputs: {},
  config: { depth: 2 },
  seeds: { init: 42 },
  metrics: { loss: 1.5 },
  startedAt: new Date('2026-01-01T00:00:00Z'),
  endedAt: '2026-01-01T00:01:00.000Z',
  ...extra,
});

/** tokenizer ← base ← sft, with the corpus lock as the tokenizer's input. */
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'capplan-prov-'));
  lockFile = join(root, 'data', 'inputs.lock.json');
  tokenizer = join(root, 'tokenizer');
  base = join(root, 'checkpoints', 'base');
  sft = join(root, 'checkpoints', 'sft');
  for (const d of [join(root, 'data'), tokenizer, join(base, 'weights'), sft]) mkdirSync(d, { recursive: true });
  writeCorpusMirror(join(root, 'mirror'));
  writeFileSync(lockFile, JSON.stringify(buildLock(join(root, 'mirror'))));
  await syncCorpus({ lockPath: lockFile, dest: join(root, 'data', 'corpus'), mirror: join(root, 'mirror') });
  writeFileSync(join(tokenizer, 'capos.tiktoken'), 'IQ== 0\nIg== 1\n');
  writeManifest(tokenizer, spec('tokenizer', { inputs: { corpus_lock: { path: lockFile } } }));
  writeFileSync(join(base, 'weights', 'model.bin'), Buffer.from([1, 2, 3, 4]));
  writeManifest(base, spec('base', { parents: { tokenizer }, backend: { name: 'cpu', version: '4.22.0', adapter: null } }));
  writeFileSync(join(sft, 'model.bin'), Buffer.from([5, 6, 7]));
  writeManifest(sft, spec('sft', { inputs: { plan_set: { sha256: sha256Hex('plans') } }, parents: { base } }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function verify(dir: string): string[] {
  const lines: string[] = [];
  verifyArtifact(dir, (l) => lines.push(l));
  return lines;
}

describe('writeManifest', () => {
  it('records outputs, inputs, parents and the environment', () => {
    const m = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8'));
    expect(m.outputs).toEqual({ 'weights/model.bin': { sha256: sha256Hex(Buffer.from([1, 2, 3, 4])), bytes: 4 } });
    expect(m.parents.tokenizer).toEqual({ path: '../../tokenizer', manifest_sha256: sha256Hex(readFileSync(join(tokenizer, 'manifest.json'))) });
    expect(m).toMatchObject({ stage: 'base', seeds: { init: 42 }, config: { depth: 2 }, started_at: '2026-01-01T00:00:00.000Z' });
    expect(m.backend).toEqual({ name: 'cpu', version: '4.22.0', adapter: null });
    expect(m.versions.node).toBe(process.version);
    expect(m.versions.tfjs).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.package_lock_sha256).toMatch(/^[0-9a-f]{64}$/);
    const tok = JSON.parse(readFileSync(join(tokenizer, 'manifest.json'), 'utf8'));
    expect(tok.inputs.corpus_lock).toEqual({ path: '../data/inputs.lock.json', sha256: sha256Hex(readFileSync(lockFile)) });
  });

  it('keeps the producing run’s git state, package-lock and versions for an artifact made earlier', () => {
    const producedBy = { git: { commit: 'a'.repeat(40), dirty: true }, package_lock_sha256: 'b'.repeat(64), versions: { node: 'v20.0.0', tfjs: '4.0.0' } };
    const m = writeManifest(sft, spec('sft', { producedBy }));
    expect(m).toMatchObject(producedBy);
    expect(JSON.parse(readFileSync(join(sft, 'manifest.json'), 'utf8'))).toMatchObject(producedBy);
    expect(writeManifest(sft, spec('sft')).versions.node).toBe(process.version);
  });

  it('records null git state when git is unavailable', () => {
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      expect(gitState()).toEqual({ commit: null, dirty: null });
    } finally {
      process.env.PATH = path;
    }
  });

  it('refuses an input whose file changed since the stage read it', () => {
    expect(() => writeManifest(sft, spec('sft', { inputs: { lock: { path: lockFile, sha256: sha256Hex('other') } } }))).toThrow(
      /input lock: .*inputs\.lock\.json changed since it was read/,
    );
  });
});

describe('verify', () => {
  it('passes a good chain and checks every link down to the corpus lock', () => {
    const text = verify(sft).join('\n');
    expect(text).toMatch(/ok output model\.bin/);
    expect(text).toMatch(/ok parent base/);
    expect(text).toMatch(/ok output weights\/model\.bin/);
    expect(text).toMatch(/ok parent tokenizer/);
    expect(text).toMatch(/ok input corpus_lock \.\.\/data\/inputs\.lock\.json/);
    expect(text).toMatch(/ok corpus: 2 installed files match the lock/);
    expect(text).toMatch(/input plan_set: .*not checkable/);
  });

  it('names a changed file of the corpus installed beside the lock', () => {
    writeFileSync(join(root, 'data', 'corpus', 'books.jsonl'), '');
    expect(() => verify(sft)).toThrow(/corpus\/books\.jsonl: sha256 differs from .*inputs\.lock\.json/);
  });

  it('names a file with one changed byte, even two links up the chain', () => {
    const path = join(tokenizer, 'capos.tiktoken');
    const bytes = readFileSync(path);
    bytes[0] ^= 1;
    writeFileSync(path, bytes);
    expect(() => verify(sft)).toThrow(/tokenizer\/capos\.tiktoken: sha256 mismatch \(output/);
  });

  it('names a deleted output', () => {
    unlinkSync(join(base, 'weights', 'model.bin'));
    expect(() => verify(sft)).toThrow(/weights\/model\.bin: missing \(output\)/);
  });

  it('names a changed corpus lock', () => {
    writeFileSync(lockFile, readFileSync(lockFile, 'utf8') + ' ');
    expect(() => verify(sft)).toThrow(/inputs\.lock\.json: sha256 mismatch \(input corpus_lock/);
  });

  it('names a broken or rebuilt parent link', () => {
    writeManifest(tokenizer, spec('tokenizer', { inputs: {}, metrics: { rebuilt: true } }));
    expect(() => verify(base)).toThrow(/tokenizer\/manifest\.json: sha256 mismatch \(parent tokenizer/);
    rmSync(tokenizer, { recursive: true });
    expect(() => verify(base)).toThrow(/broken link to parent tokenizer/);
  });

  it('exits non-zero with a one-line error through the CLI', () => {
    expect(runCli(['verify', sft, tokenizer]).code).toBe(0);
    writeFileSync(join(sft, 'model.bin'), 'changed');
    const res = runCli(['verify', sft]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^capplan: error: [^\n]*model\.bin: sha256 mismatch[^\n]*\n$/); // exactly one line
  });

  it('rejects a directory without a manifest', () => {
    expect(() => verify(join(root, 'data'))).toThrow(/no manifest\.json/);
  });
});

describe('outputs recorded by hash but not published', () => {
  const weights = Buffer.from([9, 8, 7, 6, 5]);
  /** A published base: meta present, weights recorded by hash only; and an sft that pins it. */
  function publishWithout(): { pub: string; child: string } {
    const pub = join(root, 'published', 'base');
    const child = join(root, 'published');
    mkdirSync(pub, { recursive: true });
    writeFileSync(join(pub, 'meta.json'), '{}');
    writeManifest(pub, spec('base', { parents: { tokenizer }, withheld: { 'model.bin': { sha256: sha256Hex(weights), bytes: weights.length } } }));
    writeFileSync(join(child, 'model.bin'), Buffer.from([1]));
    writeManifest(child, spec('sft', { parents: { base: pub }, withheld: { 'base/model.bin': { sha256: sha256Hex(weights), bytes: weights.length } } }));
    return { pub, child };
  }

  it('records them in outputs with published: false', () => {
    const { pub } = publishWithout();
    const m = JSON.parse(readFileSync(join(pub, 'manifest.json'), 'utf8'));
    expect(m.outputs['model.bin']).toEqual({ sha256: sha256Hex(weights), bytes: 5, published: false });
    expect(m.outputs['meta.json'].published).toBeUndefined();
    expect(() => writeManifest(pub, spec('base', { withheld: { 'meta.json': { sha256: sha256Hex('{}'), bytes: 2 } } }))).toThrow(/meta\.json is marked withheld but is present/);
  });

  it('verify reports them (once, though two manifests list them) and still checks every present file', () => {
    const { pub, child } = publishWithout();
    const lines: string[] = [];
    const withheld = verifyArtifact(child, (l) => lines.push(l));
    expect([...withheld]).toEqual([join(pub, 'model.bin')]);
    expect(lines.join('\n')).toMatch(/-- output model\.bin: recorded by hash [0-9a-f]{12}… \(5 bytes\), not published/);
    expect(lines.join('\n')).toMatch(/ok output base\/meta\.json/);
    const res = runCli(['verify', child]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/verified 3 artifacts: all hashes of present files match; 1 file is recorded by hash, not published/);
  });

  it('checks a withheld file that is present, and still fails on a missing published file', () => {
    const { pub, child } = publishWithout();
    writeFileSync(join(pub, 'model.bin'), weights);
    expect(verifyArtifact(child, () => {}).size).toBe(0);
    writeFileSync(join(pub, 'model.bin'), Buffer.from([0]));
    expect(() => verify(child)).toThrow(/base\/model\.bin: sha256 mismatch \(output/);
    unlinkSync(join(pub, 'model.bin'));
    unlinkSync(join(pub, 'meta.json'));
    expect(() => verify(child)).toThrow(/base\/meta\.json: missing \(output\)/);
  });

  it('names a hand-edited manifest that turns a withheld hash into another', () => {
    const { pub, child } = publishWithout();
    const path = join(pub, 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    m.outputs['model.bin'].sha256 = sha256Hex('other weights');
    writeFileSync(path, JSON.stringify(m, null, 2) + '\n');
    expect(() => verify(child)).toThrow(/base\/manifest\.json: sha256 mismatch/);
  });
});
