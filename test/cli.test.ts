import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './helpers/cli.js';

describe('capplan CLI', () => {
  it('has every command the README documents: each answers --help', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const commands = new Set([...readme.matchAll(/`capplan ([a-z][a-z-]*)/g)].map((m) => m[1]!));
    expect(commands.size).toBeGreaterThan(5);
    for (const command of commands) {
      const res = runCli([command, '--help']);
      expect(res.code, `capplan ${command}`).toBe(0);
      expect(res.stdout, `capplan ${command}`).toContain(`Usage: capplan ${command}`);
    }
  });

  it('rejects an unknown command with a one-line error naming it, and a non-zero exit', () => {
    const res = runCli(['no-such-command']);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^capplan: error: unknown command 'no-such-command'/);
  });
});
