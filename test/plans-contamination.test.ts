import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../src/data/catalog.js';
import { generatePlanExamples } from '../src/data/plans/generate.js';
import { isProbeGoal, normalizeGoal, PROBE_GOAL_HASHES } from '../src/data/plans/decontaminate.js';
import { sha256Hex } from '../src/util/hash.js';
import { repoRoot } from './helpers/cli.js';

// Same resolution as `capplan tok eval --probe`: the repo copy if present, else the shared one.
const PROBE = [join(repoRoot, 'data/probe/dev.jsonl'), join(repoRoot, '../shared/probe/dev.jsonl')].find((p) => existsSync(p));
const devGoals = PROBE ? readFileSync(PROBE, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).goal as string) : [];
const catalog = loadCatalog(join(repoRoot, 'data/tools/catalog.json'));

describe.skipIf(!PROBE)('plan generator vs the dev probe (contamination)', () => {
  it('the embedded goal hashes are exactly those of the dev probe', () => {
    expect(new Set(devGoals.map((g) => sha256Hex(normalizeGoal(g))))).toEqual(PROBE_GOAL_HASHES);
  });

  it('recognises a probe goal whatever its case, spacing and punctuation, and nothing else', () => {
    for (const g of devGoals) {
      expect(isProbeGoal(g)).toBe(true);
      expect(isProbeGoal(`  ${g.toUpperCase().replace(/ /g, '   ').replace(/[.?]$/, '!')} `)).toBe(true);
      expect(isProbeGoal(`${g} Then clear the console.`)).toBe(false);
    }
  });

  it('no train/val/val_unseen goal at the default seed and count equals a dev goal after normalisation', () => {
    // The defaults of `capplan data plans`: seed 1, 20000 train, 2000 each val split (val excludes train goals).
    const dev = new Set(devGoals.map(normalizeGoal));
    const train = generatePlanExamples({ seed: 1, count: 20000, catalog, split: 'train' });
    const trainGoals = new Set(train.map((e) => e.goal));
    const others = (['val', 'val_unseen'] as const).flatMap((split) => generatePlanExamples({ seed: 1, count: 2000, catalog, split, excludeGoals: trainGoals }));
    const hits = [...train, ...others].filter((e) => dev.has(normalizeGoal(e.goal))).map((e) => `${e.id}: ${e.goal}`);
    expect(hits).toEqual([]);
  });
});
