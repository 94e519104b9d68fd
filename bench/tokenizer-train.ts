/**
 * BPE training time and peak memory: our TypeScript trainer (`trainTokenizer`, the whole
 * `capplan tok train` path: read corpus, cut reserved atoms, split, count chunks, merge, write
 * artifacts) against Hugging Face `tokenizers` (Rust, npm package) on the same documents, same
 * vocab size and same split pattern (a Split pre-tokenizer with the runtime regex + ByteLevel
 * without its own regex). Target: ours ≤ 1.5× HF's time.
 *
 * The npm `tokenizers` package exposes no BpeTrainer options, so `Tokenizer.train` uses the default
 * BpeTrainer: vocab 30000, min_frequency 0. Ours is therefore trained at vocab_size 30000 too.
 * Each run is its own child process (so peak RSS is that trainer's alone); the two alternate for
 * `--rounds` rounds so that load from other processes hits both alike; the best round counts.
 *
 * Run from the repo root:  node bench/run.mjs tokenizer-train [--rounds N]
 * Writes bench/results/tokenizer-train-<YYYY-MM-DD>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { parseCorpusJsonl } from '../src/data/corpus-file.js';
import { DEFAULT_CATALOG_PATH } from '../src/data/catalog.js';
import { tokenizerConfigSchema } from '../src/tokenizer/config.js';
import { RUNTIME_SPLIT_PATTERN } from '../src/tokenizer/pattern.js';
import { trainTokenizer } from '../src/tokenizer/train-tokenizer.js';
import { benchCorpusFiles, machineInfo, parseFlag } from './tokenizer-bench-util.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const HF_DEFAULT_VOCAB = 30000;

interface WorkerResult {
  seconds: number;
  max_rss_mib: number;
  vocab_size: number;
}

function hfTokenizerJson(): string {
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: RUNTIME_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: {}, merges: [] },
  });
}

async function runWorker(kind: string, work: string): Promise<WorkerResult> {
  const start = process.hrtime.bigint();
  let vocab: number;
  if (kind === 'hf') {
    const tk = Tokenizer.fromString(hfTokenizerJson());
    tk.train([join(work, 'corpus.txt')]);
    vocab = tk.getVocabSize();
  } else {
    const config = tokenizerConfigSchema.parse({
      vocab_size: HF_DEFAULT_VOCAB,
      catalog: DEFAULT_CATALOG_PATH,
      catalog_weight: 0,
      corpus: { dir: join(work, 'corpus'), split: 'all' },
      optional_files: [],
    });
    vocab = (await trainTokenizer(config, join(work, 'out'))).vocabSize;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, max_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024), vocab_size: vocab };
}

function spawnWorker(kind: string, work: string): WorkerResult {
  const res = spawnSync(
    process.execPath,
    [join('bench', 'run.mjs'), 'tokenizer-train', '--worker', kind, '--work', work],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const line = res.stdout.trim().split('\n').at(-1) ?? '';
  if (res.status !== 0 || !line.startsWith('{')) throw new Error(`${kind} worker failed (exit ${res.status}): ${res.stderr.slice(-2000)}`);
  return JSON.parse(line) as WorkerResult;
}

async function main(): Promise<void> {
  const worker = parseFlag('--worker');
  if (worker) {
    console.log(JSON.stringify(await runWorker(worker, parseFlag('--work')!)));
    return;
  }
  const rounds = Number(parseFlag('--rounds') ?? 3);
  const work = mkdtempSync(join(tmpdir(), 'capplan-bench-train-'));
  try {
    // Same documents for both: ours reads the corpus JSONL files, HF one plain-text file of their texts.
    const files = benchCorpusFiles();
    const texts = files.flatMap((path) => parseCorpusJsonl(readFileSync(path, 'utf8'), path).map((d) => d.text));
    spawnSync('mkdir', ['-p', join(work, 'corpus')]);
    for (const path of files) writeFileSync(join(work, 'corpus', path.split('/').at(-1)!), readFileSync(path));
    writeFileSync(join(work, 'corpus.txt'), texts.join('\n'));
    const runs: Record<string, WorkerResult[]> = { capos: [], hf: [] };
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['capos', 'hf'] as const) {
        const result = spawnWorker(kind, work);
        runs[kind]!.push(result);
        console.error(`round ${r + 1}/${rounds} ${kind}: ${result.seconds.toFixed(2)} s, peak RSS ${result.max_rss_mib} MiB`);
      }
    }
    const best = (kind: string): number => Math.min(...runs[kind]!.map((x) => x.seconds));
    const result = {
      benchmark: 'tokenizer-train',
      date: new Date().toISOString(),
      machine: machineInfo(),
      corpus: { documents: texts.length, bytes: texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0), source: 'every corpus document (data/corpus)' },
      vocab_size: HF_DEFAULT_VOCAB,
      pattern: RUNTIME_SPLIT_PATTERN,
      notes: [
        'capos: trainTokenizer end to end (JSONL parse, reserved-atom cut, JS regex split, chunk counts, BPE, artifact + manifest write), single thread',
        'hf: tokenizers (npm) Tokenizer.train with the default BpeTrainer (vocab 30000), Split(regex)+ByteLevel(use_regex=false); reads one plain-text file line by line; multi-threaded (rayon)',
        'each run in its own process; best of the rounds; peak RSS is the process maxRSS',
      ],
      rounds,
      runs,
      best_seconds: { capos: best('capos'), hf: best('hf') },
      peak_rss_mib: {
        capos: Math.max(...runs.capos!.map((x) => x.max_rss_mib)),
        hf: Math.max(...runs.hf!.map((x) => x.max_rss_mib)),
      },
      ratio_capos_to_hf: Number((best('capos') / best('hf')).toFixed(3)),
      target: 'ratio_capos_to_hf <= 1.5',
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(`wrote ${writeBenchResult('tokenizer-train', result)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
