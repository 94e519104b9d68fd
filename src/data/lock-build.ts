import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseWith, readJsonFile } from '../config/load.js';
import { UserError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { parseCorpusJsonl } from './corpus-file.js';
import { bookSourceShape, corpusLockSchema, type CorpusLock, type LockedDocument, type LockedFile } from './lock.js';
import { DEFAULT_SPLIT_RULE, describeSplitRule, isValSegment, segmentDocument, type SplitRule } from './split.js';

/** The parts of the corpus's MANIFEST.json the lock pins; everything else there is documentation. */
const manifestSchema = z.object({
  created: z.string(),
  files: z
    .array(
      z.object({
        file: z.string(),
        sha256: z.string(),
        bytes: z.number(),
        documents: z.number(),
        repo: z.union([z.string(), z.array(z.string())]),
        commit: z.union([z.string(), z.array(z.string())]),
        license: z.string(),
        url_template: z.string(),
        books: z.array(z.object({ id: z.string(), ...bookSourceShape })).optional(),
      }),
    )
    .min(1),
});

interface TsvRow {
  repo: string;
  commit: string;
  path: string;
  license: string;
  sha256: string;
  bytes: number;
}

function readDocumentsTsv(path: string, text: string): Map<string, TsvRow> {
  const [header, ...lines] = text.split('\n').filter((l) => l !== '');
  const expected = 'id\trepo\tcommit\tpath\tlicense\tsha256\tbytes';
  if (header !== expected) throw new UserError(`${path}: header must be "${expected.replaceAll('\t', ' ')}" (tab-separated)`);
  const rows = new Map<string, TsvRow>();
  lines.forEach((line, i) => {
    const cols = line.split('\t');
    if (cols.length !== 7) throw new UserError(`${path}:${i + 2}: expected 7 tab-separated columns, got ${cols.length}`);
    const [id, repo, commit, docPath, license, sha, bytes] = cols as [string, string, string, string, string, string, string];
    rows.set(id, { repo, commit, path: docPath, license, sha256: sha, bytes: Number(bytes) });
  });
  return rows;
}

function readMirrorFile(dir: string, name: string): Buffer {
  const path = join(dir, name);
  if (!existsSync(path)) throw new UserError(`${path}: missing (a corpus mirror needs MANIFEST.json, DOCUMENTS.tsv and the JSONL files)`);
  return readFileSync(path);
}

/**
 * Builds the lock from a corpus folder (MANIFEST.json, DOCUMENTS.tsv, *.jsonl), cross-checking
 * every file hash and every document hash, and computes the train/val split.
 */
export function buildLock(mirrorDir: string, rule: SplitRule = DEFAULT_SPLIT_RULE): CorpusLock {
  const manifestPath = join(mirrorDir, 'MANIFEST.json');
  const manifestBytes = readMirrorFile(mirrorDir, 'MANIFEST.json');
  const manifest = parseWith(manifestSchema, readJsonFile(manifestPath), manifestPath);
  const tsvBytes = readMirrorFile(mirrorDir, 'DOCUMENTS.tsv');
  const rows = readDocumentsTsv(join(mirrorDir, 'DOCUMENTS.tsv'), tsvBytes.toString('utf8'));

  const split = { segments: 0, val_segments: 0, train_bytes: 0, val_bytes: 0, val: [] as string[] };
  const files: LockedFile[] = manifest.files.map((entry) => {
    const path = join(mirrorDir, entry.file);
    const bytes = readMirrorFile(mirrorDir, entry.file);
    if (sha256Hex(bytes) !== entry.sha256 || bytes.length !== entry.bytes) {
      throw new UserError(`${path}: sha256/size differ from MANIFEST.json`);
    }
    const docs: LockedDocument[] = parseCorpusJsonl(bytes.toString('utf8'), path).map((doc) => {
      const row = rows.get(doc.id);
      if (!row) throw new UserError(`${path}: document ${doc.id} is not listed in DOCUMENTS.tsv`);
      const text = Buffer.from(doc.text, 'utf8');
      if (sha256Hex(text) !== row.sha256 || text.length !== row.bytes) {
        throw new UserError(`${path}: document ${doc.id} differs from its DOCUMENTS.tsv sha256/bytes`);
      }
      for (const seg of segmentDocument(doc, rule)) {
        const segBytes = Buffer.byteLength(seg.text, 'utf8');
        split.segments++;
        if (isValSegment(doc.id, seg.index, rule)) {
          split.val.push(seg.id);
          split.val_bytes += segBytes;
        } else {
          split.train_bytes += segBytes;
        }
      }
      const locked: LockedDocument = { id: doc.id, kind: doc.kind, ...row };
      if (doc.kind === 'book') {
        const book = entry.books?.find((b) => b.id === doc.id);
        if (!book) throw new UserError(`${manifestPath}: book ${doc.id} has no entry under files[].books`);
        const { raw_sha256, raw_bytes, raw_encoding, start_marker, end_marker } = book;
        locked.book = { raw_sha256, raw_bytes, raw_encoding, start_marker, end_marker };
      }
      return locked;
    });
    const { file, sha256, documents, license, repo, commit, url_template } = entry;
    return { file, sha256, bytes: entry.bytes, documents, license, repo, commit, url_template, docs };
  });
  split.val_segments = split.val.length;

  const lock: CorpusLock = {
    version: 1,
    source: { created: manifest.created, manifest_sha256: sha256Hex(manifestBytes), documents_tsv_sha256: sha256Hex(tsvBytes) },
    files,
    split: { rule: describeSplitRule(rule), segment_bytes: rule.segment_bytes, buckets: rule.buckets, ...split },
  };
  // The lock must satisfy the schema the readers load it with.
  return parseWith(corpusLockSchema, lock, manifestPath);
}
