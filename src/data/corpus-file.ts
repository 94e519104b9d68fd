import { UserError } from '../errors.js';

export const CORPUS_KINDS = ['capnp', 'doc', 'book'] as const;
export type CorpusKind = (typeof CORPUS_KINDS)[number];

export interface CorpusDocument {
  id: string;
  text: string;
  kind: CorpusKind;
}

/**
 * One JSONL line exactly as the corpus was written (Python json.dumps, ensure_ascii=False, default
 * separators). JSON.stringify escapes strings the same way, so re-serialising a downloaded document
 * reproduces the pinned file byte for byte and its sha256 can be checked.
 */
export function serializeCorpusLine(doc: CorpusDocument): string {
  return `{"id": ${JSON.stringify(doc.id)}, "text": ${JSON.stringify(doc.text)}, "kind": ${JSON.stringify(doc.kind)}}\n`;
}

/** Parses a corpus JSONL file; every problem names the file and line. */
export function parseCorpusJsonl(text: string, source: string): CorpusDocument[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    const where = `${source}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UserError(`${where}: not a JSON object`);
    }
    const doc = value as Partial<CorpusDocument> | null;
    if (typeof doc?.id !== 'string' || !doc.id) throw new UserError(`${where}: field \`id\` must be a non-empty string`);
    if (typeof doc.text !== 'string') throw new UserError(`${where}: field \`text\` must be a string`);
    if (!CORPUS_KINDS.includes(doc.kind as CorpusKind)) {
      throw new UserError(`${where}: field \`kind\` must be one of ${CORPUS_KINDS.join(', ')}`);
    }
    return { id: doc.id, text: doc.text, kind: doc.kind as CorpusKind };
  });
}
