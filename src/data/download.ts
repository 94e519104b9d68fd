import { UserError, messageOf } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { serializeCorpusLine } from './corpus-file.js';
import { bookTextFromRaw } from './gutenberg.js';
import { documentUrl, type LockedDocument, type LockedFile } from './lock.js';

export type Fetch = typeof fetch;

const REQUEST_TIMEOUT_MS = 60_000;
const PARALLEL_REQUESTS = 8;

async function fetchBytes(url: string, docId: string, fetchImpl: Fetch): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new UserError(
      `cannot download ${docId} from ${url}: ${messageOf(cause ?? err)} (network unreachable? use --mirror DIR with a copy of the corpus)`,
    );
  }
  if (!res.ok) throw new UserError(`cannot download ${docId} from ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Downloads one document and checks it against the lock; returns its text. */
async function downloadDocument(file: LockedFile, doc: LockedDocument, fetchImpl: Fetch): Promise<string> {
  const url = documentUrl(file, doc);
  const raw = await fetchBytes(url, doc.id, fetchImpl);
  let text: string;
  if (doc.book) {
    if (sha256Hex(raw) !== doc.book.raw_sha256) throw new UserError(`${url}: sha256 mismatch for the raw text of ${doc.id}`);
    text = bookTextFromRaw(raw, doc.book, url);
  } else {
    text = Buffer.from(raw).toString('utf8');
  }
  if (sha256Hex(text) !== doc.sha256) throw new UserError(`${url}: sha256 mismatch for ${doc.id}`);
  return text;
}

async function mapParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (err) {
        next = items.length; // stop the other workers from starting new requests
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Rebuilds one pinned JSONL file from the per-document URLs: every document is checked against
 * its sha256, then the assembled file against the file's sha256.
 */
export async function downloadCorpusFile(file: LockedFile, fetchImpl: Fetch = fetch): Promise<Buffer> {
  const texts = await mapParallel(file.docs, PARALLEL_REQUESTS, (doc) => downloadDocument(file, doc, fetchImpl));
  const jsonl = Buffer.from(file.docs.map((doc, i) => serializeCorpusLine({ id: doc.id, kind: doc.kind, text: texts[i]! })).join(''));
  if (sha256Hex(jsonl) !== file.sha256) throw new UserError(`${file.file}: assembled from downloads, but its sha256 differs from the lock`);
  return jsonl;
}
