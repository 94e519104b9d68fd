/**
 * The flattened positions (row·T + t) of a batch whose target is not ignored (≥ 0), for Gpt.loss's
 * `supervised` argument; null when gathering would not pay: every target counts (pretraining) or none
 * does (the masked path then returns 0 without an empty matmul).
 */
export function supervisedPositions(targets: Int32Array): Int32Array | null {
  const kept = countedTargets(targets);
  return kept === 0 || kept === targets.length ? null : countedPositions(targets, kept);
}

/** How many of a batch's targets count (≥ 0; ignored ones are negative). */
export function countedTargets(targets: Int32Array): number {
  let kept = 0;
  for (const t of targets) if (t >= 0) kept++;
  return kept;
}

/** The flattened positions of every target that counts, however many do. */
export function countedPositions(targets: Int32Array, kept = countedTargets(targets)): Int32Array {
  const positions = new Int32Array(kept);
  let j = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i]! >= 0) positions[j++] = i;
  return positions;
}
