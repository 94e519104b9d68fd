import { z } from 'zod';
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { loadConfig } from '../config/load.js';
import { sha256FileSync } from '../util/hash.js';
import { CORPUS_KINDS } from './corpus-file.js';
import { DEFAULT_LOCK_PATH, REPO_ROOT } from './paths.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

/** How a book was cut out of its raw Project Gutenberg file (see gutenberg.ts). */
export const bookSourceShape = {
  raw_sha256: sha256,
  raw_bytes: z.number().int().positive(),
  raw_encoding: z.enum(['utf-8', 'ascii', 'iso-8859-1']),
  start_marker: z.string().min(1),
  end_marker: z.string().min(1),
};

const lockedDocumentSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(CORPUS_KINDS),
    repo: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-digit commit hash'),
    path: z.string().min(1),
    license: z.string().min(1),
    /** sha256 and size of the document text as UTF-8 (for repo files: the raw file at the commit). */
    sha256,
    bytes: z.number().int().nonnegative(),
    book: z.object(bookSourceShape).strict().optional(),
  })
  .strict();

const lockedFileSchema = z
  .object({
    file: z.string().regex(/^[A-Za-z0-9._-]+\.jsonl$/, 'expected a plain *.jsonl file name'),
    sha256,
    bytes: z.number().int().nonnegative(),
    documents: z.number().int().nonnegative(),
    license: z.string().min(1),
    repo: z.union([z.string(), z.array(z.string())]),
    commit: z.union([z.string(), z.array(z.string())]),
    /** `{repo}`, `{commit}` and `{path}` are filled from the document entry. */
    url_template: z.string().includes('{path}'),
    docs: z.array(lockedDocumentSchema),
  })
  .strict()
  .refine((f) => f.docs.length === f.documents, { message: '`documents` must equal the number of `docs` entries' });

export const corpusLockSchema = z
  .object({
    version: z.literal(1),
    source: z
      .object({ created: z.string(), manifest_sha256: sha256, documents_tsv_sha256: sha256 })
      .strict(),
    files: z.array(lockedFileSchema).min(1),
    split: z
      .object({
        rule: z.string(),
        segment_bytes: z.number().int().positive(),
        buckets: z.number().int().min(2),
        segments: z.number().int().nonnegative(),
        val_segments: z.number().int().nonnegative(),
        train_bytes: z.number().int().nonnegative(),
        val_bytes: z.number().int().nonnegative(),
        val: z.array(z.string()),
      })
      .strict(),
  })
  .strict();

export type CorpusLock = z.output<typeof corpusLockSchema>;
export type LockedFile = CorpusLock['files'][number];
export type LockedDocument = LockedFile['docs'][number];

export function loadLock(path = DEFAULT_LOCK_PATH): CorpusLock {
  return loadConfig(corpusLockSchema, path);
}

/** The download URL of a document: raw repo file, or for a book its raw Gutenberg text. */
export function documentUrl(file: LockedFile, doc: LockedDocument): string {
  return file.url_template.replaceAll('{repo}', doc.repo).replaceAll('{commit}', doc.commit).replaceAll('{path}', doc.path);
}

/** Whether `path` holds exactly the pinned bytes of `file`. */
export function matchesLock(path: string, file: LockedFile): boolean {
  if (!existsSync(path) || statSync(path).size !== file.bytes) return false;
  return sha256FileSync(path) === file.sha256;
}

/**
 * The manifest input name under which stages record the corpus lock; `capplan verify` then also
 * checks the corpus installed next to that lock (data/corpus/ beside data/inputs.lock.json).
 */
export const CORPUS_LOCK_INPUT = 'corpus_lock';

/** The corpus lock as a provenance input: `inputs: { [CORPUS_LOCK_INPUT]: corpusLockInput() }`. */
export function corpusLockInput(path = DEFAULT_LOCK_PATH): { path: string; sha256: string } {
  return { path, sha256: sha256FileSync(path) };
}

/** A short path for messages: relative to the checkout when inside it. */
export function displayPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
