import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { readCorpus } from '../data/corpus.js';
import { parseCorpusJsonl } from '../data/corpus-file.js';
import { DEFAULT_CORPUS_DIR, DEFAULT_LOCK_PATH, REPO_ROOT } from '../data/paths.js';
import { sha256Hex } from '../util/hash.js';
import type { TokenizerConfig } from './config.js';
import type { WeightedText } from './chunk-counts.js';
import { loadCatalog } from '../data/catalog.js';
import { descriptorsFromCatalog, serializeDescriptor } from '../data/descriptor.js';

export interface InputFile {
  path: string;
  sha256: string;
}

export interface TrainingInputs {
  texts: WeightedText[];
  /** Every file the texts came from (or that pins them), with its sha256. */
  files: InputFile[];
  /** sha256 over the sorted "file-name sha256" lines of `files`: one identity for all training inputs, the same on every clone. */
  sha256: string;
  /** How the corpus was read, for logs and the manifest. */
  source: string;
}

function hashFile(path: string): InputFile {
  return { path, sha256: sha256Hex(readFileSync(path)) };
}

export function combinedSha256(files: readonly InputFile[]): string {
  return sha256Hex(files.map((f) => `${basename(f.path)} ${f.sha256}\n`).sort().join(''));
}

/** Every *.jsonl file of a folder, all documents (no split), each file hashed. */
function readJsonlFolder(dir: string): { texts: string[]; files: InputFile[] } {
  const names = readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort();
  if (names.length === 0) throw new UserError(`corpus not found: no *.jsonl files in ${dir}`);
  const texts: string[] = [];
  const files: InputFile[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const bytes = readFileSync(path);
    files.push({ path, sha256: sha256Hex(bytes) });
    for (const doc of parseCorpusJsonl(bytes.toString('utf8'), path)) texts.push(doc.text);
  }
  return { texts, files };
}

/**
 * The corpus part of the training text.
 * - The installed corpus (data/corpus with data/inputs.lock.json, from `capplan data sync`) is read
 *   through `readCorpus`: hash-checked against the lock, train split applied.
 * - Any other folder of corpus JSONL files (e.g. a test fixture) is read whole.
 */
function corpusTexts(config: TokenizerConfig): { texts: string[]; files: InputFile[]; source: string } {
  const dir = resolve(config.corpus.dir);
  const isInstalledCorpus = dir === DEFAULT_CORPUS_DIR;
  const shown = relative(REPO_ROOT, dir).split(sep).join('/');
  if (isInstalledCorpus && existsSync(DEFAULT_LOCK_PATH) && existsSync(dir)) {
    const texts = [...readCorpus({ dir, lockPath: DEFAULT_LOCK_PATH, split: config.corpus.split })].map((s) => s.text);
    return { texts, files: [hashFile(DEFAULT_LOCK_PATH)], source: `${shown} (split: ${config.corpus.split})` };
  }
  if (existsSync(dir)) return { ...readJsonlFolder(dir), source: `${shown} (all documents)` };
  throw new UserError(`corpus not found: ${config.corpus.dir} does not exist (run \`capplan data sync\`)`);
}

/** Binary input is refused: BPE on it would learn nothing useful and hints at a wrong file. */
function checkText(text: string, source: string): void {
  if (text.includes('\u0000')) throw new UserError(`${source}: binary input (contains NUL bytes)`);
  if (text.includes('\uFFFD')) throw new UserError(`${source}: not valid UTF-8 text`);
}

/**
 * Corpus documents, the optional extra files (when present), and the catalog's tool descriptors in
 * their canonical compact form counted `catalog_weight` times: the descriptions are the plain English
 * of descriptors and plan rationales, which the corpus alone under-represents.
 */
export function loadTrainingInputs(config: TokenizerConfig): TrainingInputs {
  const corpus = corpusTexts(config);
  corpus.texts.forEach((t, i) => checkText(t, `${corpus.source}: document ${i + 1}`));
  if (corpus.texts.every((t) => t.length === 0)) throw new UserError(`training input is empty (${corpus.source})`);
  const texts: WeightedText[] = corpus.texts.map((text) => ({ text, weight: 1 }));
  const files = [...corpus.files, hashFile(config.catalog)];
  for (const path of config.optional_files) {
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    const text = bytes.toString('utf8');
    checkText(text, path);
    texts.push({ text, weight: 1 });
    files.push({ path, sha256: sha256Hex(bytes) });
  }
  if (config.catalog_weight > 0) {
    const lines = descriptorsFromCatalog(loadCatalog(config.catalog)).map((d) => serializeDescriptor(d) + '\n');
    texts.push({ text: lines.join(''), weight: config.catalog_weight });
  }
  return { texts, files, sha256: combinedSha256(files), source: corpus.source };
}
