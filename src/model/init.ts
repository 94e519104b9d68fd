/**
 * Deterministic weight initialisation. Values come from a seeded JS PRNG (not tf.random*), so a seed gives
 * bit-identical weights on every backend and every run; each parameter draws from its own stream derived
 * from (seed, parameter name), so adding a layer does not shift the values of the others.
 */
import { Prng } from '../util/prng.js';

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`: a 32-bit stream id. */
function streamSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export type InitSpec =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'zeros' };

/** Fills a Float32Array of `size` values for parameter `name` according to `spec`. */
export function initValues(seed: number, name: string, size: number, spec: InitSpec): Float32Array {
  const out = new Float32Array(size);
  if (spec.kind === 'zeros') return out;
  const rng = new Prng(streamSeed(seed, name));
  const next = () => rng.next();
  if (spec.kind === 'uniform') {
    for (let i = 0; i < size; i++) out[i] = (2 * next() - 1) * spec.bound;
    return out;
  }
  // Box–Muller, both outputs used; 1 - u keeps the log argument in (0, 1].
  for (let i = 0; i < size; i += 2) {
    const radius = spec.std * Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < size) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}
