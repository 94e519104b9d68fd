/**
 * Size of the generated ActionPlan SFT examples in tokens of the committed tokenizer, laid out as the
 * DESIGN.md chat template (7 control tokens + descriptors one per line + goal + plan), and generator speed.
 * Tells the SFT config which seq_len keeps how many examples whole.
 *
 * Run from the repo root:
 *   node --input-type=module -e "await (await import('vite')).runnerImport('./bench/plan-example-lengths.ts')" -- [--count 20000] [--seed 1]
 * Writes bench/results/plan-example-lengths-<YYYY-MM-DD>.json.
 */
import { performance } from 'node:perf_hooks';
import { loadCatalog } from '../src/data/catalog.js';
import { serializeDescriptor } from '../src/data/descriptor.js';
import { generatePlanExamples, SPLITS, type PlanExample } from '../src/data/plans/generate.js';
import { loadTokenizer } from '../src/tokenizer/tokenizer.js';
import { machineInfo, parseFlag } from './tokenizer-bench-util.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const CONTROL_TOKENS_PER_EXAMPLE = 7;
const count = Number(parseFlag('--count') ?? 20000);
const seed = Number(parseFlag('--seed') ?? 1);
const catalog = loadCatalog();
const tokenizer = loadTokenizer();

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

function lengths(examples: readonly PlanExample[]) {
  const total: number[] = [];
  const plan: number[] = [];
  for (const e of examples) {
    const planTokens = tokenizer.encode(e.plan).length;
    const prompt = tokenizer.encode(e.tools.map(serializeDescriptor).join('\n')).length + tokenizer.encode(e.goal).length;
    total.push(prompt + planTokens + CONTROL_TOKENS_PER_EXAMPLE);
    plan.push(planTokens + 1); // + <|assistant_end|>, the other supervised token
  }
  total.sort((a, b) => a - b);
  plan.sort((a, b) => a - b);
  const over = (n: number) => total.filter((t) => t > n).length / total.length;
  return {
    examples: examples.length,
    total_tokens: { p50: quantile(total, 0.5), p95: quantile(total, 0.95), p99: quantile(total, 0.99), max: total.at(-1) },
    supervised_tokens: { p50: quantile(plan, 0.5), p95: quantile(plan, 0.95), max: plan.at(-1) },
    fraction_longer_than: { 256: over(256), 384: over(384), 512: over(512) },
  };
}

const splits: Record<string, unknown> = {};
let generated = 0;
let seconds = 0;
let trainGoals = new Set<string>();
for (const split of SPLITS) {
  // Same counts and train-goal exclusion as `capplan data plans --count N`.
  const n = split === 'train' ? count : Math.max(1, Math.round(count / 10));
  const t0 = performance.now();
  const examples = generatePlanExamples({ seed, count: n, catalog, split, excludeGoals: trainGoals });
  seconds += (performance.now() - t0) / 1000;
  if (split === 'train') trainGoals = new Set(examples.map((e) => e.goal));
  generated += n;
  splits[split] = lengths(examples);
  process.stdout.write(`${split}: ${JSON.stringify(splits[split])}\n`);
}
tokenizer.free();

const path = writeBenchResult('plan-example-lengths', {
  date: new Date().toISOString(),
  machine: machineInfo(),
  command: `bench/plan-example-lengths.ts --count ${count} --seed ${seed}`,
  tokenizer: { sha256: tokenizer.sha256, vocab_size: tokenizer.vocabSize },
  generator: { examples: generated, seconds: Number(seconds.toFixed(2)), examples_per_second: Math.round(generated / seconds) },
  splits,
});
process.stdout.write(`generated ${generated} examples in ${seconds.toFixed(2)} s; wrote ${path}\n`);
