import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';

/**
 * Writes <dir>/<name>-<YYYY-MM-DD>.json (dir: bench/results of the working directory, where the bench scripts
 * run), or -2, -3… when that file exists: a committed result is never overwritten by a later run of the same
 * day. Returns the path written.
 */
export function writeBenchResult(name: string, result: unknown, date = new Date().toISOString(), dir = join('bench', 'results')): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${name}-${date.slice(0, 10)}`);
  let path = `${base}.json`;
  for (let n = 2; existsSync(path); n++) path = `${base}-${n}.json`;
  writeJsonAtomic(path, result);
  return path;
}
