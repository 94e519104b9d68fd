import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/util/atomic.js';

/**
 * Writes bench/results/<name>-<YYYY-MM-DD>.json, or -2, -3… when that file exists: a committed result is
 * never overwritten by a later run of the same day. Returns the path written.
 */
export function writeBenchResult(name: string, result: unknown, date = new Date().toISOString()): string {
  const base = join('bench', 'results', `${name}-${date.slice(0, 10)}`);
  let path = `${base}.json`;
  for (let n = 2; existsSync(path); n++) path = `${base}-${n}.json`;
  writeJsonAtomic(path, result);
  return path;
}
