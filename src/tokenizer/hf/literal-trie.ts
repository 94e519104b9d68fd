/** A literal as an Oniguruma pattern (the regex engine of Hugging Face `tokenizers`). */
export function escapeOnig(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

interface Node {
  children: Map<string, Node>;
  /** Pattern that must follow where a literal ends here; undefined when none ends here. */
  end: string | undefined;
}

/**
 * One Oniguruma alternation of many literals, factored by common prefix so that matching costs a
 * character comparison per step instead of one attempt per literal. Where a literal ends, its `end`
 * pattern (e.g. a boundary look-ahead) must match next; longer literals are tried before shorter ones
 * with the same prefix, so a consuming match is the longest literal whose `end` holds.
 */
export function literalAlternation(literals: ReadonlyArray<{ text: string; end: string }>): string {
  const root: Node = { children: new Map(), end: undefined };
  for (const { text, end } of literals) {
    let node = root;
    for (const ch of text) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, (next = { children: new Map(), end: undefined }));
      node = next;
    }
    node.end = end;
  }
  const emit = (node: Node): string => {
    const branches = [...node.children].map(([ch, child]) => escapeOnig(ch) + emit(child));
    if (node.end !== undefined) branches.push(node.end);
    return branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
  };
  return emit(root);
}
