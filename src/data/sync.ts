import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { buildDirAtomic, writeFileAtomic } from '../util/atomic.js';
import { sha256Hex } from '../util/hash.js';
import { downloadCorpusFile, type Fetch } from './download.js';
import { displayPath, loadLock, matchesLock, type LockedFile } from './lock.js';
import { DEFAULT_CORPUS_DIR, DEFAULT_LOCK_PATH, DEFAULT_MIRROR_DIR } from './paths.js';

export interface SyncOptions {
  lockPath?: string;
  /** Where the corpus is installed (default data/corpus/). */
  dest?: string;
  /** A folder holding the pinned JSONL files; default ../shared/corpus when it exists. */
  mirror?: string;
  /** Download from the pinned URLs even when the default mirror exists. */
  download?: boolean;
  fetch?: Fetch;
  log?: (line: string) => void;
}

export interface SyncResult {
  status: 'up-to-date' | 'installed';
  files: number;
  bytes: number;
  /** The mirror folder or "download"; null when nothing had to be fetched. */
  source: string | null;
}

function readFromMirror(mirror: string, file: LockedFile): Buffer {
  const path = join(mirror, file.file);
  if (!existsSync(path)) throw new UserError(`${path}: missing from the corpus mirror`);
  const bytes = readFileSync(path);
  const got = sha256Hex(bytes);
  if (got !== file.sha256) {
    throw new UserError(`${path}: sha256 mismatch (lock ${file.sha256.slice(0, 12)}…, file ${got.slice(0, 12)}…); refusing to install`);
  }
  return bytes;
}

function chooseSource(opts: SyncOptions): string {
  if (opts.mirror !== undefined) {
    const mirror = resolve(opts.mirror);
    if (!existsSync(mirror) || !statSync(mirror).isDirectory()) throw new UserError(`mirror ${opts.mirror}: no such directory`);
    return mirror;
  }
  if (!opts.download && existsSync(DEFAULT_MIRROR_DIR)) return DEFAULT_MIRROR_DIR;
  return 'download';
}

/**
 * Installs the pinned corpus. Files already installed with the right hash are kept; the others
 * come from the mirror or the pinned URLs. The new install is assembled in a temp sibling and
 * swapped in only when every file verified, so a failure (tampered or missing file, network
 * error) leaves the previous install as it was.
 */
export async function syncCorpus(opts: SyncOptions = {}): Promise<SyncResult> {
  const log = opts.log ?? (() => {});
  const lock = loadLock(opts.lockPath ?? DEFAULT_LOCK_PATH);
  const dest = resolve(opts.dest ?? DEFAULT_CORPUS_DIR);
  const bytes = lock.files.reduce((n, f) => n + f.bytes, 0);
  const stale = lock.files.filter((f) => !matchesLock(join(dest, f.file), f));
  if (stale.length === 0) {
    log(`corpus up to date: ${lock.files.length} files, ${bytes} bytes in ${displayPath(dest)} (sha256 verified)`);
    return { status: 'up-to-date', files: lock.files.length, bytes, source: null };
  }

  const source = chooseSource(opts);
  log(`installing ${stale.length} of ${lock.files.length} corpus files from ${source === 'download' ? 'the pinned URLs' : displayPath(source)}`);
  await buildDirAtomic(dest, async (tmp) => {
    for (const file of lock.files) {
      const target = join(tmp, file.file);
      if (!stale.includes(file)) {
        copyFileSync(join(dest, file.file), target);
        continue;
      }
      const content = source === 'download' ? await downloadCorpusFile(file, opts.fetch) : readFromMirror(source, file);
      writeFileAtomic(target, content);
      log(`  ${file.file}: ${file.documents} documents, ${file.bytes} bytes, sha256 ok`);
    }
  });
  log(`corpus installed: ${lock.files.length} files, ${bytes} bytes in ${displayPath(dest)}`);
  return { status: 'installed', files: lock.files.length, bytes, source };
}
