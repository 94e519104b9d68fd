/**
 * Per-token cost of the constrained-decoding mask (src/infer/constrain): for the dev probe's
 * descriptors, with the capOS tokenizer (8k), phi-3's 32k vocabulary and gpt2's 50k as a stress.
 *
 * - replay: each dev probe case's expected plan (planFromProbeCase, canonical serialization) fed token by
 *   token through a fresh PlanConstraint (cold mask cache per plan, as `plan --batch` runs it); the
 *   timed call is allowedTokens() before each token, the end token included.
 * - random: generations that pick a uniformly random allowed token (seeded) on the survey descriptors:
 *   long, odd strings, many near-bound states.
 * - brute force: on the survey replay states, simulating every token separately (the definition of the
 *   mask), timed interleaved with the trie walk (computeMask, no cache) on the same states.
 *
 * Run from the repo root:
 *   node --input-type=module -e "await (await import('vite')).runnerImport('./bench/constrain.ts')" -- [--rounds 5] [--walks 20]
 * Writes bench/results/constrain-<YYYY-MM-DD>.json.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { get_encoding } from 'tiktoken';
import { serializePlan } from '../src/data/actionplan.js';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { Prng } from '../src/util/prng.js';
import { planFromProbeCase } from '../src/eval/probe-plans.js';
import { readProbeFile } from '../src/eval/probe/probe-file.js';
import { feedBytes, initialState, type PlanState, type StackNode } from '../src/infer/constrain/automaton.js';
import { PlanGrammar } from '../src/infer/constrain/plan-grammar.js';
import { computeMask, PlanConstraint } from '../src/infer/constrain/plan-constraint.js';
import { TokenTrie, type ConstraintVocab } from '../src/infer/constrain/token-trie.js';
import { capTokenizerVocab, gpt2Vocab } from '../src/infer/constrain/vocab.js';
import { loadTokenizer } from '../src/tokenizer/tokenizer.js';
import { machineInfo, parseFlag } from './tokenizer-bench-util.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const rounds = Number(parseFlag('--rounds') ?? 5);
const walks = Number(parseFlag('--walks') ?? 20);
const PROBE = parseFlag('--probe') ?? '/work/shared/probe/dev.jsonl';
const PHI3 = '/work/shared/hf-tokenizers/phi-3-mini-4k-instruct/tokenizer.json';

/** phi-3's sentencepiece BPE as bytes: `▁` is a space, `<0xNN>` a raw byte; added tokens are control tokens. */
function phi3Vocab(): ConstraintVocab {
  const json = JSON.parse(readFileSync(PHI3, 'utf8')) as { model: { vocab: Record<string, number> }; added_tokens: { id: number; content: string }[] };
  const added = new Map(json.added_tokens.map((t) => [t.id, t.content]));
  const vocabSize = Math.max(...added.keys(), ...Object.values(json.model.vocab)) + 1;
  const bytes: Uint8Array[] = new Array(vocabSize).fill(new Uint8Array(0));
  for (const [piece, id] of Object.entries(json.model.vocab)) {
    const byte = /^<0x([0-9A-F]{2})>$/.exec(piece);
    bytes[id] = byte ? Uint8Array.of(parseInt(byte[1]!, 16)) : new TextEncoder().encode(piece.replaceAll('▁', ' '));
  }
  const endId = [...added].find(([, c]) => c === '<|end|>')![0];
  return { vocabSize, tokenBytes: (id) => bytes[id]!, endId, isSpecial: (id) => added.has(id) };
}

/** Longest-match tokenization over the trie: a valid (not BPE-canonical) token sequence for any vocabulary. */
function greedyEncode(trie: TokenTrie, text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  const { firstChild, nextSibling, edgeByte, idStart, ids } = trie.all;
  const out: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    let node = 0;
    let best = -1;
    let bestLen = 0;
    for (let j = i; j < bytes.length; j++) {
      let c = firstChild[node]!;
      while (c !== -1 && edgeByte[c] !== bytes[j]) c = nextSibling[c]!;
      if (c === -1) break;
      node = c;
      if (idStart[c + 1]! > idStart[c]!) [best, bestLen] = [ids[idStart[c]!]!, j - i + 1];
    }
    if (best < 0) throw new Error(`no token for byte ${bytes[i]}`);
    out.push(best);
    i += bestLen;
  }
  return out;
}

interface Vocab {
  name: string;
  vocab: ConstraintVocab;
  encode: (text: string, trie: TokenTrie) => number[];
}

const capos = loadTokenizer();
const gpt2Encoding = get_encoding('gpt2');
const vocabs: Vocab[] = [
  { name: 'capos-8k', vocab: capTokenizerVocab(capos), encode: (t) => capos.encode(t) },
  { name: 'phi3-32k', vocab: phi3Vocab(), encode: (t, trie) => greedyEncode(trie, t) },
  { name: 'gpt2-50k', vocab: gpt2Vocab(), encode: (t) => [...gpt2Encoding.encode_ordinary(t)] },
];

const cases = readProbeFile(PROBE);
const survey = cases[0]!;

function stats(us: number[]) {
  const s = [...us].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  // Other jobs share the 2 cores: a few scheduler stalls of 10+ ms dominate the plain mean.
  const kept = s.slice(0, Math.ceil(s.length * 0.99));
  const trimmed = kept.reduce((a, b) => a + b, 0) / kept.length;
  const r = (x: number) => Number(x.toFixed(1));
  return { tokens: s.length, mean_us: r(mean), mean_without_top1pct_us: r(trimmed), p50_us: r(q(0.5)), p95_us: r(q(0.95)), max_us: r(s.at(-1)!) };
}

/** Times allowedTokens() before every token of `ids` (then the end token) on a fresh constraint. */
function replay(trie: TokenTrie, tools: readonly ToolDescriptor[], ids: readonly number[]): { us: number[]; hits: number } {
  const c = new PlanConstraint(tools, trie);
  const us: number[] = [];
  for (const id of [...ids, trie.endId]) {
    const t0 = performance.now();
    const mask = c.allowedTokens();
    us.push((performance.now() - t0) * 1000);
    if (!mask[id]) throw new Error(`replayed token ${id} is masked out`);
    c.advance(id);
  }
  return { us, hits: c.stats.cacheHits };
}

function randomWalk(trie: TokenTrie, tools: readonly ToolDescriptor[], seed: string): number[] {
  const c = new PlanConstraint(tools, trie);
  const rng = new Prng(seed);
  const us: number[] = [];
  while (!c.isEnded()) {
    const t0 = performance.now();
    const mask = c.allowedTokens();
    us.push((performance.now() - t0) * 1000);
    const allowed: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i]) allowed.push(i);
    c.advance(allowed[rng.int(allowed.length)]!);
  }
  return us;
}

function bruteForce(vocab: ConstraintVocab, state: PlanState): number {
  let allowed = 0;
  for (let id = 0; id < vocab.vocabSize; id++) {
    if (id === vocab.endId || vocab.isSpecial?.(id)) continue;
    const bytes = vocab.tokenBytes(id);
    if (bytes.length > 0 && feedBytes(state, bytes) !== null) allowed++;
  }
  return allowed;
}

const results: Record<string, unknown> = {};
for (const v of vocabs) {
  const t0 = performance.now();
  const trie = new TokenTrie(v.vocab);
  const buildMs = performance.now() - t0;
  // Cases that pin no step sequence have no single expected plan to replay.
  const plans = cases.flatMap((c) => {
    const plan = planFromProbeCase(c);
    return plan ? [{ c, ids: v.encode(serializePlan(plan, c.tools), trie) }] : [];
  });

  const replayUs: number[] = [];
  let hits = 0;
  for (let r = 0; r < rounds + 1; r++) {
    for (const { c, ids } of plans) {
      const out = replay(trie, c.tools, ids);
      if (r === 0) continue; // warm-up round (JIT)
      replayUs.push(...out.us);
      hits += out.hits;
    }
  }

  const walkUs: number[] = [];
  for (let w = 0; w < walks; w++) walkUs.push(...randomWalk(trie, survey.tools, `bench-${w}`));

  // Brute force against the uncached trie walk on the survey plan's states, interleaved per state.
  const grammar = new PlanGrammar(survey.tools);
  const surveyIds = plans[0]!.ids;
  const states: StackNode[] = [];
  let s: PlanState = initialState(grammar);
  for (const id of surveyIds) {
    if (s !== 'complete') states.push(s);
    s = feedBytes(s, trie.bytesOf(id)!)!;
  }
  const trieUs: number[] = [];
  const bruteUs: number[] = [];
  for (const state of states) {
    const a = performance.now();
    const mask = computeMask(trie, state);
    const b = performance.now();
    const n = bruteForce(v.vocab, state);
    const e = performance.now();
    if (n !== mask.reduce((x, y) => x + y, 0)) throw new Error('trie mask and brute force disagree');
    trieUs.push((b - a) * 1000);
    bruteUs.push((e - b) * 1000);
  }
  const trieStats = stats(trieUs);
  const bruteStats = stats(bruteUs);
  results[v.name] = {
    vocab_size: v.vocab.vocabSize,
    trie: { build_ms: Number(buildMs.toFixed(0)), nodes: trie.all.nodeCount, non_plain_nodes: trie.nonPlain.nodeCount, max_token_bytes: trie.maxTokenBytes },
    replay_dev_probe: { ...stats(replayUs), cache_hit_rate: Number((hits / replayUs.length).toFixed(3)), plan_tokens: plans.map((p) => p.ids.length + 1) },
    random_walk_survey: { walks, ...stats(walkUs) },
    survey_states_uncached: { trie_walk: trieStats, brute_force: bruteStats, speedup_mean: Number((bruteStats.mean_us / trieStats.mean_us).toFixed(1)) },
  };
  console.log(v.name, JSON.stringify(results[v.name]));
}
gpt2Encoding.free();
capos.free();

const result = {
  benchmark: 'constrain',
  date: new Date().toISOString(),
  machine: machineInfo(),
  load_average_1m: Number(loadavg()[0]!.toFixed(2)),
  probe: PROBE,
  rounds,
  what: 'µs per allowedTokens() call (one per generated token); replay = dev probe plans with a cold cache per plan; capos tokenized by the capOS tokenizer, gpt2 by tiktoken, phi3 by longest match',
  results,
};
console.log(`wrote ${writeBenchResult('constrain', result)}`);
