import { describe, expect, it } from 'vitest';
import { readGoalClauses } from '../src/infer/goal-clauses.js';

/** The asking clauses' texts in the order the goal wants them done; every clause with a content word asks. */
function ordered(goal: string, asks: (concepts: readonly string[]) => boolean = () => true): string[] {
  return readGoalClauses(goal, asks).ordered.map((c) => goal.slice(c.start, c.end).trim());
}

describe('goal clauses', () => {
  it('keeps text order for sequential connectives and splits at clause punctuation only', () => {
    expect(ordered('Water the ferns, then feed the cat and finally lock the door.')).toEqual(['Water the ferns', 'feed the cat', 'lock the door']);
    // A dot inside a name or number splits nothing.
    expect(ordered('Ping example.org and wait 2.5 seconds.')).toEqual(['Ping example.org', 'wait 2.5 seconds']);
  });

  it('puts what "after", "once", "but first", "only after" and "prior to that" introduce before the clause they follow', () => {
    expect(ordered('Feed the cat after you water the ferns.')).toEqual(['you water the ferns', 'Feed the cat']);
    expect(ordered('Feed the cat, but first water the ferns.')).toEqual(['water the ferns', 'Feed the cat']);
    expect(ordered('Feed the cat, but only after you water the ferns.')).toEqual(['you water the ferns', 'Feed the cat']);
    expect(ordered('Lock the door. Prior to that, feed the cat.')).toEqual(['feed the cat', 'Lock the door']);
  });

  it('reads a sentence-initial "before" as the main clause first, and a sentence-initial "after" in text order', () => {
    expect(ordered('Before you lock the door, feed the cat. Then water the ferns.')).toEqual(['feed the cat', 'you lock the door', 'water the ferns']);
    expect(ordered('After feeding the cat, lock the door.')).toEqual(['feeding the cat', 'lock the door']);
    // The nearer connective governs: "Afterwards, before …" is a sentence-initial "before".
    expect(ordered('Feed the cat. Afterwards, before you lock the door, water the ferns.')).toEqual(['Feed the cat', 'water the ferns', 'you lock the door']);
  });

  it('takes negated clauses out of the order and reports their words as forbidden, unless an asking clause uses them', () => {
    const goal = 'Feed the cat; do not wake the dog. Never water the cat.';
    const clauses = readGoalClauses(goal, () => true);
    expect(clauses.ordered.map((c) => goal.slice(c.start, c.end).trim())).toEqual(['Feed the cat']);
    expect([...clauses.forbidden].sort()).toEqual(['dog', 'wak', 'water'].sort());
    // "without" qualifies an action, it does not negate it.
    expect(ordered('Run uptime without arguments.')).toEqual(['Run uptime without arguments']);
  });

  it('does not split inside quotes, and orders only the clauses that ask for an action', () => {
    expect(ordered('Print "wash and dry" after you feed the cat.')).toEqual(['you feed the cat', 'Print "wash and dry"']);
    // An enumeration split at its "and" is not a step: with `asks` true only for clauses naming an action.
    const actions = new Set(['upgrad', 'feed']);
    expect(ordered('Upgrade git, curl and jq after you feed the cat.', (cs) => cs.some((c) => actions.has(c)))).toEqual(['you feed the cat', 'Upgrade git']);
  });
});
