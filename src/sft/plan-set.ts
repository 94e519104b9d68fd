import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { sha256FileSync } from '../util/hash.js';
import type { SftConfig } from './config.js';
import { readPlanLines, type PlanLine } from './examples.js';

const splitSchema = z.looseObject({ file: z.string().min(1), examples: z.number().int().min(0), sha256: z.string() });

/** The fields of a `capplan data plans` manifest.json that SFT checks and records. */
const planManifestSchema = z.looseObject({
  seed: z.number().int().min(0),
  catalog: z.looseObject({ path: z.string().min(1), sha256: z.string() }),
  splits: z.looseObject({ train: splitSchema, val: splitSchema, val_unseen: splitSchema }),
});

export interface PlanSet {
  dir: string;
  manifestPath: string;
  manifestSha256: string;
  /** The tool catalog the set was generated from, as its manifest records it. */
  catalog: { path: string; sha256: string };
  splits: { train: PlanLine[]; val: PlanLine[]; val_unseen: PlanLine[] };
}

/**
 * Opens a plan set, checks it is the one the config names (generator seed and train size) and that
 * every split file still has the sha256 its manifest records, then reads train whole and the first
 * `valLimit` lines of each val split.
 */
export function openPlanSet(spec: SftConfig['data'], configPath: string, valLimit: number): PlanSet {
  const manifestPath = join(spec.dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new UserError(
      `${spec.dir}: no plan set (manifest.json missing); generate it with \`capplan data plans --seed ${spec.seed} --count ${spec.count} --out ${spec.dir}\``,
    );
  }
  const manifest = loadConfig(planManifestSchema, manifestPath);
  if (manifest.seed !== spec.seed) {
    throw new UserError(`${configPath}: field \`data.seed\` is ${spec.seed}, but ${manifestPath} was generated with seed ${manifest.seed}`);
  }
  if (manifest.splits.train.examples !== spec.count) {
    throw new UserError(
      `${configPath}: field \`data.count\` is ${spec.count}, but ${manifestPath} has ${manifest.splits.train.examples} train examples`,
    );
  }
  const read = (split: 'train' | 'val' | 'val_unseen', limit?: number): PlanLine[] => {
    const path = join(spec.dir, manifest.splits[split].file);
    if (!existsSync(path)) throw new UserError(`${path}: missing (listed in ${manifestPath})`);
    if (sha256FileSync(path) !== manifest.splits[split].sha256) {
      throw new UserError(`${path}: sha256 differs from the one in ${manifestPath}; regenerate the plan set`);
    }
    return readPlanLines(path, limit);
  };
  return {
    dir: spec.dir,
    manifestPath,
    manifestSha256: sha256FileSync(manifestPath),
    catalog: manifest.catalog,
    splits: { train: read('train'), val: read('val', valLimit), val_unseen: read('val_unseen', valLimit) },
  };
}
