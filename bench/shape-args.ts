import { parseArgs } from 'node:util';

/**
 * The flags the one-step benchmarks share: --backend and the model shape (--depth --vocab --seq --batch,
 * d2's bench shape by default), plus the script's own numeric flags `extra` (name → default).
 */
export function shapeArgs<K extends string>(extra: Record<K, string>): {
  backend: string;
  depth: number;
  vocab: number;
  seq: number;
  batch: number;
  extra: Record<K, number>;
} {
  const numeric = { depth: '2', vocab: '4096', seq: '128', batch: '8', ...extra } as Record<string, string>;
  const options = Object.fromEntries([['backend', 'wasm'], ...Object.entries(numeric)].map(([name, d]) => [name, { type: 'string' as const, default: d }]));
  const { values } = parseArgs({ options });
  const number = (name: string) => Number(values[name]);
  return {
    backend: String(values.backend),
    depth: number('depth'),
    vocab: number('vocab'),
    seq: number('seq'),
    batch: number('batch'),
    extra: Object.fromEntries(Object.keys(extra).map((name) => [name, number(name)])) as Record<K, number>,
  };
}
