import { serializeDescriptor, type ToolDescriptor } from '../data/descriptor.js';

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
 * `<|bos|><|user_start|><|tools_start|>` descriptors, one compact JSON per line `<|tools_end|>` goal
 * `<|user_end|><|assistant_start|>`: everything the planner sees before it writes the plan. Shared by
 * SFT and inference so both see the same token sequence.
 */
export function renderPrompt(tok: TemplateTokenizer, descriptors: readonly ToolDescriptor[], goal: string): number[] {
  const id = (name: string) => tok.specialId(name);
  return [
    id(CONTROL.bos),
    id(CONTROL.userStart),
    id(CONTROL.toolsStart),
    ...tok.encode(descriptors.map(serializeDescriptor).join('\n')),
    id(CONTROL.toolsEnd),
    ...tok.encode(goal),
    id(CONTROL.userEnd),
    id(CONTROL.assistantStart),
  ];
}

/**
 * A whole SFT example: the prompt, the plan text and `<|assistant_end|>`. `lossMask[i]` is 1 where
 * tokens[i] is a target the loss counts (predicted from position i − 1): the plan and the end token
 * only, never the prompt.
 */
export function renderExample(
  tok: TemplateTokenizer,
  descriptors: readonly ToolDescriptor[],
  goal: string,
  planText: string,
): { tokens: number[]; lossMask: Uint8Array } {
  const prompt = renderPrompt(tok, descriptors, goal);
  const tokens = [...prompt, ...tok.encode(planText), tok.specialId(CONTROL.assistantEnd)];
  const lossMask = new Uint8Array(tokens.length);
  lossMask.fill(1, prompt.length);
  return { tokens, lossMask };
}
