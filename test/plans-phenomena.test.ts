import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadCatalog } from '../src/data/catalog.js';
import { generatePlanExamples, type PlanExample } from '../src/data/plans/generate.js';
import { makeSurvey } from '../src/data/plans/survey.js';
import { numberWord } from '../src/data/plans/values.js';
import { Prng } from '../src/util/prng.js';
import { repoRoot } from './helpers/cli.js';

const catalog = loadCatalog(join(repoRoot, 'data/tools/catalog.json'));
// The catalog as written: these phenomena are phrased over its tools (synthetic and renamed tools have their own tests).
const train = generatePlanExamples({ seed: 'phenomena', count: 5000, catalog, split: 'train', mix: { synthetic: 0, renamed: 0 } });
const executable = train.filter((e) => !e.expect.refusal);
const stepsOf = (e: PlanExample): string[] => e.expect.steps ?? [];

function readNumber(s: string): number {
  for (let n = 0; n <= 100; n++) if (numberWord(n) === s) return n;
  return Number(s);
}

/** Where the goal mentions each kind of check; the test's own reading, independent of survey.ts. */
const CHECK_MENTION: Record<string, RegExp> = {
  'NetworkStack.info': /\b(status|its state)\b/,
  'ServiceSupervisor.status': /\b(status|its state)\b/,
  'LogReader.tail': /\b(last|tailing) (one hundred|\w+) (log )?lines\b/,
  'SystemMonitor.memory': /\bmemory\b/,
  'SystemMonitor.cpuLoad': /\bload\b/,
};

describe('"diagnose, then act" goals (compound prerequisites)', () => {
  const surveys = Array.from({ length: 600 }, (_, i) => makeSurvey(new Prng(`survey-${i}`)));

  it('put every check before the action, in mention order, and state exactly those orderings', () => {
    for (const s of surveys) {
      const tools = s.steps.map((x) => x.tool);
      const action = tools.findIndex((t) => t === 'ServiceSupervisor.restart' || t === 'ServiceSupervisor.stop');
      expect(action, s.goal).toBeGreaterThanOrEqual(0);
      if (action === 0) {
        // The post-check form: "restart X, then report its status".
        expect(s.before, s.goal).toEqual([[0, 1]]);
        expect(s.goal, s.goal).toMatch(/its (status|state)$/);
        continue;
      }
      expect(action, s.goal).toBe(tools.length - 1);
      expect(s.before, s.goal).toEqual(tools.slice(0, -1).map((_, i) => [i, action]));
      const positions = tools.slice(0, -1).map((t) => s.goal.search(CHECK_MENTION[t]!));
      for (const p of positions) expect(p, s.goal).toBeGreaterThanOrEqual(0);
      expect([...positions].sort((a, b) => a - b), s.goal).toEqual(positions);
    }
  });

  it('read unnamed args from the subject: "status" is its own status call, an unnamed log is its log', () => {
    for (const s of surveys) {
      const action = s.steps.find((x) => x.tool === 'ServiceSupervisor.restart' || x.tool === 'ServiceSupervisor.stop')!;
      const subject = action.args.service as string;
      expect(s.goal.toLowerCase(), s.goal).toContain(subject);
      for (const step of s.steps) {
        if (step.tool === 'NetworkStack.info') expect(subject, s.goal).toBe('network');
        if (step.tool === 'ServiceSupervisor.status') {
          expect(subject, s.goal).not.toBe('network');
          expect(step.args, s.goal).toEqual({ service: subject });
        }
        if (step.tool === 'LogReader.tail') {
          expect(step.args.source, s.goal).toBe(subject);
          const said = /\b(?:last|tailing) (one hundred|\w+) (?:log )?lines\b/.exec(s.goal)![1]!;
          expect(step.args.lines, s.goal).toBe(readNumber(said));
        }
      }
      if (subject === 'network') expect(s.avoid).toContain('ServiceSupervisor.status');
    }
  });

  it('use the "X, but first confirm … by checking A and B" wording, and the other wordings too', () => {
    const goals = surveys.map((s) => s.goal);
    // Two bare noun checks joined by "and" under one "checking": the shape of the survey probe.
    expect(goals.some((g) => /^\w+ .+, but first (confirm|make sure|check that|verify that) it.* by checking (status|its status|the status|its state) and (the |its )?last \w+ log lines$/.test(g))).toBe(true);
    for (const re of [/, but first \w+ .* by checking \S+ .* and /, /, but first \w+ .* by \w+ing .* and \w+ing /, /^before \w+ing .*, /, /, then \w+ it$/, /, but only after /]) {
      expect(goals.some((g) => re.test(g)), String(re)).toBe(true);
    }
  });

  it('appear in the generated set with plans that agree, and never list a second "status" tool', () => {
    const found = executable.filter((e) => /, but first (confirm|make sure|check that|verify that) it('s| is (in|really|broken|stuck|unhealthy)| has failed).* by \w+ing .+ and /.test(e.goal));
    expect(found.length).toBeGreaterThan(train.length * 0.01);
    for (const e of found) {
      const steps = stepsOf(e);
      const action = steps.at(-1)!;
      expect(['ServiceSupervisor.restart', 'ServiceSupervisor.stop'], e.id).toContain(action);
      for (const check of steps.slice(0, -1)) expect(e.expect.before, e.id).toContainEqual([check, action]);
      if (steps.includes('NetworkStack.info')) expect(e.tools.map((t) => t.name), e.id).not.toContain('ServiceSupervisor.status');
    }
  });
});

describe('other probe phenomena in the generated set', () => {
  it('pronoun references repeat the antecedent value ("restart ntp, then report its status")', () => {
    const pronoun = executable.filter((e) => /\b(report|check|show|tell me) its status\b/.test(e.goal) && stepsOf(e).length === 2 && stepsOf(e)[1] === 'ServiceSupervisor.status');
    expect(pronoun.length).toBeGreaterThan(20);
    for (const e of pronoun) {
      const [first, second] = stepsOf(e) as [string, string];
      expect(e.expect.args[second], e.id).toEqual({ service: e.expect.args[first]!.service });
    }
    const readBack = executable.filter((e) => /\bread it( back)?\b/.test(e.goal) && stepsOf(e).join() === 'File.write,File.read');
    expect(readBack.length).toBeGreaterThan(0);
    for (const e of readBack) expect(e.expect.args['File.read'], e.id).toEqual({ path: e.expect.args['File.write']!.path });
  });

  it('"B, but first read P to see what it holds" runs the read first on the same path', () => {
    const found = executable.filter((e) => /, but first read (\S+) to see what it holds/.test(e.goal) && stepsOf(e).join() === 'File.read,File.write');
    expect(found.length).toBeGreaterThan(0);
    for (const e of found) {
      expect(e.expect.before, e.id).toEqual([['File.read', 'File.write']]);
      expect(e.expect.args['File.read'], e.id).toEqual({ path: e.expect.args['File.write']!.path });
    }
  });

  it('unquoted literal words are Text values ("say hello on the console" → "hello")', () => {
    const found = executable.filter((e) => stepsOf(e).includes('Console.write') && /\bsay [a-z]+ on the console\b/i.test(e.goal));
    expect(found.length).toBeGreaterThan(0);
    for (const e of found) expect(e.expect.args['Console.write'], e.id).toEqual({ text: /\bsay ([a-z]+) on the console\b/i.exec(e.goal)![1]!.toLowerCase() });
  });

  it('zero-argument questions plan one call with no args ("is the network up?")', () => {
    const zeroArg = new Set(catalog.interfaces.flatMap((i) => i.methods.filter((m) => Object.keys(m.params).length === 0).map((m) => `${i.name}.${m.name}`)));
    const found = executable.filter((e) => /^(is|are|has|how|what|which)\b.*\?$/i.test(e.goal) && stepsOf(e).length === 1 && zeroArg.has(stepsOf(e)[0]!));
    expect(found.length).toBeGreaterThan(10);
    expect(found.some((e) => stepsOf(e)[0] === 'NetworkStack.info')).toBe(true);
    for (const e of found) expect(e.expect.args, e.id).toEqual({ [stepsOf(e)[0]!]: {} });
  });

  it('a reboot without a stated delay is delaySeconds 0, and is refused when no reboot tool is listed', () => {
    const now = /\breboot (the system|the box now|immediately|the computer)\b|\brestart the machine\b/i;
    const planned = executable.filter((e) => stepsOf(e).includes('PowerManager.reboot') && now.test(e.goal) && !/\bin \w+ (second|minute|hour)/.test(e.goal));
    expect(planned.length).toBeGreaterThan(0);
    for (const e of planned) expect(e.expect.args['PowerManager.reboot'], e.id).toEqual({ delaySeconds: 0 });
    // Only goals that are nothing but the reboot (a refusal goal may also ask for a listed tool).
    const refused = train.filter((e) => e.expect.refusal && now.test(e.goal) && !/,|\b(and|before|after|then|once)\b|\. \w/.test(e.goal));
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect(e.tools.map((t) => t.name), e.id).not.toContain('PowerManager.reboot');
  });
});
