import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { parsePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import { PROBE_METRICS } from '../src/eval/probe/score-case.js';
import { DEFAULT_COPY_BIAS, DEFAULT_MIN_CONFIDENCE, DEFAULT_TOOL_BIAS } from '../src/infer/plan.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { DEFAULT_TOKENIZER_DIR, loadTokenizer } from '../src/tokenizer/tokenizer.js';
import { META_FORMAT, saveCheckpoint } from '../src/train/checkpoint.js';
import { runCli } from './helpers/cli.js';
import { scramble } from './model-fixtures.js';

const PROBE = '/work/shared/probe/dev.jsonl';
const SEQ_LEN = 1024;
const STEP = 3;

let work: string;
let ckpt: string;
let probe: string;
let tools: string;

/** A depth-1 random planner checkpoint, written with the trainer's own checkpoint writer. */
async function writeTinyCheckpoint(dir: string, tokenizerSha: string, vocabSize: number): Promise<void> {
  await initBackend('cpu');
  const model = new Gpt(modelConfig({ depth: 1, seq_len: SEQ_LEN }, vocabSize), 1);
  scramble(model, 4);
  await saveCheckpoint(dir, model.params, new Map(), {
    format: META_FORMAT,
    step: STEP,
    total_steps: STEP,
    config: { model: { depth: 1, seq_len: SEQ_LEN, rope_base: 10000 }, data: { tokenizer_dir: DEFAULT_TOKENIZER_DIR } },
    data_position: { epoch: 0, group: 0, doc: 0, offset: 0 },
    rng: { seed: 1, generator: 'splitmix32', derivation: 'seed, epoch, group' },
    optimizer: { embedding_steps: STEP, unembedding_steps: STEP },
    metrics: {},
    tokenizer_sha256: tokenizerSha,
    saved_at: new Date(0).toISOString(),
  });
  model.dispose();
}

const cli = (...args: string[]) => runCli([...args, '--backend', 'cpu'], { cwd: work });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'capplan-plan-cli-'));
  ckpt = join(work, 'ckpt');
  const tok = loadTokenizer();
  await writeTinyCheckpoint(ckpt, tok.sha256, tok.vocabSize);
  tok.free();
  const lines = readFileSync(PROBE, 'utf8').split('\n').filter((l) => l.trim() !== '');
  probe = join(work, 'probe.jsonl');
  writeFileSync(probe, lines.slice(0, 2).join('\n') + '\n');
  tools = join(work, 'tools.json');
  writeFileSync(tools, JSON.stringify((JSON.parse(lines[0]!) as { tools: unknown }).tools, null, 2));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('capplan plan', () => {
  it('prints only the ActionPlan JSON, valid for the tools', () => {
    const r = cli('plan', '--tools', tools, '--goal', 'Restart the network stack.', '--checkpoint', ckpt);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const descriptors = JSON.parse(readFileSync(tools, 'utf8')) as Parameters<typeof validatePlanAgainst>[1];
    expect(validatePlanAgainst(parsePlan(r.stdout.trim(), 'stdout'), descriptors)).toEqual([]);
    // Same flags, same plan: greedy decoding is deterministic across processes.
    expect(cli('plan', '--tools', tools, '--goal', 'Restart the network stack.', '--checkpoint', ckpt).stdout).toBe(r.stdout);
  });

  it('--json adds how sure the planner was; --min-confidence 1 turns any plan into a refusal that says so', () => {
    const goal = ['--tools', tools, '--goal', 'Restart the network stack.', '--checkpoint', ckpt];
    const r = cli('plan', ...goal, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { plan: { steps: unknown[] }; confidence: { overall: number; decision: number; tools: number[]; values: number[]; unusedValues: number }; withheld: boolean };
    expect(out.withheld).toBe(false);
    expect(out.confidence.overall).toBeGreaterThan(0);
    expect(out.confidence.overall).toBeLessThanOrEqual(out.confidence.decision);
    expect(out.confidence.tools).toHaveLength(out.plan.steps.length);
    expect(out.confidence.overall).toBeLessThanOrEqual(Math.min(1, ...out.confidence.values) * Math.exp(-out.confidence.unusedValues));
    const strict = JSON.parse(cli('plan', ...goal, '--json', '--min-confidence', '1').stdout) as { plan: { steps: unknown[]; refusal?: string }; withheld: boolean };
    if (out.plan.steps.length > 0) {
      expect(strict.withheld).toBe(true);
      expect(strict.plan.refusal).toMatch(/^No plan: the planner is not confident enough .* \(confidence 0\.\d\d, below 1\.00\)\.$/);
    }
  });

  it('--batch writes one {"id","output","confidence"} line per case; lines need only id, tools and goal', () => {
    const out = join(work, 'out.jsonl');
    const bare = join(work, 'bare.jsonl');
    writeFileSync(bare, readFileSync(probe, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => {
      const { id, tools: t, goal } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify({ id, tools: t, goal });
    }).join('\n'));
    const r = cli('plan', '--batch', bare, '--out', out, '--checkpoint', ckpt);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((row) => Object.keys(row))).toEqual([['id', 'output', 'confidence'], ['id', 'output', 'confidence']]);
    expect(rows.map((row) => row.id)).toEqual(['survey-probe', 'single-call']);
    for (const row of rows) expect(() => parsePlan(row.output as string, 'output')).not.toThrow();
  });
});

describe('capplan eval plan', () => {
  it('--json reports every DESIGN.md metric per case and in total; constrained output is always valid JSON', () => {
    const r = cli('eval', 'plan', '--probe', probe, '--checkpoint', ckpt, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      totals: Record<string, { passed: number; total: number; rate: number }>;
      cases: { id: string; scores: Record<string, boolean> }[];
      source: { kind: string; constrained: boolean; copyBias: number; step: number };
      calibration: { cases: number }[];
    };
    expect(Object.keys(report.totals)).toEqual([...PROBE_METRICS]);
    expect(report.cases.map((c) => Object.keys(c.scores))).toEqual([[...PROBE_METRICS], [...PROBE_METRICS]]);
    for (const m of ['json_valid', 'no_fences', 'schema_valid', 'tools_known', 'args_typed'] as const) expect(report.totals[m]).toEqual({ passed: 2, total: 2, rate: 1 });
    expect(report.source).toMatchObject({ kind: 'generated', constrained: true, copyBias: DEFAULT_COPY_BIAS, toolBias: DEFAULT_TOOL_BIAS, minConfidence: DEFAULT_MIN_CONFIDENCE, step: STEP });
    expect(report.calibration.reduce((n, b) => n + b.cases, 0)).toBe(2);
  });

  it('prints a table, and scores a `plan --batch` file with --outputs', () => {
    const out = join(work, 'scored.jsonl');
    writeFileSync(out, ['{"id":"survey-probe","output":"```json\\n{}\\n```"}', '{"id":"single-call","output":"{\\"steps\\":[{\\"tool\\":\\"Console.write\\",\\"args\\":{\\"text\\":\\"Hello\\"},\\"rationale\\":\\"Say it.\\"}]}"}'].join('\n'));
    const r = cli('eval', 'plan', '--probe', probe, '--outputs', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/json_valid +1\/2 +50\.0%/);
    expect(r.stdout).toMatch(/pass +1\/2 +50\.0%/);
    expect(r.stdout).toMatch(/survey-probe: json_valid, no_fences/);
  });

  it('--no-constrain lets an untrained model fail json_valid', () => {
    const one = join(work, 'one.jsonl');
    writeFileSync(one, readFileSync(probe, 'utf8').split('\n')[1]! + '\n');
    // Unmasked, a random model's first choice already leaves the grammar; it then writes until the context is full.
    const r = cli('eval', 'plan', '--probe', one, '--checkpoint', ckpt, '--json', '--no-constrain');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { totals: Record<string, { passed: number }>; source: { constrained: boolean; copyBias: number; toolBias: number } };
    expect(report.source.constrained).toBe(false);
    // The priors need the constraint to know where an argument or a tool is, so they are off without it.
    expect(report.source).toMatchObject({ copyBias: 0, toolBias: 0 });
    expect(report.totals.json_valid!.passed).toBe(0);
  });
});

describe('bad input', () => {
  const expectError = (r: ReturnType<typeof runCli>, pattern: RegExp) => {
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('capplan: error:'))).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  };

  it('names the file and line of a descriptor file that is not JSON', () => {
    const bad = join(work, 'bad.json');
    writeFileSync(bad, '[\n  {"name": "A.b",\n   "description": "x" "params": {}}\n]\n');
    expectError(cli('plan', '--tools', bad, '--goal', 'g', '--checkpoint', ckpt), /bad\.json: not valid JSON \(line 3 column/);
    const badLines = join(work, 'bad.jsonl');
    writeFileSync(badLines, '{"name":"A.b","description":"x","params":{}}\n{"name":\n');
    expectError(cli('plan', '--tools', badLines, '--goal', 'g', '--checkpoint', ckpt), /bad\.jsonl:2: not valid JSON/);
  });

  it('names the field of a descriptor that violates the schema', () => {
    const bad = join(work, 'schema.json');
    writeFileSync(bad, JSON.stringify([{ name: 'A.b', description: 'x', params: { n: { type: 'Int7' } } }]));
    expectError(cli('plan', '--tools', bad, '--goal', 'g', '--checkpoint', ckpt), /schema\.json: field `0\.params\.n\.type`/);
  });

  it('refuses an empty goal and a goal longer than the context', () => {
    expectError(cli('plan', '--tools', tools, '--goal', '  ', '--checkpoint', ckpt), /goal is empty/);
    const long = 'restart the service and check it again '.repeat(200);
    expectError(cli('plan', '--tools', tools, '--goal', long, '--checkpoint', ckpt), /take \d+ tokens, but the model's context is 1280/);
  });

  it('refuses a checkpoint trained with a different tokenizer', () => {
    const metaName = `meta_${STEP}.json`;
    const meta = JSON.parse(readFileSync(join(ckpt, metaName), 'utf8')) as Record<string, unknown>;
    meta.tokenizer_sha256 = 'f'.repeat(64);
    const dir = mkdtempSync(join(work, 'mismatch-'));
    copyFileSync(join(ckpt, `model_${STEP}.safetensors`), join(dir, `model_${STEP}.safetensors`));
    writeFileSync(join(dir, metaName), JSON.stringify(meta));
    expectError(cli('plan', '--tools', tools, '--goal', 'g', '--checkpoint', dir), /trained with tokenizer ffffffffffff…, but .* is [0-9a-f]{12}…/);
  });

  it('names file, line and field of a probe line missing fields; an empty tool list is an error, not a plan', () => {
    const bad = join(work, 'bad-probe.jsonl');
    writeFileSync(bad, readFileSync(probe, 'utf8').split('\n')[0] + '\n{"id":"x","tools":[],"goal":"g"}\n');
    expectError(cli('eval', 'plan', '--probe', bad, '--checkpoint', ckpt), /bad-probe\.jsonl:2: field `expect`/);
    expectError(cli('plan', '--batch', bad, '--checkpoint', ckpt), /bad-probe\.jsonl: case "x": the tool list is empty/);
    const none = join(work, 'none.json');
    writeFileSync(none, '[]');
    expectError(cli('plan', '--tools', none, '--goal', 'g', '--checkpoint', ckpt), /the tool list is empty: a planner needs at least one tool/);
    const many = join(work, 'many.json');
    writeFileSync(many, JSON.stringify(Array.from({ length: 10 }, (_, k) => ({ name: `T${k}.x`, description: 'd', params: {} }))));
    expectError(cli('plan', '--tools', many, '--goal', 'g', '--checkpoint', ckpt), /10 tools are listed, but the planner has 9 tool slots: list at most 9/);
  });

  it('refuses a directory without a checkpoint and bad flag combinations', () => {
    expectError(cli('plan', '--tools', tools, '--goal', 'g', '--checkpoint', work), /no checkpoint \(meta_<step>\.json\) found/);
    expectError(cli('plan', '--goal', 'g', '--checkpoint', ckpt), /give --tools FILE and --goal TEXT, or --batch/);
    expectError(cli('plan', '--tools', tools, '--goal', 'g', '--temperature', '-1', '--checkpoint', ckpt), /--temperature must be a number ≥ 0/);
    expectError(cli('plan', '--tools', tools, '--goal', 'g', '--min-confidence', '2', '--checkpoint', ckpt), /--min-confidence must be a number in 0\.\.1, got '2'/);
    expectError(cli('plan', '--tools', tools, '--goal', 'g', '--copy-bias', '-1', '--checkpoint', ckpt), /--copy-bias must be a number in 0\.\.100, got '-1'/);
    expectError(cli('plan', '--tools', tools, '--goal', 'g', '--json', '--no-constrain', '--checkpoint', ckpt), /--json prints the parsed plan: it needs constrained decoding/);
  });
});
