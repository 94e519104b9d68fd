import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionPlanSchema, parsePlan, serializePlan, validatePlanAgainst, type ActionPlan } from '../src/data/actionplan.js';
import { descriptorsFromCatalog, parseDescriptors, serializeDescriptor, type ToolDescriptor } from '../src/data/descriptor.js';
import { integerRange, valueMatchesType } from '../src/data/capnp-values.js';
import { loadCatalog } from '../src/data/catalog.js';
import { repoRoot } from './helpers/cli.js';

const catalog = loadCatalog(join(repoRoot, 'data/tools/catalog.json'));

const tools: ToolDescriptor[] = [
  { name: 'LogReader.tail', description: 'Return the last lines of a log.', params: { source: { type: 'Text' }, lines: { type: 'UInt32' } } },
  { name: 'NetworkStack.info', description: 'Report interface state and whether the stack has failed.', params: {} },
  { name: 'ProcessSpawner.spawn', description: 'Start a program with arguments.', params: { binary: { type: 'Text' }, args: { type: 'List(Text)' } } },
];

describe('Cap\'n Proto value types', () => {
  it('bounds integers by width and signedness', () => {
    expect(integerRange('UInt8')).toEqual([0, 255]);
    expect(integerRange('Int8')).toEqual([-128, 127]);
    expect(integerRange('Int64')).toEqual([Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
    expect(valueMatchesType(255, 'UInt8')).toBe(true);
    expect(valueMatchesType(256, 'UInt8')).toBe(false);
    expect(valueMatchesType(-1, 'UInt32')).toBe(false);
    expect(valueMatchesType(-128, 'Int8')).toBe(true);
    expect(valueMatchesType(1.5, 'Int32')).toBe(false);
    expect(valueMatchesType('5', 'Int32')).toBe(false);
    expect(valueMatchesType(2 ** 60, 'UInt64')).toBe(false); // not exactly representable in JSON numbers
  });

  it('checks floats, Bool, Text, Data (base64), Void and nested lists', () => {
    expect(valueMatchesType(0.5, 'Float32')).toBe(true);
    expect(valueMatchesType(1e39, 'Float32')).toBe(false);
    expect(valueMatchesType(1e39, 'Float64')).toBe(true);
    expect(valueMatchesType(true, 'Bool')).toBe(true);
    expect(valueMatchesType(1, 'Bool')).toBe(false);
    expect(valueMatchesType('', 'Text')).toBe(true);
    expect(valueMatchesType('aGVsbG8=', 'Data')).toBe(true);
    expect(valueMatchesType('not base64!', 'Data')).toBe(false);
    expect(valueMatchesType(null, 'Void')).toBe(true);
    expect(valueMatchesType(undefined, 'Void')).toBe(false);
    expect(valueMatchesType([['a'], []], 'List(List(Text))')).toBe(true);
    expect(valueMatchesType([['a'], [1]], 'List(List(Text))')).toBe(false);
    expect(valueMatchesType('a', 'List(Text)')).toBe(false);
  });
});

describe('tool descriptors', () => {
  it('serialize canonically (name, description, params) and parse back', () => {
    const d = { params: { source: { type: 'Text' } }, description: 'Read.', name: 'LogReader.tail' };
    const text = serializeDescriptor(d);
    expect(text).toBe('{"name":"LogReader.tail","description":"Read.","params":{"source":{"type":"Text"}}}');
    expect(parseDescriptors([JSON.parse(text)], 'x')).toEqual([d]);
  });

  it('reject bad names, bad types, extra keys and duplicates with the source named', () => {
    expect(() => parseDescriptors([{ name: 'tail', description: 'x', params: {} }], 'tools.json')).toThrow(/tools\.json: field `0\.name`/);
    expect(() => parseDescriptors([{ name: 'A.b', description: 'x', params: { p: { type: 'str' } } }], 'tools.json')).toThrow(/`0\.params\.p\.type`/);
    expect(() => parseDescriptors([{ name: 'A.b', description: 'x', params: {}, extra: 1 }], 'tools.json')).toThrow(/tools\.json/);
    const d = { name: 'A.b', description: 'x', params: {} };
    expect(() => parseDescriptors([d, d], 'tools.json')).toThrow(/duplicate tool `A\.b`/);
  });

  it('come from the catalog in the requested order; an unknown name is an error', () => {
    const ds = descriptorsFromCatalog(catalog, ['Timer.sleep', 'Console.write']);
    expect(ds.map((d) => d.name)).toEqual(['Timer.sleep', 'Console.write']);
    expect(ds[0]).toEqual({ name: 'Timer.sleep', description: 'Wait for a number of milliseconds.', params: { ms: { type: 'UInt64' } } });
    expect(() => descriptorsFromCatalog(catalog, ['Timer.nap'])).toThrow(/`Timer\.nap` is not in the catalog/);
  });
});

describe('ActionPlan', () => {
  const plan: ActionPlan = {
    steps: [
      { tool: 'NetworkStack.info', args: {}, rationale: 'Check the stack.' },
      { tool: 'LogReader.tail', args: { lines: 20, source: 'network' }, rationale: 'Read the log.' },
    ],
  };

  it('serializes with keys in canonical order and args in param order', () => {
    const text = serializePlan(plan, tools);
    expect(text).toBe(
      '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"Check the stack."},' +
        '{"tool":"LogReader.tail","args":{"source":"network","lines":20},"rationale":"Read the log."}]}',
    );
    expect(serializePlan({ refusal: 'No tool can reboot.', steps: [] })).toBe('{"steps":[],"refusal":"No tool can reboot."}');
  });

  it('round-trips: parse(serialize(x)) serializes to the same bytes', () => {
    for (const p of [plan, { steps: [], refusal: 'No.' }]) {
      const text = serializePlan(p, tools);
      expect(serializePlan(parsePlan(text, 'out'), tools)).toBe(text);
    }
  });

  it('rejects text around the JSON, empty plans, refusals with steps and missing keys', () => {
    expect(() => parsePlan('```json\n{"steps":[]}\n```', 'out')).toThrow(/out: plan is not valid JSON/);
    expect(actionPlanSchema.safeParse({ steps: [] }).success).toBe(false);
    expect(actionPlanSchema.safeParse({ steps: plan.steps, refusal: 'x' }).success).toBe(false);
    expect(actionPlanSchema.safeParse({ steps: [{ tool: 'A.b', args: {} }] }).success).toBe(false);
    expect(actionPlanSchema.safeParse({ steps: [], refusal: '' }).success).toBe(false);
  });

  it('validates tools, arg keys and arg types against the descriptors', () => {
    expect(validatePlanAgainst(plan, tools)).toEqual([]);
    const bad: ActionPlan = {
      steps: [
        { tool: 'Power.reboot', args: {}, rationale: '' },
        { tool: 'LogReader.tail', args: { source: 'auth' }, rationale: '' },
        { tool: 'LogReader.tail', args: { source: 'auth', lines: -3 }, rationale: '' },
        { tool: 'ProcessSpawner.spawn', args: { binary: 'ls', args: '-l' }, rationale: '' },
        { tool: 'NetworkStack.info', args: { verbose: true }, rationale: '' },
      ],
    };
    const issues = validatePlanAgainst(bad, tools);
    expect(issues.map((i) => [i.step, i.kind])).toEqual([
      [0, 'unknown_tool'],
      [1, 'args_keys'],
      [2, 'arg_type'],
      [3, 'arg_type'],
      [4, 'args_keys'],
    ]);
  });

  it('accepts the probe descriptors', () => {
    let text: string;
    try {
      text = readFileSync(join(repoRoot, '..', 'shared', 'probe', 'dev.jsonl'), 'utf8');
    } catch {
      return; // shared probe not mounted
    }
    text.trim().split('\n').forEach((line, i) => expect(() => parseDescriptors(JSON.parse(line).tools, `dev.jsonl:${i + 1}`)).not.toThrow());
  });
});
