import { join } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../data/paths.js';
import { defaultProbePath } from '../eval/probe-plans.js';
import { DEFAULT_HF_TOKENIZERS_DIR } from '../eval/tokenizers/hf-manifest.js';
import type { TokCompareOptions, TokEvalOptions } from '../eval/tok-run.js';

const DEFAULT_TOKENIZER_DIR = join(REPO_ROOT, 'tokenizer');

function addTokenizerFlags(cmd: Command): Command {
  return cmd
    .option('--tokenizer <dir>', 'our tokenizer directory (capos.tiktoken + tokenizer.json)', DEFAULT_TOKENIZER_DIR)
    .option('--hf-dir <dir>', 'offline baseline tokenizers with MANIFEST.json (every file sha256-checked)', DEFAULT_HF_TOKENIZERS_DIR);
}

/** Tokenizer libraries load only when a command runs, so the rest of the CLI starts fast. */
export function registerTokenizerEvalCommands(group: Command): void {
  addTokenizerFlags(
    group
      .command('eval')
      .description(
        'bytes/token per text class (held-out English, Cap\'n Proto schemas, docs, ActionPlans, tool descriptors) ' +
          'for ours vs tiktoken gpt2/cl100k_base/o200k_base and the offline HF tokenizers, and the tokenizer targets',
      ),
  )
    .option('--corpus <dir>', 'installed corpus (default: data/corpus, see `capplan data sync`)')
    .option('--probe <file>', 'probe JSONL whose expectations become the ActionPlan class', defaultProbePath())
    .option('--json', 'print the result as JSON instead of tables')
    .option('--out <file>', 'also write the JSON result (with machine and date) to this file, e.g. bench/results/tok-eval-YYYY-MM-DD.json')
    .option('--export <dir>', 'also write each text class as <dir>/<class>.jsonl of {"text"} lines, for `tok compare`')
    .action(async (opts: TokEvalOptions) => {
      const { runTokEval } = await import('../eval/tok-run.js');
      await runTokEval(opts);
    });

  addTokenizerFlags(
    group
      .command('compare')
      .description('token counts of ours and every baseline on a JSONL file of {"text": …} lines (e.g. canonical ActionPlans)'),
  )
    .requiredOption('--input <file>', 'JSONL, one {"text": …} object per line')
    .option('--json', 'print {"documents","bytes","tokenizers":{name:{"tokens","bytes_per_token"}}}')
    .action(async (opts: TokCompareOptions) => {
      const { runTokCompare } = await import('../eval/tok-run.js');
      await runTokCompare(opts);
    });
}
