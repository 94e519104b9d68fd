import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

/**
 * The capplan checkout this module belongs to (src/data/ and dist/data/ are both two levels down),
 * so the default paths work whatever the caller's working directory is.
 */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULT_LOCK_PATH = join(REPO_ROOT, 'data', 'inputs.lock.json');
export const DEFAULT_CORPUS_DIR = join(REPO_ROOT, 'data', 'corpus');
/** The shared read-only mirror next to the checkout, used by `data sync` when it exists. */
export const DEFAULT_MIRROR_DIR = resolve(REPO_ROOT, '..', 'shared', 'corpus');
