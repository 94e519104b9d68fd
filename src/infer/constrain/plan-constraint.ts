import type { ToolDescriptor } from '../../data/descriptor.js';
import { COMPLETE, feedByte, feedBytes, initialState, isComplete, minCompletionBytes, stateKey, type PlanState, type StackNode } from './automaton.js';
import { JsonStringFrame } from './json-string.js';
import { PlanGrammar, type PlanGrammarOptions } from './plan-grammar.js';
import type { TokenTrie } from './token-trie.js';

export interface PlanConstraintOptions extends Partial<PlanGrammarOptions> {
  /** Masks kept per constraint, least recently used dropped first. */
  maskCacheSize?: number;
  /**
   * Tool names the tokenizer always encodes as one token (its reserved `Iface.method` atoms), with that
   * token (see singleTokenToolNames). Such a name is then only ever written as its token, as in every
   * tokenized training plan, instead of in any spelling the bytes allow.
   */
  singleTokenTools?: ReadonlyMap<string, number>;
  /** Only plans calling exactly these tools in this order ([]: only a refusal); see PlanGrammar. */
  toolScript?: readonly string[] | null;
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
 * too far from their bound to matter within one token, so repeated states cost a map lookup.
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
  private readonly singleTokenTools: ReadonlyMap<string, number>;
  /** Byte-level masks at the start of a tool name → the same masks with names spelt as the tokenizer does. */
  private readonly toolStartMasks = new Map<Uint8Array, Uint8Array>();
  /** Masks served and how many came from the cache (for benchmarks). */
  readonly stats = { masks: 0, cacheHits: 0, budgetMasks: 0 };

  constructor(
    descriptors: readonly ToolDescriptor[],
    private readonly trie: TokenTrie,
    options: PlanConstraintOptions = {},
  ) {
    const { maskCacheSize, singleTokenTools, toolScript, ...grammarOptions } = options;
    this.grammar = new PlanGrammar(descriptors, grammarOptions, toolScript ?? null);
    this.singleTokenTools = singleTokenTools ?? new Map();
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
   * counts one token per byte. Generation must be able to pick at least this many more.
   */
  minTokensToEnd(): number {
    return this.ended ? 0 : minCompletionBytes(this.current) + 1;
  }

  /** True after the end token was taken: generation is over. */
  isEnded(): boolean {
    return this.ended;
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
    const { mask, worstNextBytes } = this.cachedMask();
    if (worstNextBytes <= bytesAfterToken) return this.spelt(mask);
    this.stats.budgetMasks++;
    return this.spelt(computeMaskWithin(this.trie, this.current, bytesAfterToken).mask);
  }

  /**
   * At the start of a tool name, `mask` without the spellings the tokenizer never produces: a
   * single-token name only as its token, other names in any spelling the bytes allow (any token that
   * is a prefix of such a name and its closing quote). Elsewhere `mask` itself.
   */
  private spelt(mask: Uint8Array): Uint8Array {
    const names = this.grammar.toolNames;
    const top = (this.current as StackNode).frame;
    if (names === null || this.singleTokenTools.size === 0 || !this.grammar.isToolNameStart(top)) return mask;
    const cached = this.toolStartMasks.get(mask);
    if (cached) return cached;
    const spelt = new Uint8Array(mask.length);
    const multiToken: string[] = [];
    for (const option of names.options) {
      const id = this.singleTokenTools.get(option.slice(0, -1));
      if (id === undefined) multiToken.push(option);
      else spelt[id] = mask[id]!;
    }
    if (multiToken.length > 0) {
      const decoder = new TextDecoder();
      mask.forEach((allowed, id) => {
        const bytes = allowed ? this.trie.bytesOf(id) : null;
        if (bytes && multiToken.some((option) => option.startsWith(decoder.decode(bytes)))) spelt[id] = 1;
      });
    }
    this.toolStartMasks.set(mask, spelt);
    return spelt;
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
    const entry = computeMaskWithin(this.trie, state, Infinity);
    this.cache.set(key, entry);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }

  /**
   * An independent copy at the same point of the plan (for beam search). The position is an immutable
   * state that advance() replaces, so a shallow copy suffices; the grammar, the vocabulary and the mask
   * caches stay shared, which is what makes many copies cheap.
   */
  fork(): PlanConstraint {
    return Object.assign(Object.create(PlanConstraint.prototype) as PlanConstraint, this);
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
    const bytes = this.trie.bytesOf(tokenId);
    if (!bytes) throw new Error(`token ${tokenId} is a control token and never part of a plan`);
    const next = feedBytes(this.current, bytes);
    if (!next) throw new Error(`token ${tokenId} does not continue a valid plan here`);
    this.current = next;
  }
}

/** The mask of one state (without a budget). */
export function computeMask(trie: TokenTrie, state: StackNode): Uint8Array {
  return computeMaskWithin(trie, state, Infinity).mask;
}

/**
 * The tokens after which the plan can still be completed in `maxBytes` bytes, and the worst such cost.
 * Inside a string only the tokens that are not plain string text need the automaton (walking their
 * own trie); the plain ones are allowed by character count alone, and as they only add characters,
 * their cost follows from the state's: it drops by the characters still missing to the minimum.
 */
function computeMaskWithin(trie: TokenTrie, state: StackNode, maxBytes: number): CachedMask {
  const mask = new Uint8Array(trie.vocabSize);
  let worstNextBytes = 0;
  const allowWithin = (id: number, bytesAfter: number): void => {
    if (bytesAfter > maxBytes) return;
    mask[id] = 1;
    if (bytesAfter > worstNextBytes) worstNextBytes = bytesAfter;
  };
  const mark = (id: number, next: PlanState): void => allowWithin(id, minCompletionBytes(next));
  const string = state.frame instanceof JsonStringFrame ? state.frame : null;
  const remaining = string ? string.plainRemaining() : null;
  if (!string || remaining === null) {
    trie.all.walk<PlanState>(state, feedByte, mark);
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
  trie.nonPlain.walk<PlanState>(state, feedByte, mark);
  return { mask, worstNextBytes };
}

/**
 * The tool names among `names` that `encode` writes as one token inside a plan (checked in the
 * canonical context `{"tool":"<name>"`, so a token merging the name with a quote does not count).
 */
export function singleTokenToolNames(
  names: readonly string[],
  encode: (text: string) => ArrayLike<number>,
  tokenBytes: (id: number) => Uint8Array | null,
): Map<string, number> {
  const out = new Map<string, number>();
  const decoder = new TextDecoder();
  for (const name of names) {
    const ids = Array.from(encode(`{"tool":"${name}"`));
    const id = ids.find((t) => {
      const bytes = tokenBytes(t);
      return bytes !== null && decoder.decode(bytes) === name;
    });
    if (id !== undefined) out.set(name, id);
  }
  return out;
}
