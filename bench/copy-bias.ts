/**
 * What the goal-copy bias costs per generated token: the default planner decodes the first cases of a probe
 * file with copy bias 0 and N alternating over rounds, and reports the time of
 * masks (+ bias) and of the model per generated token. Results: bench/results/copy-bias-<date>.json.
 *
 *   node bench/run.mjs copy-bias --probe FILE.jsonl [--cases 40] [--rounds 2] [--bias 4] [--checkpoint DIR]
 */
import { initBackend } from '../src/backend/select.js';
import { readProbeFile } from '../src/eval/probe/probe-file.js';
import { DEFAULT_COPY_BIAS, runPlan } from '../src/infer/plan.js';
import { DEFAULT_CHECKPOINT_DIR, loadPlanner } from '../src/infer/planner.js';
import { GREEDY } from '../src/infer/sampling.js';
import { writeBenchResult } from '../src/eval/results-file.js';
import { machineInfo, parseFlag } from './tokenizer-bench-util.js';

const probe = parseFlag('--probe');
if (!probe) throw new Error('--probe FILE.jsonl is required');
const cases = readProbeFile(probe).slice(0, Number(parseFlag('--cases') ?? 40));
const rounds = Number(parseFlag('--rounds') ?? 2);
const bias = Number(parseFlag('--bias') ?? DEFAULT_COPY_BIAS);
const backend = await initBackend('wasm');
const planner = loadPlanner(parseFlag('--checkpoint') ?? DEFAULT_CHECKPOINT_DIR);
const runs = [];
for (let round = 0; round < rounds; round++) {
  for (const copyBias of [0, bias]) {
    let maskMs = 0;
    let decodeMs = 0;
    let tokens = 0;
    for (const c of cases) {
      const { generation } = await runPlan(planner, c.tools, c.goal, { constrain: true, sampling: GREEDY, copyBias, toolBias: 0, minConfidence: 0 });
      maskMs += generation.maskMs;
      decodeMs += generation.decodeMs;
      tokens += generation.tokens.length;
    }
    const run = { round, copy_bias: copyBias, tokens, mask_ms_per_token: maskMs / tokens, model_ms_per_token: decodeMs / tokens };
    console.log(JSON.stringify(run));
    runs.push(run);
  }
}
planner.dispose();
const path = writeBenchResult('copy-bias', { machine: machineInfo(), date: new Date().toISOString(), backend: backend.name, probe, cases: cases.length, runs });
console.log(`wrote ${path}`);
