import { serializeDescriptor, type ToolDescriptor } from '../data/descriptor.js';
import { encodePlanTurn, slotIds } from './plan-turn.js';

/** The chat template's control tokens (DESIGN.md, ActionPlan and tool descriptors). */
export const CONTROL = {
  bos: '<|bos|>',
  userStart: '<|user_start|>',
  userEnd: '<|user_end|>',
  assistantStart: '<|assistant_start|>',
  assistantEnd: '<|assistant_end|>',
  toolsStart: '<|tools_start|>',
  toolsEnd: '<|tools_end|>',
} as const;

/** What the template needs of a tokenizer (CapTokenizer fits). */
export interface TemplateTokenizer {
  encode(text: string): number[];
  specialId(name: string): number;
}

/**
 * `<|bos|><|user_start|><|tools_start|>` descriptors, one compact JSON per line, each after its slot
 * `<|tool_k|>`, `<|tools_end|>` goal `<|user_end|><|assistant_start|>`: everything the planner sees
 * before it writes the plan. Shared by SFT and inference so both see the same token sequence. The slot
 * before a descriptor is the token the planner emits to call that tool (plan-turn.ts).
 */
export function renderPrompt(tok: TemplateTokenizer, descriptors: readonly ToolDescriptor[], goal: string): number[] {
  const id = (name: string) => tok.specialId(name);
  const slots = slotIds(tok);
  const newline = tok.encode('\n');
  return [
    id(CONTROL.bos),
    id(CONTROL.userStart),
    id(CONTROL.toolsStart),
    ...descriptors.flatMap((d, k) => [...(k > 0 ? newline : []), slots[k]!, ...tok.encode(serializeDescriptor(d))]),
    id(CONTROL.toolsEnd),
    ...tok.encode(goal),
    id(CONTROL.userEnd),
    id(CONTROL.assistantStart),
  ];
}

/**
 * A whole SFT example: the prompt, the plan as the planner writes it (plan-turn.ts) and
 * `<|assistant_end|>`. `lossMask[i]` is 1 where tokens[i] is a target the loss counts (predicted from
 * position i − 1): the model's choices in the plan only, never the prompt or what the decoder writes.
 */
export function renderExample(
  tok: TemplateTokenizer,
  descriptors: readonly ToolDescriptor[],
  goal: string,
  planText: string,
): { tokens: number[]; lossMask: Uint8Array; promptLength: number; choiceSets: (Int32Array | null)[] } {
  const prompt = renderPrompt(tok, descriptors, goal);
  const turn = encodePlanTurn(tok, descriptors, planText);
  const tokens = [...prompt, ...turn.tokens, tok.specialId(CONTROL.assistantEnd)];
  const lossMask = new Uint8Array(tokens.length);
  lossMask.set(turn.chosen, prompt.length);
  const choiceSets = [...prompt.map(() => null), ...turn.choiceSets, null];
  return { tokens, lossMask, promptLength: prompt.length, choiceSets };
}
