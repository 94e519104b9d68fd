import type { Prng } from '../../util/prng.js';
import { gerundOf } from './gerund.js';

/**
 * Turns clauses listed in execution order into one English goal whose connectives fix that order,
 * often mentioning a later step first ("B, but first A"), and reports which orderings the goal states.
 */

/** A clause of the goal for one plan step; `referring` is the pronoun form usable right after its antecedent. */
export interface Clause {
  step: number;
  full: string;
  referring?: string;
}

/** Steps grouped the way one phrase of the goal mentions them. */
type Unit =
  | { kind: 'single'; a: Clause }
  | { kind: 'forward' | 'reversed'; a: Clause; b: Clause } // a runs before b
  | { kind: 'and'; a: Clause; b: Clause } // either order satisfies the goal
  | { kind: 'prereqs'; a: Clause; b: Clause; c: Clause }; // a and b, in any order, before c

export interface RenderedGoal {
  goal: string;
  /** [earlier, later] step indices the goal's wording requires. */
  before: Array<[number, number]>;
}

const FORWARD_JOINTS = [', then ', ' and then ', '. After that, ', '. Then ', '; once that is done, ', '. Next, ', ', and after that ', '. Once that is done, '];
const SENTENCE_JOINTS = ['. After that, ', '. Then ', '. Next, ', '. Once that is done, ', '. Afterwards, '];
const FINAL_JOINTS = [', and finally ', '. Finally, ', ', then finally ', '. Last, '];

function firsts(u: Unit): number[] {
  if (u.kind === 'single' || u.kind === 'forward' || u.kind === 'reversed') return [u.a.step];
  return [u.a.step, u.b.step];
}

function lasts(u: Unit): number[] {
  if (u.kind === 'single') return [u.a.step];
  if (u.kind === 'prereqs') return [u.c.step];
  if (u.kind === 'and') return [u.a.step, u.b.step];
  return [u.b.step];
}

function innerBefore(u: Unit): Array<[number, number]> {
  if (u.kind === 'forward' || u.kind === 'reversed') return [[u.a.step, u.b.step]];
  if (u.kind === 'prereqs') return [[u.a.step, u.c.step], [u.b.step, u.c.step]];
  return [];
}

/** The clause text, in its pronoun form when its antecedent was the clause mentioned just before. */
function say(c: Clause, previous: Clause | null): string {
  return c.referring !== undefined && previous !== null && previous.step === c.step - 1 ? c.referring : c.full;
}

/**
 * Mention text of a unit. `alone`: it is the whole goal, so "B, but first A" cannot be misread as
 * "before everything". `atStart`: it opens the goal, so "first A, then B" and "once you A, B" read well.
 */
function renderUnit(rng: Prng, u: Unit, previous: Clause | null, alone: boolean, atStart: boolean): string {
  switch (u.kind) {
    case 'single':
      return say(u.a, previous);
    case 'forward': {
      const a = say(u.a, previous);
      const b = say(u.b, u.a);
      const forms = [`${a}, then ${b}`, `${a} and then ${b}`, `${a} before you ${b}`, `${a}; once that is done, ${b}`];
      if (atStart) forms.push(`first ${a}, then ${b}`, `once you ${a}, ${b}`);
      const bIng = gerundOf(b);
      if (bIng) forms.push(`${a} before ${bIng}`);
      const aIng = gerundOf(a);
      if (aIng && atStart) forms.push(`after ${aIng}, ${b}`);
      return rng.pick(forms);
    }
    case 'reversed': {
      // b is mentioned first, so neither clause may lean on a pronoun.
      const a = u.a.full;
      const b = u.b.full;
      // "B, but first A" is the most common way operators put a prerequisite after the action.
      if (alone && rng.chance(0.3)) return `${b}, but first ${a}`;
      const forms = [`before you ${b}, ${a}`, `${b}, but only after you ${a}`, `${b} after you ${a}`];
      const aIng = gerundOf(a);
      const bIng = gerundOf(b);
      if (aIng) forms.push(`${b} after ${aIng}`);
      if (bIng) forms.push(`before ${bIng}, ${a}`);
      // "Prior to that" would also reach back over an earlier sentence, so only where nothing precedes.
      if (atStart) forms.push(`${b}. Prior to that, ${a}`);
      if (alone) forms.push(`${b}, but first ${a}`);
      return rng.pick(forms);
    }
    case 'and':
      return `${say(u.a, previous)} and ${u.b.full}`;
    case 'prereqs': {
      const forms = [`before you ${u.c.full}, ${u.a.full} and ${u.b.full}`, `${u.c.full}, but only after you ${u.a.full} and ${u.b.full}`];
      if (alone) forms.push(`${u.c.full}, but first ${u.a.full} and ${u.b.full}`);
      const aIng = gerundOf(u.a.full);
      const bIng = gerundOf(u.b.full);
      if (aIng && bIng) {
        forms.push(`${u.c.full} after ${aIng} and ${bIng}`);
        if (alone) forms.push(`${u.c.full}, but start by ${aIng} and ${bIng}`, `${u.c.full}, but first make sure it is needed by ${aIng} and ${bIng}`);
      }
      return rng.pick(forms);
    }
  }
}

/** Groups consecutive clauses into units: mostly singles and ordered pairs, some unordered pairs and prerequisite triples. */
function groupUnits(rng: Prng, clauses: readonly Clause[]): Unit[] {
  const units: Unit[] = [];
  let i = 0;
  while (i < clauses.length) {
    const left = clauses.length - i;
    const r = rng.next();
    if (left >= 3 && r < 0.12) {
      units.push({ kind: 'prereqs', a: clauses[i]!, b: clauses[i + 1]!, c: clauses[i + 2]! });
      i += 3;
    } else if (left >= 2 && r < 0.6) {
      const kind = rng.pick(['forward', 'reversed', 'reversed', 'and'] as const);
      units.push({ kind, a: clauses[i]!, b: clauses[i + 1]! });
      i += 2;
    } else {
      units.push({ kind: 'single', a: clauses[i]! });
      i += 1;
    }
  }
  return units;
}

function lastMentioned(u: Unit): Clause {
  if (u.kind === 'single') return u.a;
  if (u.kind === 'forward' || u.kind === 'and') return u.b;
  if (u.kind === 'reversed') return u.a;
  return u.b;
}

/** Upper-cases the first letter of the goal and of every sentence after ". " or "; " stays lower. */
function capitalizeSentences(text: string): string {
  return text.replace(/(^|\. )([a-z])/g, (_m, lead: string, ch: string) => lead + ch.toUpperCase());
}

export function renderGoal(rng: Prng, clauses: readonly Clause[]): RenderedGoal {
  const units = groupUnits(rng, clauses);
  const before: Array<[number, number]> = units.flatMap(innerBefore);
  let text = '';
  let previous: Clause | null = null;
  units.forEach((u, k) => {
    if (k > 0) {
      const prev = units[k - 1]!;
      for (const a of lasts(prev)) for (const b of firsts(u)) before.push([a, b]);
      // A unit that itself mentions a later step first reads ambiguously after a comma: start a new sentence.
      const needsSentence = u.kind === 'reversed' || u.kind === 'prereqs' || prev.kind === 'reversed' || prev.kind === 'prereqs';
      const isLast = k === units.length - 1 && units.length > 2;
      text += rng.pick(needsSentence ? SENTENCE_JOINTS : isLast ? FINAL_JOINTS : FORWARD_JOINTS);
    } else if (units.length > 2 && u.kind === 'single' && rng.chance(0.4)) {
      text += 'first ';
    }
    text += renderUnit(rng, u, previous, units.length === 1, k === 0);
    previous = lastMentioned(u);
  });
  return { goal: capitalizeSentences(text), before };
}

/** Sometimes wraps a one-sentence goal in a polite request ("Please …", "Could you …?"). */
export function withCourtesy(rng: Prng, goal: string): string {
  if (!rng.chance(0.12) || /[.?!;] /.test(goal) || goal.endsWith('?') || /\b(not|don't)\b/.test(goal)) return goal;
  const body = goal.replace(/\.$/, '');
  // Keep acronyms such as "GET" as they are.
  const lower = /^[A-Z][a-z]/.test(body) ? body.charAt(0).toLowerCase() + body.slice(1) : body;
  return rng.pick([`Please ${lower}.`, `Could you ${lower}?`, `I need you to ${lower}.`, `Can you ${lower}?`, `${body}, please.`]);
}
