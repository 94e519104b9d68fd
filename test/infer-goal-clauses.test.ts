import { describe, expect, it } from 'vitest';
import { readGoalClauses } from '../src/infer/goal-clauses.js';
import { GoalSpans } from '../src/infer/goal-spans.js';

/** The asking clauses' texts in the order the goal wants them done; every clause with a content word asks. */
function ordered(goal: string, asks: (concepts: readonly string[]) => boolean = () => true): string[] {
  return readGoalClauses(goal, asks).ordered.map((c) => goal.slice(c.start, c.end).trim());
}

describe('goal clauses', () => {
  it('keeps text order for sequential connectives and splits at clause punctuation only', () => {
    expect(ordered('Water the ferns, then feed the cat and finally lock the door.')).toEqual(['Water the ferns', 'feed the cat', 'lock the door']);
    // A dot inside a name or number splits nothing.
    expect(ordered('Ping example.org and wait 2.5 seconds.')).toEqual(['Ping example.org', 'wait 2.5 seconds']);
    // Nor does a title's ("Dr. Okafor").
    expect(ordered('Book Dr. Okafor, then pay.')).toEqual(['Book Dr. Okafor', 'pay']);
    // Nor do the commas and the "and" of an enumeration of three or more; the list ends at its "and".
    const listed = (goal: string) => readGoalClauses(goal, () => true, new GoalSpans(goal).enumerationJoins()).ordered.map((c) => goal.slice(c.start, c.end).trim());
    expect(listed('Scale the tart, then put eggs, butter and lemons on my list.')).toEqual(['Scale the tart', 'put eggs, butter and lemons on my list']);
    expect(listed('Invite lena, ines and tamar and set the time.')).toEqual(['Invite lena, ines and tamar', 'set the time']);
  });

  it('puts what "after", "once", "but first", "only after" and "prior to that" introduce before the clause they follow', () => {
    expect(ordered('Feed the cat after you water the ferns.')).toEqual(['you water the ferns', 'Feed the cat']);
    expect(ordered('Feed the cat, but first water the ferns.')).toEqual(['water the ferns', 'Feed the cat']);
    // "but before you do that" says the same, with or without a comma after it.
    expect(ordered('Feed the cat, but before you do that water the ferns.')).toEqual(['water the ferns', 'Feed the cat']);
    expect(ordered('Feed the cat, but before that, water the ferns.')).toEqual(['water the ferns', 'Feed the cat']);
    expect(ordered('Feed the cat, but only after you water the ferns.')).toEqual(['you water the ferns', 'Feed the cat']);
    expect(ordered('Lock the door. Prior to that, feed the cat.')).toEqual(['feed the cat', 'Lock the door']);
    // What "and" or a comma joins to a moved clause moves with it; "then" goes on in text order.
    expect(ordered('Feed the cat, but first water the ferns and mow the lawn.')).toEqual(['water the ferns', 'mow the lawn', 'Feed the cat']);
    expect(ordered('Feed the cat after you water the ferns, and then mow the lawn.')).toEqual(['you water the ferns', 'Feed the cat', 'mow the lawn']);
  });

  it('lets "before you do that" and "prior to that" after a clause move that clause, and asks nothing of a clause saying why', () => {
    expect(ordered('Lock the door. Feed the cat before you do that.')).toEqual(['Feed the cat', 'Lock the door']);
    expect(ordered('Lock the door - feed the cat prior to that so I know it worked.')).toEqual(['feed the cat prior to that so I know it worked', 'Lock the door']);
    // "before it rains" points at no earlier clause.
    expect(ordered('Feed the cat before it rains.')).toEqual(['Feed the cat', 'it rains']);
  });

  it('reads a sentence-initial "before" as the main clause first, and a sentence-initial "after" in text order', () => {
    expect(ordered('Before you lock the door, feed the cat. Then water the ferns.')).toEqual(['feed the cat', 'you lock the door', 'water the ferns']);
    expect(ordered('After feeding the cat, lock the door.')).toEqual(['feeding the cat', 'lock the door']);
    expect(ordered('Before you lock the door, feed the cat and water the ferns.')).toEqual(['feed the cat', 'water the ferns', 'you lock the door']);
    expect(ordered('Lock the door, but start by feeding the cat.')).toEqual(['feeding the cat', 'Lock the door']);
    // "but first" goes before all the sentence asked so far, also a clause "once" moved.
    expect(ordered('Feed the cat once you have locked the door, but first water the ferns.')).toEqual(['water the ferns', 'you have locked the door', 'Feed the cat']);
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
    // A dash between spaces ends a clause ("db-01" does not split).
    expect(ordered('Water bed-2, and make sure not to feed the cat.')).toEqual(['Water bed-2']);
    const dashed = 'Water bed-2 — do not feed the cat.';
    expect(ordered(dashed)).toEqual(['Water bed-2']);
    expect([...readGoalClauses(dashed, () => true).forbidden].sort()).toEqual(['cat', 'feed']);
    expect(ordered('Start a build on main — no need to wipe the workspace.')).toEqual(['Start a build on main']);
    // A clause opening with "not" says what not to do, and asks for no step.
    const court = 'Book court 5 for an hour. Not a lesson, just the court.';
    expect(ordered(court)).toEqual(['Book court 5 for an hour', 'just the court']);
    expect([...readGoalClauses(court, () => true).forbidden]).toEqual(['lesson']);
    expect(ordered('Ship it by standard, not express.')).toEqual(['Ship it by standard']);
    expect(ordered('Ship the parcels that are not fragile.')).toEqual(['Ship the parcels that are not fragile']);
  });

  it('does not split inside quotes, and orders only the clauses that ask for an action', () => {
    expect(ordered('Print "wash and dry" after you feed the cat.')).toEqual(['you feed the cat', 'Print "wash and dry"']);
    // An enumeration split at its "and" is not a step: with `asks` true only for clauses naming an action.
    const actions = new Set(['upgrad', 'feed']);
    const asks = (cs: readonly string[]) => cs.some((c) => actions.has(c));
    // A clause asking for nothing says more about the asking clause before it: it joins that clause.
    expect(ordered('Upgrade git, curl and jq after you feed the cat.', asks)).toEqual(['you feed the cat', 'Upgrade git, curl and jq']);
    expect(ordered('Feed the cat, twice. Upgrade git.', asks)).toEqual(['Feed the cat, twice', 'Upgrade git']);
  });
});
