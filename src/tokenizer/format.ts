import { UserError } from '../errors.js';
import { z } from 'zod';
import { ATOM_GROUPS } from './reserved.js';

/** File names inside a tokenizer directory. */
export const RANKS_FILE = 'capos.tiktoken';
export const TOKENIZER_FILE = 'tokenizer.json';
export const MANIFEST_FILE = 'manifest.json';

/**
 * tokenizer/tokenizer.json. Id layout: 0..255 the byte tokens (id = byte value), then one id per
 * learned merge in training order (these 256 + merges tokens are `capos.tiktoken`, the tiktoken
 * mergeable ranks), then the reserved domain atoms, then the control tokens. Nothing time- or
 * machine-dependent lives here, so training twice on the same inputs gives identical bytes.
 */
export const tokenizerFileSchema = z
  .object({
    format: z.literal('capplan-tokenizer'),
    version: z.literal(1),
    /** The split pattern the runtime encoder (tiktoken, Rust fancy-regex) uses. */
    pattern: z.string().min(1),
    ranks_file: z.literal(RANKS_FILE),
    vocab_size: z.number().int().positive(),
    merges: z.number().int().nonnegative(),
    reserved_atoms: z.array(
      z
        .object({
          id: z.number().int().nonnegative(),
          text: z.string().min(1),
          group: z.enum(ATOM_GROUPS),
          boundary_start: z.boolean(),
          boundary_end: z.boolean(),
        })
        .strict(),
    ),
    special_tokens: z.record(z.string(), z.number().int().nonnegative()),
    training_inputs: z
      .object({
        sha256: z.string(),
        source: z.string(),
        files: z.array(z.object({ path: z.string(), sha256: z.string() }).strict()),
      })
      .strict(),
  })
  .strict();

export type TokenizerFile = z.output<typeof tokenizerFileSchema>;

/** tiktoken's rank file: one "base64(token bytes) rank" line per mergeable token. */
export function formatRanks(tokenBytes: readonly Uint8Array[]): string {
  return tokenBytes.map((bytes, rank) => `${Buffer.from(bytes).toString('base64')} ${rank}\n`).join('');
}

/** Parses a rank file back into token bytes by rank; ranks must be exactly 0..n-1. */
export function parseRanks(text: string, source: string): Uint8Array[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    const m = /^([A-Za-z0-9+/=]+) (\d+)$/.exec(line);
    if (!m || Number(m[2]) !== i) throw new UserError(`${source}:${i + 1}: expected "<base64> ${i}"`);
    return new Uint8Array(Buffer.from(m[1]!, 'base64'));
  });
}
