/**
 * The pre-tokenization split pattern, in two spellings that must split every text identically.
 *
 * RUNTIME_SPLIT_PATTERN is nanochat's pattern (DESIGN.md) exactly as the runtime encoder receives it:
 * tiktoken compiles it with Rust fancy-regex, which supports `(?i:…)` and possessive quantifiers.
 *
 * TRAINING_SPLIT_REGEX is the same language for JavaScript (Node 20 has neither inline modifiers nor
 * possessive quantifiers). Each rewrite is exact, not an approximation:
 *
 * 1. `'(?i:[sdmt]|ll|ve|re)` → explicit case classes. Rust regex folds case with Unicode simple case
 *    folding, under which `s` also matches U+017F (ſ, LATIN SMALL LETTER LONG S); no other letter of
 *    the group has a third fold. The exact fold sets are asserted in test/tokenizer-pattern.test.ts by
 *    comparing against JS `/iu` (also simple case folding) over every code point.
 * 2. `[^\r\n\p{L}\p{N}]?+\p{L}+` → `?` without `+`. Possessiveness only matters if the engine would
 *    backtrack into the optional char after \p{L}+ failed; giving that char back leaves \p{L}+ to start
 *    on a char the class excludes from \p{L}, which fails too. Same matches either way.
 * 3. ` ?[^\s\p{L}\p{N}]++[\r\n]*` → `+` without the second `+`. What follows (`[\r\n]*`) can match the
 *    empty string, so the continuation never fails and the engine never backtracks into the run.
 * 4. `\s` / `\S` → `\p{White_Space}` / `\P{White_Space}`. Rust's Unicode `\s` is the White_Space
 *    property; JS `\s` differs from it in exactly two code points (it adds U+FEFF, lacks U+0085).
 *
 * Alternation is leftmost-first in both engines, so the alternatives keep their order.
 */
export const RUNTIME_SPLIT_PATTERN =
  "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,2}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";

const WS = '\\p{White_Space}';
const NOT_WS = '\\P{White_Space}';

export const TRAINING_SPLIT_SOURCE =
  "'(?:[sdmtSDMT\\u017F]|[lL][lL]|[vV][eE]|[rR][eE])" +
  '|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+' +
  '|\\p{N}{1,2}' +
  `| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*` +
  `|${WS}*[\\r\\n]` +
  `|${WS}+(?!${NOT_WS})` +
  `|${WS}+`;

/** A fresh global regex (callers iterate with lastIndex, so each gets its own instance). */
export function trainingSplitRegex(): RegExp {
  return new RegExp(TRAINING_SPLIT_SOURCE, 'gu');
}

/** Splits text into the pre-tokenized chunks BPE operates within. Their concatenation is `text`. */
export function splitChunks(text: string): string[] {
  return text.match(trainingSplitRegex()) ?? [];
}
