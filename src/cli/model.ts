import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { modelDims } from '../model/dims.js';
import { paramCount, paramCountByGroup } from '../model/params.js';

/** nanochat's default vocabulary (2^16), used when --vocab is not given. */
export const DEFAULT_INFO_VOCAB = 65536;

function positiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`${flag} must be a positive integer, got '${value}'`);
  }
  return n;
}

/** The `model info` report: dims and parameter counts, computed without allocating any weights. */
export function modelInfo(depth: number, vocab: number): Record<string, number> {
  const dims = modelDims(depth, vocab);
  const groups = paramCountByGroup(dims);
  return {
    depth: dims.depth,
    d_model: dims.dModel,
    n_head: dims.nHead,
    n_kv_head: dims.nKvHead,
    head_dim: dims.headDim,
    mlp_dim: dims.mlpDim,
    vocab_size: dims.vocabSize,
    params: paramCount(dims),
    params_embedding: groups.embedding,
    params_lm_head: groups.unembedding,
    params_blocks: groups.matrix,
  };
}

function formatInfo(info: Record<string, number>): string {
  const width = Math.max(...Object.keys(info).map((k) => k.length));
  return Object.entries(info)
    .map(([key, value]) => `${key.padEnd(width)}  ${value.toLocaleString('en-US')}`)
    .join('\n');
}

export function registerModelCommands(group: Command): void {
  group
    .command('info')
    .description('print the dims and parameter count (2·V·d + 12·d²·L) of a depth, without allocating weights')
    .requiredOption('--depth <n>', 'number of transformer blocks (the one dial)')
    .option('--vocab <v>', `vocabulary size, padded up to a multiple of 64`, String(DEFAULT_INFO_VOCAB))
    .option('--json', 'print one JSON object instead of a table')
    .action((opts: { depth: string; vocab: string; json?: boolean }) => {
      const info = modelInfo(positiveInteger('--depth', opts.depth), positiveInteger('--vocab', opts.vocab));
      process.stdout.write(opts.json ? `${JSON.stringify(info)}\n` : `${formatInfo(info)}\n`);
    });
}
