import type { ToolDescriptor } from '../../data/descriptor.js';
import { COMPLETE, feedByte, feedBytes, initialState, isComplete, minCompletionBytes, stateKey, type PlanState, type StackNode } from './automaton.js';
import { JsonStringFrame } from './json-string.js';
import { PlanGrammar, type DecoderTexts, type PlanGrammarOptions } from './plan-grammar.js';
import { forcedRun, isChoice } from './jump-forward.js';
import { UserError } from '../../errors.js';
import type { TokenTrie } from './token-trie.js';

export interface PlanConstraintOptions extends Partial<PlanGrammarOptions> {
  /** Masks kept per constraint, least recently used dropped first. */
  maskCacheSize?: number;
  /**
   * The tool-slot token of each listed descriptor, in list order (the planner's `<|tool_k|>`): a step
   * then names its tool by one slot token, which writes the listed name. Without slots names are
   * spelt byte by byte like any other text.
   */
  slotIds?: readonly number[];
  /** Texts the decoder writes itself (rationales, refusal); see PlanGrammar. */
  decoderTexts?: DecoderTexts | null;
  /**
   * The decoder writes every forced byte itself (jump-forward.ts), so a token may not run on into
   * forced bytes: the model picks only what it chooses, tokenized as in training (plan-turn.ts).
   */
  jumpForward?: boolean;
}

const DEFAULT_MASK_CACHE_SIZE = 256;

/** A state's mask, and the largest minCompletionBytes among the states its allowed tokens lead to. */
interface CachedMask {
  mask: Uint8Array;
  worstNextBytes: number;
}

/**
 * Schema-constrained decoding for one plan: which tokens keep the output a valid prefix of an
 * ActionPlan for the given descriptors, and the end token once the plan is complete.
 *
 * A mask is computed by walking the token trie and the automaton together: each trie edge feeds one
 * byte to the (immutable) state of its parent, and a subtree is skipped as soon as its prefix is
 * rejected, so most tokens cost nothing; inside a string, tokens of plain text are allowed by their
 * character count alone (see computeMask). Masks are cached by the state key, which ignores counters
 * too far from their bound to matter within one token, so repeated states cost a map lookup. A token
 * never runs on into bytes the grammar forces (jump-forward.ts): those are the decoder's to write.
 *
 * Given a token budget, the plan also always completes within it: a token is allowed only when the
 * plan can still be completed, and the end token taken, in the picks left after it (see allowedTokens).
 */
export class PlanConstraint {
  readonly grammar: PlanGrammar;
  private current: PlanState;
  private ended = false;
  private readonly cache = new Map<string, CachedMask>();
  private readonly cacheSize: number;
  private readonly endMask: Uint8Array;
  private readonly noneMask: Uint8Array;
  /** Slot token id → the listed name it writes (without its closing quote, which is forced). */
  private readonly slots = new Map<number, Uint8Array>();
  private readonly jumpForward: boolean;
  /** Masks served and how many came from the cache (for benchmarks). */
  readonly stats = { masks: 0, cacheHits: 0, budgetMasks: 0 };

  constructor(
    private readonly descriptors: readonly ToolDescriptor[],
    private readonly trie: TokenTrie,
    options: PlanConstraintOptions = {},
  ) {
    const { maskCacheSize, slotIds, decoderTexts, jumpForward, ...grammarOptions } = options;
    this.jumpForward = jumpForward ?? false;
    if (slotIds && descriptors.length > slotIds.length) {
      throw new UserError(`${descriptors.length} tools are listed, but the planner has ${slotIds.length} tool slots: list at most ${slotIds.length}`);
    }
    this.grammar = new PlanGrammar(descriptors, grammarOptions, decoderTexts ?? null);
    if (slotIds) descriptors.forEach((d, k) => this.slots.set(slotIds[k]!, new TextEncoder().encode(d.name)));
    this.current = initialState(this.grammar);
    this.cacheSize = maskCacheSize ?? DEFAULT_MASK_CACHE_SIZE;
    this.endMask = new Uint8Array(trie.vocabSize);
    this.endMask[trie.endId] = 1;
    this.noneMask = new Uint8Array(trie.vocabSize);
  }

  /** The automaton state after the tokens taken so far. */
  get state(): PlanState {
    return this.current;
  }

  /** True once the plan is complete (then only the end token is allowed). */
  isComplete(): boolean {
    return isComplete(this.current);
  }

  /**
   * Fewest tokens (picks) that finish the plan from here, the end token included: an upper bound, as it
   * counts one token per byte (a decoder-written text: its own token count).
   */
  minTokensToEnd(): number {
    return this.ended ? 0 : minCompletionBytes(this.current) + 1;
  }

  /** True after the end token was taken: generation is over. */
  isEnded(): boolean {
    return this.ended;
  }

  /** True when the next token is the model's choice (else the grammar forces it: see forcedRun). */
  isChoice(): boolean {
    return !this.ended && isChoice(this.grammar, this.current);
  }

  /** The forced pieces from here to the next choice (the plan's end included); advanceForced takes them. */
  forcedRun(): Uint8Array[] {
    return forcedRun(this.grammar, this.current).pieces;
  }

  /** Takes the whole forced run forcedRun() returned. */
  advanceForced(): void {
    this.current = forcedRun(this.grammar, this.current).state;
  }

  /** True when the next token names a tool: with slots, one of the listed slots. */
  atToolName(): boolean {
    return this.current !== COMPLETE && this.grammar.isToolNameStart(this.current.frame);
  }

  /**
   * Mask over the vocabulary, 1 = allowed. Shared with the cache: read it, never write to it. Never all
   * zero before the end (the automaton only accepts completable prefixes and a byte-level vocabulary
   * has every single byte), except when the vocabulary lacks a byte the plan needs.
   *
   * `budget` is how many tokens may still be picked, this one and the end token included. A token is
   * allowed only if the plan can be completed one byte per pick in what is left after it (one of
   * which the end token takes), so when minTokensToEnd() ≤ budget holds before a pick it holds after
   * it, and the plan ends in time. The check costs nothing while the budget exceeds the worst cost
   * any allowed token can lead to (cached with the mask); only the last few dozen picks of a plan
   * that nearly fills the context get a mask computed for their budget.
   */
  allowedTokens(budget = Infinity): Uint8Array {
    this.stats.masks++;
    if (this.ended) return this.noneMask;
    if (this.current === COMPLETE) return this.endMask;
    const bytesAfterToken = budget - 2;
    if (this.slots.size > 0 && this.atToolName()) return this.slotMask(bytesAfterToken);
    const { mask, worstNextBytes } = this.cachedMask();
    if (worstNextBytes <= bytesAfterToken) return mask;
    this.stats.budgetMasks++;
    return computeMaskWithin(this.trie, this.current, bytesAfterToken, this.jumpForward).mask;
  }

  /** At a tool name: the slots whose tool can still be completed within the budget. */
  private slotMask(bytesAfterToken: number): Uint8Array {
    const mask = new Uint8Array(this.trie.vocabSize);
    for (const [id, name] of this.slots) {
      const next = feedBytes(this.current, name);
      if (next && minCompletionBytes(next) <= bytesAfterToken) mask[id] = 1;
    }
    return mask;
  }

  private cachedMask(): CachedMask {
    const state = this.current as StackNode;
    const key = stateKey(state, this.trie.maxTokenBytes);
    const cached = this.cache.get(key);
    if (cached) {
      this.stats.cacheHits++;
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const entry = computeMaskWithin(this.trie, state, Infinity, this.jumpForward);
    this.cache.set(key, entry);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }

  /** The end-of-turn token, allowed once the plan is complete. */
  get endId(): number {
    return this.trie.endId;
  }

  /** True when `tokenId` continues a valid plan from here (a slot only at a tool name). */
  accepts(tokenId: number): boolean {
    if (this.ended || tokenId === this.trie.endId) return !this.ended && this.isComplete();
    const slot = this.slots.get(tokenId);
    if (slot) return this.atToolName() && feedBytes(this.current, slot) !== null;
    const bytes = this.trie.bytesOf(tokenId);
    return bytes !== null && feedBytes(this.current, bytes) !== null;
  }

  /** The listed tool a slot token names, or null for any other token. */
  slotTool(tokenId: number): ToolDescriptor | null {
    const name = this.slots.get(tokenId);
    return name ? this.descriptors.find((d) => d.name === new TextDecoder().decode(name))! : null;
  }

  /** The bytes a token writes into the plan: a slot its tool's name, the end token nothing. */
  tokenBytes(tokenId: number): Uint8Array {
    return this.slots.get(tokenId) ?? this.trie.bytesOf(tokenId) ?? new Uint8Array(0);
  }

  /** Takes a token. A token the mask forbids is a caller bug and throws. */
  advance(tokenId: number): void {
    if (this.ended) throw new Error('the plan has already ended');
    if (tokenId === this.trie.endId) {
      if (!this.isComplete()) throw new Error('the end token is not allowed before the plan is complete');
      this.ended = true;
      return;
    }
    if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= this.trie.vocabSize) throw new Error(`token id ${tokenId} is outside the vocabulary`);
    const slot = this.slots.get(tokenId);
    if (slot && !this.atToolName()) throw new Error(`slot token ${tokenId} only names a tool at the start of a step`);
    const bytes = slot ?? this.trie.bytesOf(tokenId);
    if (!bytes) throw new Error(`token ${tokenId} is a control token and never part of a plan`);
    const next = feedBytes(this.current, bytes);
    if (!next) throw new Error(`token ${tokenId} does not continue a valid plan here`);
    this.current = next;
  }
}

/** The mask of one state (without a budget); with `jumpForward`, no token runs on into forced bytes. */
export function computeMask(trie: TokenTrie, state: StackNode, jumpForward = false): Uint8Array {
  return computeMaskWithin(trie, state, Infinity, jumpForward).mask;
}

/**
 * The tokens after which the plan can still be completed in `maxBytes` bytes, and the worst such cost.
 * Inside a string only the tokens that are not plain string text need the automaton (walking their
 * own trie); the plain ones are allowed by character count alone, and as they only add characters,
 * their cost follows from the state's: it drops by the characters still missing to the minimum.
 */
function computeMaskWithin(trie: TokenTrie, state: StackNode, maxBytes: number, jumpForward: boolean): CachedMask {
  const mask = new Uint8Array(trie.vocabSize);
  let worstNextBytes = 0;
  const allowWithin = (id: number, bytesAfter: number): void => {
    if (bytesAfter > maxBytes) return;
    mask[id] = 1;
    if (bytesAfter > worstNextBytes) worstNextBytes = bytesAfter;
  };
  const mark = (id: number, next: PlanState): void => allowWithin(id, minCompletionBytes(next));
  // With jump-forward a token's bytes after its first must not be forced ones: the decoder writes those.
  const feed = jumpForward ? (s: PlanState, byte: number): PlanState | null => (s !== state && s !== COMPLETE && s.frame.forcedByte() !== null ? null : feedByte(s, byte)) : feedByte;
  const string = state.frame instanceof JsonStringFrame ? state.frame : null;
  const remaining = string ? string.plainRemaining() : null;
  if (!string || remaining === null) {
    trie.all.walk<PlanState>(state, feed, mark);
    return { mask, worstNextBytes };
  }
  const bytesNow = minCompletionBytes(state);
  const missing = string.missingChars();
  const { plainIds, plainChars } = trie;
  if (bytesNow <= maxBytes) {
    // The common case, and every mask without a budget: no plain token can break the budget.
    for (let i = 0; i < plainIds.length && plainChars[i]! <= remaining; i++) mask[plainIds[i]!] = 1;
    worstNextBytes = bytesNow;
  } else {
    for (let i = 0; i < plainIds.length && plainChars[i]! <= remaining; i++) allowWithin(plainIds[i]!, bytesNow - Math.min(plainChars[i]!, missing));
  }
  trie.nonPlain.walk<PlanState>(state, feed, mark);
  return { mask, worstNextBytes };
}
