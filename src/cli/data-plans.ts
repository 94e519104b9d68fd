import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { DEFAULT_CATALOG_PATH, loadCatalog } from '../data/catalog.js';
import { sha256FileSync } from '../util/hash.js';
import { writePlanDataset } from '../data/plans/write.js';

export const DEFAULT_PLANS_DIR = 'data/generated/plans';

function nonNegativeInt(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new UserError(`${flag} must be a non-negative integer, got \`${raw}\``);
  return Number(raw);
}

export function registerPlanDataCommands(group: Command): void {
  group
    .command('plans')
    .description('generate the ActionPlan SFT set (train, val, val_unseen) from the tool catalog')
    .option('--seed <n>', 'generator seed', '1')
    .option('--count <n>', 'train examples', '20000')
    .option('--val-count <n>', 'examples in each of val and val_unseen (default: count/10, at least 1)')
    .option('--catalog <file>', 'tool catalog JSON', DEFAULT_CATALOG_PATH)
    .option('--out <dir>', 'output directory', DEFAULT_PLANS_DIR)
    .action(async (opts: { seed: string; count: string; valCount?: string; catalog: string; out: string }) => {
      const seed = nonNegativeInt('--seed', opts.seed);
      const count = nonNegativeInt('--count', opts.count);
      const valCount = opts.valCount !== undefined ? nonNegativeInt('--val-count', opts.valCount) : Math.max(1, Math.round(count / 10));
      const catalog = loadCatalog(opts.catalog);
      const manifest = await writePlanDataset({
        seed,
        count,
        valCount,
        catalog,
        catalogPath: opts.catalog,
        catalogSha256: sha256FileSync(opts.catalog),
        out: opts.out,
      });
      for (const s of Object.values(manifest.splits)) {
        process.stdout.write(`${opts.out}/${s.file}: ${s.examples} examples, ${s.refusals} refusals\n`);
      }
    });
}
