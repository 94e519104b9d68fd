import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tiktoken } from 'tiktoken/lite';
import { parseCorpusJsonl } from '../src/data/corpus-file.js';
import { DEFAULT_CORPUS_DIR, REPO_ROOT } from '../src/data/paths.js';
import { AtomMatcher } from '../src/tokenizer/atom-matcher.js';
import { splitChunks } from '../src/tokenizer/pattern.js';
import { loadTokenizer, reservedAtomsOf } from '../src/tokenizer/tokenizer.js';

const TOKENIZER_DIR = join(REPO_ROOT, 'tokenizer');

function corpusDocuments(): string[] {
  return readdirSync(DEFAULT_CORPUS_DIR)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()
    .flatMap((n) => parseCorpusJsonl(readFileSync(join(DEFAULT_CORPUS_DIR, n), 'utf8'), n).map((d) => d.text));
}

const missing = !existsSync(DEFAULT_CORPUS_DIR)
  ? `corpus not installed in ${DEFAULT_CORPUS_DIR} (run \`capplan data sync\`)`
  : !existsSync(join(TOKENIZER_DIR, 'tokenizer.json'))
    ? `no default tokenizer in ${TOKENIZER_DIR} (run \`capplan tok train\`)`
    : null;
if (missing) console.warn(`tokenizer-corpus.test: skipped: ${missing}`);

describe.skipIf(missing !== null)('default tokenizer on the whole corpus', () => {
  it('round-trips every document: decode(encode(x)) = x and encode(decode(ids)) = ids', () => {
    const tok = loadTokenizer(TOKENIZER_DIR);
    try {
      const docs = corpusDocuments();
      expect(docs.length).toBeGreaterThan(100);
      let failures = 0;
      for (const doc of docs) {
        // decode(encode(x)) = x also gives encode(decode(ids)) = encode(x) = ids (encoding is a function).
        if (tok.decode(tok.encode(doc)) !== doc) failures++;
      }
      expect(failures).toBe(0);
    } finally {
      tok.free();
    }
  });

  it('splits every gap between reserved atoms exactly as the runtime tiktoken encoder does', () => {
    const tok = loadTokenizer(TOKENIZER_DIR);
    const matcher = new AtomMatcher(reservedAtomsOf(tok.info));
    tok.free();
    const gaps: string[] = [];
    for (const doc of corpusDocuments()) {
      matcher.scan(doc, (s, e) => gaps.push(doc.slice(s, e)), () => {});
    }
    // Vocabulary = bytes + every JS chunk: tiktoken then returns one id per piece exactly when its
    // pieces are the JS chunks (a piece boundary inside a chunk makes that chunk's id impossible).
    const ids = new Map<string, number>();
    const lines: string[] = [];
    const add = (bytes: Buffer): void => {
      const key = bytes.toString('latin1');
      if (ids.has(key)) return;
      lines.push(`${bytes.toString('base64')} ${ids.size}`);
      ids.set(key, ids.size);
    };
    for (let b = 0; b < 256; b++) add(Buffer.from([b]));
    const chunked = gaps.map((gap) => splitChunks(gap));
    for (const chunks of chunked) for (const c of chunks) add(Buffer.from(c, 'utf8'));
    const tk = new Tiktoken(lines.join('\n') + '\n', {}, tok.info.pattern);
    try {
      const mismatches: string[] = [];
      gaps.forEach((gap, i) => {
        const expected = chunked[i]!.map((c) => ids.get(Buffer.from(c, 'utf8').toString('latin1'))!);
        const got = tk.encode_ordinary(gap);
        if (got.length !== expected.length || expected.some((id, j) => got[j] !== id)) mismatches.push(JSON.stringify(gap.slice(0, 80)));
      });
      expect(mismatches.slice(0, 5)).toEqual([]);
      expect(gaps.length).toBeGreaterThan(1000);
    } finally {
      tk.free();
    }
  });
});
