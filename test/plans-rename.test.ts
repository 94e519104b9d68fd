import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import { loadCatalog } from '../src/data/catalog.js';
import { generatePlanExamples, RENAME_RATE } from '../src/data/plans/generate.js';
import { repoRoot } from './helpers/cli.js';

const catalog = loadCatalog(join(repoRoot, 'data/tools/catalog.json'));
const realDescription = new Map(catalog.interfaces.flatMap((i) => i.methods.map((m) => [`${i.name}.${m.name}`, m.description])));

/** An example is renamed when some listed tool carries another catalog tool's name. */
const isRenamed = (tools: readonly { name: string; description: string }[]) => tools.some((t) => realDescription.get(t.name) !== t.description);

describe('tool-name augmentation (train only)', () => {
  const train = generatePlanExamples({ seed: 5, count: 3000, catalog, split: 'train' });

  it('renames about RENAME_RATE of the executable train examples and never val or val_unseen', () => {
    const executable = train.filter((e) => !e.expect.refusal && e.tools.length > 1);
    const share = executable.filter((e) => isRenamed(e.tools)).length / executable.length;
    expect(share).toBeGreaterThan(RENAME_RATE - 0.04);
    expect(share).toBeLessThan(RENAME_RATE + 0.04);
    for (const split of ['val', 'val_unseen'] as const) {
      expect(generatePlanExamples({ seed: 5, count: 500, catalog, split }).filter((e) => isRenamed(e.tools))).toEqual([]);
    }
  });

  it('moves every listed name and keeps each function with its description, params and rationale', () => {
    const renamed = train.filter((e) => isRenamed(e.tools));
    expect(renamed.length).toBeGreaterThan(100);
    for (const e of renamed) {
      // A derangement: no listed tool keeps its own name, the names stay the listed ones.
      for (const t of e.tools) expect(realDescription.get(t.name)).not.toBe(t.description);
      const plan = parsePlan(e.plan, e.goal);
      expect(validatePlanAgainst(plan, e.tools)).toEqual([]);
      const byName = new Map(e.tools.map((t) => [t.name, t]));
      for (const step of plan.steps) expect(step.rationale).toBe(byName.get(step.tool)!.description);
      expect(plan.steps.map((s) => s.tool)).toEqual(e.expect.steps);
      for (const [a, b] of e.expect.before) expect(byName.has(a) && byName.has(b)).toBe(true);
      for (const tool of [...Object.keys(e.expect.args), ...e.expect.forbid]) expect(byName.has(tool)).toBe(true);
    }
  });

  it('is deterministic and leaves the examples that are not renamed as they were', () => {
    const again = generatePlanExamples({ seed: 5, count: 3000, catalog, split: 'train' });
    expect(again).toEqual(train);
    const plain = train.filter((e) => !isRenamed(e.tools));
    for (const e of plain) expect(validatePlanAgainst(parsePlan(e.plan, e.goal), e.tools)).toEqual([]);
  });
});
