/**
 * A byte trie over a set of tokens, flattened into typed arrays: children as first-child /
 * next-sibling lists, the token ids ending at node n as ids[idStart[n] .. idStart[n+1]). Node 0 is the root.
 */
export class ByteTrie {
  readonly nodeCount: number;
  readonly firstChild: Int32Array;
  readonly nextSibling: Int32Array;
  readonly edgeByte: Uint8Array;
  readonly idStart: Int32Array;
  readonly ids: Int32Array;

  constructor(tokens: Iterable<{ id: number; bytes: Uint8Array }>) {
    const children: Map<number, number>[] = [new Map()];
    const idsAt: number[][] = [[]];
    for (const { id, bytes } of tokens) {
      let node = 0;
      for (const b of bytes) {
        let child = children[node]!.get(b);
        if (child === undefined) {
          child = children.length;
          children.push(new Map());
          idsAt.push([]);
          children[node]!.set(b, child);
        }
        node = child;
      }
      idsAt[node]!.push(id);
    }
    this.nodeCount = children.length;
    this.firstChild = new Int32Array(this.nodeCount).fill(-1);
    this.nextSibling = new Int32Array(this.nodeCount).fill(-1);
    this.edgeByte = new Uint8Array(this.nodeCount);
    children.forEach((map, node) => {
      // Prepending in descending byte order leaves each sibling list ascending.
      for (const [byte, child] of [...map.entries()].sort((a, b) => b[0] - a[0])) {
        this.edgeByte[child] = byte;
        this.nextSibling[child] = this.firstChild[node]!;
        this.firstChild[node] = child;
      }
    });
    this.idStart = new Int32Array(this.nodeCount + 1);
    idsAt.forEach((ids, node) => (this.idStart[node + 1] = this.idStart[node]! + ids.length));
    this.ids = Int32Array.from(idsAt.flat());
  }

  /**
   * Depth-first walk in lockstep with a byte automaton: `feed` maps (state, byte) to the next state or
   * null, and a rejected edge skips its whole subtree. `mark` receives every token whose bytes are all accepted,
   * with the state after them.
   */
  walk<S>(start: S, feed: (state: S, byte: number) => S | null, mark: (id: number, state: S) => void): void {
    const { firstChild, nextSibling, edgeByte, idStart, ids } = this;
    const visit = (node: number, s: S): void => {
      for (let c = firstChild[node]!; c !== -1; c = nextSibling[c]!) {
        const next = feed(s, edgeByte[c]!);
        if (next === null) continue;
        for (let k = idStart[c]!; k < idStart[c + 1]!; k++) mark(ids[k]!, next);
        visit(c, next);
      }
    };
    visit(0, start);
  }
}
