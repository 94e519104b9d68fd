import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import { readManifest } from '../src/provenance/verify.js';
import { repoRoot, runCli } from './helpers/cli.js';

/** The committed planner: what `capplan plan` uses right after `npm ci`. */
const DEFAULT_DIR = join(repoRoot, 'checkpoints', 'default');
const DEV_PROBE = join(repoRoot, '..', 'shared', 'probe', 'dev.jsonl');

const work = mkdtempSync(join(tmpdir(), 'capplan-default-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the committed default planner', () => {
  it('verifies: every published hash, the withheld base weights by hash, the chain down to the corpus lock', () => {
    const r = runCli(['verify', 'checkpoints/default', 'tokenizer']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/not published/);
  });

  it('plans the survey probe without --checkpoint: the output is one ActionPlan over the listed tools', () => {
    const survey = JSON.parse(readFileSync(DEV_PROBE, 'utf8').split('\n')[0]!) as { tools: unknown[]; goal: string };
    const tools = join(work, 'tools.json');
    writeFileSync(tools, JSON.stringify(survey.tools));
    const r = runCli(['plan', '--tools', tools, '--goal', survey.goal]);
    expect(r.code, r.stderr).toBe(0);
    // A plan or a refusal (below --min-confidence a plan is withheld as one): either way one valid ActionPlan.
    const plan = parsePlan(r.stdout.trim(), 'stdout');
    expect(validatePlanAgainst(plan, survey.tools as Parameters<typeof validatePlanAgainst>[1])).toEqual([]);
  });

  it('chooses a tool no training text holds when the goal names it plainly, and fills its Bool arg', () => {
    // A random name, so the choice can only come from reading the list; the distractors share no words with the goal.
    const tools = join(work, 'qzx-tools.json');
    writeFileSync(
      tools,
      JSON.stringify([
        { name: 'Vorn.spinWheel', description: 'Spins the vorn wheel a number of turns.', params: { turns: { type: 'UInt8' } } },
        { name: 'Qzx.flip', description: 'Flips the qzx switch on or off.', params: { on: { type: 'Bool' } } },
        { name: 'Plim.readGauge', description: 'Returns the plim gauge reading.', params: {} },
      ]),
    );
    const r = runCli(['plan', '--tools', tools, '--goal', 'Flip the qzx switch on.']);
    expect(r.code, r.stderr).toBe(0);
    const plan = parsePlan(r.stdout.trim(), 'stdout');
    expect(plan.steps.map((s) => s.tool)).toEqual(['Qzx.flip']);
    expect(plan.steps[0]!.args).toEqual({ on: true });
  });

  it('records its probe scores and stays within the 16 MB weight cap', () => {
    const manifest = readManifest(DEFAULT_DIR);
    const probe = manifest.metrics.probe as Record<string, Record<string, number>>;
    expect(Object.keys(probe).sort()).toEqual(['dev', 'ood-dev', 'val', 'val_unseen']);
    expect(probe.dev!.json_valid).toBe(1);
    const weightBytes = Object.entries(manifest.outputs)
      .filter(([name, o]) => name.endsWith('.safetensors') && o.published !== false)
      .reduce((sum, [, o]) => sum + o.bytes, 0);
    expect(weightBytes).toBeGreaterThan(0);
    expect(weightBytes).toBeLessThanOrEqual(16_000_000);
  });
});
