/**
 * Applies a token mask to one row of logits before sampling: every forbidden id becomes -Infinity,
 * so softmax gives it probability 0 and argmax never picks it. The model's logits may be longer than
 * the mask (vocabulary padded to a multiple of 64): padding ids are forbidden too.
 */
export function maskLogits(logits: Float32Array, mask: Uint8Array): void {
  const n = Math.min(logits.length, mask.length);
  for (let i = 0; i < n; i++) if (mask[i] === 0) logits[i] = -Infinity;
  logits.fill(-Infinity, n);
}
