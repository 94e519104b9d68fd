import { describe, expect, it } from 'vitest';
import { Prng } from '../src/util/prng.js';
import { renderGoal, type Clause } from '../src/data/plans/render.js';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
const clausesOf = (n: number): Clause[] => WORDS.slice(0, n).map((w, step) => ({ step, full: `run ${w}` }));
const idx = (word: string): number => WORDS.indexOf(word.toLowerCase());

/** Connective patterns and which captured clause the wording says runs first. */
const ORDER_RULES: Array<{ re: RegExp; earlier: 1 | 2 }> = [
  { re: /run (\w+), but first run (\w+)/gi, earlier: 2 },
  { re: /before you run (\w+), run (\w+)/gi, earlier: 2 },
  { re: /run (\w+),? (?:but only )?after you run (\w+)/gi, earlier: 2 },
  { re: /run (\w+)\. Prior to that, run (\w+)/gi, earlier: 2 },
  { re: /run (\w+),? (?:and )?then (?:finally )?run (\w+)/gi, earlier: 1 },
  { re: /run (\w+) before you run (\w+)/gi, earlier: 1 },
  { re: /once you run (\w+), run (\w+)/gi, earlier: 1 },
  { re: /run (\w+),? (?:but start by|after|but first make sure it is needed by) running (\w+)/gi, earlier: 2 },
  { re: /before running (\w+), run (\w+)/gi, earlier: 2 },
  { re: /run (\w+) before running (\w+)/gi, earlier: 1 },
  { re: /after running (\w+), run (\w+)/gi, earlier: 1 },
  { re: /run (\w+)[.;] (?:After that|Once that is done|once that is done|Next|Then|Afterwards|Finally|Last),? run (\w+)/gi, earlier: 1 },
];

describe('goal rendering', () => {
  it('wording always agrees with execution order, in both mention orders', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 600; seed++) {
      const n = 1 + (seed % 6);
      const { goal } = renderGoal(new Prng(`render-${seed}`), clausesOf(n));
      for (const w of WORDS.slice(0, n)) expect([...goal.matchAll(new RegExp(`\\brun(?:ning)? ${w}\\b`, 'gi'))], goal).toHaveLength(1);
      for (const rule of ORDER_RULES) {
        for (const m of goal.matchAll(rule.re)) {
          seen.add(rule.re.source);
          const [first, second] = rule.earlier === 1 ? [m[1]!, m[2]!] : [m[2]!, m[1]!];
          expect(idx(first), `${goal} :: ${m[0]}`).toBeLessThan(idx(second));
        }
      }
    }
    expect(seen.size).toBe(ORDER_RULES.length); // every connective form was exercised
  });

  it('states every non-adjacent ordering; only neighbours may be left unordered ("A and B")', () => {
    for (let seed = 0; seed < 300; seed++) {
      const n = 2 + (seed % 5);
      const { goal, before } = renderGoal(new Prng(`closure-${seed}`), clausesOf(n));
      const after = Array.from({ length: n }, () => new Set<number>());
      for (const [a, b] of before) {
        expect(a, goal).toBeLessThan(b);
        after[a]!.add(b);
      }
      for (let k = n - 1; k >= 0; k--) for (const b of [...after[k]!]) for (const c of after[b]!) after[k]!.add(c);
      for (let i = 0; i < n; i++) for (let j = i + 2; j < n; j++) expect(after[i]!.has(j), `${goal}: ${i} before ${j}`).toBe(true);
    }
  });

  it('uses the pronoun form only right after its antecedent', () => {
    const clauses: Clause[] = [
      { step: 0, full: 'restart ntp' },
      { step: 1, full: 'check the status of ntp', referring: 'check its status' },
    ];
    for (let seed = 0; seed < 200; seed++) {
      const { goal } = renderGoal(new Prng(`ref-${seed}`), clauses);
      if (goal.includes('its status')) expect(goal.indexOf('restart ntp'), goal).toBeLessThan(goal.indexOf('its status'));
    }
  });
});
