import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { DEFAULT_TOKENIZER_CONFIG, loadTokenizerConfig } from '../tokenizer/config.js';
import { DEFAULT_TOKENIZER_DIR, loadTokenizer } from '../tokenizer/tokenizer.js';
import { trainTokenizer } from '../tokenizer/train-tokenizer.js';
import { exportHfTokenizer } from '../tokenizer/hf/export.js';

function parseIds(args: string[]): number[] {
  return args
    .flatMap((a) => a.split(/[\s,]+/))
    .filter((a) => a !== '')
    .map((a) => {
      if (!/^\d+$/.test(a)) throw new UserError(`not a token id: ${JSON.stringify(a)} (expected non-negative integers)`);
      return Number(a);
    });
}

export function registerTokenizerCommands(group: Command): void {
  group
    .command('train')
    .description('train the byte-level BPE tokenizer on the corpus and write tokenizer/ (capos.tiktoken, tokenizer.json, manifest.json, hf/tokenizer.json)')
    .option('--config <file>', 'tokenizer config (zod-validated JSON)', DEFAULT_TOKENIZER_CONFIG)
    .option('--out <dir>', 'output directory, replaced atomically', DEFAULT_TOKENIZER_DIR)
    .action(async (opts: { config: string; out: string }) => {
      const config = loadTokenizerConfig(opts.config);
      const log = (line: string): void => void process.stderr.write(`tok train: ${line}\n`);
      const s = await trainTokenizer(config, opts.out, log);
      process.stdout.write(
        `wrote ${opts.out}: vocab ${s.vocabSize} = 256 bytes + ${s.merges} merges + ${s.reservedAtoms} reserved atoms + ${s.controlTokens} control tokens; ` +
          `${s.documents} texts, ${s.trainingBytes} bytes, ${s.uniqueChunks} unique chunks, ${s.seconds.toFixed(1)} s\n`,
      );
    });

  group
    .command('export-hf')
    .description('write <tokenizer>/hf/tokenizer.json: the tokenizer for Hugging Face `tokenizers` (same ids), with its manifest')
    .option('--tokenizer <dir>', 'tokenizer directory', DEFAULT_TOKENIZER_DIR)
    .action(async (opts: { tokenizer: string }) => {
      process.stdout.write(`wrote ${await exportHfTokenizer(opts.tokenizer)}\n`);
    });

  group
    .command('encode')
    .description('encode text (argument or stdin) and print token ids')
    .argument('[text]', 'text to encode; read from stdin when omitted')
    .option('--tokenizer <dir>', 'tokenizer directory', DEFAULT_TOKENIZER_DIR)
    .option('--json', 'print {"ids","tokens"} as JSON, tokens as decoded strings')
    .action((text: string | undefined, opts: { tokenizer: string; json?: boolean }) => {
      const input = text ?? readFileSync(0, 'utf8');
      const tok = loadTokenizer(opts.tokenizer);
      try {
        const ids = tok.encode(input);
        if (opts.json) {
          const tokens = ids.map((id) => Buffer.from(tok.tokenBytes(id)).toString('utf8'));
          process.stdout.write(JSON.stringify({ ids, tokens }) + '\n');
        } else {
          process.stdout.write(ids.join(' ') + '\n');
        }
      } finally {
        tok.free();
      }
    });

  group
    .command('decode')
    .description('decode token ids (arguments, space or comma separated) and print the text')
    .argument('<ids...>', 'token ids')
    .option('--tokenizer <dir>', 'tokenizer directory', DEFAULT_TOKENIZER_DIR)
    .action((ids: string[], opts: { tokenizer: string }) => {
      const tok = loadTokenizer(opts.tokenizer);
      try {
        process.stdout.write(Buffer.from(tok.decodeBytes(parseIds(ids))));
        process.stdout.write('\n');
      } finally {
        tok.free();
      }
    });
}
