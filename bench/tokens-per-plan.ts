/**
 * Tokens per ActionPlan as a function of vocab size, to pick the default vocab: trains our tokenizer
 * at each size (the default config with only vocab_size changed) and measures every `tok eval` text
 * class against tiktoken gpt2 and o200k_base, with the targets (plans ≥ 45% fewer tokens than
 * gpt2 and ≥ 40% fewer than o200k; held-out English at most +10% vs gpt2).
 *
 * Run from the repo root (vite, installed with vitest, strips the types):
 *   node --input-type=module -e "await (await import('vite')).runnerImport('./bench/tokens-per-plan.ts')" -- [--vocab 4096,8192,16384]
 * Writes bench/results/tokens-per-plan-<YYYY-MM-DD>.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizerConfig } from '../src/tokenizer/config.js';
import { trainTokenizer } from '../src/tokenizer/train-tokenizer.js';
import { defaultProbePath } from '../src/eval/probe-plans.js';
import { buildTextClasses } from '../src/eval/text-classes.js';
import { checkTargets, evaluateClass } from '../src/eval/tok-eval.js';
import { loadCaposCounter } from '../src/eval/tokenizers/capos.js';
import { loadTiktokenBaseline } from '../src/eval/tokenizers/tiktoken-baselines.js';
import { machineInfo, parseFlag } from './tokenizer-bench-util.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const vocabSizes = (parseFlag('--vocab') ?? '4096,6144,8192,12288,16384,32768').split(',').map(Number);
const config = loadTokenizerConfig();
const probePath = defaultProbePath();
const classes = buildTextClasses({ probePath });
const baselines = [loadTiktokenBaseline('gpt2'), loadTiktokenBaseline('o200k_base')];
const tmp = mkdtempSync(join(tmpdir(), 'tokens-per-plan-'));
const baselineResults = classes.map((c) => evaluateClass(c, baselines));

const rows = [];
try {
  for (const vocab_size of vocabSizes) {
    const dir = join(tmp, String(vocab_size));
    await trainTokenizer({ ...config, vocab_size }, dir);
    const capos = loadCaposCounter(dir);
    const results = classes.map((c) => evaluateClass(c, [capos, ...baselines]));
    capos.free();
    const perClass = Object.fromEntries(
      results.map((c) => [c.name, { tokens: c.tokenizers.capos!.tokens, tokens_per_document: c.tokenizers.capos!.tokens_per_document, vs_gpt2: c.tokenizers.capos!.vs_gpt2 }]),
    );
    const targets = checkTargets(results);
    rows.push({ vocab_size, classes: perClass, targets: Object.fromEntries(targets.map((t) => [t.name, { value: t.value, met: t.met }])) });
    const line = targets.map((t) => `${t.name} ${(t.value * 100).toFixed(1)}%${t.met ? '' : ' (missed)'}`).join(', ');
    process.stdout.write(`vocab ${vocab_size}: ${perClass.plans!.tokens_per_document} tokens/plan; ${line}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
  baselines.forEach((b) => b.free());
}

const path = writeBenchResult('tokens-per-plan', {
  date: new Date().toISOString(),
  machine: machineInfo(),
  command: 'bench/tokens-per-plan.ts',
  config: { ...config, vocab_size: 'varied' },
  classes: baselineResults.map((c) => ({ name: c.name, source: c.source, documents: c.documents, bytes: c.bytes, sha256: c.sha256, baselines: c.tokenizers })),
  vocab_sweep: rows,
});
process.stdout.write(`wrote ${path}\n`);
