import type { Command } from 'commander';
import { readProbeFile, readProbeOutputs } from './probe/probe-file.js';
import { formatProbeReport, scoreProbe, type ProbeReport } from './probe/report.js';
import { defaultProbePath } from './probe-plans.js';
import { planCases, type BatchTotals } from '../infer/batch.js';
import { addPlannerOptions, openPlanner, type PlannerFlags } from '../infer/cli-options.js';

interface EvalPlanFlags extends PlannerFlags {
  probe: string;
  json?: boolean;
  outputs?: string;
}

/** What produced the outputs: a checkpoint run (with its speed) or a file of `plan --batch` lines. */
type Source =
  | { kind: 'generated'; checkpoint: string; step: number; backend: string; constrained: boolean; totals: BatchTotals }
  | { kind: 'outputs'; file: string };

function describe(source: Source): string {
  if (source.kind === 'outputs') return `outputs from ${source.file}`;
  const t = source.totals;
  return (
    `${source.checkpoint} step ${source.step}, backend ${source.backend}, ${source.constrained ? 'constrained' : 'unconstrained'}; ` +
    `${t.cases} cases, ${t.generatedTokens} tokens in ${t.seconds.toFixed(1)} s (${(t.generatedTokens / t.seconds).toFixed(1)} tok/s)`
  );
}

async function evalPlan(flags: EvalPlanFlags): Promise<void> {
  const cases = readProbeFile(flags.probe);
  let outputs: Map<string, string>;
  let source: Source;
  if (flags.outputs !== undefined) {
    outputs = readProbeOutputs(flags.outputs);
    source = { kind: 'outputs', file: flags.outputs };
  } else {
    const { planner, backend, sampling } = await openPlanner(flags);
    try {
      outputs = new Map();
      const totals = await planCases(planner, cases, { constrain: flags.constrain, sampling }, flags.probe, (c, output, i) => {
        outputs.set(c.id, output);
        if (!flags.json) process.stderr.write(`capplan: eval ${i + 1}/${cases.length} ${c.id}\n`);
      });
      source = { kind: 'generated', checkpoint: planner.dir, step: planner.step, backend, constrained: flags.constrain, totals };
    } finally {
      planner.dispose();
    }
  }
  const report: ProbeReport = scoreProbe(cases, outputs, flags.outputs ?? 'generated outputs');
  if (flags.json) {
    process.stdout.write(JSON.stringify({ probe: flags.probe, source, ...report }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`probe ${flags.probe}: ${describe(source)}\n\n${formatProbeReport(report)}\n`);
}

export function registerEvalPlanCommands(group: Command): void {
  addPlannerOptions(
    group
      .command('plan')
      .description('score the planner on a probe file: every DESIGN.md metric per case and in total')
      .option('--probe <file.jsonl>', 'probe lines {"id","tools","goal","expect"}', defaultProbePath())
      .option('--json', 'print the report as JSON (per case and totals)')
      .option('--outputs <file.jsonl>', 'score these `plan --batch` outputs instead of generating'),
  ).action(evalPlan);
}
