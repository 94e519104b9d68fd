import * as tf from '@tensorflow/tfjs';
import { renderExample, type TemplateTokenizer } from '../infer/chat-template.js';
import { slotIds } from '../infer/plan-turn.js';
import type { Gpt } from '../model/gpt.js';
import type { PlanLine } from '../sft/examples.js';
import { fieldOfSpan, planFieldOfBytes, PLAN_FIELDS, type PlanField } from './plan-fields.js';

export interface FieldLoss {
  /** Target tokens counted for the field. */
  tokens: number;
  /** Their summed cross-entropy, in nats. */
  nats: number;
}

export interface PlanLossReport {
  examples: number;
  /** Examples longer than the model's context, left out. */
  skipped: number;
  fields: Record<PlanField, FieldLoss>;
}

export interface PlanLossTokenizer extends TemplateTokenizer {
  tokenBytes(id: number): Uint8Array;
}

/**
 * Teacher-forced loss of the target plans, split by plan field (plan-fields.ts): where a checkpoint's
 * plan loss comes from, e.g. whether an unseen tool fails at its name, its arguments or its rationale.
 * Each example runs as one sequence with the SFT chat template; the targets are the model's choices in
 * the plan (plan-turn.ts), each scored over the tokens SFT's softmax ranges over there (a tool among the
 * listed slots, …; see sft/examples.ts), exactly as SFT trains. A slot token counts as the tool name.
 */
export async function planFieldLosses(model: Gpt, tok: PlanLossTokenizer, lines: readonly PlanLine[], source: string): Promise<PlanLossReport> {
  const fields = Object.fromEntries(PLAN_FIELDS.map((f) => [f, { tokens: 0, nats: 0 }])) as Record<PlanField, FieldLoss>;
  let skipped = 0;
  const slots = new Map(slotIds(tok).map((id, k) => [id, k]));
  for (const [i, line] of lines.entries()) {
    const { tokens, lossMask, promptLength, choiceSets } = renderExample(tok, line.tools, line.goal, line.plan);
    if (tokens.length - 1 > model.seqLen) {
      skipped += 1;
      continue;
    }
    const byteFields = planFieldOfBytes(Buffer.from(line.plan, 'utf8'), `${source}: example ${i + 1}`);
    const logits = model.logits(tf.tensor2d(tokens.slice(0, -1), [1, tokens.length - 1], 'int32'));
    const all = (await logits.data()) as Float32Array;
    logits.dispose();
    const vocab = all.length / (tokens.length - 1);
    // Nats of target t (predicted at t − 1) over its choice set, or over every token but the slots.
    const nats = (t: number): number => {
      const row = all.subarray((t - 1) * vocab, t * vocab);
      const set = choiceSets[t];
      let max = -Infinity;
      const allowed = (id: number) => (set ? set.includes(id) : !slots.has(id));
      row.forEach((z, id) => allowed(id) && z > max && (max = z));
      let sum = 0;
      row.forEach((z, id) => allowed(id) && (sum += Math.exp(z - max)));
      return Math.log(sum) + max - row[tokens[t]!]!;
    };
    // The plan's bytes are the concatenated bytes of its tokens (a slot: its tool's name), in order; then comes the end token.
    const end = tokens.length - 1;
    let offset = 0;
    for (let t = promptLength; t <= end; t++) {
      const slot = slots.get(tokens[t]!);
      const width = t === end ? 0 : slot !== undefined ? Buffer.byteLength(line.tools[slot]!.name) : tok.tokenBytes(tokens[t]!).length;
      const field = t < end ? fieldOfSpan(byteFields, offset, offset + width) : 'structure';
      offset += width;
      if (!lossMask[t]) continue;
      fields[field].tokens += 1;
      fields[field].nats += nats(t);
    }
  }
  return { examples: lines.length - skipped, skipped, fields };
}
