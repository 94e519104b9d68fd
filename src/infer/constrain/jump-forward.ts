import { COMPLETE, feedByte, feedBytes, type PlanState } from './automaton.js';
import { FixedTextFrame } from './fixed-text.js';
import type { Frame } from './frame.js';
import type { PlanGrammar } from './plan-grammar.js';
import { SeqFrame } from './sequence.js';

/**
 * Jump-forward: the parts of a plan that the grammar alone decides (structure, keys, a value's opening
 * quote, the decoder's own texts) are appended without asking the model, and the model is asked only
 * where it has a choice. Training tokenizes plans the same way (plan-turn.ts), so the model never
 * learns to predict what it is never asked.
 *
 * A forced run is returned as pieces, each encoded on its own: the run of forced structural bytes, and
 * each FixedText whole (its completion cost is its own token count, see FixedText).
 */
export interface ForcedRun {
  pieces: Uint8Array[];
  /** The state after the whole run. */
  state: PlanState;
}

/** The frame the next byte goes to: a sequence about to start a child hands the byte to it. */
function incomingFrame(frame: Frame): Frame {
  let f = frame;
  while (f instanceof SeqFrame) {
    const child = f.incoming();
    if (child === f) break;
    f = child;
  }
  return f;
}

/** True where the model chooses the next token: not complete, not forced. A tool name start is a choice (its slot). */
export function isChoice(grammar: PlanGrammar, state: PlanState): boolean {
  return state !== COMPLETE && (grammar.isToolNameStart(state.frame) || state.frame.forcedByte() === null);
}

/** Everything forced from `state` on, up to the next choice or the end of the plan. */
export function forcedRun(grammar: PlanGrammar, state: PlanState): ForcedRun {
  const pieces: Uint8Array[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length > 0) pieces.push(Uint8Array.from(run));
    run = [];
  };
  let s = state;
  while (!isChoice(grammar, s) && s !== COMPLETE) {
    const incoming = incomingFrame(s.frame);
    if (incoming instanceof FixedTextFrame && incoming.atStart) {
      flush();
      pieces.push(incoming.fixed.bytes);
      s = feedBytes(s, incoming.fixed.bytes)!;
      continue;
    }
    const b = s.frame.forcedByte()!;
    run.push(b);
    s = feedByte(s, b)!;
  }
  flush();
  return { pieces, state: s };
}
