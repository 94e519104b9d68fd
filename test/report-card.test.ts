import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultProbePath } from '../src/eval/probe-plans.js';
import { readProbeFile } from '../src/eval/probe/probe-file.js';
import { scoreProbe } from '../src/eval/probe/report.js';
import { PROBE_METRICS } from '../src/eval/probe/score-case.js';
import { writeManifest } from '../src/provenance/manifest.js';
import { niceTicks, renderLineChart } from '../src/report/svg-chart.js';
import { writeReport } from '../src/report/write-report.js';

let root: string;
const ckpt = (): string => join(root, 'default');

function trainLog(dir: string, steps: number, evalEvery: number, evalKey: string): void {
  const lines = [];
  for (let s = 1; s <= steps; s++) {
    lines.push(JSON.stringify({ step: s, total_steps: steps, loss: 5 / s, ...(s % evalEvery === 0 ? { [evalKey]: 3 - s / 100 } : {}) }));
  }
  writeFileSync(join(dir, 'train.jsonl'), lines.join('\n') + '\n');
}

/** A published checkpoint (sft) → base → tokenizer chain with logs, evaluation and wall clock, as the speedrun writes it. */
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'capplan-report-'));
  const tok = join(root, 'tokenizer');
  const base = join(root, 'base');
  mkdirSync(tok);
  mkdirSync(base);
  mkdirSync(join(ckpt(), 'eval'), { recursive: true });
  const times = { startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:01:00Z' };
  writeFileSync(join(tok, 'capos.tiktoken'), 'ranks');
  writeManifest(tok, { stage: 'tokenizer', inputs: {}, config: { vocab_size: 1024 }, seeds: {}, metrics: { merges: 100 }, ...times });
  trainLog(base, 40, 10, 'val_bpb');
  // As published by the speedrun: the base weights are pinned by hash but not in the tree.
  writeManifest(base, {
    withheld: { 'model_40.safetensors': { sha256: 'c'.repeat(64), bytes: 7 } },
    stage: 'base',
    inputs: {},
    parents: { tokenizer: tok },
    config: { optim: { total_batch_tokens: 256 } },
    seeds: { seed: 42 },
    metrics: { step: 40, total_steps: 40, val_bpb: 2.6 },
    backend: { name: 'wasm', version: '4.22.0', adapter: null },
    ...times,
  });
  writeFileSync(join(ckpt(), 'model_8.safetensors'), 'sft weights');
  trainLog(ckpt(), 8, 4, 'val_loss');
  const cases = readProbeFile(defaultProbePath());
  const outputs = new Map(cases.map((c, i) => [c.id, i === 0 ? '{"steps":[],"refusal":"no"}' : 'not json']));
  writeFileSync(join(ckpt(), 'eval', 'probe-dev.json'), JSON.stringify({ probe: 'dev.jsonl', source: { kind: 'generated', copyBias: 4 }, ...scoreProbe(cases, outputs) }));
  const unconstrained = new Map(cases.map((c) => [c.id, 'Sure! ```json']));
  writeFileSync(join(ckpt(), 'eval', 'probe-dev.unconstrained.json'), JSON.stringify({ probe: 'dev.jsonl', ...scoreProbe(cases, unconstrained) }));
  const tokEntry = (tokens: number) => ({ tokens, bytes_per_token: 400 / tokens, tokens_per_document: tokens / 10, vs_gpt2: tokens / 100 - 1 });
  writeFileSync(
    join(ckpt(), 'eval', 'tok-eval.json'),
    JSON.stringify({
      tokenizer: { dir: 'tokenizer', sha256: 'a'.repeat(64), vocab_size: 1024 },
      classes: [{ name: 'plans', documents: 10, bytes: 400, sha256: 'b'.repeat(64), tokenizers: { capos: tokEntry(50), gpt2: tokEntry(100), 'hf/llama3': tokEntry(90) } }],
      targets: [{ name: 't', description: 'fewer plan tokens than gpt2', value: 0.5, bound: 0.45, kind: 'min', met: true }],
    }),
  );
  writeFileSync(join(ckpt(), 'speedrun.json'), JSON.stringify({ stages: [{ stage: 'tokenizer', seconds: 4.5 }, { stage: 'base', seconds: 125 }] }));
  writeManifest(ckpt(), {
    stage: 'sft',
    inputs: {},
    parents: { base },
    config: { optim: { total_batch_tokens: 512 } },
    seeds: { seed: 1 },
    metrics: { step: 8, total_steps: 8, loss: 0.6 },
    backend: { name: 'wasm', version: '4.22.0', adapter: null },
    ...times,
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('capplan report', () => {
  it('writes report.md with every section and SVG curves holding the logged series', () => {
    const { path, warnings } = writeReport(ckpt());
    expect(warnings).toEqual([]);
    const md = readFileSync(path, 'utf8');
    for (const section of ['Machine and software', 'Tokenizer', 'Training curves', 'Final metrics', 'Probe results', 'Wall clock per stage', 'Provenance']) {
      expect(md).toContain(`## ${section}`);
    }
    // tokenizer table: ours and the baselines, tokens per plan
    expect(md).toMatch(/\| capos \| 5 \|/);
    expect(md).toMatch(/\| hf\/llama3 \| 9 \|/);
    // probe: one row per decoding mode with every metric, then per case what it failed in each mode
    expect(md).toContain(`| probe | decoding | cases | ${PROBE_METRICS.join(' | ')} |`);
    // the first output parses as JSON, the others do not; the copy bias comes from the result file (none: 0)
    expect(md).toMatch(/\| dev \| constrained, copy bias 4 \| 8 \| 12\.5% \| 100\.0% \|/);
    expect(md).toMatch(/\| dev \| unconstrained \| 8 \| 0\.0% \| 0\.0% \|/);
    expect(md).toMatch(/\| single-call \| FAIL: json_valid, schema_valid, [^|]* \| FAIL: json_valid, no_fences, [^|]* \|/);
    // the generated text itself, fenced so its own backticks cannot break out
    expect(md).toContain('<details><summary>dev: generated outputs, unconstrained</summary>');
    expect(md).toContain('````\nSure! ```json\n````');
    expect(md).toContain('```\nnot json\n```');
    expect(md).toMatch(/model_40\.safetensors `c{16}…` \(not published\)/);
    expect(md).toMatch(/\| base \| 2m05s \| 125\.0 \|/);
    expect(md).toMatch(/\| checkpoint \| sft \|/);
    expect(md).toMatch(/\| tokenizer \| tokenizer \|/);
    expect(existsSync(join(ckpt(), 'report', 'sft-val-bpb.svg'))).toBe(false); // the SFT log has val losses, not bpb
    for (const svg of ['base-loss.svg', 'base-val-bpb.svg', 'sft-loss.svg']) {
      expect(md).toContain(`](report/${svg})`);
      expect(existsSync(join(ckpt(), 'report', svg))).toBe(true);
    }
    const baseLoss = readFileSync(join(ckpt(), 'report', 'base-loss.svg'), 'utf8');
    const path40 = /<path d="([^"]+)"[^>]*data-series="base train loss"/.exec(baseLoss)![1]!;
    expect(path40.split(/[ML]/).filter(Boolean)).toHaveLength(40); // every logged step
    expect(baseLoss).toContain('>tokens</text>');
    const valPath = /<path d="([^"]+)"/.exec(readFileSync(join(ckpt(), 'report', 'base-val-bpb.svg'), 'utf8'))![1]!;
    expect(valPath.split(/[ML]/).filter(Boolean)).toHaveLength(4); // evaluations at 10, 20, 30, 40
    const sftLoss = readFileSync(join(ckpt(), 'report', 'sft-loss.svg'), 'utf8');
    expect(sftLoss).toContain('data-series="sft train loss"');
    expect(sftLoss).toContain('data-series="sft val loss"');
  });

  it('still reports when a parent is missing, and says what is not shown', () => {
    renameSync(join(root, 'base'), join(root, 'base-moved'));
    try {
      const { path, warnings } = writeReport(ckpt());
      expect(warnings).toEqual([expect.stringMatching(/parent base: .*manifest\.json is missing/)]);
      const md = readFileSync(path, 'utf8');
      expect(md).toContain('> note: parent base');
      expect(md).not.toContain('base-loss.svg');
    } finally {
      renameSync(join(root, 'base-moved'), join(root, 'base'));
    }
  });
  it('refuses a directory that is not a checkpoint', () => {
    expect(() => writeReport(join(root, 'tokenizer', 'nowhere'))).toThrow(/no manifest\.json \(not an artifact directory\?\)/);
  });
});

describe('SVG line chart', () => {
  it('draws one path per series with axis labels and a legend', () => {
    const svg = renderLineChart({
      title: 'loss',
      xLabel: 'tokens',
      yLabel: 'nats',
      series: [
        { label: 'a & b', points: [[0, 1], [1, 2], [2, Number.NaN]] },
        { label: 'c', points: [[0, 3]] },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('data-series="a &amp; b"');
    expect(svg).toContain('>tokens</text>');
    expect(svg).toContain('>nats</text>');
    expect(renderLineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain('no data');
  });
  it('picks round ticks', () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(2.13, 2.9)).toEqual([2.2, 2.4, 2.6, 2.8]);
  });
});
