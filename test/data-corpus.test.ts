import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCorpusInstalled, readCorpus } from '../src/data/corpus.js';
import { parseCorpusJsonl, serializeCorpusLine } from '../src/data/corpus-file.js';
import { loadLock } from '../src/data/lock.js';
import { buildLock } from '../src/data/lock-build.js';
import { DEFAULT_CORPUS_DIR, DEFAULT_LOCK_PATH, DEFAULT_MIRROR_DIR } from '../src/data/paths.js';
import { syncCorpus } from '../src/data/sync.js';
import { writeCorpusMirror } from './helpers/data-fixture.js';

const installed = isCorpusInstalled();
if (!installed) console.warn('data-corpus tests: data/corpus is not installed (no ../shared/corpus?); real-corpus tests skip');

describe.skipIf(!installed)('the pinned corpus', () => {
  const lock = loadLock();
  const all = [...readCorpus()];

  it('is read in lock order with every segment and the recorded val split', () => {
    expect(all).toHaveLength(lock.split.segments);
    expect(all.filter((s) => s.split === 'val').map((s) => s.id)).toEqual(lock.split.val);
    expect([...readCorpus({ split: 'val' })].map((s) => s.id)).toEqual(lock.split.val);
    expect([...readCorpus({ split: 'train' })]).toHaveLength(lock.split.segments - lock.split.val.length);
    expect(all.map((s) => s.doc).filter((d, i, a) => a.indexOf(d) === i)).toEqual(lock.files.flatMap((f) => f.docs.map((d) => d.id)));
  });

  it('holds out 5-10% of the text bytes, including a slice of every book', () => {
    const bytes = (split: string): number => all.filter((s) => s.split === split).reduce((n, s) => n + Buffer.byteLength(s.text), 0);
    const valShare = bytes('val') / (bytes('val') + bytes('train'));
    expect(valShare).toBeGreaterThan(0.05);
    expect(valShare).toBeLessThan(0.1);
    expect(bytes('val')).toBe(lock.split.val_bytes);
    const books = lock.files.flatMap((f) => f.docs).filter((d) => d.kind === 'book');
    expect(books).toHaveLength(6);
    for (const b of books) expect(all.some((s) => s.doc === b.id && s.split === 'val')).toBe(true);
  });

  it('reassembles every book from its segments', () => {
    for (const doc of lock.files.flatMap((f) => f.docs).filter((d) => d.kind === 'book')) {
      const text = all.filter((s) => s.doc === doc.id).map((s) => s.text).join('');
      expect(Buffer.byteLength(text)).toBe(doc.bytes);
    }
  });

  it('re-serialises byte for byte, so a download can be checked against the pinned file hash', () => {
    for (const file of lock.files) {
      const raw = readFileSync(join(DEFAULT_CORPUS_DIR, file.file), 'utf8');
      expect(parseCorpusJsonl(raw, file.file).map(serializeCorpusLine).join('')).toBe(raw);
    }
  });

  it.skipIf(!existsSync(DEFAULT_MIRROR_DIR))('is the committed lock, regenerated from ../shared/corpus', () => {
    expect(JSON.parse(readFileSync(DEFAULT_LOCK_PATH, 'utf8'))).toEqual(buildLock(DEFAULT_MIRROR_DIR));
  });
});

describe('readCorpus on bad installs', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  function fixture(): { root: string; lockPath: string; dest: string } {
    const root = mkdtempSync(join(tmpdir(), 'capplan-corpus-'));
    roots.push(root);
    const mirror = join(root, 'mirror');
    writeCorpusMirror(mirror);
    const lockPath = join(root, 'lock.json');
    writeFileSync(lockPath, JSON.stringify(buildLock(mirror)));
    return { root, lockPath, dest: join(root, 'corpus') };
  }

  it('says how to install a missing corpus', () => {
    const { lockPath, dest } = fixture();
    expect(() => [...readCorpus({ dir: dest, lockPath })]).toThrow(/corpus not installed.*run `capplan data sync`/);
  });

  it('refuses a modified installed file, naming it', async () => {
    const { root, lockPath, dest } = fixture();
    await syncCorpus({ lockPath, dest, mirror: join(root, 'mirror') });
    expect([...readCorpus({ dir: dest, lockPath })].map((s) => s.kind)).toEqual(['capnp', 'doc', 'book']);
    writeFileSync(join(dest, 'demo.jsonl'), readFileSync(join(dest, 'demo.jsonl'), 'utf8').replace('struct', 'strucT'));
    expect(() => [...readCorpus({ dir: dest, lockPath })]).toThrow(/demo\.jsonl: sha256 differs from the lock/);
  });

  it('reports an empty corpus or split', async () => {
    const { root, lockPath, dest } = fixture();
    await syncCorpus({ lockPath, dest, mirror: join(root, 'mirror') });
    const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
    // Every segment in val leaves train empty.
    writeFileSync(lockPath, JSON.stringify({ ...lock, split: { ...lock.split, val: ['demo/schema/a.capnp', 'demo/docs/b.md', 'gutenberg/1.txt#0000'] } }));
    expect([...readCorpus({ dir: dest, lockPath, split: 'val' })]).toHaveLength(3);
    expect(() => [...readCorpus({ dir: dest, lockPath, split: 'train' })]).toThrow(/no documents in split 'train'/);
    // A lock of empty files: nothing to read at all.
    const emptyDir = join(root, 'empty');
    cpSync(dest, emptyDir, { recursive: true });
    for (const f of readdirSync(emptyDir)) writeFileSync(join(emptyDir, f), '');
    const emptyHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    for (const f of lock.files) Object.assign(f, { sha256: emptyHash, bytes: 0, documents: 0, docs: [] });
    lock.split = { ...lock.split, segments: 0, val_segments: 0, train_bytes: 0, val_bytes: 0, val: [] };
    writeFileSync(lockPath, JSON.stringify(lock));
    expect(() => [...readCorpus({ dir: emptyDir, lockPath })]).toThrow(/has no documents in split 'all'/);
  });
});
