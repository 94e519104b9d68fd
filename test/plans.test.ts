import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../src/data/catalog.js';
import { parsePlan, REFUSAL_TEXT, serializePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import { generatePlanExamples, HELD_OUT_INTERFACES, REFUSAL_RATE, type PlanExample, type Split } from '../src/data/plans/generate.js';
import { sha256Hex } from '../src/util/hash.js';
import { repoRoot, runCli } from './helpers/cli.js';

const catalog = loadCatalog(join(repoRoot, 'data/tools/catalog.json'));
const gen = (split: Split, count: number, seed: number | string = 7): PlanExample[] => generatePlanExamples({ seed, count, catalog, split });
const train = gen('train', 2500);
const val = gen('val', 400);
const unseen = gen('val_unseen', 600);
const ifaceOf = (tool: string): string => tool.split('.')[0]!;

describe('plan generator: determinism', () => {
  it('gives identical examples for the same seed and different ones for another seed', () => {
    expect(JSON.stringify(gen('train', 200))).toBe(JSON.stringify(train.slice(0, 200)));
    expect(JSON.stringify(gen('train', 200, 8))).not.toBe(JSON.stringify(train.slice(0, 200)));
  });
});

describe('plan generator: every example is consistent', () => {
  const all = [...train, ...val, ...unseen];

  it('plans parse, are canonical and validate against their own descriptors', () => {
    for (const e of all) {
      const plan = parsePlan(e.plan, e.id);
      expect(serializePlan(plan, e.tools), e.id).toBe(e.plan);
      expect(validatePlanAgainst(plan, e.tools), e.id).toEqual([]);
      expect(new Set(e.tools.map((t) => t.name)).size, e.id).toBe(e.tools.length);
    }
  });

  it('expectations agree with the plan: steps, args, orderings and forbidden tools', () => {
    for (const e of all) {
      const plan = parsePlan(e.plan, e.id);
      if (e.expect.refusal) {
        expect(plan.refusal, e.id).toBeDefined();
        expect(e.expect.steps).toBeNull();
        continue;
      }
      const names = plan.steps.map((s) => s.tool);
      expect(names.length).toBeGreaterThanOrEqual(1);
      expect(names.length).toBeLessThanOrEqual(6);
      expect(e.expect.steps, e.id).toEqual(names);
      for (const s of plan.steps) expect(e.expect.args[s.tool], e.id).toEqual(s.args);
      for (const [a, b] of e.expect.before) expect(names.indexOf(a), `${e.id} ${a} < ${b}`).toBeLessThan(names.indexOf(b));
      for (const f of e.expect.forbid) {
        expect(e.tools.map((t) => t.name), e.id).toContain(f);
        expect(names, e.id).not.toContain(f);
      }
    }
  });

  it('takes argument values from the goal: Text and List(Text) values appear in it literally', () => {
    for (const e of all) {
      if (e.expect.refusal) continue;
      const goal = e.goal.toLowerCase();
      for (const args of Object.values(e.expect.args)) {
        for (const v of Object.values(args)) {
          const texts = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
          for (const t of texts) expect(goal, `${e.id}: ${JSON.stringify(t)}`).toContain(String(t).toLowerCase());
        }
      }
    }
  });

  it('refuses when the needed tool is missing, with the planner refusal sentence, at about REFUSAL_RATE', () => {
    const refusals = train.filter((e) => e.expect.refusal);
    const rate = refusals.length / train.length;
    expect(rate).toBeGreaterThan(REFUSAL_RATE - 0.02);
    expect(rate).toBeLessThan(REFUSAL_RATE + 0.02);
    for (const e of refusals) expect(parsePlan(e.plan, e.id).refusal, e.id).toBe(REFUSAL_TEXT);
  });

  it('includes zero-argument calls, List(T) args, distractors and negations', () => {
    const steps = train.flatMap((e) => (e.expect.refusal ? [] : parsePlan(e.plan, e.id).steps));
    expect(steps.some((s) => Object.keys(s.args).length === 0)).toBe(true);
    expect(steps.some((s) => Object.values(s.args).some(Array.isArray))).toBe(true);
    expect(train.filter((e) => !e.expect.refusal && e.tools.length > (e.expect.steps?.length ?? 0)).length).toBeGreaterThan(train.length / 2);
    const negated = train.filter((e) => e.expect.forbid.length > 0);
    expect(negated.length).toBeGreaterThan(train.length * 0.05);
    for (const e of negated) expect(e.goal, e.id).toMatch(/\b(do not|don't|make sure not to|never)\b/i);
  });

  it('uses ordering connectives in both mention orders', () => {
    const goals = train.map((e) => e.goal).join('\n');
    for (const c of [', then ', 'After that, ', 'but first ', 'Before you ', 'once that is done', 'Prior to that, ', 'finally ', 'after you ']) {
      expect(goals).toContain(c);
    }
  });
});

describe('plan generator: probe format', () => {
  it('lines have the probe fields of DESIGN.md plus the target plan', () => {
    for (const e of [train[0]!, train.find((x) => x.expect.refusal)!]) {
      expect(Object.keys(e)).toEqual(['id', 'tools', 'goal', 'expect', 'plan']);
      expect(Object.keys(e.expect)).toEqual(['refusal', 'steps', 'before', 'args', 'forbid']);
    }
    let probe: string;
    try {
      probe = readFileSync(join(repoRoot, '..', 'shared', 'probe', 'dev.jsonl'), 'utf8');
    } catch {
      return; // shared probe not mounted
    }
    const line = JSON.parse(probe.split('\n')[0]!);
    expect([...Object.keys(line), 'plan']).toEqual(Object.keys(train[0]!));
    expect(Object.keys(line.expect)).toEqual(Object.keys(train[0]!.expect));
  });
});

describe('plan generator: unseen-interface split', () => {
  it('train and val never mention a held-out interface', () => {
    const heldOut = new Set<string>(HELD_OUT_INTERFACES);
    for (const e of [...train, ...val]) {
      for (const t of e.tools) expect(heldOut.has(ifaceOf(t.name)), e.id).toBe(false);
      for (const s of e.expect.steps ?? []) expect(heldOut.has(ifaceOf(s))).toBe(false);
    }
  });

  it('every executable val_unseen example calls a held-out tool', () => {
    const heldOut = new Set<string>(HELD_OUT_INTERFACES);
    const executable = unseen.filter((e) => !e.expect.refusal);
    expect(executable.length).toBeGreaterThan(unseen.length / 2);
    for (const e of executable) expect(e.expect.steps!.some((s) => heldOut.has(ifaceOf(s))), e.id).toBe(true);
  });
});

describe('capplan data plans', () => {
  it('writes identical bytes for the same seed, a manifest with their sha256, and val goals disjoint from train', () => {
    const a = mkdtempSync(join(tmpdir(), 'plans-a-'));
    const b = mkdtempSync(join(tmpdir(), 'plans-b-'));
    for (const out of [a, b]) {
      const res = runCli(['data', 'plans', '--seed', '3', '--count', '80', '--val-count', '20', '--out', join(out, 'plans')]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
    }
    const manifest = JSON.parse(readFileSync(join(a, 'plans', 'manifest.json'), 'utf8'));
    expect(manifest.seed).toBe(3);
    expect(manifest.held_out_interfaces).toEqual([...HELD_OUT_INTERFACES]);
    for (const file of ['train.jsonl', 'val.jsonl', 'val_unseen.jsonl', 'manifest.json']) {
      expect(readFileSync(join(a, 'plans', file), 'utf8')).toBe(readFileSync(join(b, 'plans', file), 'utf8'));
    }
    for (const split of ['train', 'val', 'val_unseen'] as const) {
      const text = readFileSync(join(a, 'plans', `${split}.jsonl`), 'utf8');
      expect(manifest.splits[split].sha256).toBe(sha256Hex(text));
      expect(text.trim().split('\n')).toHaveLength(split === 'train' ? 80 : 20);
    }
    const goals = (split: string): string[] =>
      readFileSync(join(a, 'plans', `${split}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l).goal);
    const trainGoals = new Set(goals('train'));
    for (const g of [...goals('val'), ...goals('val_unseen')]) expect(trainGoals.has(g)).toBe(false);
  });

  it('rejects a bad --count with a one-line error', () => {
    const res = runCli(['data', 'plans', '--count', 'many', '--out', join(tmpdir(), 'never')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('capplan: error: --count must be a non-negative integer, got `many`\n');
  });
});
