import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLock } from '../src/data/lock-build.js';
import { syncCorpus } from '../src/data/sync.js';
import { UserError } from '../src/errors.js';
import { sha256Hex } from '../src/util/hash.js';
import { runCli } from './helpers/cli.js';
import { BOOK_TEXT, serveFiles, writeCorpusMirror } from './helpers/data-fixture.js';

let root: string;
let mirror: string;
let lockPath: string;
let dest: string;

function writeLock(fromMirror: string): void {
  writeFileSync(lockPath, JSON.stringify(buildLock(fromMirror), null, 2));
}

/** Flips one byte in the middle of a file. */
function tamper(path: string): void {
  const bytes = readFileSync(path);
  bytes[bytes.length >> 1] ^= 0x01;
  writeFileSync(path, bytes);
}

const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'capplan-sync-'));
  mirror = join(root, 'mirror');
  lockPath = join(root, 'inputs.lock.json');
  dest = join(root, 'data', 'corpus');
  writeCorpusMirror(mirror);
  writeLock(mirror);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('data lock', () => {
  it('pins every file and document with its hash, kind and book transform', () => {
    const lock = buildLock(mirror);
    expect(lock.files.map((f) => [f.file, f.documents])).toEqual([['demo.jsonl', 2], ['books.jsonl', 1]]);
    expect(lock.files[0]!.sha256).toBe(sha256Hex(readFileSync(join(mirror, 'demo.jsonl'))));
    expect(lock.files[1]!.docs[0]).toMatchObject({ id: 'gutenberg/1.txt', repo: 'pg/test', path: '1.txt', sha256: sha256Hex(BOOK_TEXT) });
    expect(lock.files[0]!.docs.map((d) => d.kind)).toEqual(['capnp', 'doc']);
    expect(lock.files[1]!.docs[0]!.book?.raw_encoding).toBe('iso-8859-1');
    expect(lock.split.segments).toBe(3);
    expect(lock.split.train_bytes + lock.split.val_bytes).toBe(
      [...readCorpusTexts(mirror)].reduce((n, t) => n + Buffer.byteLength(t), 0),
    );
  });

  it('refuses a mirror whose JSONL does not match MANIFEST.json, naming the file', () => {
    tamper(join(mirror, 'demo.jsonl'));
    expect(() => buildLock(mirror)).toThrow(/demo\.jsonl: sha256\/size differ from MANIFEST\.json/);
  });
});

function* readCorpusTexts(dir: string): Generator<string> {
  for (const f of ['demo.jsonl', 'books.jsonl']) {
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)) yield (JSON.parse(l) as { text: string }).text;
  }
}

describe('data sync from a mirror', () => {
  it('installs byte-identical files, then reports up to date without reading the mirror', async () => {
    const first = await syncCorpus({ lockPath, dest, mirror });
    expect(first.status).toBe('installed');
    for (const f of ['demo.jsonl', 'books.jsonl']) expect(readFileSync(join(dest, f))).toEqual(readFileSync(join(mirror, f)));

    rmSync(mirror, { recursive: true });
    const lines: string[] = [];
    const second = await syncCorpus({ lockPath, dest, mirror, log: (l) => lines.push(l) });
    expect(second.status).toBe('up-to-date');
    expect(lines.join('\n')).toMatch(/up to date/);
  });

  it('refuses a tampered file, naming it, and leaves nothing behind', async () => {
    tamper(join(mirror, 'books.jsonl'));
    await expect(syncCorpus({ lockPath, dest, mirror })).rejects.toThrow(/books\.jsonl: sha256 mismatch/);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(join(root, 'data'))).toEqual([]); // no temp directory left
  });

  it('refuses a missing file, naming it', async () => {
    unlinkSync(join(mirror, 'demo.jsonl'));
    const err = await syncCorpus({ lockPath, dest, mirror }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/demo\.jsonl: missing from the corpus mirror/);
  });

  it('keeps a good install when the mirror is tampered, and repairs nothing from a bad mirror', async () => {
    await syncCorpus({ lockPath, dest, mirror });
    tamper(join(mirror, 'demo.jsonl'));
    expect((await syncCorpus({ lockPath, dest, mirror })).status).toBe('up-to-date');

    // A damaged install needs the mirror; the tampered mirror must not replace anything.
    tamper(join(dest, 'books.jsonl'));
    unlinkSync(join(dest, 'demo.jsonl'));
    const before = snapshot(dest);
    await expect(syncCorpus({ lockPath, dest, mirror })).rejects.toThrow(/demo\.jsonl: sha256 mismatch/);
    expect(snapshot(dest)).toEqual(before);
    expect(readdirSync(join(root, 'data'))).toEqual(['corpus']);
  });

  it('re-fetches only a damaged file and keeps the good ones', async () => {
    await syncCorpus({ lockPath, dest, mirror });
    tamper(join(dest, 'books.jsonl'));
    rmSync(join(mirror, 'demo.jsonl')); // not needed: the installed copy is good
    const res = await syncCorpus({ lockPath, dest, mirror });
    expect(res.status).toBe('installed');
    expect(readFileSync(join(dest, 'books.jsonl'))).toEqual(readFileSync(join(mirror, 'books.jsonl')));
  });

  it('fails with a one-line error and exit code 1 through the CLI', () => {
    tamper(join(mirror, 'demo.jsonl'));
    const res = runCli(['data', 'sync', '--mirror', mirror, '--lock', lockPath, '--dest', dest]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^capplan: error: [^\n]*demo\.jsonl: sha256 mismatch[^\n]*\n$/); // exactly one line
    expect(existsSync(dest)).toBe(false);
  });
});

describe('data sync by download', () => {
  async function withServer(files: Map<string, Buffer>, fn: (url: string) => Promise<void>): Promise<string[]> {
    const { url, server, requests } = await serveFiles(files);
    try {
      await fn(url);
    } finally {
      server.closeAllConnections(); // fetch keeps connections alive; close() would wait for them
      await new Promise((ok) => server.close(ok));
    }
    return requests;
  }

  it('rebuilds every pinned file from the per-document URLs, books included', async () => {
    const files = writeCorpusMirror(mirror, 'http://placeholder');
    const requests = await withServer(files, async (url) => {
      writeCorpusMirror(mirror, url);
      writeLock(mirror);
      const res = await syncCorpus({ lockPath, dest, download: true });
      expect(res).toMatchObject({ status: 'installed', source: 'download' });
    });
    expect(requests).toHaveLength(3);
    for (const f of ['demo.jsonl', 'books.jsonl']) expect(readFileSync(join(dest, f))).toEqual(readFileSync(join(mirror, f)));
    expect(readFileSync(join(dest, 'books.jsonl'), 'utf8')).toContain(JSON.stringify(BOOK_TEXT));
  });

  it('refuses a tampered download, naming the document, and installs nothing', async () => {
    const files = writeCorpusMirror(mirror, 'http://placeholder');
    for (const [path, body] of files) if (path.endsWith('docs/b.md')) files.set(path, Buffer.concat([body, Buffer.from('x')]));
    await withServer(files, async (url) => {
      writeCorpusMirror(mirror, url);
      writeLock(mirror);
      await expect(syncCorpus({ lockPath, dest, download: true })).rejects.toThrow(/sha256 mismatch for demo\/docs\/b\.md/);
    });
    expect(existsSync(dest)).toBe(false);
  });

  it('reports HTTP errors and an unreachable network clearly', async () => {
    await withServer(new Map(), async (url) => {
      writeCorpusMirror(mirror, url);
      writeLock(mirror);
      await expect(syncCorpus({ lockPath, dest, download: true })).rejects.toThrow(/cannot download demo\/schema\/a\.capnp from .*: HTTP 404/);
    });
    // The server is closed now: connection refused.
    await expect(syncCorpus({ lockPath, dest, download: true })).rejects.toThrow(/cannot download .*network unreachable\? use --mirror DIR/);
    expect(existsSync(dest)).toBe(false);
  });
});
