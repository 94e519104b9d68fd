/**
 * Inference speed of the planner (src/infer) per backend, on a randomly initialised model of the given
 * depth with the real tokenizer's vocabulary:
 * - KV-cache decoding against the full-pass baseline (each step re-runs the whole sequence), tokens/s at
 *   the same positions after the survey probe prompt and after a --long token context (a quarter of the
 *   steps there), the two interleaved in rounds;
 * - constrained against unconstrained generation: mask milliseconds per token (the constraint's overhead)
 *   next to the model's per-token time;
 * - time to first plan for the survey probe case (../shared/probe/dev.jsonl line 1), decoded as `capplan plan`
 *   does by default: in process (load a checkpoint + generate) and as a fresh
 *   `capplan plan` process (node start-up included).
 *
 * Run from the repo root after `npm run build`:
 *   node bench/run.mjs infer [--backends cpu,wasm] [--depth 4] [--steps 48] [--rounds 2] [--seq 1024] [--long 512]
 * Writes bench/results/infer-<YYYY-MM-DD>.json (or -2, -3…; never overwritten). Each backend runs in its own child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName } from '../src/backend/select.js';
import { machineInfo } from '../src/eval/machine.js';
import { readProbeFile } from '../src/eval/probe/probe-file.js';
import { defaultProbePath } from '../src/eval/probe-plans.js';
import { renderPrompt } from '../src/infer/chat-template.js';
import { plannerConstraint } from '../src/infer/plan-turn.js';
import { TokenTrie } from '../src/infer/constrain/token-trie.js';
import { capTokenizerVocab } from '../src/infer/constrain/vocab.js';
import { FullPassDecoder, KvCacheDecoder, type Decoder } from '../src/infer/decoder.js';
import { generate, type Generation } from '../src/infer/generate.js';
import { DEFAULT_COPY_BIAS, DEFAULT_TOOL_BIAS, runPlan } from '../src/infer/plan.js';
import { loadPlanner } from '../src/infer/planner.js';
import { GREEDY, TokenPicker } from '../src/infer/sampling.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { DEFAULT_TOKENIZER_DIR, loadTokenizer } from '../src/tokenizer/tokenizer.js';
import { META_FORMAT, saveCheckpoint } from '../src/train/checkpoint.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'cpu,wasm' },
    depth: { type: 'string', default: '4' },
    steps: { type: 'string', default: '48' },
    rounds: { type: 'string', default: '2' },
    seq: { type: 'string', default: '1024' },
    long: { type: 'string', default: '512' },
    child: { type: 'string' },
  },
});
const cfg = { depth: +args.depth, steps: +args.steps, rounds: +args.rounds, seq: +args.seq, long: +args.long };
const round1 = (x: number) => Math.round(x * 10) / 10;

/** ms per fed token over `steps` single-token feeds after the prompt. */
async function stepMs(decoder: Decoder, prompt: number[], steps: number): Promise<{ prefillMs: number; msPerToken: number }> {
  const t0 = performance.now();
  await decoder.feed(prompt);
  const t1 = performance.now();
  for (let i = 0; i < steps; i++) await decoder.feed([(i * 7919 + 13) % 7000]);
  const t2 = performance.now();
  decoder.dispose();
  return { prefillMs: t1 - t0, msPerToken: (t2 - t1) / steps };
}

function perToken(g: Generation): Record<string, number> {
  const n = Math.max(1, g.tokens.length);
  return { tokens: g.tokens.length, model_ms_per_token: round1((g.prefillMs + g.decodeMs) / n), mask_ms_per_token: round1(g.maskMs / n) };
}

async function measure(backendName: string): Promise<void> {
  const info = await initBackend(parseBackendName(backendName));
  const tok = loadTokenizer();
  const survey = readProbeFile(defaultProbePath())[0]!;
  const prompt = renderPrompt(tok, survey.tools, survey.goal);
  const model = new Gpt(modelConfig({ depth: cfg.depth, seq_len: cfg.seq }, tok.vocabSize), 1);
  await stepMs(new KvCacheDecoder(model), prompt, 2); // warm-up
  const best = (v: number[]) => Math.min(...v);
  const tensorsBefore = tf.memory().numTensors;
  const compare = async (context: number[], steps: number) => {
    const cached: number[] = [];
    const uncached: number[] = [];
    let prefillMs = 0;
    for (let r = 0; r < cfg.rounds; r++) {
      const c = await stepMs(new KvCacheDecoder(model), context, steps);
      cached.push(c.msPerToken);
      prefillMs = c.prefillMs;
      uncached.push((await stepMs(new FullPassDecoder(model), context, steps)).msPerToken);
    }
    return {
      context_tokens: context.length,
      steps,
      prefill_ms: Math.round(prefillMs),
      cached_ms_per_token: cached.map(round1),
      uncached_ms_per_token: uncached.map(round1),
      cached_tokens_per_s: round1(1000 / best(cached)),
      uncached_tokens_per_s: round1(1000 / best(uncached)),
      speedup: round1(best(uncached) / best(cached)),
    };
  };
  const filler = Array.from({ length: cfg.long - prompt.length }, (_, i) => (i * 104729 + 7) % 7000);
  const kvCache = [await compare(prompt, cfg.steps), await compare([...filler, ...prompt], Math.max(2, cfg.steps >> 2))];
  const tensorsFlat = tf.memory().numTensors === tensorsBefore;

  // Constrained vs unconstrained generation on the survey case, both greedy, same model.
  const trieStart = performance.now();
  const trie = new TokenTrie(capTokenizerVocab(tok));
  const trieMs = performance.now() - trieStart;
  const gen = async (constrained: boolean, maxTokens: number) => {
    const decoder = new KvCacheDecoder(model);
    const constraint = plannerConstraint(tok, trie, survey.tools);
    const g = await generate(decoder, prompt, constraint, {
      maxTokens,
      vocabLimit: tok.vocabSize,
      picker: new TokenPicker(GREEDY),
      constrain: constrained,
      encode: (text) => tok.encode(text),
      spell: (id) => tok.decodeBytes([id]),
    });
    decoder.dispose();
    return { g, constraint };
  };
  const constrained = await gen(true, cfg.seq - prompt.length);
  const unconstrained = await gen(false, constrained.g.tokens.length);

  // Time to first plan: a checkpoint of this model, loaded and run the way `capplan plan` does.
  const dir = mkdtempSync(join(tmpdir(), 'capplan-bench-infer-'));
  await saveCheckpoint(dir, model.params, new Map(), {
    format: META_FORMAT,
    step: 1,
    total_steps: 1,
    config: { model: { depth: cfg.depth, seq_len: cfg.seq, rope_base: 10000 }, data: { tokenizer_dir: DEFAULT_TOKENIZER_DIR } },
    data_position: { epoch: 0, group: 0, doc: 0, offset: 0 },
    rng: { seed: 1, generator: 'splitmix32', derivation: 'seed, epoch, group' },
    optimizer: { embedding_steps: 0, unembedding_steps: 0 },
    metrics: {},
    tokenizer_sha256: tok.sha256,
    saved_at: new Date().toISOString(),
  });
  model.dispose();
  const t0 = performance.now();
  const planner = loadPlanner(dir);
  const t1 = performance.now();
  const plan = await runPlan(planner, survey.tools, survey.goal, { constrain: true, sampling: GREEDY, copyBias: DEFAULT_COPY_BIAS, toolBias: DEFAULT_TOOL_BIAS, minConfidence: 0 });
  const t2 = performance.now();
  planner.dispose();
  const toolsFile = join(dir, 'tools.json');
  writeFileSync(toolsFile, JSON.stringify(survey.tools));
  const c0 = performance.now();
  const cli = spawnSync(process.execPath, ['dist/cli.js', 'plan', '--tools', toolsFile, '--goal', survey.goal, '--checkpoint', dir, '--backend', backendName], { encoding: 'utf8' });
  const cliMs = performance.now() - c0;
  rmSync(dir, { recursive: true, force: true });
  tok.free();

  const row = {
    backend: info.name,
    version: info.version,
    prompt_tokens: prompt.length,
    kv_cache: kvCache,
    tensors_flat: tensorsFlat,
    constraint: {
      token_trie_build_ms: Math.round(trieMs),
      constrained: { ...perToken(constrained.g), ended: constrained.g.ended, mask_cache: constrained.constraint!.stats },
      unconstrained: perToken(unconstrained.g),
    },
    first_plan: {
      copy_bias: DEFAULT_COPY_BIAS,
      tool_bias: DEFAULT_TOOL_BIAS,
      load_ms: Math.round(t1 - t0),
      generate_ms: Math.round(t2 - t1),
      plan_tokens: plan.generation.tokens.length,
      cli_wall_ms: Math.round(cliMs),
      cli_ok: cli.status === 0 && cli.stdout.trim().startsWith('{"steps":'),
      ...(cli.status === 0 ? {} : { cli_error: cli.stderr.trim().split('\n').pop() }),
    },
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
  process.exit(0);
}

async function main(): Promise<void> {
  if (args.child) return measure(args.child);
  const passThrough = process.argv.slice(2);
  const results: unknown[] = [];
  for (const backend of args.backends.split(',')) {
    const res = spawnSync(process.execPath, [join('bench', 'run.mjs'), 'infer', ...passThrough, '--child', backend], { encoding: 'utf8' });
    const line = res.stdout.trim().split('\n').pop();
    const row = res.status === 0 && line ? JSON.parse(line) : { backend, error: res.stderr.trim().split('\n').slice(-3).join(' ') };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    results.push(row);
  }
  const path = writeBenchResult('infer', {
    date: new Date().toISOString(),
    machine: { ...machineInfo(), loadavg_1m_at_end: Math.round(loadavg()[0]! * 100) / 100 },
    command: `node bench/run.mjs infer ${passThrough.join(' ')}`.trim(),
    config: { ...cfg, vocab: readTokenizerVocab(), weights: 'random init (seed 1); speed does not depend on training' },
    results,
  });
  process.stdout.write(`wrote ${path}\n`);
}

function readTokenizerVocab(): number {
  return (JSON.parse(readFileSync(join(DEFAULT_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { vocab_size: number }).vocab_size;
}

await main();
