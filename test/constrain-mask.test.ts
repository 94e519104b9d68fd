import { beforeAll, describe, expect, it } from 'vitest';
import { parsePlan, serializePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { Prng } from '../src/util/prng.js';
import { loadTokenizer } from '../src/tokenizer/tokenizer.js';
import { feedByte, feedBytes, initialState, type PlanState, type StackNode } from '../src/infer/constrain/automaton.js';
import { forcedRun } from '../src/infer/constrain/jump-forward.js';
import { FloatFrame, IntegerFrame } from '../src/infer/constrain/json-number.js';
import { plannerConstraint, slotIds } from '../src/infer/plan-turn.js';
import { PlanGrammar, type PlanGrammarOptions } from '../src/infer/constrain/plan-grammar.js';
import { computeMask, PlanConstraint } from '../src/infer/constrain/plan-constraint.js';
import { TokenTrie, type ConstraintVocab } from '../src/infer/constrain/token-trie.js';
import { capTokenizerVocab, gpt2Vocab } from '../src/infer/constrain/vocab.js';
import { maskLogits } from '../src/infer/constrain/mask-logits.js';
import { ALL_TYPES, VALID_PLANS } from './constrain-fixtures.js';

let capos: { vocab: ConstraintVocab; trie: TokenTrie };
let gpt2: { vocab: ConstraintVocab; trie: TokenTrie };

beforeAll(() => {
  const tokenizer = loadTokenizer('tokenizer');
  const vocab = capTokenizerVocab(tokenizer);
  capos = { vocab, trie: new TokenTrie(vocab) };
  const g = gpt2Vocab();
  gpt2 = { vocab: g, trie: new TokenTrie(g) };
});

/**
 * The mask by definition: every ordinary token simulated on its own from the state; with `stopsAt`,
 * a token may not feed a byte after its first to a state `stopsAt` names.
 */
function bruteForceMask(vocab: ConstraintVocab, state: PlanState, stopsAt: (s: PlanState) => boolean = () => false): Uint8Array {
  const mask = new Uint8Array(vocab.vocabSize);
  for (let id = 0; id < vocab.vocabSize; id++) {
    if (id === vocab.endId || vocab.isSpecial?.(id)) continue;
    const bytes = vocab.tokenBytes(id);
    let s: PlanState | null = state;
    for (let i = 0; i < bytes.length && s !== null; i++) s = i > 0 && stopsAt(s) ? null : feedByte(s, bytes[i]!);
    if (bytes.length > 0 && s !== null) mask[id] = 1;
  }
  return mask;
}

function differences(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** States after cutting canonical plans at every `stride`-th byte (so also inside UTF-8 characters). */
function sampleStates(grammar: PlanGrammar, stride: number): StackNode[] {
  const states: StackNode[] = [];
  for (const plan of VALID_PLANS) {
    const bytes = new TextEncoder().encode(serializePlan(plan, ALL_TYPES));
    for (let cut = 0; cut < bytes.length; cut += stride) {
      const s = feedBytes(initialState(grammar), bytes.subarray(0, cut));
      if (s && s !== 'complete') states.push(s);
    }
  }
  return states;
}

function sampleToken(mask: Uint8Array, rng: Prng): number {
  const allowed: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) allowed.push(i);
  if (allowed.length === 0) throw new Error('empty mask');
  return allowed[rng.int(allowed.length)]!;
}

/** Generates with uniformly random allowed tokens until the end token; returns the plan text. */
function randomWalk(
  descriptors: readonly ToolDescriptor[],
  v: { vocab: ConstraintVocab; trie: TokenTrie },
  seed: string,
  options: Partial<PlanGrammarOptions> = {},
  check?: (c: PlanConstraint, mask: Uint8Array) => void,
): string {
  const c = new PlanConstraint(descriptors, v.trie, options);
  const rng = new Prng(seed);
  const out: number[] = [];
  for (let tokens = 0; !c.isEnded(); tokens++) {
    if (tokens > 20_000) throw new Error('generation did not terminate');
    const mask = c.allowedTokens();
    check?.(c, mask);
    const id = sampleToken(mask, rng);
    c.advance(id);
    if (id !== v.vocab.endId) out.push(...v.vocab.tokenBytes(id));
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(out));
}

describe('token mask equals brute-force simulation', () => {
  it('capOS vocabulary, states every 3 bytes of canonical plans', () => {
    const grammar = new PlanGrammar(ALL_TYPES);
    const states = sampleStates(grammar, 3);
    expect(states.length).toBeGreaterThan(100);
    for (const s of states) expect(differences(computeMask(capos.trie, s), bruteForceMask(capos.vocab, s))).toEqual([]);
  });

  it('gpt2 vocabulary (50k), a sample of states', () => {
    const grammar = new PlanGrammar(ALL_TYPES);
    const states = sampleStates(grammar, 41);
    for (const s of states) expect(differences(computeMask(gpt2.trie, s), bruteForceMask(gpt2.vocab, s))).toEqual([]);
  });

  it('cached masks along random walks equal brute force with short tokens (bounds cross the cache horizon)', () => {
    const tokenizer = loadTokenizer('tokenizer');
    const short: Uint8Array[] = [];
    for (let id = 256; id < capos.vocab.vocabSize; id++) {
      if (tokenizer.isSpecial(id)) continue;
      const bytes = capos.vocab.tokenBytes(id);
      if (bytes.length <= 5) short.push(bytes);
    }
    const vocab: ConstraintVocab = {
      vocabSize: 256 + short.length + 1,
      tokenBytes: (id) => (id < 256 ? Uint8Array.of(id) : short[id - 256]!),
      endId: 256 + short.length,
    };
    const v = { vocab, trie: new TokenTrie(vocab) };
    expect(v.trie.maxTokenBytes).toBe(5);
    const tight = { maxSteps: 3, maxRationaleChars: 9, maxTextChars: 10, maxListItems: 7 };
    let checked = 0;
    for (let i = 0; i < 12; i++) {
      randomWalk(ALL_TYPES, v, `short-${i}`, tight, (c, mask) => {
        const state = c.state;
        if (state === 'complete') return;
        expect(differences(mask, bruteForceMask(vocab, state))).toEqual([]);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('cached masks along random walks equal brute force (tight bounds exercise the cache keys)', () => {
    const tight = { maxSteps: 3, maxRationaleChars: 24, maxTextChars: 12, maxListItems: 3 };
    let checked = 0;
    let steps = 0;
    for (let i = 0; i < 10; i++) {
      const text = randomWalk(ALL_TYPES, capos, `cache-${i}`, tight, (c, mask) => {
        const state = c.state;
        if (state === 'complete') return;
        expect(differences(mask, bruteForceMask(capos.vocab, state))).toEqual([]);
        checked++;
      });
      steps += parsePlan(text, 'walk').steps.length;
    }
    expect(checked).toBeGreaterThan(200);
    expect(steps).toBeGreaterThan(5);
  });
});

describe('random constrained generation', () => {
  it('always terminates with a plan that parses and validates (capOS vocabulary)', () => {
    let refusals = 0;
    let steps = 0;
    for (let i = 0; i < 12; i++) {
      const text = randomWalk(ALL_TYPES, capos, `walk-${i}`, { maxRationaleChars: 60, maxTextChars: 30 });
      const plan = parsePlan(text, `walk-${i}`);
      expect(validatePlanAgainst(plan, ALL_TYPES)).toEqual([]);
      if (plan.refusal !== undefined) refusals++;
      steps += plan.steps.length;
      expect(plan.steps.length).toBeLessThanOrEqual(8);
    }
    expect(refusals).toBeLessThan(12);
    expect(steps).toBeGreaterThan(5);
  });

  it('always terminates with a plan that parses and validates (gpt2 vocabulary, default bounds)', () => {
    for (let i = 0; i < 3; i++) {
      const text = randomWalk(ALL_TYPES, gpt2, `gpt2-${i}`);
      expect(validatePlanAgainst(parsePlan(text, `gpt2-${i}`), ALL_TYPES)).toEqual([]);
    }
  });
});

describe('maskLogits', () => {
  it('forbids masked ids and the vocabulary padding beyond the mask', () => {
    const logits = Float32Array.from([1, 2, 3, 4, 5, 6]);
    maskLogits(logits, Uint8Array.from([1, 0, 1, 0]));
    expect([...logits]).toEqual([1, -Infinity, 3, -Infinity, -Infinity, -Infinity]);
  });
});

describe('PlanConstraint', () => {
  it('allows the end token exactly when the plan is complete, and nothing after it', () => {
    const c = new PlanConstraint(ALL_TYPES, capos.trie);
    const endId = capos.vocab.endId;
    expect(c.allowedTokens()[endId]).toBe(0);
    expect(() => c.advance(endId)).toThrow('not allowed before the plan is complete');
    const ids = (loadTokenizer('tokenizer')).encode('{"steps":[],"refusal":"Nothing fits."}');
    for (const id of ids) {
      expect(c.allowedTokens()[id]).toBe(1);
      c.advance(id);
    }
    expect(c.isComplete()).toBe(true);
    const mask = c.allowedTokens();
    expect([...mask.keys()].filter((i) => mask[i])).toEqual([endId]);
    c.advance(endId);
    expect(c.isEnded()).toBe(true);
    expect(c.allowedTokens().every((v) => v === 0)).toBe(true);
  });

  it('rejects tokens outside the mask and control tokens', () => {
    const c = new PlanConstraint(ALL_TYPES, capos.trie);
    const tokenizer = loadTokenizer('tokenizer');
    expect(() => c.advance(tokenizer.encode(' {')[0]!)).toThrow('does not continue a valid plan');
    expect(() => c.advance(tokenizer.specialId('<|bos|>'))).toThrow('control token');
    expect(c.allowedTokens()[tokenizer.specialId('<|bos|>')]).toBe(0);
  });

  it('follows the tokenizer through a canonical plan, reserved domain tokens included', () => {
    const tokenizer = loadTokenizer('tokenizer');
    const text = serializePlan(VALID_PLANS[2]!, ALL_TYPES);
    const c = new PlanConstraint(ALL_TYPES, capos.trie);
    for (const id of tokenizer.encode(text)) {
      expect(c.allowedTokens()[id], tokenizer.decode([id])).toBe(1);
      c.advance(id);
    }
    expect(c.isComplete()).toBe(true);
    expect(c.stats.cacheHits).toBeGreaterThan(0);
  });

  it('with tool slots: a step names its tool only by a listed slot, which writes exactly the listed name', () => {
    const tokenizer = loadTokenizer('tokenizer');
    const slots = slotIds(tokenizer);
    const descriptors: ToolDescriptor[] = [
      { name: 'NetworkStack.info', description: 'Report state.', params: {} },
      { name: 'Qzx.flip', description: 'Not in any training data.', params: { on: { type: 'Bool' } } },
    ];
    const c = plannerConstraint(tokenizer, capos.trie, descriptors);
    c.advanceForced();
    c.advance(tokenizer.encode('{')[0]!);
    c.advanceForced();
    expect(c.atToolName()).toBe(true);
    const mask = c.allowedTokens();
    expect([...mask.keys()].filter((i) => mask[i])).toEqual([slots[0], slots[1]]);
    c.advance(slots[1]!);
    const pieces = c.forcedRun().map((p) => new TextDecoder().decode(p));
    expect(pieces.join('')).toBe('","args":{"on":');
    expect(() => c.advance(slots[0]!)).toThrow(/only names a tool at the start of a step/);
    expect(() => plannerConstraint(tokenizer, capos.trie, Array.from({ length: slots.length + 1 }, (_, k) => ({ ...descriptors[0]!, name: `T${k}.x` })))).toThrow(
      `${slots.length + 1} tools are listed, but the planner has ${slots.length} tool slots: list at most ${slots.length}`,
    );
  });
});

describe('jump-forward', () => {
  /**
   * The bytes the grammar allows one at a time from `state` (brute force over all 256), up to the next
   * choice: a tool name (the model picks a slot) or the end of a number (the model ends it, even at its bound).
   */
  function uniqueBytes(grammar: PlanGrammar, state: PlanState): number[] {
    const out: number[] = [];
    let s = state;
    while (s !== 'complete' && !grammar.isToolNameStart(s.frame) && !(s.frame instanceof IntegerFrame || s.frame instanceof FloatFrame)) {
      const allowed = [...Array(256).keys()].filter((b) => feedByte(s, b) !== null);
      if (allowed.length !== 1) break;
      out.push(allowed[0]!);
      s = feedByte(s, allowed[0]!)!;
    }
    return out;
  }

  it('forces exactly the bytes that are the only ones allowed, at every point of every valid plan', () => {
    const grammar = new PlanGrammar(ALL_TYPES);
    for (const plan of VALID_PLANS) {
      const bytes = new TextEncoder().encode(serializePlan(plan, ALL_TYPES));
      let s: PlanState = initialState(grammar);
      for (const b of bytes) {
        const run = forcedRun(grammar, s);
        expect([...run.pieces.flatMap((p) => [...p])]).toEqual(uniqueBytes(grammar, s));
        s = feedByte(s, b)!;
      }
    }
  });

  it('masks no token that runs on into forced bytes, and otherwise agrees with brute force', () => {
    const grammar = new PlanGrammar(ALL_TYPES);
    for (const state of sampleStates(grammar, 5)) {
      const expected = bruteForceMask(capos.vocab, state, (s) => s !== 'complete' && s.frame.forcedByte() !== null);
      expect(differences(computeMask(capos.trie, state, true), expected)).toEqual([]);
    }
  });
});

describe('mask cache keys', () => {
  /** Every single byte (ids 0..255) plus `extra` tokens (ids 256…), then the end token. */
  function bytesPlus(extra: string[]): ConstraintVocab {
    const bytes = extra.map((t) => new TextEncoder().encode(t));
    return {
      vocabSize: 256 + bytes.length + 1,
      tokenBytes: (id) => (id < 256 ? Uint8Array.of(id) : (bytes[id - 256] ?? new Uint8Array(0))),
      endId: 256 + bytes.length,
    };
  }

  function driver(vocab: ConstraintVocab, c: PlanConstraint) {
    return {
      feed(text: string) {
        for (const b of new TextEncoder().encode(text)) c.advance(b);
      },
      check() {
        const state = c.state;
        expect(differences(c.allowedTokens(), bruteForceMask(vocab, state))).toEqual([]);
      },
    };
  }

  it('tell the last allowed step from earlier ones even with short tokens', () => {
    // Every token is shorter than one plan step.
    const vocab = bytesPlus(['"},', '"}]}', '"},{"tool":"', 'NetworkStack.info']);
    const c = new PlanConstraint([ALL_TYPES[0]!], new TokenTrie(vocab), { maxSteps: 2 });
    const { feed, check } = driver(vocab, c);
    const step = '{"tool":"NetworkStack.info","args":{},"rationale":"ab';
    feed(`{"steps":[${step}`);
    check();
    expect(c.allowedTokens()[256]).toBe(1); // `"},` may start a second step
    feed(`"},${step}`);
    check();
    expect(c.allowedTokens()[256]).toBe(0); // but not a third
    expect(c.allowedTokens()[257]).toBe(1);
  });

  it('tell a Data value near its bound from one far from it', () => {
    // Data bound 10: after 5 characters the next group (at 8) cannot start, 4 bytes ahead; after 1 it can.
    const vocab = bytesPlus(['AAAA']);
    const c = new PlanConstraint([ALL_TYPES[3]!], new TokenTrie(vocab), { maxTextChars: 10 });
    const { feed, check } = driver(vocab, c);
    feed('{"steps":[{"tool":"Blob.put","args":{"key":"k","data":"A');
    check();
    expect(c.allowedTokens()[256]).toBe(1);
    feed('AAAA');
    check();
    expect(c.allowedTokens()[256]).toBe(0);
  });
});
