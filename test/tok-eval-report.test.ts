import { describe, expect, it } from 'vitest';
import { parsePlan, serializePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import { defaultProbePath, planFromProbeCase, PROBE_REFUSAL } from '../src/eval/probe-plans.js';
import { readProbeFile } from '../src/eval/probe/probe-file.js';
import { scoreOutput } from '../src/eval/probe/score-case.js';
import { checkTargets, evaluateClass, formatEvalReport, type TokEvalResult } from '../src/eval/tok-eval.js';
import type { TokenCounter } from '../src/eval/tokenizers/token-counter.js';

/** Stand-in tokenizers with known costs, so every derived number can be checked by hand. */
const counter = (name: string, bytesPerToken: number): TokenCounter => ({
  name,
  countTokens: (t) => Math.ceil(Buffer.byteLength(t) / bytesPerToken),
  free: () => {},
});

describe('probe expectations as canonical ActionPlans', () => {
  const cases = readProbeFile(defaultProbePath());

  it('turns every probe case into a plan that fits its descriptors and passes the probe scorer exactly', () => {
    for (const c of cases) {
      const expected = planFromProbeCase(c);
      if (!expected) continue; // no pinned tool sequence, no plan
      const text = serializePlan(expected, c.tools);
      expect(validatePlanAgainst(parsePlan(text, c.id), c.tools), c.id).toEqual([]);
      const score = scoreOutput(c, text);
      expect([score.pass, score.exact], c.id).toEqual([true, true]);
    }
  });

  it('keeps the arguments the probe pins and refuses where the probe expects a refusal', () => {
    const survey = cases.find((c) => c.id === 'survey-probe')!;
    const text = serializePlan(planFromProbeCase(survey)!, survey.tools);
    expect(text.startsWith('{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"')).toBe(true);
    expect(text).toContain('"tool":"LogReader.tail","args":{"source":"","lines":20}');
    const refusal = cases.find((c) => c.expect.refusal)!;
    expect(serializePlan(planFromProbeCase(refusal)!, refusal.tools)).toBe(JSON.stringify({ steps: [], refusal: PROBE_REFUSAL }));
    expect(planFromProbeCase({ ...survey, expect: { ...survey.expect, steps: null } })).toBeNull();
  });
});

describe('tok eval numbers', () => {
  const counters = [counter('capos', 8), counter('gpt2', 2), counter('o200k_base', 4)];
  const texts = ['x'.repeat(80), 'y'.repeat(40)];

  it('reports bytes, tokens, bytes/token, tokens/document and the difference vs gpt2 per tokenizer', () => {
    const r = evaluateClass({ name: 'plans', source: 'test', texts }, counters);
    expect(r).toMatchObject({ name: 'plans', documents: 2, bytes: 120 });
    expect(r.tokenizers.capos).toEqual({ tokens: 15, bytes_per_token: 8, tokens_per_document: 7.5, vs_gpt2: -0.75 });
    expect(r.tokenizers.gpt2).toEqual({ tokens: 60, bytes_per_token: 2, tokens_per_document: 30, vs_gpt2: 0 });
    expect(r.tokenizers.o200k_base!.vs_gpt2).toBe(-0.5);
  });

  it('checks the plan and English targets against gpt2 and o200k', () => {
    const plans = evaluateClass({ name: 'plans', source: 'test', texts }, counters);
    const english = evaluateClass({ name: 'english', source: 'test', texts }, [counter('capos', 1.6), ...counters.slice(1)]);
    const targets = checkTargets([english, plans]);
    expect(targets.map((t) => [t.name, t.value, t.met])).toEqual([
      ['plans_fewer_than_gpt2', 0.75, true],
      ['plans_fewer_than_o200k', 0.5, true],
      ['english_extra_vs_gpt2', 0.25, false],
    ]);
  });

  it('prints one table per text class and the target verdicts', () => {
    const classes = [
      evaluateClass({ name: 'english', source: 'held-out books', texts }, counters),
      evaluateClass({ name: 'plans', source: 'canonical plans', texts }, counters),
    ];
    const result: TokEvalResult = {
      date: '2026-11-22T00:00:00.000Z',
      machine: { cpu: 'test', cores: 2, mem_gib: 24, node: 'v20', platform: 'linux-x64' },
      tokenizer: { dir: 'tokenizer', sha256: 'ab'.repeat(32), vocab_size: 4096 },
      hf_manifest: { path: '../shared/hf-tokenizers/MANIFEST.json', sha256: 'cd'.repeat(32) },
      reference: 'gpt2',
      classes,
      targets: checkTargets(classes),
    };
    const text = formatEvalReport(result);
    expect(text).toContain('english: held-out books — 2 documents, 120 bytes');
    expect(text).toMatch(/capos\s+15\s+8\.00\s+7\.5\s+-75\.0%/);
    expect(text).toContain('met     fraction fewer ActionPlan tokens than gpt2: 75.0% (target ≥ 45.0%)');
  });
});
