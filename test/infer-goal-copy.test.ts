import { describe, expect, it } from 'vitest';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { PlanConstraint } from '../src/infer/constrain/plan-constraint.js';
import { GoalCopyBias } from '../src/infer/goal-copy.js';
import { usePlannerVocab } from './helpers/planner-vocab.js';

/** The dev probe's list-arg case (../shared/probe/dev.jsonl). */
const SPAWN: ToolDescriptor = {
  name: 'ProcessSpawner.spawn',
  description: 'Start a program with arguments.',
  params: { binary: { type: 'Text' }, args: { type: 'List(Text)' } },
};
const GOAL = 'Run ls with the arguments -l and /var.';
const BONUS = 5;

describe('goal-copy bias', () => {
  const vocab = usePlannerVocab();

  const single = (text: string): number => {
    const ids = vocab.tok.encode(text);
    expect(ids).toHaveLength(1);
    return ids[0]!;
  };

  /** The tokens boosted after the plan text `prefix` (tokenized as in training) on a row of zeros, and the mask there. */
  function boostedAfter(prefix: string, tool = SPAWN, goal = GOAL): { boosted: Set<number>; mask: Uint8Array } {
    const constraint = new PlanConstraint([tool], vocab.trie);
    const tokens = vocab.tok.encode(prefix);
    for (const id of tokens) constraint.advance(id);
    const row = new Float32Array(vocab.tok.vocabSize);
    const mask = constraint.allowedTokens();
    new GoalCopyBias(goal, vocab.trie, (text) => vocab.tok.encode(text), BONUS).apply(row, mask, constraint, new TextEncoder().encode(prefix));
    const boosted = new Set<number>();
    row.forEach((v, id) => {
      // Preferred spans (identifiers here: "-l", "/var") get twice the bonus; see the tests further down.
      if (v === BONUS || v === 2 * BONUS) boosted.add(id);
      else expect(v).toBe(0);
    });
    return { boosted, mask };
  }

  const start = '{"steps":[{"tool":"ProcessSpawner.spawn","args":{"binary":"ls","args":["';

  it('at the start of a Text argument boosts the first token of each goal word, as a plan spells it', () => {
    const { boosted } = boostedAfter(start);
    for (const word of ['-l', 'ls', '/']) expect(boosted.has(single(word))).toBe(true);
    // The prose spelling of the flag (" -", then "l") and mid-word starts are not copies.
    expect(boosted.has(single('-'))).toBe(false);
    expect(boosted.has(single('l'))).toBe(false);
    expect(boosted.has(single('"'))).toBe(false);
  });

  it('continues a span, and boosts closing the string only where the span ends a word', () => {
    const midWord = boostedAfter(`${start}/`).boosted;
    expect(midWord.has(single('var'))).toBe(true);
    expect(midWord.has(single('"'))).toBe(false);
    const wordEnd = boostedAfter(`${start}-l`).boosted;
    expect(wordEnd.has(single('"'))).toBe(true);
    expect(wordEnd.has(single('",'))).toBe(true);
    expect(wordEnd.has(single(' and'))).toBe(true);
    // Not a span of the goal: nothing to copy.
    expect(boostedAfter(`${start}xyz`).boosted.size).toBe(0);
  });

  it('boosts only tokens the mask allows, and nothing outside Text and integer arguments', () => {
    for (const prefix of [start, `${start}-l`, `${start}/`]) {
      const { boosted, mask } = boostedAfter(prefix);
      expect(boosted.size).toBeGreaterThan(0);
      for (const id of boosted) expect(mask[id]).toBe(1);
    }
    // Closing tokens the grammar forbids after a list element (`"}` would close an object) get nothing.
    expect(boostedAfter(`${start}-l`).boosted.has(single('"}'))).toBe(false);
    expect(boostedAfter('{"steps":[{"tool":"ProcessSpawner.spawn","args":{"binary":"ls","args":["-l"]},"rationale":"').boosted.size).toBe(0);
    expect(boostedAfter('{"steps":[],"refusal":"').boosted.size).toBe(0);
  });

  describe('spans a param name points at', () => {
    const SNAPSHOT: ToolDescriptor = {
      name: 'SnapshotStore.create',
      description: 'Takes a snapshot of a volume.',
      params: { volume: { type: 'Text' }, label: { type: 'Text' }, keepDays: { type: 'UInt16' } },
    };
    const goal = "Snapshot volume data0 as 'nightly' and keep it 14 days, then check volume data0.";
    /** The row of bonuses after `prefix` (zeros elsewhere). */
    function bonusesAfter(prefix: string): Float32Array {
      const constraint = new PlanConstraint([SNAPSHOT], vocab.trie);
      for (const id of vocab.tok.encode(prefix)) constraint.advance(id);
      const row = new Float32Array(vocab.tok.vocabSize);
      new GoalCopyBias(goal, vocab.trie, (text) => vocab.tok.encode(text), BONUS).apply(row, constraint.allowedTokens(), constraint, new TextEncoder().encode(prefix));
      return row;
    }
    const first = (text: string) => vocab.tok.encode(text)[0]!;
    const open = '{"steps":[{"tool":"SnapshotStore.create","args":{"volume":"';

    it('at a value start, a word after the param name, a quoted span and an identifier get twice the bonus of other goal words', () => {
      const row = bonusesAfter(open);
      expect(row[first('data0')]).toBe(2 * BONUS);
      expect(row[first('nightly')]).toBe(2 * BONUS);
      expect(row[first('Snapshot')]).toBe(BONUS);
      // For another param, "data0" is still an identifier, "keep" a plain word not after its name.
      const label = bonusesAfter(`${open}data0","label":"`);
      expect(label[first('data0')]).toBe(2 * BONUS);
      expect(label[first('keep')]).toBe(BONUS);
    });

    it('a number before the param name\'s word gets twice the bonus where the integer starts', () => {
      const row = bonusesAfter(`${open}data0","label":"nightly","keepDays":`);
      expect(row[first('14')]).toBe(2 * BONUS);
    });

    it('stops a copy at punctuation that ends a word: only closing the string is boosted there', () => {
      const row = bonusesAfter(`${open}data0`);
      expect(row[first('"')]).toBe(BONUS);
      expect(row[first('.')]).toBe(0);
    });
  });

  describe('integer arguments', () => {
    const RENICE: ToolDescriptor = {
      name: 'ProcessManager.setPriority',
      description: 'Set the niceness of a process, from -20 to 19.',
      params: { pid: { type: 'UInt32' }, niceness: { type: 'Int8' } },
    };
    const goal = 'Set the niceness of process 16287 to -4.';
    const pid = '{"steps":[{"tool":"ProcessManager.setPriority","args":{"pid":';
    const after = (prefix: string) => boostedAfter(prefix, RENICE, goal);

    it('starts and continues a number of the goal as the tokenizer spells it', () => {
      const atStart = after(pid).boosted;
      expect(atStart.has(single('16'))).toBe(true);
      // Mid-number chunks and the digits of a signed number are not numbers of their own.
      for (const chunk of ['28', '7', '4']) expect(atStart.has(single(chunk))).toBe(false);
      expect(after(`${pid}16`).boosted).toEqual(new Set([single('28')]));
      expect(after(`${pid}5`).boosted.size).toBe(0);
    });

    it('keeps the sign of a negative number, and boosts ending a number only once all of it is written', () => {
      const niceness = `${pid}16287,"niceness":`;
      expect(after(niceness).boosted.has(single('-'))).toBe(true);
      expect(after(`${niceness}-`).boosted).toEqual(new Set([single('4')]));
      const { boosted, mask } = after(`${pid}16287`);
      const allowedEnds = [...mask.keys()].filter((id) => mask[id] && !/^[0-9]/.test(vocab.tok.decode([id])));
      expect(allowedEnds.length).toBeGreaterThan(0);
      expect(boosted).toEqual(new Set(allowedEnds));
      expect(after(`${pid}162`).boosted.has(single(','))).toBe(false);
    });
  });
});
