import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { probeCaseSchema, readProbeFile, readProbeOutputs, type ProbeCase } from '../src/eval/probe/probe-file.js';
import { argValuesMatch, PROBE_METRICS, scoreOutput, type ProbeMetric } from '../src/eval/probe/score-case.js';
import { formatProbeReport, scoreProbe } from '../src/eval/probe/report.js';
import { repoRoot } from './helpers/cli.js';

const DEV_PROBE = '/work/shared/probe/dev.jsonl';

const tool = (name: string, params: Record<string, string> = {}) => ({
  name,
  description: `Does ${name}.`,
  params: Object.fromEntries(Object.entries(params).map(([k, type]) => [k, { type }])),
});

const restartCase: ProbeCase = probeCaseSchema.parse({
  id: 'restart',
  tools: [
    tool('NetworkStack.info'),
    tool('LogReader.tail', { source: 'Text', lines: 'UInt32' }),
    tool('ServiceSupervisor.restart', { service: 'Text' }),
    tool('Console.write', { text: 'Text' }),
  ],
  goal: 'Restart the network service after checking its state and the last 20 lines of its log; do not print anything.',
  expect: {
    refusal: false,
    steps: ['NetworkStack.info', 'LogReader.tail', 'ServiceSupervisor.restart'],
    before: [
      ['NetworkStack.info', 'ServiceSupervisor.restart'],
      ['LogReader.tail', 'ServiceSupervisor.restart'],
    ],
    args: { 'LogReader.tail': { source: 'network', lines: 20 }, 'ServiceSupervisor.restart': { service: 'net' } },
    forbid: ['Console.write'],
  },
});

const refusalCase: ProbeCase = probeCaseSchema.parse({
  id: 'refuse',
  tools: [tool('Directory.list', { path: 'Text' })],
  goal: 'Reboot the machine.',
  expect: { refusal: true, steps: null, before: [], args: {}, forbid: [] },
});

const INFO = '{"tool":"NetworkStack.info","args":{},"rationale":"Check state."}';
const TAIL = '{"tool":"LogReader.tail","args":{"source":"network","lines":20},"rationale":"Read logs."}';
const RESTART = '{"tool":"ServiceSupervisor.restart","args":{"service":"net"},"rationale":"Restart it."}';
const plan = (...steps: string[]) => `{"steps":[${steps.join(',')}]}`;
const PERFECT = plan(INFO, TAIL, RESTART);

function failed(c: ProbeCase, output: string): ProbeMetric[] {
  const s = scoreOutput(c, output);
  return PROBE_METRICS.filter((m) => !s[m]);
}

describe('scoreOutput: one flaw fails its own metric', () => {
  it('a perfect plan passes every metric', () => {
    expect(failed(restartCase, PERFECT)).toEqual([]);
  });

  it('json_valid: trailing prose makes the output unparseable and nothing else can be credited', () => {
    expect(failed(restartCase, `${PERFECT} Done.`)).toEqual(PROBE_METRICS.filter((m) => m !== 'no_fences'));
  });

  it('no_fences: a fence fails no_fences even when the JSON inside is fine', () => {
    expect(failed(restartCase, plan(INFO.replace('Check state.', 'see ```'), TAIL, RESTART))).toEqual(['no_fences', 'pass']);
    // A fenced plan is not valid JSON either.
    expect(failed(restartCase, '```json\n' + PERFECT + '\n```')).toEqual([...PROBE_METRICS]);
  });

  it('schema_valid: an extra top-level key', () => {
    expect(failed(restartCase, PERFECT.replace(/}$/, ',"note":"x"}'))).toEqual(['schema_valid', 'pass']);
  });

  it('tools_known: a step calling a tool that is not listed', () => {
    const unknown = '{"tool":"Shell.exec","args":{},"rationale":"x"}';
    expect(failed(restartCase, plan(INFO, TAIL, RESTART, unknown))).toEqual(['tools_known', 'exact', 'pass']);
  });

  it('args_typed: an argument the tool does not take', () => {
    expect(failed(restartCase, plan(INFO, TAIL, RESTART.replace('"net"', '"net","force":true')))).toEqual(['args_typed', 'pass']);
  });

  it('args_typed: a value of the wrong type also misses args_match ("20" is not 20)', () => {
    expect(failed(restartCase, plan(INFO, TAIL.replace('20', '"20"'), RESTART))).toEqual(['args_typed', 'args_match', 'pass']);
    expect(failed(restartCase, plan(INFO, TAIL.replace('20', '-1'), RESTART))).toEqual(['args_typed', 'args_match', 'pass']);
  });

  it('order_ok: the restart before the log check', () => {
    expect(failed(restartCase, plan(INFO, RESTART, TAIL))).toEqual(['order_ok', 'exact', 'pass']);
  });

  it('order_ok: an expected tool missing', () => {
    expect(failed(restartCase, plan(INFO, RESTART))).toEqual(['order_ok', 'args_match', 'exact', 'pass']);
  });

  it('args_match: a wrong value; strings compare trimmed and case-insensitively', () => {
    expect(failed(restartCase, plan(INFO, TAIL.replace('20', '10'), RESTART))).toEqual(['args_match', 'pass']);
    expect(failed(restartCase, plan(INFO, TAIL.replace('"network"', '" Network "'), RESTART))).toEqual([]);
  });

  it('refusal_ok: a plan where a refusal is expected, and a refusal where a plan is expected', () => {
    const list = '{"steps":[{"tool":"Directory.list","args":{"path":"/"},"rationale":"x"}]}';
    expect(failed(refusalCase, list)).toEqual(['refusal_ok', 'exact', 'pass']);
    expect(failed(refusalCase, '{"steps":[],"refusal":"No tool reboots."}')).toEqual([]);
    expect(failed(restartCase, '{"steps":[],"refusal":"No."}')).toEqual(['order_ok', 'args_match', 'refusal_ok', 'exact', 'pass']);
  });

  it('forbid_ok: calling a forbidden tool', () => {
    const print = '{"tool":"Console.write","args":{"text":"hi"},"rationale":"x"}';
    expect(failed(restartCase, plan(INFO, TAIL, RESTART, print))).toEqual(['forbid_ok', 'exact', 'pass']);
  });

  it('exact: an extra harmless call passes but is not exact', () => {
    expect(failed(restartCase, plan(INFO, TAIL, RESTART, INFO))).toEqual(['exact']);
  });

  it('steps null pins no sequence: order and exact are vacuously true', () => {
    const loose = probeCaseSchema.parse({ ...restartCase, expect: { ...restartCase.expect, steps: null, before: [], args: {} } });
    expect(failed(loose, plan(RESTART))).toEqual([]);
  });

  it('JSON that is not a plan object fails every plan metric', () => {
    expect(failed(restartCase, '[1,2]')).toEqual(PROBE_METRICS.filter((m) => m !== 'json_valid' && m !== 'no_fences'));
    expect(failed(restartCase, '{"steps":[42]}')).toContain('tools_known');
  });
});

describe('argValuesMatch', () => {
  it('compares lists element-wise and keeps JSON types apart', () => {
    expect(argValuesMatch(['-l', '/var'], [' -L', '/VAR '])).toBe(true);
    expect(argValuesMatch(['-l', '/var'], ['/var', '-l'])).toBe(false);
    expect(argValuesMatch(20, '20')).toBe(false);
    expect(argValuesMatch(true, true)).toBe(true);
    expect(argValuesMatch(null, 0)).toBe(false);
  });
});

/** Perfect plans for every case of the shared dev probe, written by hand. */
const DEV_OUTPUTS: Record<string, string> = {
  'survey-probe':
    '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"Confirm the stack has failed."},' +
    '{"tool":"LogReader.tail","args":{"source":"network","lines":20},"rationale":"Read the last 20 log lines."},' +
    '{"tool":"ServiceSupervisor.restart","args":{"service":"network"},"rationale":"Restart the network stack."}]}',
  'single-call': '{"steps":[{"tool":"Console.write","args":{"text":"Hello"},"rationale":"Say hello."}]}',
  'two-step-then':
    '{"steps":[{"tool":"ServiceSupervisor.restart","args":{"service":"ntp"},"rationale":"Restart ntp."},' +
    '{"tool":"ServiceSupervisor.status","args":{"service":"ntp"},"rationale":"Report its status."}]}',
  refusal: '{"steps":[],"refusal":"No available tool can reboot the machine."}',
  'zero-arg-no-fabrication': '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"Check the network."}]}',
  'list-arg': '{"steps":[{"tool":"ProcessSpawner.spawn","args":{"binary":"ls","args":["-l","/var"]},"rationale":"Run ls."}]}',
  'first-connective':
    '{"steps":[{"tool":"File.read","args":{"path":"/tmp/flag"},"rationale":"See what it holds."},' +
    '{"tool":"File.write","args":{"path":"/tmp/flag","data":"ok"},"rationale":"Write ok."}]}',
  'number-words': '{"steps":[{"tool":"LogReader.tail","args":{"source":"auth","lines":10},"rationale":"Show ten lines."}]}',
};

describe('dev probe', () => {
  it('hand-written perfect outputs pass every metric, exact included', () => {
    const cases = readProbeFile(DEV_PROBE);
    expect(cases.map((c) => c.id).sort()).toEqual(Object.keys(DEV_OUTPUTS).sort());
    const report = scoreProbe(cases, new Map(Object.entries(DEV_OUTPUTS)));
    for (const m of PROBE_METRICS) expect(report.totals[m], m).toEqual({ passed: cases.length, total: cases.length, rate: 1 });
    expect(formatProbeReport(report)).not.toContain('missed');
  });

  it('aggregates per metric and lists the misses', () => {
    const cases = readProbeFile(DEV_PROBE);
    const outputs = new Map(Object.entries(DEV_OUTPUTS));
    outputs.set('single-call', '```json\n' + DEV_OUTPUTS['single-call'] + '\n```');
    outputs.set('number-words', DEV_OUTPUTS['number-words']!.replace('10', '5'));
    const report = scoreProbe(cases, outputs);
    expect(report.totals.pass).toEqual({ passed: cases.length - 2, total: cases.length, rate: (cases.length - 2) / cases.length });
    expect(report.totals.json_valid.passed).toBe(cases.length - 1);
    expect(report.totals.args_match.passed).toBe(cases.length - 2);
    const text = formatProbeReport(report);
    expect(text).toMatch(/^metric\s+cases\s+rate/);
    expect(text).toContain('number-words: args_match, pass');
    expect(text).toContain('single-call: json_valid, no_fences');
  });
});

describe('bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-score-'));
  const good = JSON.stringify({ id: 'a', tools: [tool('X.y')], goal: 'g', expect: { refusal: false, steps: ['X.y'], before: [], args: {}, forbid: [] } });

  it('a probe line missing a field names file, line and field', () => {
    const path = join(dir, 'missing.jsonl');
    const broken = JSON.parse(good);
    delete broken.expect.forbid;
    broken.id = 'b';
    writeFileSync(path, `${good}\n\n${JSON.stringify(broken)}\n`);
    expect(() => readProbeFile(path)).toThrow(UserError);
    expect(() => readProbeFile(path)).toThrow(`${path}:3: field \`expect.forbid\``);
  });

  it('invalid JSON, duplicate ids and expectations naming unlisted tools are errors', () => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, `${good}\n{oops\n`);
    expect(() => readProbeFile(path)).toThrow(`${path}:2: not valid JSON`);
    writeFileSync(path, `${good}\n${good}\n`);
    expect(() => readProbeFile(path)).toThrow(`${path}:2: duplicate probe id "a"`);
    writeFileSync(path, good.replace('"steps":["X.y"]', '"steps":["X.z"]'));
    expect(() => readProbeFile(path)).toThrow('`X.z`');
    writeFileSync(path, good.replace('"tools":[', `"tools":[${JSON.stringify(tool('X.y'))},`));
    expect(() => readProbeFile(path)).toThrow(`${path}:1: duplicate tool \`X.y\``);
  });

  it('an outputs file lacking a case is an error naming the case', () => {
    const path = join(dir, 'outputs.jsonl');
    writeFileSync(path, `${JSON.stringify({ id: 'other', output: '{}' })}\n`);
    const outputs = readProbeOutputs(path);
    expect(() => scoreProbe(readProbeFile(DEV_PROBE), outputs, path)).toThrow(`${path}: no output for probe case "survey-probe"`);
    writeFileSync(path, `${JSON.stringify({ id: 'x' })}\n`);
    expect(() => readProbeOutputs(path)).toThrow(`${path}:1: field \`output\``);
  });
});

describe.each([
  ['non-os-dev', 40],
  ['non-os-dev2', 60],
  ['non-os-dev3', 40],
  ['non-os-dev4', 40],
  ['non-os-heldout', 40],
  ['non-os-heldout2', 40],
  ['non-os-heldout3', 40],
  ['non-os-heldout4', 60],
])('data/probe/%s.jsonl', (name, size) => {
  it('is a probe file whose every case its own expected plan (or refusal) passes', () => {
    const cases = readProbeFile(join(repoRoot, `data/probe/${name}.jsonl`));
    expect(cases.length).toBe(size);
    for (const c of cases) {
      const expected = c.expect.refusal
        ? JSON.stringify({ steps: [], refusal: 'None of the listed tools can do this.' })
        : plan(...c.expect.steps!.map((tool) => JSON.stringify({ tool, args: c.expect.args[tool], rationale: 'As asked.' })));
      expect([c.id, failed(c, expected)]).toEqual([c.id, []]);
    }
  });
});
