import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { fieldOfSpan, planFieldOfBytes, PLAN_FIELDS, type PlanField } from '../src/eval/plan-fields.js';
import { planFieldLosses } from '../src/eval/plan-loss.js';
import { renderExample } from '../src/infer/chat-template.js';
import { slotIds } from '../src/infer/plan-turn.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/train-fixtures.js';
import { scramble } from './model-fixtures.js';
import { chatByteTokenizer, tinyPlanLines } from './sft-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});
const dirs = tempDirs('plan-loss');
afterAll(dirs.removeAll);

/** The fields of the bytes of the first occurrence of `part` in `plan`. */
function fieldsOf(plan: string, part: string): Set<PlanField> {
  const fields = planFieldOfBytes(Buffer.from(plan, 'utf8'), 'test');
  const start = Buffer.from(plan.slice(0, plan.indexOf(part)), 'utf8').length;
  expect(plan.indexOf(part), part).toBeGreaterThanOrEqual(0);
  return new Set(fields.slice(start, start + Buffer.byteLength(part, 'utf8')));
}

describe('plan fields', () => {
  const plan =
    '{"steps":[{"tool":"File.read","args":{"path":"/tmp/a \\"x\\"","n":[1,2.5],"on":true},"rationale":"Read it — now."},' +
    '{"tool":"Timer.sleep","args":{},"rationale":"Wait."}]}';

  it('labels tool names, args objects and rationales; quotes, keys and brackets around them are structure', () => {
    expect(fieldsOf(plan, 'File.read')).toEqual(new Set(['tool']));
    expect(fieldsOf(plan, 'Timer.sleep')).toEqual(new Set(['tool']));
    expect(fieldsOf(plan, '{"path":"/tmp/a \\"x\\"","n":[1,2.5],"on":true}')).toEqual(new Set(['args']));
    expect(fieldsOf(plan, '{},')).toEqual(new Set(['args', 'structure']));
    expect(fieldsOf(plan, 'Read it — now.')).toEqual(new Set(['rationale']));
    expect(fieldsOf(plan, '{"steps":[{"tool":"')).toEqual(new Set(['structure']));
    expect(fieldsOf(plan, '","args":')).toEqual(new Set(['structure']));
    expect(fieldsOf(plan, '"}]}')).toEqual(new Set(['structure']));
  });

  it('labels the refusal text of a refusal', () => {
    const refusal = '{"steps":[],"refusal":"No listed tool can reboot."}';
    expect(fieldsOf(refusal, 'No listed tool can reboot.')).toEqual(new Set(['refusal']));
    expect(fieldsOf(refusal, '{"steps":[],"refusal":"')).toEqual(new Set(['structure']));
  });

  it('refuses text that is not one JSON plan, naming the source and byte', () => {
    expect(() => planFieldOfBytes(Buffer.from('{"steps":[}'), 'val.jsonl: example 3')).toThrow(/val\.jsonl: example 3: plan is not valid JSON \(expected a value at byte 10\)/);
    expect(() => planFieldOfBytes(Buffer.from('{"steps":[]} x'), 'p')).toThrow(/text after the plan/);
    expect(() => planFieldOfBytes(Buffer.from('{"steps":"ab'), 'p')).toThrow(/unterminated string/);
  });

  it('counts a token spanning fields for the field most of its bytes lie in', () => {
    const f: PlanField[] = ['structure', 'structure', 'args', 'args', 'args', 'tool', 'tool'];
    expect(fieldOfSpan(f, 0, 5)).toBe('args');
    expect(fieldOfSpan(f, 0, 4)).toBe('structure'); // a tie goes to the field that got there first
    expect(fieldOfSpan(f, 4, 7)).toBe('tool');
  });
});

describe('planFieldLosses', () => {
  const tok = chatByteTokenizer();
  const lines = tinyPlanLines(3);
  const model = new Gpt(modelConfig({ depth: 1, seq_len: 160 }, tok.vocabSize), 4);
  scramble(model, 7);
  afterAll(() => model.dispose());

  it('splits exactly the SFT targets: per-field counts are the plan bytes per field, the nats sum to the masked loss', async () => {
    const slots = slotIds(tok);
    const report = await planFieldLosses(model, tok, lines, 'fixture');
    expect(report).toMatchObject({ examples: 3, skipped: 0 });
    let expectedNats = 0;
    let targets = 0;
    for (const line of lines) {
      const { tokens, lossMask, choiceSets } = renderExample(tok, line.tools, line.goal, line.plan);
      const inputs = tf.tensor2d(tokens.slice(0, -1), [1, tokens.length - 1], 'int32');
      const positions = tokens.slice(1).flatMap((_, i) => (lossMask[i + 1] ? [i] : []));
      // The graph's own restricted loss: each target's softmax over its choice set, else over all but the slots.
      const vocab = model.params.get('lm_head')!.shape[1]!;
      const bias = positions.flatMap((i) => {
        const set = choiceSets[i + 1];
        return Array.from({ length: vocab }, (_, id) => ((set ? set.includes(id) : !slots.includes(id)) ? 0 : -1e4));
      });
      const t = tf.tensor2d(tokens.slice(1), [1, tokens.length - 1], 'int32');
      const loss = model.loss(inputs, t, tf.tensor1d(positions, 'int32'), tf.tensor2d(bias, [positions.length, vocab]));
      expectedNats += (await loss.data())[0]! * positions.length;
      targets += positions.length;
      tf.dispose([inputs, t, loss]);
    }
    const fields = report.fields;
    expect(PLAN_FIELDS.reduce((s, f) => s + fields[f].tokens, 0)).toBe(targets);
    expect(PLAN_FIELDS.reduce((s, f) => s + fields[f].nats, 0)).toBeCloseTo(expectedNats, 2);
    // Only the model's choices count: each tool is one slot, args the digits of N and the `}` that ends it,
    // structure the plan-or-refuse `{` and the closing `]`; the rationale is the decoder's.
    expect(fields.tool.tokens).toBe(3);
    expect(fields.args.tokens).toBe(lines.reduce((s, l) => s + String(JSON.parse(l.plan).steps[0].args.r).length + 1, 0));
    expect(fields.structure.tokens).toBe(2 * 3);
    expect(fields.rationale.tokens).toBe(0);
    // One listed tool: its slot is the whole choice set, so choosing it costs nothing.
    expect(fields.tool.nats).toBeCloseTo(0, 6);
  });

  it('leaves out examples longer than the context', async () => {
    const short = new Gpt(modelConfig({ depth: 1, seq_len: 32 }, tok.vocabSize), 4);
    try {
      expect(await planFieldLosses(short, tok, lines, 'fixture')).toMatchObject({ examples: 0, skipped: 3 });
    } finally {
      short.dispose();
    }
  });
});

describe('capplan eval plan-loss', () => {
  it('reports the default planner per field, and refuses a bad limit or a plan line without a plan', () => {
    const dir = dirs.make('cli');
    const probe = join(dir, 'plans.jsonl');
    const tools = [{ name: 'Timer.sleep', description: 'Wait for a number of milliseconds.', params: { ms: { type: 'UInt32' } } }];
    const plan = '{"steps":[{"tool":"Timer.sleep","args":{"ms":450},"rationale":"Wait for a number of milliseconds."}]}';
    writeFileSync(probe, JSON.stringify({ tools, goal: 'Sleep for 450 ms.', plan }) + '\n');
    const res = runCli(['eval', 'plan-loss', '--plans', probe, '--backend', 'wasm', '--json']);
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { examples: number; fields: Record<PlanField, { tokens: number; nats: number }> };
    expect(report.examples).toBe(1);
    expect(report.fields.tool.tokens).toBe(1); // the tool's slot
    expect(report.fields.rationale.tokens).toBe(0); // the decoder writes the rationale: no target there
    const table = runCli(['eval', 'plan-loss', '--plans', probe, '--backend', 'wasm']);
    expect(table.stdout).toMatch(/^tool\s+1\s+\d+\.\d{3}\s+\d+\.\d%$/m);

    expect(runCli(['eval', 'plan-loss', '--plans', probe, '--limit', '0']).stderr).toMatch(/^capplan: error: --limit must be an integer ≥ 1, got '0'\n$/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, JSON.stringify({ tools, goal: 'Sleep.' }) + '\n');
    const missing = runCli(['eval', 'plan-loss', '--plans', bad, '--backend', 'cpu']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/bad\.jsonl:1.*plan/);
  });
});
