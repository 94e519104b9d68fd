import { join } from 'node:path';
import type { Catalog } from '../catalog.js';
import { buildDirAtomic, writeFileAtomic } from '../../util/atomic.js';
import { sha256Hex } from '../../util/hash.js';
import { generatePlanExamples, HELD_OUT_INTERFACES, REFUSAL_RATE, SPLITS, type PlanExample, type Split } from './generate.js';

export interface PlanDatasetOptions {
  seed: number;
  /** Train examples; val and val_unseen get `valCount` each. */
  count: number;
  valCount: number;
  catalog: Catalog;
  catalogPath: string;
  catalogSha256: string;
  out: string;
}

export interface SplitSummary {
  file: string;
  examples: number;
  refusals: number;
  sha256: string;
}

/** The manifest holds no timestamps so the same options always give byte-identical output. */
export interface PlanDatasetManifest {
  generator: 'capplan data plans';
  version: 1;
  seed: number;
  refusal_rate: number;
  held_out_interfaces: readonly string[];
  catalog: { path: string; sha256: string };
  splits: Record<Split, SplitSummary>;
}

export function toJsonl(examples: readonly PlanExample[]): string {
  return examples.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/** Writes train/val/val_unseen JSONL and manifest.json into `out` atomically; val goals never repeat train goals. */
export async function writePlanDataset(opts: PlanDatasetOptions): Promise<PlanDatasetManifest> {
  const bySplit = {} as Record<Split, PlanExample[]>;
  bySplit.train = generatePlanExamples({ seed: opts.seed, count: opts.count, catalog: opts.catalog, split: 'train' });
  const trainGoals = new Set(bySplit.train.map((e) => e.goal));
  for (const split of ['val', 'val_unseen'] as const) {
    bySplit[split] = generatePlanExamples({ seed: opts.seed, count: opts.valCount, catalog: opts.catalog, split, excludeGoals: trainGoals });
  }
  const splits = {} as Record<Split, SplitSummary>;
  const manifest: PlanDatasetManifest = {
    generator: 'capplan data plans',
    version: 1,
    seed: opts.seed,
    refusal_rate: REFUSAL_RATE,
    held_out_interfaces: HELD_OUT_INTERFACES,
    catalog: { path: opts.catalogPath, sha256: opts.catalogSha256 },
    splits,
  };
  await buildDirAtomic(opts.out, (dir) => {
    for (const split of SPLITS) {
      const file = `${split}.jsonl`;
      const text = toJsonl(bySplit[split]);
      writeFileAtomic(join(dir, file), text);
      splits[split] = { file, examples: bySplit[split].length, refusals: bySplit[split].filter((e) => e.expect.refusal).length, sha256: sha256Hex(text) };
    }
    writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  });
  return manifest;
}
