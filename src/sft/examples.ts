import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseWith } from '../config/load.js';
import { parseDescriptors, type ToolDescriptor } from '../data/descriptor.js';
import { UserError } from '../errors.js';
import { renderExample, type TemplateTokenizer } from '../infer/chat-template.js';
import { toTokenArray, type TokenArray } from '../train/token-source.js';
import { RESTRICT } from '../train/target-restriction.js';

/** The fields of a plan-set line SFT trains on (the probe fields `id` and `expect` are the evaluator's). */
export interface PlanLine {
  tools: ToolDescriptor[];
  goal: string;
  plan: string;
}

const planLineSchema = z.looseObject({ tools: z.array(z.unknown()), goal: z.string().min(1), plan: z.string().min(1) });

/** Reads the first `limit` lines of a plan-set split, each validated with errors naming file and line. */
export function readPlanLines(path: string, limit = Infinity): PlanLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${path}: cannot read plan split`);
  }
  const out: PlanLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && out.length < limit; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const where = `${path}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new UserError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    const line = parseWith(planLineSchema, value, where);
    out.push({ tools: parseDescriptors(line.tools, `${where}: tools`), goal: line.goal, plan: line.plan });
  }
  if (out.length === 0) throw new UserError(`${path}: the plan split has no examples`);
  return out;
}

/**
 * One tokenized SFT example; `mask[i]` is 1 where token i is a loss target (a choice of the model).
 * `restriction` says, per token, which tokens the loss's softmax ranges over when it is a target: its
 * small choice set (RESTRICT.firstSet + index into `sets`), or every token but the tool slots, which the
 * model only ever picks where a step names its tool. So training asks each choice the way the decoder
 * does: a tool among the listed slots, plan-or-refuse between its two bytes, and so on.
 */
export interface SftExample {
  tokens: TokenArray;
  mask: Uint8Array;
  restriction: { codes: Uint8Array; sets: Int32Array[] };
}

export interface RenderedExamples {
  examples: SftExample[];
  /** How many examples were longer than `maxTokens` and lost their tail. */
  cropped: number;
}

/**
 * Renders plan lines with the chat template. An example longer than `maxTokens` (one row of seq_len + 1
 * tokens) is cropped to it: packing places whole examples only, so a longer one could never be placed.
 */
export function renderExamples(tok: TemplateTokenizer, vocabSize: number, lines: readonly PlanLine[], maxTokens: number): RenderedExamples {
  let cropped = 0;
  const examples = lines.map((line): SftExample => {
    const { tokens, lossMask, choiceSets } = renderExample(tok, line.tools, line.goal, line.plan);
    const keep = Math.min(tokens.length, maxTokens);
    if (keep < tokens.length) cropped += 1;
    const sets: Int32Array[] = [];
    const codes = Uint8Array.from(choiceSets.slice(0, keep), (set) => {
      if (set === null) return RESTRICT.notExcluded;
      sets.push(set);
      return RESTRICT.firstSet + sets.length - 1;
    });
    return { tokens: toTokenArray(tokens.slice(0, keep), vocabSize), mask: lossMask.slice(0, keep), restriction: { codes, sets } };
  });
  return { examples, cropped };
}
