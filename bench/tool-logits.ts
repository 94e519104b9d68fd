/**
 * How far the planner is from picking each case's first expected tool: the logits at the first tool
 * position (the prompt plus `{"steps":[{"tool":"`) of that tool and of the best listed one, for the doable
 * cases of a probe file. Shows whether a tool the model never saw in SFT is merely ranked low or pushed to
 * the softcap floor (README, "Where the plan loss comes from").
 *
 *   node bench/run.mjs tool-logits --probe FILE.jsonl [--checkpoint DIR] [--limit 12] [--backend wasm]
 */
import { initBackend, parseBackendName } from '../src/backend/select.js';
import { readProbeFile } from '../src/eval/probe/probe-file.js';
import { renderPrompt } from '../src/infer/chat-template.js';
import { KvCacheDecoder } from '../src/infer/decoder.js';
import { DEFAULT_CHECKPOINT_DIR, loadPlanner } from '../src/infer/planner.js';
import { parseFlag } from './tokenizer-bench-util.js';

const probe = parseFlag('--probe');
if (!probe) throw new Error('--probe FILE.jsonl is required');
const limit = Number(parseFlag('--limit') ?? 12);
await initBackend(parseBackendName(parseFlag('--backend') ?? 'wasm'));
const planner = loadPlanner(parseFlag('--checkpoint') ?? DEFAULT_CHECKPOINT_DIR);
const { tokenizer } = planner;
const logitOf = (row: Float32Array, name: string): number => row[tokenizer.encode(name)[0]!]!;
const gaps: number[] = [];
for (const c of readProbeFile(probe).filter((c) => !c.expect.refusal && c.expect.steps?.length).slice(0, limit)) {
  const decoder = new KvCacheDecoder(planner.model);
  const row = await decoder.feed([...renderPrompt(tokenizer, c.tools, c.goal), ...tokenizer.encode('{"steps":[{"tool":"')]);
  decoder.dispose();
  const expected = c.expect.steps![0]!;
  const best = c.tools.map((t) => ({ name: t.name, logit: logitOf(row, t.name) })).sort((a, b) => b.logit - a.logit)[0]!;
  gaps.push(best.logit - logitOf(row, expected));
  console.log(`${c.id}: expected ${expected} ${logitOf(row, expected).toFixed(1)}, best listed ${best.name} ${best.logit.toFixed(1)}`);
}
const sorted = [...gaps].sort((a, b) => a - b);
console.log(`${gaps.length} cases: gap best listed − expected, min ${sorted[0]?.toFixed(1)}, median ${sorted[sorted.length >> 1]?.toFixed(1)}, max ${sorted.at(-1)?.toFixed(1)}`);
planner.dispose();
