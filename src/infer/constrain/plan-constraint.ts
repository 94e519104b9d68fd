import type { ToolDescriptor } from '../../data/descriptor.js';
import { COMPLETE, feedByte, feedBytes, initialState, isComplete, stateKey, type PlanState, type StackNode } from './automaton.js';
import { JsonStringFrame } from './json-string.js';
import { PlanGrammar, type PlanGrammarOptions } from './plan-grammar.js';
import type { TokenTrie } from './token-trie.js';

export interface PlanConstraintOptions extends Partial<PlanGrammarOptions> {
  /** Masks kept per constraint, least recently used dropped first. */
  maskCacheSize?: number;
}

const DEFAULT_MASK_CACHE_SIZE = 256;

/**
 * Schema-constrained decoding for one plan: which tokens keep the output a valid prefix of an
 * ActionPlan for the given descriptors, and the end token once the plan is complete.
 *
 * A mask is computed by walking the token trie and the automaton together: each trie edge feeds one
 * byte to the (immutable) state of its parent, and a subtree is skipped as soon as its prefix is
 * rejected, so most tokens cost nothing; inside a string, tokens of plain text are allowed by their
 * character count alone (see computeMask). Masks are cached by the state key, which ignores counters
 * too far from their bound to matter within one token, so repeated states cost a map lookup.
 */
export class PlanConstraint {
  readonly grammar: PlanGrammar;
  private current: PlanState;
  private ended = false;
  private readonly cache = new Map<string, Uint8Array>();
  private readonly cacheSize: number;
  private readonly endMask: Uint8Array;
  private readonly noneMask: Uint8Array;
  /** Masks served and how many came from the cache (for benchmarks). */
  readonly stats = { masks: 0, cacheHits: 0 };

  constructor(
    descriptors: readonly ToolDescriptor[],
    private readonly trie: TokenTrie,
    options: PlanConstraintOptions = {},
  ) {
    const { maskCacheSize, ...grammarOptions } = options;
    this.grammar = new PlanGrammar(descriptors, grammarOptions);
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

  /** True after the end token was taken: generation is over. */
  isEnded(): boolean {
    return this.ended;
  }

  /**
   * Mask over the vocabulary, 1 = allowed. Shared with the cache: read it, never write to it. Never all
   * zero before the end (the automaton only accepts completable prefixes and a byte-level vocabulary
   * has every single byte), except when the vocabulary lacks a byte the plan needs.
   */
  allowedTokens(): Uint8Array {
    this.stats.masks++;
    if (this.ended) return this.noneMask;
    if (this.current === COMPLETE) return this.endMask;
    const key = stateKey(this.current, this.trie.maxTokenBytes);
    const cached = this.cache.get(key);
    if (cached) {
      this.stats.cacheHits++;
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const mask = computeMask(this.trie, this.current);
    this.cache.set(key, mask);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return mask;
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

/**
 * The mask of one state. Inside a string only the tokens that are not plain string text need the
 * automaton (walking their own trie); the plain ones are allowed by character count alone.
 */
export function computeMask(trie: TokenTrie, state: StackNode): Uint8Array {
  const mask = new Uint8Array(trie.vocabSize);
  const mark = (id: number): void => {
    mask[id] = 1;
  };
  const remaining = state.frame instanceof JsonStringFrame ? state.frame.plainRemaining() : null;
  if (remaining === null) {
    trie.all.walk<PlanState>(state, feedByte, mark);
    return mask;
  }
  const { plainIds, plainChars } = trie;
  for (let i = 0; i < plainIds.length && plainChars[i]! <= remaining; i++) mask[plainIds[i]!] = 1;
  trie.nonPlain.walk<PlanState>(state, feedByte, mark);
  return mask;
}
