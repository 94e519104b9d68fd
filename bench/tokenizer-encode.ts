/**
 * Encoding throughput of the capOS tokenizer (reserved-atom scan + tiktoken on the gaps) against
 * tiktoken's own gpt2 encoding on the same text: every corpus document, interleaved rounds so that
 * load from other processes hits both alike. Target: ours ≥ 0.8× gpt2's MB/s.
 *
 * Run from the repo root:  node bench/run.mjs tokenizer-encode [--tokenizer DIR] [--rounds N]
 * Writes bench/results/tokenizer-encode-<YYYY-MM-DD>.json.
 */
import { get_encoding } from 'tiktoken';
import { loadTokenizer } from '../src/tokenizer/tokenizer.js';
import { benchCorpusDocuments, machineInfo, parseFlag } from './tokenizer-bench-util.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const tokenizerDir = parseFlag('--tokenizer') ?? 'tokenizer';
const rounds = Number(parseFlag('--rounds') ?? 5);
const docs = benchCorpusDocuments();
const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d, 'utf8'), 0);

const ours = loadTokenizer(tokenizerDir);
const gpt2 = get_encoding('gpt2');
const encoders: Record<string, (text: string) => number> = {
  capos: (text) => ours.encode(text).length,
  gpt2: (text) => gpt2.encode_ordinary(text).length,
};

function timeOnce(encode: (text: string) => number): { seconds: number; tokens: number } {
  const start = process.hrtime.bigint();
  let tokens = 0;
  for (const doc of docs) tokens += encode(doc);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, tokens };
}

// Warm-up (JIT, WASM), then interleaved timed rounds; the best round is each encoder's throughput
// (the median is reported too: other processes on the machine make single rounds noisy).
for (const encode of Object.values(encoders)) timeOnce(encode);
const seconds: Record<string, number[]> = { capos: [], gpt2: [] };
const tokens: Record<string, number> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, encode] of Object.entries(encoders)) {
    const t = timeOnce(encode);
    seconds[name]!.push(t.seconds);
    tokens[name] = t.tokens;
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};
const mbps = (name: string): number => bytes / 1e6 / Math.min(...seconds[name]!);
const medianMbps = (name: string): number => bytes / 1e6 / median(seconds[name]!);
const result = {
  benchmark: 'tokenizer-encode',
  date: new Date().toISOString(),
  machine: machineInfo(),
  text: { documents: docs.length, bytes, source: 'every corpus document (data/corpus), encoded one document per call' },
  tokenizer: { dir: tokenizerDir, sha256: ours.sha256, vocab_size: ours.vocabSize },
  rounds,
  results: Object.fromEntries(
    Object.keys(encoders).map((name) => [
      name,
      { tokens: tokens[name], seconds: seconds[name], best_mb_per_s: Number(mbps(name).toFixed(3)), median_mb_per_s: Number(medianMbps(name).toFixed(3)) },
    ]),
  ),
  ratio_capos_to_gpt2: Number((mbps('capos') / mbps('gpt2')).toFixed(3)),
  ratio_capos_to_gpt2_median: Number((medianMbps('capos') / medianMbps('gpt2')).toFixed(3)),
  target: 'ratio_capos_to_gpt2 >= 0.8',
};
ours.free();
gpt2.free();
console.log(JSON.stringify(result, null, 2));
console.log(`wrote ${writeBenchResult('tokenizer-encode', result)}`);
