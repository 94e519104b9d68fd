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
}

/** The JSON report of `eval plan`: per case (with its raw output), per metric over cases, and which cases failed what. */
export interface ProbeReport {
  cases: ProbeCaseResult[];
  totals: Record<ProbeMetric, MetricTotal>;
}

/** Scores every case with its output; a case without an output is an error, not a silent zero. */
export function scoreProbe(cases: readonly ProbeCase[], outputs: ReadonlyMap<string, string>, outputsSource = 'outputs'): ProbeReport {
  const scored = cases.map((c) => {
    const output = outputs.get(c.id);
    if (output === undefined) throw new UserError(`${outputsSource}: no output for probe case "${c.id}"`);
    const scores = scoreOutput(c, output);
    return { id: c.id, scores, failed: PROBE_METRICS.filter((m) => !scores[m]), output };
  });
  const totals = Object.fromEntries(
    PROBE_METRICS.map((m) => {
      const passed = scored.filter((s) => s.scores[m]).length;
      return [m, { passed, total: scored.length, rate: scored.length ? passed / scored.length : 0 }];
    }),
  ) as Record<ProbeMetric, MetricTotal>;
  return { cases: scored, totals };
}

/** Totals as a table (metric, passed/total, percent), then one line per case that misses any metric. */
export function formatProbeReport(report: ProbeReport): string {
  const rows = PROBE_METRICS.map((m) => {
    const t = report.totals[m];
    return [m, `${t.passed}/${t.total}`, `${(100 * t.rate).toFixed(1)}%`];
  });
  const table = formatTable(['metric', 'cases', 'rate'], rows);
  const misses = report.cases.filter((c) => c.failed.length > 0).map((c) => `  ${c.id}: ${c.failed.join(', ')}`);
  return misses.length ? `${table}\n\nmissed:\n${misses.join('\n')}` : table;
}
