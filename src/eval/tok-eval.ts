import { sha256Hex } from '../util/hash.js';
import { countTexts, round } from './count.js';
import { formatTextsJsonl } from './jsonl-texts.js';
import { formatTable } from './text-table.js';
import type { MachineInfo } from './machine.js';
import type { TextClass } from './text-classes.js';
import { CAPOS_NAME, type TokenCounter } from './tokenizers/token-counter.js';

/** Relative differences are reported against GPT-2, as nanochat's tok_eval does. */
export const REFERENCE = 'gpt2';

export interface ClassTokenizerResult {
  tokens: number;
  bytes_per_token: number;
  tokens_per_document: number;
  /** tokens / gpt2 tokens − 1: negative means fewer tokens than GPT-2. */
  vs_gpt2: number;
}

export interface ClassResult {
  name: string;
  source: string;
  documents: number;
  bytes: number;
  /** sha256 of the class as `{"text"}` JSONL, i.e. of the file `tok eval --export` writes for it. */
  sha256: string;
  tokenizers: Record<string, ClassTokenizerResult>;
}

export interface TargetResult {
  name: string;
  description: string;
  value: number;
  bound: number;
  /** "min": value must be ≥ bound; "max": value must be ≤ bound. */
  kind: 'min' | 'max';
  met: boolean;
}

export interface TokEvalResult {
  date: string;
  machine: MachineInfo;
  tokenizer: { dir: string; sha256: string; vocab_size: number };
  /** The pinned hf-tokenizers MANIFEST.json every HF baseline file was checked against. */
  hf_manifest: { path: string; sha256: string };
  reference: string;
  classes: ClassResult[];
  targets: TargetResult[];
}

export function evaluateClass(textClass: TextClass, counters: readonly TokenCounter[]): ClassResult {
  const counted = countTexts(textClass.texts, counters);
  const reference = counted.tokenizers[REFERENCE];
  if (!reference) throw new Error(`tokenizer evaluation needs the ${REFERENCE} baseline`);
  const tokenizers: Record<string, ClassTokenizerResult> = {};
  for (const [name, c] of Object.entries(counted.tokenizers)) {
    tokenizers[name] = {
      ...c,
      tokens_per_document: counted.documents === 0 ? 0 : round(c.tokens / counted.documents, 2),
      vs_gpt2: reference.tokens === 0 ? 0 : round(c.tokens / reference.tokens - 1, 4),
    };
  }
  return {
    name: textClass.name,
    source: textClass.source,
    documents: counted.documents,
    bytes: counted.bytes,
    sha256: sha256Hex(formatTextsJsonl(textClass.texts)),
    tokenizers,
  };
}

function tokensOf(classes: readonly ClassResult[], className: string, tokenizer: string): number {
  const t = classes.find((c) => c.name === className)?.tokenizers[tokenizer]?.tokens;
  if (t === undefined) throw new Error(`no ${tokenizer} count for text class ${className}`);
  return t;
}

function target(name: string, description: string, value: number, bound: number, kind: 'min' | 'max'): TargetResult {
  const v = round(value, 4);
  return { name, description, value: v, bound, kind, met: kind === 'min' ? v >= bound : v <= bound };
}

/** The tokenizer targets: cheap ActionPlans without making English much dearer than GPT-2. */
export function checkTargets(classes: readonly ClassResult[]): TargetResult[] {
  const ours = (cls: string) => tokensOf(classes, cls, CAPOS_NAME);
  return [
    target('plans_fewer_than_gpt2', 'fraction fewer ActionPlan tokens than gpt2', 1 - ours('plans') / tokensOf(classes, 'plans', 'gpt2'), 0.45, 'min'),
    target('plans_fewer_than_o200k', 'fraction fewer ActionPlan tokens than o200k_base', 1 - ours('plans') / tokensOf(classes, 'plans', 'o200k_base'), 0.4, 'min'),
    target('english_extra_vs_gpt2', 'fraction more held-out English tokens than gpt2', ours('english') / tokensOf(classes, 'english', 'gpt2') - 1, 0.1, 'max'),
  ];
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const signedPercent = (x: number) => `${x >= 0 ? '+' : ''}${percent(x)}`;

export function formatEvalReport(result: TokEvalResult): string {
  const parts = [
    `tokenizer ${result.tokenizer.dir} (vocab ${result.tokenizer.vocab_size}, sha256 ${result.tokenizer.sha256.slice(0, 12)}…)`,
  ];
  for (const c of result.classes) {
    const rows = Object.entries(c.tokenizers).map(([name, t]) => [
      name,
      String(t.tokens),
      t.bytes_per_token.toFixed(2),
      t.tokens_per_document.toFixed(1),
      signedPercent(t.vs_gpt2),
    ]);
    parts.push(
      `\n${c.name}: ${c.source} — ${c.documents} documents, ${c.bytes} bytes`,
      formatTable(['tokenizer', 'tokens', 'bytes/token', 'tokens/doc', `vs ${REFERENCE}`], rows),
    );
  }
  parts.push('\ntargets');
  for (const t of result.targets) {
    const bound = `${t.kind === 'min' ? '≥' : '≤'} ${percent(t.bound)}`;
    parts.push(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.description}: ${percent(t.value)} (target ${bound})`);
  }
  return parts.join('\n');
}
