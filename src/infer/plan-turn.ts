import type { ToolDescriptor } from '../data/descriptor.js';
import { REFUSAL_TEXT } from '../data/actionplan.js';
import { toolSlotName, TOOL_SLOT_COUNT } from '../tokenizer/reserved.js';
import { UserError } from '../errors.js';
import { COMPLETE, feedByte, feedBytes, initialState, type PlanState } from './constrain/automaton.js';
import { forcedRun, isChoice } from './constrain/jump-forward.js';
import { PlanGrammar, type DecoderTexts, type PlanGrammarOptions } from './constrain/plan-grammar.js';
import { PlanConstraint } from './constrain/plan-constraint.js';
import type { TokenTrie } from './constrain/token-trie.js';

/**
 * The planner's side of the chat: how a plan becomes the tokens of the assistant turn. The model makes
 * the choices (plan or refuse, each step's tool as its slot token, argument values, whether another
 * step follows) and the decoder writes the rest: structure, keys, each step's rationale (its tool's
 * listed description) and the refusal sentence. Training and inference tokenize a plan the same way,
 * so the model is trained on exactly the tokens it will be asked for, and only on those.
 */

/** What the planner's turn needs of a tokenizer (CapTokenizer fits). */
export interface TurnTokenizer {
  encode(text: string): number[];
  specialId(name: string): number;
}

export function decoderTexts(tok: TurnTokenizer): DecoderTexts {
  return { refusal: REFUSAL_TEXT, countTokens: (text) => tok.encode(text).length };
}

/** The slot token ids, `<|tool_0|>` first. */
export function slotIds(tok: TurnTokenizer): number[] {
  return Array.from({ length: TOOL_SLOT_COUNT }, (_, k) => tok.specialId(toolSlotName(k)));
}

/** A tool list the planner can take: at least one tool, at most one per slot. */
export function checkToolCount(count: number, source: string): void {
  if (count === 0) throw new UserError(`${source}: the tool list is empty: a planner needs at least one tool to plan with`);
  if (count > TOOL_SLOT_COUNT) throw new UserError(`${source}: ${count} tools are listed, but the planner has ${TOOL_SLOT_COUNT} tool slots: list at most ${TOOL_SLOT_COUNT}`);
}

/** The constraint the planner decodes a plan for `descriptors` under: tool slots, decoder-written texts. */
export function plannerConstraint(tok: TurnTokenizer, trie: TokenTrie, descriptors: readonly ToolDescriptor[], options: Partial<PlanGrammarOptions> = {}): PlanConstraint {
  return new PlanConstraint(descriptors, trie, { ...options, slotIds: slotIds(tok), decoderTexts: decoderTexts(tok), jumpForward: true });
}

/** The planner's grammar for a tool list (decoder-written rationales and refusal). */
export function plannerGrammar(tok: TurnTokenizer, descriptors: readonly ToolDescriptor[]): PlanGrammar {
  return new PlanGrammar(descriptors, {}, decoderTexts(tok));
}

export interface PlanTurn {
  /** The assistant turn's tokens: the plan as the planner writes it (slots for tool names). */
  tokens: number[];
  /** 1 where the token is the model's choice (a loss target), 0 where the decoder writes it. */
  chosen: Uint8Array;
  /**
   * Per token: where the model chooses among a few tokens only — a step's tool among the listed slots,
   * one byte of a small set (plan or refuse, another step or the end, true or false) — those tokens,
   * exactly what the decoder's mask allows there; null elsewhere. Training takes its softmax over them
   * (see sft/choice-restriction.ts), so no choice is learnt by pushing its tokens above the whole vocabulary.
   */
  choiceSets: (Int32Array | null)[];
}

/** A choice among at most this many single bytes is a small choice (see PlanTurn.choiceSets). */
const SMALL_CHOICE = 4;

/** The single bytes allowed after `state` when they are few, else null. */
function smallByteChoice(state: PlanState): number[] | null {
  const allowed: number[] = [];
  for (let b = 0; b < 256; b++) {
    if (feedByte(state, b) === null) continue;
    allowed.push(b);
    if (allowed.length > SMALL_CHOICE) return null;
  }
  return allowed;
}

const decoder = new TextDecoder();

/**
 * The tokens of `planText` (canonical compact JSON whose rationales are the listed descriptions, or the
 * refusal sentence) as the planner writes them: each forced piece and each run of chosen bytes encoded
 * on its own, each tool name as its slot. Throws when the plan is not one the planner could write.
 */
export function encodePlanTurn(tok: TurnTokenizer, descriptors: readonly ToolDescriptor[], planText: string): PlanTurn {
  const grammar = plannerGrammar(tok, descriptors);
  const slots = slotIds(tok);
  const names = descriptors.map((d) => new TextEncoder().encode(`${d.name}"`));
  const bytes = new TextEncoder().encode(planText);
  const tokens: number[] = [];
  const chosen: number[] = [];
  const choiceSets: (Int32Array | null)[] = [];
  const push = (piece: Uint8Array, isChosen: boolean, set: Int32Array | null = null) => {
    for (const id of tok.encode(decoder.decode(piece))) {
      tokens.push(id);
      chosen.push(isChosen ? 1 : 0);
      choiceSets.push(set);
    }
  };
  const listedSlots = Int32Array.from(slots.slice(0, descriptors.length));
  const fail = (at: number): never => {
    throw new Error(`the plan is not one the planner writes (at byte ${at}): ${planText}`);
  };
  let state: PlanState = initialState(grammar);
  let at = 0;
  while (at < bytes.length) {
    if (state === COMPLETE) fail(at);
    const s = state as Exclude<PlanState, typeof COMPLETE>;
    if (grammar.isToolNameStart(s.frame)) {
      const k = names.findIndex((name) => startsWith(bytes, name, at));
      if (k < 0) fail(at);
      tokens.push(slots[k]!);
      chosen.push(1);
      choiceSets.push(listedSlots);
      const name = names[k]!.subarray(0, -1);
      state = feedBytes(s, name) ?? fail(at);
      at += name.length;
    } else if (isChoice(grammar, s)) {
      const from = at;
      let next: PlanState = s;
      do next = feedByte(next, bytes[at++]!) ?? fail(at - 1);
      while (at < bytes.length && isChoice(grammar, next) && !grammar.isToolNameStart((next as Exclude<PlanState, typeof COMPLETE>).frame));
      // A one-byte run among a few allowed bytes is a small choice; its token is that byte's (ids 0–255).
      const few = at - from === 1 ? smallByteChoice(s) : null;
      push(bytes.subarray(from, at), true, few && Int32Array.from(few.map((b) => tok.encode(String.fromCharCode(b))[0]!)));
      state = next;
    } else {
      const run = forcedRun(grammar, s);
      for (const piece of run.pieces) {
        if (!startsWith(bytes, piece, at)) fail(at);
        push(piece, false);
        at += piece.length;
      }
      state = run.state;
    }
  }
  if (state !== COMPLETE) fail(at);
  return { tokens, chosen: Uint8Array.from(chosen), choiceSets };
}

function startsWith(haystack: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at + needle.length > haystack.length) return false;
  for (let i = 0; i < needle.length; i++) if (haystack[at + i] !== needle[i]) return false;
  return true;
}
