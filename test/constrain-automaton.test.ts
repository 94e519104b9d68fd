import { describe, expect, it } from 'vitest';
import { parsePlan, serializePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import { feedByte, initialState, isComplete, recognize, type PlanState } from '../src/infer/constrain/automaton.js';
import { PlanGrammar } from '../src/infer/constrain/plan-grammar.js';
import { ALL_TYPES, VALID_PLANS } from './constrain-fixtures.js';
import { UserError } from '../src/errors.js';

const grammar = new PlanGrammar(ALL_TYPES);

function feedAll(text: string): PlanState[] {
  const states: PlanState[] = [initialState(grammar)];
  for (const b of new TextEncoder().encode(text)) {
    const next = feedByte(states.at(-1)!, b);
    if (!next) break;
    states.push(next);
  }
  return states;
}

describe('plan automaton: valid plans', () => {
  it('accepts every prefix of canonical plans and completes exactly at their end', () => {
    for (const plan of VALID_PLANS) {
      const text = serializePlan(plan, ALL_TYPES);
      expect(validatePlanAgainst(parsePlan(text, 'fixture'), ALL_TYPES)).toEqual([]);
      const states = feedAll(text);
      const bytes = new TextEncoder().encode(text).length;
      expect(states.length - 1, text).toBe(bytes);
      expect(states.map(isComplete).lastIndexOf(false)).toBe(bytes - 1);
      expect(isComplete(states.at(-1)!)).toBe(true);
    }
  });

  it('accepts JSON escapes beyond the canonical ones', () => {
    const text = '{"steps":[{"tool":"LogReader.tail","args":{"source":"\\/\\b\\f\\r\\u00e9\\uD83D\\uDE00","lines":0},"rationale":"x"}]}';
    expect(recognize(grammar, text)).toMatchObject({ complete: true });
  });

  it('rejects duplicate tools and non-positive bounds with a UserError', () => {
    expect(() => new PlanGrammar([ALL_TYPES[0]!, ALL_TYPES[0]!])).toThrow(UserError);
    expect(() => new PlanGrammar([ALL_TYPES[0]!, ALL_TYPES[0]!])).toThrow('duplicate tool `NetworkStack.info`');
    expect(() => new PlanGrammar(ALL_TYPES, { maxSteps: 0 })).toThrow('maxSteps must be a positive integer');
  });

  it('a grammar without tools only accepts a refusal', () => {
    const none = new PlanGrammar([]);
    expect(recognize(none, '{"steps":[],"refusal":"No tools."}').complete).toBe(true);
    expect(recognize(none, '{"steps":[{').validBytes).toBe('{"steps":['.length);
  });
});

const PLAN_HEAD = '{"steps":[{"tool":"';
const TAIL_HEAD = `${PLAN_HEAD}LogReader.tail","args":{"source":"net","lines":`;
const CAL_HEAD = `${PLAN_HEAD}Sensor.calibrate","args":{"level":`;
const GOOD = `${TAIL_HEAD}20},"rationale":"x"}]}`;

/** `⟂` marks where the text must be rejected: the byte after it is the first one refused. */
const INVALID: [string, string][] = [
  ['unknown tool', `${PLAN_HEAD}Net⟂Wrok.info"`],
  ['tool name not finished', `${PLAN_HEAD}NetworkStack.inf⟂","args"`],
  ['wrong param key', `${PLAN_HEAD}LogReader.tail","args":{"sourc⟂x":"a"`],
  ['params out of declared order', `${PLAN_HEAD}LogReader.tail","args":{"⟂lines":20`],
  ['missing param', `${PLAN_HEAD}LogReader.tail","args":{"source":"a"⟂}`],
  ['string for UInt32', `${TAIL_HEAD}⟂"20"`],
  ['negative for UInt32', `${TAIL_HEAD}⟂-1`],
  ['UInt32 out of range', `${TAIL_HEAD}429496729⟂6`],
  ['leading zero', `${TAIL_HEAD}0⟂5`],
  ['float for an integer', `${TAIL_HEAD}2⟂.5`],
  ['Int8 above 127', `${CAL_HEAD}12⟂8`],
  ['Int8 below -128', `${CAL_HEAD}-12⟂9`],
  ['-0 for an integer', `${CAL_HEAD}-⟂0`],
  ['Float32 beyond its bound', `${CAL_HEAD}1,"offset":2,"gain":1e2⟂1`],
  ['float without digits after the dot', `${CAL_HEAD}1,"offset":2,"gain":1.⟂e5`],
  ['Bool as a string', `${CAL_HEAD}1,"offset":2,"gain":1,"scale":1,"enabled":⟂"true"`],
  ['Void not null', `${CAL_HEAD}1,"offset":2,"gain":1,"scale":1,"enabled":true,"marker":⟂0`],
  ['Data not whole base64 groups', `${PLAN_HEAD}Blob.put","args":{"key":"k","data":"QUJ⟂"`],
  ['Data with bad padding', `${PLAN_HEAD}Blob.put","args":{"key":"k","data":"Q⟂==`],
  ['List element of the wrong type', `${PLAN_HEAD}Blob.put","args":{"key":"k","data":"","tags":[⟂1]`],
  ['nested list not a list', `${PLAN_HEAD}Matrix.load","args":{"rows":[⟂1]`],
  ['raw newline in a string', `${TAIL_HEAD.replace('"net"', '"n⟂\n"')}`],
  ['bad escape', `${TAIL_HEAD.replace('"net"', '"n\\⟂x"')}`],
  ['fence', '⟂```json\n{"steps":[]}'],
  ['leading space', '⟂ {"steps":[]'],
  ['space inside', '{"steps":⟂ []'],
  ['trailing prose', `${GOOD}⟂ Done.`],
  ['trailing newline', `${GOOD}⟂\n`],
  ['empty steps without refusal', '{"steps":[]⟂}'],
  ['empty refusal', '{"steps":[],"refusal":"⟂"}'],
  ['steps after a refusal', '{"steps":[],"⟂steps"'],
  ['unknown top-level key', `${GOOD.slice(0, -1)}⟂,"note":1}`],
  ['rationale key missing', `${TAIL_HEAD}20}⟂}`],
];

describe('plan automaton: invalid text is rejected at the first bad byte', () => {
  it.each(INVALID)('%s', (_, marked) => {
    const at = marked.indexOf('⟂');
    const text = marked.replace('⟂', '');
    const r = recognize(grammar, text);
    expect(r.validBytes).toBe(new TextEncoder().encode(text.slice(0, at)).length);
  });

  it('rejects ill-formed UTF-8 inside strings', () => {
    const head = new TextEncoder().encode(TAIL_HEAD.slice(0, TAIL_HEAD.indexOf('net')));
    const run = (extra: number[]): number => {
      let s: PlanState | null = initialState(grammar);
      const all = [...head, ...extra];
      for (let i = 0; i < all.length; i++) {
        s = feedByte(s!, all[i]!);
        if (!s) return i - head.length;
      }
      return -1;
    };
    expect(run([0xc3, 0xa9, 0x41])).toBe(-1); // é A
    expect(run([0x80])).toBe(0); // lone continuation byte
    expect(run([0xc0, 0x80])).toBe(0); // overlong
    expect(run([0xe0, 0x80])).toBe(1); // overlong 3-byte form
    expect(run([0xed, 0xa0])).toBe(1); // UTF-16 surrogate
    expect(run([0xf4, 0x90])).toBe(1); // above U+10FFFF
    expect(run([0xe6, 0xbc, 0x22])).toBe(2); // quote inside a character
  });

  it('bounds steps, strings and lists', () => {
    const small = new PlanGrammar(ALL_TYPES, { maxSteps: 2, maxRationaleChars: 3, maxTextChars: 2, maxListItems: 2 });
    const step = '{"tool":"NetworkStack.info","args":{},"rationale":"abc"}';
    expect(recognize(small, `{"steps":[${step},${step}]}`).complete).toBe(true);
    expect(recognize(small, `{"steps":[${step},${step},`).validBytes).toBe(`{"steps":[${step},${step}`.length);
    expect(recognize(small, '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"abcd').validBytes).toBe(
      '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"abc'.length,
    );
    // A character is one unit however many bytes or escape characters it takes.
    expect(recognize(small, '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"é\\u0041😀"}]}').complete).toBe(true);
    const tags = '{"steps":[{"tool":"Blob.put","args":{"key":"ab","data":"","tags":["a","b"';
    expect(recognize(small, `${tags},"c"`).validBytes).toBe(tags.length);
    expect(recognize(small, '{"steps":[{"tool":"Blob.put","args":{"key":"abc').validBytes).toBe(
      '{"steps":[{"tool":"Blob.put","args":{"key":"ab'.length,
    );
  });
});
