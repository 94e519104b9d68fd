import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { sha256FileSync } from '../util/hash.js';
import { countTexts } from './count.js';
import { readTextsJsonl, formatTextsJsonl } from './jsonl-texts.js';
import { machineInfo } from './machine.js';
import { buildTextClasses, repoRelative } from './text-classes.js';
import { formatTable } from './text-table.js';
import { checkTargets, evaluateClass, formatEvalReport, REFERENCE, type TokEvalResult } from './tok-eval.js';
import { loadEvalTokenizers } from './tokenizers/all.js';

interface TokenizerFlags {
  tokenizer: string;
  hfDir: string;
}

export interface TokEvalOptions extends TokenizerFlags {
  corpus?: string;
  probe: string;
  json?: boolean;
  out?: string;
  export?: string;
}

export interface TokCompareOptions extends TokenizerFlags {
  input: string;
  json?: boolean;
}

export async function runTokEval(opts: TokEvalOptions): Promise<void> {
  const classes = buildTextClasses({ corpusDir: opts.corpus, probePath: opts.probe });
  const tokenizers = await loadEvalTokenizers({ tokenizerDir: opts.tokenizer, hfDir: opts.hfDir });
  const manifestPath = join(opts.hfDir, 'MANIFEST.json');
  try {
    const results = classes.map((c) => evaluateClass(c, tokenizers.counters));
    const result: TokEvalResult = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      tokenizer: { dir: repoRelative(opts.tokenizer), sha256: tokenizers.capos.sha256, vocab_size: tokenizers.capos.vocabSize },
      hf_manifest: { path: repoRelative(manifestPath), sha256: sha256FileSync(manifestPath) },
      reference: REFERENCE,
      classes: results,
      targets: checkTargets(results),
    };
    if (opts.export) for (const c of classes) writeFileAtomic(join(opts.export, `${c.name}.jsonl`), formatTextsJsonl(c.texts));
    if (opts.out) writeJsonAtomic(opts.out, result);
    process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : formatEvalReport(result) + '\n');
  } finally {
    tokenizers.free();
  }
}

export async function runTokCompare(opts: TokCompareOptions): Promise<void> {
  const texts = readTextsJsonl(opts.input);
  const tokenizers = await loadEvalTokenizers({ tokenizerDir: opts.tokenizer, hfDir: opts.hfDir });
  try {
    const result = countTexts(texts, tokenizers.counters);
    if (opts.json) {
      process.stdout.write(JSON.stringify(result) + '\n');
      return;
    }
    const rows = Object.entries(result.tokenizers).map(([name, t]) => [
      name,
      String(t.tokens),
      t.bytes_per_token.toFixed(2),
      (t.tokens / result.documents).toFixed(1),
    ]);
    process.stdout.write(
      `${opts.input}: ${result.documents} documents, ${result.bytes} bytes\n` +
        formatTable(['tokenizer', 'tokens', 'bytes/token', 'tokens/doc'], rows) +
        '\n',
    );
  } finally {
    tokenizers.free();
  }
}
