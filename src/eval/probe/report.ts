import { UserError } from '../../errors.js';
import { formatTable } from '../text-table.js';
import type { ProbeCase } from './probe-file.js';
import { PROBE_METRICS, scoreOutput, type CaseScore, type ProbeMetric } from './score-case.js';

export interface MetricTotal {
  passed: number;
  total: number;
  rate: number;
}

/** One scored case: its metrics, the ones it failed, and the raw text the planner generated. */
export interface ProbeCaseResult {
  id: string;
  scores: CaseScore;
  failed: ProbeMetric[];
  output: string;
  /** How sure the planner was of this output (planConfidence().overall), when it was generated here. */
  confidence?: number;
}

/** The JSON report of `eval plan`: per case (with its raw output), per metric over cases, and which cases failed what. */
export interface ProbeReport {
  cases: ProbeCaseResult[];
  totals: Record<ProbeMetric, MetricTotal>;
  /** Pass rate per confidence bucket, when confidences are known. */
  calibration?: CalibrationBucket[];
}

/** Cases whose confidence is in [from, to) (the last bucket includes 1) and how many of them pass. */
export interface CalibrationBucket {
  from: number;
  to: number;
  cases: number;
  passed: number;
}

export const CALIBRATION_EDGES = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 1];

export function calibrate(cases: ReadonlyArray<{ confidence?: number; failed: readonly string[] }>): CalibrationBucket[] {
  return CALIBRATION_EDGES.slice(0, -1).map((from, i) => {
    const to = CALIBRATION_EDGES[i + 1]!;
    const inside = cases.filter((c) => c.confidence !== undefined && c.confidence >= from && (c.confidence < to || (to === 1 && c.confidence <= 1)));
    return { from, to, cases: inside.length, passed: inside.filter((c) => !c.failed.includes('pass')).length };
  });
}

/** Scores every case with its output; a case without an output is an error, not a silent zero. */
export function scoreProbe(
  cases: readonly ProbeCase[],
  outputs: ReadonlyMap<string, string>,
  outputsSource = 'outputs',
  confidences: ReadonlyMap<string, number> = new Map(),
): ProbeReport {
  const scored = cases.map((c): ProbeCaseResult => {
    const output = outputs.get(c.id);
    if (output === undefined) throw new UserError(`${outputsSource}: no output for probe case "${c.id}"`);
    const scores = scoreOutput(c, output);
    const confidence = confidences.get(c.id);
    return { id: c.id, scores, failed: PROBE_METRICS.filter((m) => !scores[m]), output, ...(confidence !== undefined ? { confidence } : {}) };
  });
  const totals = Object.fromEntries(
    PROBE_METRICS.map((m) => {
      const passed = scored.filter((s) => s.scores[m]).length;
      return [m, { passed, total: scored.length, rate: scored.length ? passed / scored.length : 0 }];
    }),
  ) as Record<ProbeMetric, MetricTotal>;
  return { cases: scored, totals, ...(confidences.size > 0 ? { calibration: calibrate(scored) } : {}) };
}

/** Totals as a table (metric, passed/total, percent), then one line per case that misses any metric. */
export function formatProbeReport(report: ProbeReport): string {
  const rows = PROBE_METRICS.map((m) => {
    const t = report.totals[m];
    return [m, `${t.passed}/${t.total}`, `${(100 * t.rate).toFixed(1)}%`];
  });
  let table = formatTable(['metric', 'cases', 'rate'], rows);
  if (report.calibration) {
    const buckets = report.calibration.map((b) => [`${b.from.toFixed(2)}–${b.to.toFixed(2)}`, String(b.cases), b.cases ? `${((100 * b.passed) / b.cases).toFixed(0)}%` : '–']);
    table += `\n\ncalibration (confidence → pass):\n${formatTable(['confidence', 'cases', 'pass'], buckets)}`;
  }
  const misses = report.cases.filter((c) => c.failed.length > 0).map((c) => `  ${c.id}: ${c.failed.join(', ')}`);
  return misses.length ? `${table}\n\nmissed:\n${misses.join('\n')}` : table;
}
