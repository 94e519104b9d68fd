import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RANKS_FILE, TOKENIZER_FILE } from '../tokenizer/format.js';
import { checkpointSteps, metaFile, modelFile } from '../train/checkpoint.js';
import { sha256FileSync, sha256Hex } from '../util/hash.js';
import { valueDigest } from './stage-record.js';

/**
 * Digests of what later stages read from a stage's output. Staleness follows these, not every byte of
 * the directory: two runs that produce the same weights differ in timestamps, timings and logs, and a
 * stage built on the first stays valid on the second.
 */

/** sha256 over the named files of `dir` (name and content hash each). */
function filesDigest(dir: string, files: readonly string[]): string {
  return sha256Hex(files.map((f) => `${f} ${sha256FileSync(join(dir, f))}\n`).join(''));
}

/** A tokenizer is its ids: tokenizer.json and the ranks (its manifest and the HF export are derived). */
export function tokenizerContent(dir: string): string {
  return filesDigest(dir, [TOKENIZER_FILE, RANKS_FILE]);
}

/**
 * A training run is its latest checkpoint's weights and the meta fields that say what they are (config,
 * step, data position, optimizer counters, tokenizer, lineage), without the save time and the metrics
 * (timings, memory, thread count). Null when the run holds no checkpoint.
 */
export function trainingRunContent(dir: string): string | null {
  const step = checkpointSteps(dir).at(-1);
  if (step === undefined || !existsSync(join(dir, modelFile(step)))) return null;
  const { saved_at: _savedAt, metrics: _metrics, ...meta } = JSON.parse(readFileSync(join(dir, metaFile(step)), 'utf8')) as Record<string, unknown>;
  return sha256Hex(`${sha256FileSync(join(dir, modelFile(step)))} ${valueDigest(meta)}`);
}
