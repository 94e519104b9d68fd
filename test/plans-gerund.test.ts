import { describe, expect, it } from 'vitest';
import { gerundOf } from '../src/data/plans/gerund.js';

describe('gerundOf', () => {
  it('forms the -ing clause with the English spelling rules the templates need', () => {
    expect(gerundOf('check its status')).toBe('checking its status');
    expect(gerundOf('restart the ntp service')).toBe('restarting the ntp service');
    expect(gerundOf('write hello to /tmp/flag')).toBe('writing hello to /tmp/flag');
    expect(gerundOf('stop sshd')).toBe('stopping sshd');
    expect(gerundOf('grep the auth log for error')).toBe('grepping the auth log for error');
    expect(gerundOf('free the memory of phi-3-mini')).toBe('freeing the memory of phi-3-mini');
    expect(gerundOf('open port 22 for tcp')).toBe('opening port 22 for tcp');
  });

  it('refuses clauses that do not start with a lower-case verb', () => {
    expect(gerundOf('GET https://example.org/status')).toBeNull();
  });
});
