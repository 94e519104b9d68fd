import { PROBE_METRICS } from '../eval/probe/score-case.js';
import { formatDuration } from '../train/progress.js';
import { DECODING_MODES } from '../pipeline/layout.js';
import type { ChainEntry, Curve, CurveMetric, ProbeResult, ReportData } from './report-data.js';
import { repoPath } from '../pipeline/recipe.js';
import { renderLineChart, type Series } from './svg-chart.js';

/** The report's directory of images, relative to report.md. */
export const IMAGE_DIR = 'report';

/** How a probe result was decoded: constrained or not, the copy and tool biases and the confidence threshold when set. */
function decoding(p: ProbeResult): string {
  return [p.mode, ...(p.copyBias > 0 ? [`copy bias ${p.copyBias}`] : []), ...(p.toolBias > 0 ? [`tool bias ${p.toolBias}`] : []), ...(p.minConfidence > 0 ? [`min confidence ${p.minConfidence}`] : [])].join(', ');
}

export interface RenderedReport {
  markdown: string;
  /** File name (inside IMAGE_DIR) → SVG text. */
  images: Record<string, string>;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

const num = (v: unknown, digits = 4): string => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toFixed(digits)).toString() : String(v ?? 'n/a'));
const pct = (rate: number): string => `${(100 * rate).toFixed(1)}%`;

function machineSection(d: ReportData): string {
  const git = d.software.git;
  const backends = [...new Set(d.chain.flatMap((e) => (e.manifest.backend ? [`${e.manifest.stage}: ${e.manifest.backend.name} ${e.manifest.backend.version}${e.manifest.backend.adapter ? ` (${e.manifest.backend.adapter})` : ''}`] : [])))];
  return [
    '## Machine and software',
    '',
    table(['', ''], [
      ['CPU', `${d.machine.cpu} × ${d.machine.cores} cores`],
      ['memory', `${d.machine.mem_gib} GiB`],
      ['platform', d.machine.platform],
      ['node', d.software.node],
      ['tfjs', d.software.tfjs ?? 'not installed'],
      ['backends (training)', backends.length ? backends.join('; ') : 'n/a'],
      ['git commit', `${git.commit ?? 'unknown'}${git.dirty ? ' (dirty)' : ''}`],
      ['package-lock sha256', d.software.packageLock ?? 'none'],
    ]),
  ].join('\n');
}

function tokenizerSection(d: ReportData): string {
  const lines = ['## Tokenizer', ''];
  const t = d.tokEval;
  if (!t) return [...lines, 'No tokenizer evaluation was published with this checkpoint.'].join('\n');
  const names = Object.keys(t.classes[0]?.tokenizers ?? {});
  lines.push(
    `Ours: \`${t.tokenizer.dir}\`, vocab ${t.tokenizer.vocab_size}, sha256 \`${t.tokenizer.sha256.slice(0, 16)}…\`. Bytes per token per text class (higher is better):`,
    '',
    table(['tokenizer', ...t.classes.map((c) => `${c.name} (${c.documents} docs)`)], names.map((n) => [n, ...t.classes.map((c) => num(c.tokenizers[n]?.bytes_per_token, 2))])),
  );
  const plans = t.classes.find((c) => c.name === 'plans');
  if (plans) {
    lines.push('', 'Tokens per ActionPlan (canonical serialization):', '');
    lines.push(table(['tokenizer', 'tokens per plan', 'vs gpt2'], names.map((n) => [n, num(plans.tokenizers[n]?.tokens_per_document, 2), pct(plans.tokenizers[n]?.vs_gpt2 ?? 0)])));
  }
  if (t.targets.length) {
    lines.push('', table(['target', 'value', 'bound', 'met'], t.targets.map((g) => [g.description, num(g.value), `${g.kind} ${g.bound}`, g.met ? 'yes' : 'NO'])));
  }
  return lines.join('\n');
}

const SERIES_LABELS: Record<CurveMetric, string> = {
  loss: 'train loss',
  val_loss: 'val loss',
  val_unseen_loss: 'val_unseen loss',
  val_bpb: 'val bpb',
};

/** One chart of losses (nats/token) and one of validation bits per byte per training stage, from what its log has. */
const CHARTS: ReadonlyArray<{ suffix: string; metrics: readonly CurveMetric[]; yLabel: string }> = [
  { suffix: 'loss', metrics: ['loss', 'val_loss', 'val_unseen_loss'], yLabel: 'loss (nats/token)' },
  { suffix: 'val-bpb', metrics: ['val_bpb'], yLabel: 'validation bits per byte' },
];

function curveSeries(curve: Curve, metric: CurveMetric): Series {
  return {
    label: `${curve.stage} ${SERIES_LABELS[metric]}`,
    points: curve.points.flatMap((p) => {
      const y = p.values[metric];
      return y === undefined ? [] : [[p.tokens ?? p.step, y] as const];
    }),
  };
}

function curvesSection(d: ReportData, images: Record<string, string>): string {
  const lines = ['## Training curves', ''];
  if (d.curves.length === 0) return [...lines, 'No training log (train.jsonl) found in the chain.'].join('\n');
  // The chain runs from the checkpoint back to its inputs; curves read best in training order.
  for (const curve of [...d.curves].reverse()) {
    const xLabel = curve.points.every((p) => p.tokens !== null) ? 'tokens' : 'step';
    for (const chart of CHARTS) {
      const series = chart.metrics.map((m) => curveSeries(curve, m)).filter((s) => s.points.length > 0);
      if (series.length === 0) continue;
      const file = `${curve.stage}-${chart.suffix}.svg`;
      images[file] = renderLineChart({ title: `${curve.stage}: ${chart.yLabel}`, xLabel, yLabel: chart.yLabel, series });
      lines.push(`![${curve.stage} ${chart.yLabel}](${IMAGE_DIR}/${file})`, '');
    }
  }
  return lines.join('\n').trimEnd();
}

function metricsSection(d: ReportData): string {
  const rows: string[][] = [];
  for (const e of d.chain) {
    for (const [k, v] of Object.entries(e.manifest.metrics)) {
      if (typeof v === 'object' && v !== null) continue; // nested (probe rates) are shown in their own section
      rows.push([e.manifest.stage, k, num(v)]);
    }
  }
  return ['## Final metrics', '', rows.length ? table(['stage', 'metric', 'value'], rows) : 'No metrics recorded.'].join('\n');
}

/** Longest generated output shown in the report; the JSON results in eval/ hold all of it. */
const OUTPUT_PREVIEW_CHARS = 400;

/** `text` in a code fence longer than any backtick run inside it, so no output can break out of it. */
function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

const preview = (text: string): string =>
  text.length <= OUTPUT_PREVIEW_CHARS ? text : `${text.slice(0, OUTPUT_PREVIEW_CHARS)}… (${text.length - OUTPUT_PREVIEW_CHARS} more characters)`;

/** A case's result in one mode: `pass` (noting a missed `exact`, which pass does not need) or the metrics it failed. */
function caseVerdict(r: ProbeResult | undefined, id: string): string {
  const c = r?.report.cases.find((x) => x.id === id);
  if (!c) return 'n/a';
  if (c.scores.pass) return c.scores.exact ? 'pass' : 'pass (not exact)';
  return `FAIL: ${c.failed.filter((m) => m !== 'pass').join(', ')}`;
}

/**
 * Totals per probe and decoding mode in one table (the gain of constrained decoding reads down a
 * column), then per probe one row per case with the metrics it failed in each mode, and the dev
 * probe's generated outputs.
 */
function probeSection(d: ReportData): string {
  const lines = ['## Probe results', ''];
  if (d.probes.length === 0) return [...lines, 'No probe results were published with this checkpoint.'].join('\n');
  lines.push(
    'Rate per metric with schema-constrained decoding (the planner\'s default) and without it (`--no-constrain`):',
    '',
    table(
      ['probe', 'decoding', 'cases', ...PROBE_METRICS],
      d.probes.map((p) => [p.name, decoding(p), String(p.report.cases.length), ...PROBE_METRICS.map((m) => {
        const t = p.report.totals[m];
        return t ? pct(t.rate) : 'n/a';
      })]),
    ),
  );
  const names = [...new Set(d.probes.map((p) => p.name))];
  for (const name of names) {
    const byMode = new Map(d.probes.filter((p) => p.name === name).map((p) => [p.mode, p]));
    const first = [...byMode.values()][0]!;
    lines.push('', `### ${name}: per case`, '', `Probe file: \`${first.probe}\`.`, '');
    const modes = DECODING_MODES.filter((m) => byMode.has(m));
    lines.push(table(['case', ...modes], first.report.cases.map((c) => [c.id, ...modes.map((m) => caseVerdict(byMode.get(m), c.id))])));
    if (name !== 'dev') continue;
    for (const m of modes) {
      const outputs = byMode.get(m)!.report.cases.filter((c) => typeof c.output === 'string');
      if (outputs.length === 0) continue;
      lines.push('', `<details><summary>${name}: generated outputs, ${m}</summary>`, '');
      for (const c of outputs) lines.push(`**${c.id}** (${c.scores.pass ? 'pass' : 'FAIL'})`, '', fenced(preview(c.output)), '');
      lines.push('</details>');
    }
  }
  return lines.join('\n');
}

function wallClockSection(d: ReportData): string {
  const lines = ['## Wall clock per stage', ''];
  if (!d.stages) return [...lines, 'Not recorded (the checkpoint was not made by `capplan speedrun`).'].join('\n');
  const total = d.stages.reduce((s, x) => s + x.seconds, 0);
  lines.push(table(['stage', 'wall clock', 'seconds'], [...d.stages.map((s) => [s.stage, formatDuration(s.seconds), s.seconds.toFixed(1)]), ['total', formatDuration(total), total.toFixed(1)]]));
  return lines.join('\n');
}

function provenanceRow(e: ChainEntry): string[] {
  // The artifact's own weights; nested artifacts (a published base/) have their own row.
  const weights = Object.entries(e.manifest.outputs).filter(([f]) => !f.includes('/') && /\.(safetensors|tiktoken)$/.test(f));
  const weightCell = ([f, o]: (typeof weights)[number]): string => `${f} \`${o.sha256.slice(0, 16)}…\`${o.published === false ? ' (not published)' : ''}`;
  return [
    e.role,
    e.manifest.stage,
    `\`${repoPath(e.dir)}\``,
    `\`${e.manifestSha256.slice(0, 16)}…\``,
    weights.map(weightCell).join(', ') || '—',
    Object.keys(e.manifest.parents).join(', ') || '—',
    e.manifest.ended_at,
  ];
}

function provenanceSection(d: ReportData): string {
  const lines = [
    '## Provenance',
    '',
    'Chain from this checkpoint to its inputs (`capplan verify` recomputes every hash; `capplan reproduce` re-runs each recipe):',
    '',
    table(['role', 'stage', 'directory', 'manifest sha256', 'weights', 'parents', 'built'], d.chain.map(provenanceRow)),
  ];
  const inputs = d.chain.flatMap((e) => Object.entries(e.manifest.inputs).map(([n, i]) => [e.manifest.stage, n, `\`${i.sha256.slice(0, 16)}…\``]));
  if (inputs.length) lines.push('', table(['stage', 'input', 'sha256'], inputs));
  return lines.join('\n');
}

/** report.md and its SVG charts from the collected data; every section is present, saying so when it has no data. */
export function renderReport(d: ReportData): RenderedReport {
  const images: Record<string, string> = {};
  const sections = [
    `# capplan report card: \`${repoPath(d.checkpoint)}\``,
    `Generated ${d.generatedAt} by \`capplan report\`.`,
    ...(d.warnings.length ? [d.warnings.map((w) => `> note: ${w}`).join('\n>\n')] : []),
    machineSection(d),
    tokenizerSection(d),
    curvesSection(d, images),
    metricsSection(d),
    probeSection(d),
    wallClockSection(d),
    provenanceSection(d),
  ];
  return { markdown: sections.join('\n\n') + '\n', images };
}
