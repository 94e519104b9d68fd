import { CONTROL } from '../src/infer/chat-template.js';
import type { PlanLine } from '../src/sft/examples.js';
import type { SftTokenizer } from '../src/sft/run.js';
import { TOOL_SLOT_COUNT, toolSlotName } from '../src/tokenizer/reserved.js';

const CONTROL_NAMES: readonly string[] = [...Object.values(CONTROL), ...Array.from({ length: TOOL_SLOT_COUNT }, (_, k) => toolSlotName(k))];
const CONTROL_IDS = new Map(CONTROL_NAMES.map((name, i) => [name, 256 + i] as const));

/**
 * A byte-level stand-in tokenizer with the chat template's control tokens and tool slots: ids 0–255 are
 * bytes, 256… the control tokens (no bytes). The model pads the vocabulary to 320, so tiny models train fast.
 */
export function chatByteTokenizer(sha256 = 'chat-byte-tokenizer'): SftTokenizer {
  return {
    vocabSize: 256 + CONTROL_IDS.size,
    encode: (text) => Array.from(Buffer.from(text, 'utf8')),
    decode: (ids) => Buffer.from(ids.filter((i) => i < 256)).toString('utf8'),
    decodeBytes: (ids) => Uint8Array.from(Array.from(ids).filter((i) => i < 256)),
    tokenBytes: (id) => (id < 256 ? Uint8Array.of(id) : new Uint8Array(0)),
    isSpecial: (id) => id >= 256,
    specialId: (name) => {
      const id = CONTROL_IDS.get(name);
      if (id === undefined) throw new Error(`no special token ${name}`);
      return id;
    },
    sha256,
  };
}

/** Short plan lines (≈ 130 byte tokens each): one tool, a number the plan must copy from the goal. */
export function tinyPlanLines(count: number, offset = 0): PlanLine[] {
  return Array.from({ length: count }, (_, i) => {
    const n = (offset + i) * 7 % 100;
    return {
      tools: [{ name: 'F.s', description: 'S.', params: { r: { type: 'UInt8' } } }],
      goal: `f ${n}`,
      plan: `{"steps":[{"tool":"F.s","args":{"r":${n}},"rationale":"S."}]}`,
    };
  });
}
