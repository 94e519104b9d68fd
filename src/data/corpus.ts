import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { parseCorpusJsonl, type CorpusKind } from './corpus-file.js';
import { displayPath, loadLock, matchesLock } from './lock.js';
import { DEFAULT_CORPUS_DIR, DEFAULT_LOCK_PATH } from './paths.js';
import { segmentDocument } from './split.js';

export type CorpusSplit = 'train' | 'val';

export interface CorpusSegment {
  /** Document id, or "<document id>#NNNN" for a segment of a book. */
  id: string;
  /** The id of the document the segment comes from. */
  doc: string;
  text: string;
  kind: CorpusKind;
  split: CorpusSplit;
}

export interface ReadCorpusOptions {
  /** The installed corpus (default data/corpus/). */
  dir?: string;
  /** The lock the install is checked against (default data/inputs.lock.json). */
  lockPath?: string;
  split?: CorpusSplit | 'all';
}

/**
 * Yields the installed corpus as segments of the pinned train/val split, in lock order (files,
 * then documents, then segments). Every file is checked against its locked sha256 before the first
 * segment is yielded, so a stage never trains on bytes the lock does not pin.
 */
export function* readCorpus(opts: ReadCorpusOptions = {}): Generator<CorpusSegment> {
  const lock = loadLock(opts.lockPath ?? DEFAULT_LOCK_PATH);
  const dir = resolve(opts.dir ?? DEFAULT_CORPUS_DIR);
  const wanted = opts.split ?? 'all';
  if (!existsSync(dir)) throw new UserError(`corpus not installed in ${displayPath(dir)}: run \`capplan data sync\``);

  const contents = lock.files.map((file) => {
    const path = join(dir, file.file);
    if (!existsSync(path)) throw new UserError(`corpus not installed: ${displayPath(path)} is missing; run \`capplan data sync\``);
    const bytes = readFileSync(path);
    if (sha256Hex(bytes) !== file.sha256) {
      throw new UserError(`${displayPath(path)}: sha256 differs from the lock (corpus modified?); run \`capplan data sync\``);
    }
    return { path, text: bytes.toString('utf8') };
  });

  const rule = { segment_bytes: lock.split.segment_bytes, buckets: lock.split.buckets };
  const val = new Set(lock.split.val);
  let yielded = 0;
  for (const { path, text } of contents) {
    for (const doc of parseCorpusJsonl(text, displayPath(path))) {
      for (const seg of segmentDocument(doc, rule)) {
        const split: CorpusSplit = val.has(seg.id) ? 'val' : 'train';
        if (wanted !== 'all' && split !== wanted) continue;
        yielded++;
        yield { id: seg.id, doc: doc.id, text: seg.text, kind: doc.kind, split };
      }
    }
  }
  if (yielded === 0) throw new UserError(`corpus in ${displayPath(dir)} has no documents in split '${wanted}'`);
}

/** Whether every pinned file is installed with its locked hash (for tests that need the real corpus). */
export function isCorpusInstalled(opts: Omit<ReadCorpusOptions, 'split'> = {}): boolean {
  const lockPath = opts.lockPath ?? DEFAULT_LOCK_PATH;
  if (!existsSync(lockPath)) return false;
  const dir = resolve(opts.dir ?? DEFAULT_CORPUS_DIR);
  return loadLock(lockPath).files.every((f) => matchesLock(join(dir, f.file), f));
}

/**
 * Checks the corpus installed beside a lock (`<lock dir>/corpus/`) against it; returns the files
 * checked, or null when nothing is installed there. Throws a UserError naming a changed or missing file.
 */
export function verifyInstalledCorpus(lockPath: string): string[] | null {
  const dir = join(dirname(lockPath), 'corpus');
  if (!existsSync(dir)) return null;
  return loadLock(lockPath).files.map((f) => {
    const path = join(dir, f.file);
    if (!matchesLock(path, f)) throw new UserError(`${path}: ${existsSync(path) ? 'sha256 differs from' : 'missing, pinned by'} ${lockPath}`);
    return path;
  });
}
