import { writeFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { loadCatalog } from '../data/catalog.js';
import { DEFAULT_LOCK_PATH, REPO_ROOT } from '../data/paths.js';
import { CORPUS_LOCK_INPUT } from '../data/lock.js';
import { writeManifest, type ManifestInput } from '../provenance/manifest.js';
import { buildDirAtomic } from '../util/atomic.js';
import { AtomMatcher } from './atom-matcher.js';
import { trainBpe } from './bpe-trainer.js';
import { chunkWords, countTrainingChunks } from './chunk-counts.js';
import { resolveConfigPaths, type TokenizerConfig } from './config.js';
import { formatRanks, RANKS_FILE, TOKENIZER_FILE, type TokenizerFile } from './format.js';
import { RUNTIME_SPLIT_PATTERN } from './pattern.js';
import { buildReservedAtoms, controlTokenNames } from './reserved.js';
import { exportHfTokenizer } from './hf/export.js';
import { loadTrainingInputs, type TrainingInputs } from './training-inputs.js';

export interface TrainSummary {
  vocabSize: number;
  merges: number;
  reservedAtoms: number;
  controlTokens: number;
  documents: number;
  trainingBytes: number;
  uniqueChunks: number;
  seconds: number;
}

/** Paths in tokenizer.json are relative to the checkout (posix separators), so they read the same on every clone. */
function portablePath(path: string): string {
  return relative(REPO_ROOT, resolve(path)).split(sep).join('/');
}

/**
 * Trains the tokenizer described by `config` and writes `outDir` atomically: capos.tiktoken,
 * tokenizer.json, manifest.json, and the Hugging Face export in hf/. Any failure leaves `outDir` as it was.
 */
export async function trainTokenizer(
  rawConfig: TokenizerConfig,
  outDir: string,
  log: (line: string) => void = () => {},
): Promise<TrainSummary> {
  const startedAt = new Date();
  const config = resolveConfigPaths(rawConfig);
  const catalog = loadCatalog(config.catalog);
  const atoms = buildReservedAtoms(catalog);
  const controls = controlTokenNames();
  const minimum = 256 + atoms.length + controls.length;
  if (config.vocab_size < minimum) {
    throw new UserError(
      `field \`vocab_size\`: ${config.vocab_size} is too small: need at least ${minimum} (256 bytes + ${atoms.length} reserved atoms + ${controls.length} control tokens)`,
    );
  }
  const inputs: TrainingInputs = loadTrainingInputs(config);
  log(`training on ${inputs.texts.length} texts from ${inputs.source}`);

  const matcher = new AtomMatcher(atoms);
  const counts = countTrainingChunks(inputs.texts, matcher);
  const { words, weights } = chunkWords(counts);
  if (words.length === 0) throw new UserError(`training input has nothing to learn from (${inputs.source}): no chunk of 2+ bytes`);
  const requestedMerges = config.vocab_size - minimum;
  const model = trainBpe(words, weights, requestedMerges, ({ merges, target }) => {
    if (merges % 2000 === 0) log(`merges ${merges}/${target}`);
  });
  const merges = model.merges.length;
  if (merges < requestedMerges) log(`note: only ${merges} merges learned (input exhausted); vocab is ${minimum + merges}, not ${config.vocab_size}`);

  const atomBase = 256 + merges;
  const controlBase = atomBase + atoms.length;
  const tokenizerFile: TokenizerFile = {
    format: 'capplan-tokenizer',
    version: 1,
    pattern: RUNTIME_SPLIT_PATTERN,
    ranks_file: RANKS_FILE,
    vocab_size: controlBase + controls.length,
    merges,
    reserved_atoms: atoms.map((a, i) => ({
      id: atomBase + i,
      text: a.text,
      group: a.group,
      boundary_start: a.boundaryStart,
      boundary_end: a.boundaryEnd,
    })),
    special_tokens: Object.fromEntries(controls.map((name, i) => [name, controlBase + i])),
    training_inputs: {
      sha256: inputs.sha256,
      source: inputs.source,
      files: inputs.files.map((f) => ({ path: portablePath(f.path), sha256: f.sha256 })),
    },
  };

  await buildDirAtomic(outDir, async (tmp) => {
    writeFileSync(join(tmp, RANKS_FILE), formatRanks(model.tokenBytes));
    writeFileSync(join(tmp, TOKENIZER_FILE), JSON.stringify(tokenizerFile, null, 2) + '\n');
    const manifestInputs: Record<string, ManifestInput> = {};
    for (const f of inputs.files) manifestInputs[manifestInputName(f.path, config.catalog)] = { path: f.path, sha256: f.sha256 };
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    writeManifest(tmp, {
      stage: 'tokenizer',
      inputs: manifestInputs,
      config: { ...rawConfig, resolved_vocab_size: tokenizerFile.vocab_size },
      seeds: {},
      metrics: { merges, requested_merges: requestedMerges, unique_chunks: words.length, train_seconds: seconds },
      startedAt,
      endedAt: new Date(),
    });
    // After the manifest: the export is derived from the tokenizer and pins it with its own manifest.
    await exportHfTokenizer(tmp);
  });

  return {
    vocabSize: tokenizerFile.vocab_size,
    merges,
    reservedAtoms: atoms.length,
    controlTokens: controls.length,
    documents: inputs.texts.length,
    trainingBytes: inputs.texts.reduce((n, t) => n + Buffer.byteLength(t.text, 'utf8'), 0),
    uniqueChunks: words.length,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
  };
}

/** Provenance input names: the corpus lock under the shared name, so `capplan verify` also checks the installed corpus. */
function manifestInputName(path: string, catalogPath: string): string {
  if (path === catalogPath) return 'catalog';
  if (resolve(path) === resolve(DEFAULT_LOCK_PATH)) return CORPUS_LOCK_INPUT;
  return basename(path);
}
