import { sha256Hex } from '../../util/hash.js';

/**
 * The generator must never emit an evaluation goal verbatim. Evaluation goals are kept here only as
 * sha256 of their normalised text, so the generator neither depends on the probe file at run time nor
 * carries its wording. test/plans-contamination.test.ts checks this list against ../shared/probe/dev.jsonl.
 */
export const PROBE_GOAL_HASHES: ReadonlySet<string> = new Set([
  'fa98a6aad58d3c50d4f9bc4fe994ab085ab7c389390397f883a4e48e6a5be79d',
  '5613d85c80ab76a3433cf02a7fef81a905de628bf166d2daabbbfa15f1acda9d',
  '082242c8319165dc5a5d3ecf4e04e504a5fef312f584fa07b190bcec902ae933',
  'd5ec1e0d33d10238dac1f97f3b9070b33af268de38ba94f5d24a20f11582111e',
  '1803196cf5876c708a221a94ee595187c7236a422570824e4df76434bd04b916',
  '64f7ec52c0cadf177dd2092e7353c52b1fceadd9fd73fd9da937419667ff3e1b',
  '4e4319dd8ecf19a09ae67592b3c4eb0fdd1063257a973189bf03ed49a6ecff98',
  '2be0c32b4c40cce2e1043efc7f4ea2fcfbd67ceb1c7bbd67b80edf400660f850',
]);

/** Lower case, every run of non-alphanumerics one space: "Say hello, please!" and "say hello please" match. */
export function normalizeGoal(goal: string): string {
  return goal.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

export function isProbeGoal(goal: string): boolean {
  return PROBE_GOAL_HASHES.has(sha256Hex(normalizeGoal(goal)));
}
