import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../data/paths.js';
import { sha256FileSync } from '../util/hash.js';

export interface GitState {
  commit: string | null;
  dirty: boolean | null;
}

function git(args: string[]): string | null {
  const res = spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return res.status === 0 ? res.stdout : null; // git missing (res.error) or not a repository
}

/** Commit and dirty flag of the capplan checkout; nulls when git or the repository is absent. */
export function gitState(): GitState {
  const commit = git(['rev-parse', 'HEAD'])?.trim() || null;
  const status = commit === null ? null : git(['status', '--porcelain']);
  return { commit, dirty: status === null ? null : status.trim() !== '' };
}

export function packageLockSha256(): string | null {
  const path = join(REPO_ROOT, 'package-lock.json');
  return existsSync(path) ? sha256FileSync(path) : null;
}

/** The installed @tensorflow/tfjs version, read from its package.json so tfjs itself is not loaded. */
export function tfjsVersion(): string | null {
  try {
    const pkgPath = createRequire(join(REPO_ROOT, 'package.json')).resolve('@tensorflow/tfjs/package.json');
    return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}
