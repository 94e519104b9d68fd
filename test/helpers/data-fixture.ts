import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');
const line = (id: string, text: string, kind: string): string =>
  `{"id": ${JSON.stringify(id)}, "text": ${JSON.stringify(text)}, "kind": ${JSON.stringify(kind)}}\n`;

export const DEMO_COMMIT = '1'.repeat(40);
export const BOOK_COMMIT = '2'.repeat(40);

/** A raw Project Gutenberg file: ISO-8859-1, CRLF, boilerplate around the body, a PG note inside. */
export const RAW_BOOK = Buffer.from(
  [
    'The Project Gutenberg EBook of Test',
    '',
    '*** START OF THIS PROJECT GUTENBERG EBOOK TEST ***',
    '',
    '',
    'TEST BOOK',
    '',
    'Caf\u00e9 society was dull.',
    'It rained.',
    '',
    'Produced with help from Project Gutenberg volunteers.',
    '',
    'The end.',
    '',
    'End of the Project Gutenberg EBook of Test',
    '',
    '*** END OF THIS PROJECT GUTENBERG EBOOK TEST ***',
    'licence text',
    '',
  ].join('\r\n'),
  'latin1',
);
/** The corpus text of RAW_BOOK, written out by hand from the documented transform. */
export const BOOK_TEXT = 'TEST BOOK\n\nCaf\u00e9 society was dull.\nIt rained.\n\n\nThe end.\n';

export const REPO_DOCS = [
  { id: 'demo/schema/a.capnp', path: 'schema/a.capnp', kind: 'capnp', text: '@0xbf5147cbbecf40c1;\nstruct A { x @0 :Text; }\n' },
  { id: 'demo/docs/b.md', path: 'docs/b.md', kind: 'doc', text: '# B\n\n"Quoted" text, tab\there, caf\u00e9 \u2603.\n' },
];

/**
 * Writes a miniature corpus mirror (MANIFEST.json, DOCUMENTS.tsv, two JSONL files) whose
 * url templates point at `urlBase`; returns the raw files a download server must serve, by URL path.
 */
export function writeCorpusMirror(dir: string, urlBase = 'http://127.0.0.1:9'): Map<string, Buffer> {
  mkdirSync(dir, { recursive: true });
  const demo = REPO_DOCS.map((d) => line(d.id, d.text, d.kind)).join('');
  const books = line('gutenberg/1.txt', BOOK_TEXT, 'book');
  writeFileSync(join(dir, 'demo.jsonl'), demo);
  writeFileSync(join(dir, 'books.jsonl'), books);
  const manifest = {
    created: '2026-01-01',
    files: [
      {
        file: 'demo.jsonl', sha256: sha(demo), bytes: Buffer.byteLength(demo), documents: 2,
        repo: 'demo/demo', commit: DEMO_COMMIT, license: 'MIT',
        url_template: `${urlBase}/demo/demo/${DEMO_COMMIT}/{path}`,
      },
      {
        file: 'books.jsonl', sha256: sha(books), bytes: Buffer.byteLength(books), documents: 1,
        repo: ['pg/test'], commit: [BOOK_COMMIT], license: 'LicenseRef-PublicDomain',
        url_template: `${urlBase}/{repo}/{commit}/{path}`,
        books: [{
          id: 'gutenberg/1.txt', raw_sha256: sha(RAW_BOOK), raw_bytes: RAW_BOOK.length, raw_encoding: 'iso-8859-1',
          start_marker: '*** START OF THIS PROJECT GUTENBERG EBOOK TEST ***',
          end_marker: '*** END OF THIS PROJECT GUTENBERG EBOOK TEST ***',
        }],
      },
    ],
  };
  writeFileSync(join(dir, 'MANIFEST.json'), JSON.stringify(manifest, null, 2));
  const rows = [
    ...REPO_DOCS.map((d) => [d.id, 'demo/demo', DEMO_COMMIT, d.path, 'MIT', sha(d.text), Buffer.byteLength(d.text)]),
    ['gutenberg/1.txt', 'pg/test', BOOK_COMMIT, '1.txt', 'LicenseRef-PublicDomain', sha(BOOK_TEXT), Buffer.byteLength(BOOK_TEXT)],
  ];
  writeFileSync(join(dir, 'DOCUMENTS.tsv'), ['id\trepo\tcommit\tpath\tlicense\tsha256\tbytes', ...rows.map((r) => r.join('\t'))].join('\n') + '\n');
  return new Map<string, Buffer>([
    ...REPO_DOCS.map((d): [string, Buffer] => [`/demo/demo/${DEMO_COMMIT}/${d.path}`, Buffer.from(d.text)]),
    [`/pg/test/${BOOK_COMMIT}/1.txt`, RAW_BOOK],
  ]);
}

/** A static file server on 127.0.0.1 (the only network the tests may use). */
export async function serveFiles(files: Map<string, Buffer>): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    res.writeHead(body ? 200 : 404).end(body ?? 'not found');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}
