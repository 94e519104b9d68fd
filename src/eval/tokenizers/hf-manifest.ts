import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { parseWith, readJsonFile } from '../../config/load.js';
import { sha256Hex } from '../../util/hash.js';
import { REPO_ROOT } from '../../data/paths.js';

/** The shared, read-only offline copies of other models' tokenizers, next to the checkout. */
export const DEFAULT_HF_TOKENIZERS_DIR = resolve(REPO_ROOT, '..', 'shared', 'hf-tokenizers');

const manifestSchema = z.array(
  z.object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a folder name'),
    model: z.string(),
    sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits')),
  }),
);

export type HfManifestEntry = z.output<typeof manifestSchema>[number];

export function readHfManifest(dir: string): HfManifestEntry[] {
  const path = join(dir, 'MANIFEST.json');
  return parseWith(manifestSchema, readJsonFile(path), path);
}

/**
 * Reads one file of a manifest entry and checks it against the pinned sha256 before anything parses it,
 * so a baseline number can never silently come from a different tokenizer.
 */
export function readPinnedFile(dir: string, entry: HfManifestEntry, file: string): Buffer {
  const expected = entry.sha256[file];
  const path = join(dir, entry.slug, file);
  if (!expected) throw new UserError(`${join(dir, 'MANIFEST.json')}: entry "${entry.slug}" pins no sha256 for ${file}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new UserError(`${path}: cannot read baseline tokenizer file`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== expected) {
    throw new UserError(`${path}: sha256 ${actual} does not match ${expected} pinned in ${join(dir, 'MANIFEST.json')}`);
  }
  return bytes;
}
