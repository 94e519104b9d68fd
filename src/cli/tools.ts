import type { Command } from 'commander';
import { DEFAULT_CATALOG_PATH, catalogToolNames, loadCatalog } from '../data/catalog.js';
import { DEFAULT_CAPNP_PATH, renderCapnp } from '../data/capnp.js';
import { writeFileAtomic } from '../util/atomic.js';

export function registerToolsCommands(group: Command): void {
  group
    .command('capnp')
    .description('render the tool catalog as a Cap\'n Proto schema')
    .option('--catalog <file>', 'tool catalog JSON', DEFAULT_CATALOG_PATH)
    .option('--out <file>', 'schema file to write (- for stdout)', DEFAULT_CAPNP_PATH)
    .action((opts: { catalog: string; out: string }) => {
      const text = renderCapnp(loadCatalog(opts.catalog), opts.catalog);
      if (opts.out === '-') {
        process.stdout.write(text);
        return;
      }
      writeFileAtomic(opts.out, text);
      process.stdout.write(`wrote ${opts.out}\n`);
    });

  group
    .command('list')
    .description('list the catalog tools as Iface.method')
    .option('--catalog <file>', 'tool catalog JSON', DEFAULT_CATALOG_PATH)
    .action((opts: { catalog: string }) => {
      process.stdout.write(catalogToolNames(loadCatalog(opts.catalog)).join('\n') + '\n');
    });
}
