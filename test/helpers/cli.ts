import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/cli.js; `npm test` builds it first) as a user would. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const res = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

export interface RunningCli {
  /** Resolves once stdout or stderr so far matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  signal(name: NodeJS.Signals): void;
  exit: Promise<CliResult>;
}

/**
 * Starts the built CLI without waiting for it, for tests that act on it mid-run. With `group`, it leads
 * a process group that `signal` reaches as a whole, as Ctrl-C in a terminal reaches a command's children.
 */
export function startCli(args: string[], opts: { group?: boolean } = {}): RunningCli {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.group ?? false });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const check = (): void => {
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stdout) || w.pattern.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout.on('data', (c: Buffer) => ((stdout += c.toString('utf8')), check()));
  child.stderr.on('data', (c: Buffer) => ((stderr += c.toString('utf8')), check()));
  const exit = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return {
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        void exit.then((r) => reject(new Error(`the command ended (exit ${r.code}) before printing ${pattern}:\n${r.stdout}\n${r.stderr}`)));
      }),
    signal: (name) => void (opts.group ? process.kill(-child.pid!, name) : child.kill(name)),
    exit,
  };
}

/** A refused command: exit 1 and exactly one `capplan: error:` line, matching `pattern`. */
export function expectOneLineError(res: CliResult, pattern: RegExp): void {
  expect(res.code, res.stderr).toBe(1);
  const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('capplan: error:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}
