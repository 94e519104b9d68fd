import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

describe('capplan CLI', () => {
  it('prints help for the root command', () => {
    const res = runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: capplan');
  });

  it('rejects an unknown command with a one-line error and non-zero exit', () => {
    const res = runCli(['no-such-command']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
