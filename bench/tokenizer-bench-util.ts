/** Shared helpers of the tokenizer benchmarks (bench/tokenizer-*.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCorpusJsonl } from '../src/data/corpus-file.js';
import { DEFAULT_CORPUS_DIR } from '../src/data/paths.js';
import { UserError } from '../src/errors.js';

export { machineInfo } from '../src/eval/machine.js';

/** `--name value` from the command line, or undefined. */
export function parseFlag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The *.jsonl files of the installed corpus (data/corpus, from `capplan data sync`). */
export function benchCorpusFiles(): string[] {
  let names: string[];
  try {
    names = readdirSync(DEFAULT_CORPUS_DIR).filter((n) => n.endsWith('.jsonl'));
  } catch {
    throw new UserError(`corpus not installed in ${DEFAULT_CORPUS_DIR}: run \`capplan data sync\``);
  }
  return names.sort().map((n) => join(DEFAULT_CORPUS_DIR, n));
}

/** Every document text of the installed corpus. */
export function benchCorpusDocuments(): string[] {
  return benchCorpusFiles().flatMap((path) => parseCorpusJsonl(readFileSync(path, 'utf8'), path).map((d) => d.text));
}
