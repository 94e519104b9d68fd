import type { Command } from 'commander';
import { writeFileAtomic } from '../util/atomic.js';
import { buildLock } from '../data/lock-build.js';
import { displayPath } from '../data/lock.js';
import { DEFAULT_LOCK_PATH, DEFAULT_MIRROR_DIR } from '../data/paths.js';
import { corpusStats } from '../data/stats.js';
import { syncCorpus } from '../data/sync.js';

export function registerDataCommands(group: Command): void {
  group
    .command('lock')
    .description('pin a corpus folder (MANIFEST.json, DOCUMENTS.tsv, *.jsonl) into the lock, with the train/val split')
    .option('--from <dir>', 'corpus folder to pin (default ../shared/corpus next to the checkout)')
    .option('--out <file>', 'lock file to write (default data/inputs.lock.json)')
    .action((opts: { from?: string; out?: string }) => {
      const lock = buildLock(opts.from ?? DEFAULT_MIRROR_DIR);
      const out = opts.out ?? DEFAULT_LOCK_PATH;
      writeFileAtomic(out, JSON.stringify(lock, null, 2) + '\n');
      const docs = lock.files.reduce((n, f) => n + f.documents, 0);
      const { segments, val_segments, train_bytes, val_bytes } = lock.split;
      const valShare = ((100 * val_bytes) / (train_bytes + val_bytes)).toFixed(2);
      process.stdout.write(
        `wrote ${displayPath(out)}: ${lock.files.length} files, ${docs} documents, ${segments} segments, ` +
          `val ${val_segments} segments / ${val_bytes} bytes (${valShare}% of text bytes)\n`,
      );
    });

  group
    .command('sync')
    .description('install the pinned corpus into data/corpus/ from a mirror or the pinned URLs, verifying every sha256')
    .option('--mirror <dir>', 'folder with the pinned JSONL files (default ../shared/corpus next to the checkout, when it exists)')
    .option('--download', 'download from the pinned URLs even if the default mirror exists')
    .option('--lock <file>', 'corpus lock (default data/inputs.lock.json)')
    .option('--dest <dir>', 'install folder (default data/corpus)')
    .action(async (opts: { mirror?: string; download?: boolean; lock?: string; dest?: string }) => {
      await syncCorpus({
        mirror: opts.mirror,
        download: opts.download,
        lockPath: opts.lock,
        dest: opts.dest,
        log: (line) => process.stdout.write(line + '\n'),
      });
    });

  group
    .command('stats')
    .description('segments and bytes of the installed corpus per split and kind')
    .option('--lock <file>', 'corpus lock (default data/inputs.lock.json)')
    .option('--dir <dir>', 'installed corpus (default data/corpus)')
    .option('--json', 'print JSON')
    .action((opts: { lock?: string; dir?: string; json?: boolean }) => {
      const stats = corpusStats({ lockPath: opts.lock, dir: opts.dir });
      if (opts.json) {
        process.stdout.write(JSON.stringify(stats, null, 2) + '\n');
        return;
      }
      const total = stats.train.bytes + stats.val.bytes;
      process.stdout.write('split  kind   segments      bytes  share\n');
      for (const split of ['train', 'val'] as const) {
        for (const [kind, k] of Object.entries(stats[split].kinds)) {
          process.stdout.write(`${split.padEnd(6)} ${kind.padEnd(5)} ${String(k.segments).padStart(9)} ${String(k.bytes).padStart(10)}\n`);
        }
        const s = stats[split];
        const share = ((100 * s.bytes) / total).toFixed(2);
        process.stdout.write(`${split.padEnd(6)} all   ${String(s.segments).padStart(9)} ${String(s.bytes).padStart(10)} ${share.padStart(5)}%\n`);
      }
    });
}
