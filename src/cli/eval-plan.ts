import type { Command } from 'commander';
import { readProbeFile, readProbeOutputs } from '../eval/probe/probe-file.js';
import { formatProbeReport, scoreProbe, type ProbeReport } from '../eval/probe/report.js';
import { defaultProbePath } from '../eval/probe-plans.js';
import { planCases, type BatchTotals } from '../infer/batch.js';
import { addPlannerOptions, openPlanner, type PlannerFlags } from './planner-flags.js';
import { initBackend, parseBackendName } from '../backend/select.js';
import { UserError } from '../errors.js';
import { DEFAULT_CHECKPOINT_DIR, loadPlanner } from '../infer/planner.js';
import { readPlanLines } from '../sft/examples.js';
import { planFieldLosses, type PlanLossReport } from '../eval/plan-loss.js';
import { PLAN_FIELDS } from '../eval/plan-fields.js';
import { formatTable } from '../eval/text-table.js';

interface EvalPlanFlags extends PlannerFlags {
  probe: string;
  json?: boolean;
  outputs?: string;
}

/** What produced the outputs: a checkpoint run (with its speed) or a file of `plan --batch` lines. */
type Source =
  | {
      kind: 'generated';
      checkpoint: string;
      step: number;
      backend: string;
      constrained: boolean;
      copyBias: number;
      toolBias: number;
      minConfidence: number;
      totals: BatchTotals;
    }
  | { kind: 'outputs'; file: string };

function describe(source: Source): string {
  if (source.kind === 'outputs') return `outputs from ${source.file}`;
  const t = source.totals;
  return (
    `${source.checkpoint} step ${source.step}, backend ${source.backend}, ${source.constrained ? 'constrained' : 'unconstrained'}${source.copyBias > 0 ? `, copy bias ${source.copyBias}` : ''}${source.toolBias > 0 ? `, tool bias ${source.toolBias}` : ''}${source.minConfidence > 0 ? `, min confidence ${source.minConfidence}` : ''}; ` +
    `${t.cases} cases, ${t.generatedTokens} tokens (${t.chosenTokens} chosen by the model) in ${t.seconds.toFixed(1)} s (${(t.generatedTokens / t.seconds).toFixed(1)} tok/s)`
  );
}

async function evalPlan(flags: EvalPlanFlags): Promise<void> {
  const cases = readProbeFile(flags.probe);
  let outputs: Map<string, string>;
  const confidences = new Map<string, number>();
  let source: Source;
  if (flags.outputs !== undefined) {
    outputs = readProbeOutputs(flags.outputs);
    source = { kind: 'outputs', file: flags.outputs };
  } else {
    const { planner, backend, options } = await openPlanner(flags);
    try {
      outputs = new Map();
      const totals = await planCases(planner, cases, options, flags.probe, (c, result, i) => {
        outputs.set(c.id, result.text);
        confidences.set(c.id, result.confidence.overall);
        if (!flags.json) process.stderr.write(`capplan: eval ${i + 1}/${cases.length} ${c.id}\n`);
      });
      const { constrain: constrained, copyBias, toolBias, minConfidence } = options;
      source = { kind: 'generated', checkpoint: planner.dir, step: planner.step, backend, constrained, copyBias, toolBias, minConfidence, totals };
    } finally {
      planner.dispose();
    }
  }
  const report: ProbeReport = scoreProbe(cases, outputs, flags.outputs ?? 'generated outputs', confidences);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ probe: flags.probe, source, ...report }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`probe ${flags.probe}: ${describe(source)}\n\n${formatProbeReport(report)}\n`);
}

interface PlanLossFlags {
  plans: string;
  checkpoint?: string;
  limit: string;
  backend: string;
  json?: boolean;
}

function formatPlanLoss(r: PlanLossReport): string {
  const total = PLAN_FIELDS.reduce((sum, f) => sum + r.fields[f].nats, 0);
  const rows = PLAN_FIELDS.filter((f) => r.fields[f].tokens > 0).map((f) => {
    const { tokens, nats } = r.fields[f];
    return [f, String(tokens), (nats / tokens).toFixed(3), `${((100 * nats) / total).toFixed(1)}%`];
  });
  return formatTable(['field', 'tokens', 'nats/token', 'share of loss'], rows);
}

async function evalPlanLoss(flags: PlanLossFlags): Promise<void> {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit must be an integer ≥ 1, got '${flags.limit}'`);
  const lines = readPlanLines(flags.plans, limit);
  await initBackend(parseBackendName(flags.backend));
  const planner = loadPlanner(flags.checkpoint ?? DEFAULT_CHECKPOINT_DIR);
  try {
    const report = await planFieldLosses(planner.model, planner.tokenizer, lines, flags.plans);
    if (flags.json) {
      process.stdout.write(JSON.stringify({ plans: flags.plans, checkpoint: planner.dir, step: planner.step, ...report }, null, 2) + '\n');
      return;
    }
    const skipped = report.skipped > 0 ? `, ${report.skipped} longer than the context left out` : '';
    process.stdout.write(`plan loss of ${flags.plans} (${report.examples} examples${skipped}): ${planner.dir} step ${planner.step}\n\n${formatPlanLoss(report)}\n`);
  } finally {
    planner.dispose();
  }
}

export function registerEvalPlanCommands(group: Command): void {
  group
    .command('plan-loss')
    .description('teacher-forced loss of target plans split by field (tool, args, rationale, refusal, structure)')
    .requiredOption('--plans <file.jsonl>', 'plan lines with a target "plan", e.g. a split written by `capplan data plans`')
    .option('--checkpoint <dir>', 'planner checkpoint directory (default checkpoints/default)')
    .option('--limit <n>', 'score the first n examples', '200')
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', 'auto')
    .option('--json', 'print the report as JSON')
    .action(evalPlanLoss);
  addPlannerOptions(
    group
      .command('plan')
      .description('score the planner on a probe file: every DESIGN.md metric per case and in total')
      .option('--probe <file.jsonl>', 'probe lines {"id","tools","goal","expect"}', defaultProbePath())
      .option('--json', 'print the report as JSON (per case and totals)')
      .option('--outputs <file.jsonl>', 'score these `plan --batch` outputs instead of generating'),
  ).action(evalPlan);
}
