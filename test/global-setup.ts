import { existsSync } from 'node:fs';
import { syncCorpus } from '../src/data/sync.js';
import { DEFAULT_MIRROR_DIR } from '../src/data/paths.js';

/**
 * Runs once before the suite: installs the pinned corpus into data/corpus/ from ../shared/corpus
 * so tests can read the whole corpus (a hash check only, when it is already installed).
 */
export default async function setup(): Promise<void> {
  if (!existsSync(DEFAULT_MIRROR_DIR)) {
    console.warn(`global setup: ${DEFAULT_MIRROR_DIR} is absent; tests that need the corpus will skip`);
    return;
  }
  await syncCorpus({ mirror: DEFAULT_MIRROR_DIR, log: (line) => console.log(`global setup: ${line}`) });
}
