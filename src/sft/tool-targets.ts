import type { TemplateTokenizer } from '../infer/chat-template.js';

/**
 * Which tokens the SFT loss's softmax ranges over at each target, so training sees the choice the
 * constrained decoder makes (infer/constrain): a tool name is picked among the listed tools only, and
 * nowhere else in a plan does a tool-name token compete. Without this, every SFT step pushes the lm_head
 * column of each tool absent from the train split (val_unseen's interfaces) further down.
 *
 * Per-token classes of an example (aligned with its tokens, like the loss mask):
 */
export const TARGET_CLASS = {
  /** The whole vocabulary (prompt tokens, and a tool-name atom written inside a value). */
  any: 0,
  /** Everything but tool-name tokens. */
  noTools: 1,
  /** Only the example's listed tools. */
  listed: 2,
} as const;

/**
 * Class of every token of a rendered example: `listed` for a tool-name atom of a listed tool inside the
 * plan (the tool a step calls), `noTools` for every other plan token, `any` for the prompt.
 */
export function targetClasses(
  tokens: readonly number[],
  lossMask: Uint8Array,
  listedTools: ReadonlySet<number>,
  toolTokens: ReadonlySet<number>,
): Uint8Array {
  const classes = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    if (!lossMask[i]) continue;
    const t = tokens[i]!;
    classes[i] = listedTools.has(t) ? TARGET_CLASS.listed : toolTokens.has(t) ? TARGET_CLASS.any : TARGET_CLASS.noTools;
  }
  return classes;
}

/** Token ids of the listed tools whose names are one token (the tokenizer's reserved `Iface.method` atoms). */
export function listedToolTokens(tok: TemplateTokenizer, names: readonly string[], toolTokens: ReadonlySet<number>): Int32Array {
  const ids: number[] = [];
  for (const name of names) {
    const encoded = tok.encode(name);
    if (encoded.length === 1 && toolTokens.has(encoded[0]!)) ids.push(encoded[0]!);
  }
  return Int32Array.from(new Set(ids)).sort();
}
