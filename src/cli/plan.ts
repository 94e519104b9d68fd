import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { parsePlan, validatePlanAgainst } from '../data/actionplan.js';
import { readPlanRequests } from '../eval/probe/probe-file.js';
import { writeFileAtomic } from '../util/atomic.js';
import { planCases } from '../infer/batch.js';
import { addPlannerOptions, openPlanner, type PlannerFlags } from './planner-flags.js';
import { runPlan } from '../infer/plan.js';
import { readToolsFile } from '../infer/tools-file.js';

interface PlanFlags extends PlannerFlags {
  tools?: string;
  goal?: string;
  batch?: string;
  out?: string;
  json?: boolean;
}

const round3 = (p: number): number => Math.round(p * 1000) / 1000;

function checkFlagCombination(flags: PlanFlags): void {
  if (flags.batch !== undefined) {
    if (flags.tools !== undefined || flags.goal !== undefined) throw new UserError('--batch reads tools and goals from its file; drop --tools/--goal');
    return;
  }
  if (flags.out !== undefined) throw new UserError('--out goes with --batch');
  if (flags.json && !flags.constrain) throw new UserError('--json prints the parsed plan: it needs constrained decoding');
  if (flags.tools === undefined || flags.goal === undefined) throw new UserError('give --tools FILE and --goal TEXT, or --batch FILE.jsonl');
}

async function planCommand(flags: PlanFlags): Promise<void> {
  checkFlagCombination(flags);
  // Read and validate every input before the (slow) model load.
  const descriptors = flags.tools !== undefined ? readToolsFile(flags.tools) : null;
  const cases = flags.batch !== undefined ? readPlanRequests(flags.batch) : null;
  if (flags.goal !== undefined && flags.goal.trim() === '') throw new UserError('--goal: the goal is empty');
  const { planner, options: opts } = await openPlanner(flags);
  try {
    if (cases) {
      const lines: string[] = [];
      const totals = await planCases(planner, cases, opts, flags.batch!, (c, result, i) => {
        const line = JSON.stringify({ id: c.id, output: result.text, confidence: round3(result.confidence.overall) });
        lines.push(line);
        if (flags.out === undefined) process.stdout.write(line + '\n');
        process.stderr.write(`capplan: plan ${i + 1}/${cases.length} ${c.id}\n`);
      });
      if (flags.out !== undefined) writeFileAtomic(flags.out, lines.join('\n') + '\n');
      process.stderr.write(
        `capplan: ${totals.cases} plans, ${totals.generatedTokens} tokens (${totals.chosenTokens} chosen by the model) in ${totals.seconds.toFixed(1)} s` +
          (flags.out !== undefined ? `; wrote ${flags.out}` : '') + '\n',
      );
      return;
    }
    const result = await runPlan(planner, descriptors!, flags.goal!, opts, '--goal');
    if (flags.constrain) {
      // Constrained output is complete and valid by construction (runPlan refuses a prompt that leaves no room
      // for the shortest plan); checking it anyway turns a decoder bug into a loud failure.
      if (!result.generation.ended) throw new Error('constrained decoding stopped before the plan was complete');
      const issues = validatePlanAgainst(parsePlan(result.text, 'constrained output'), descriptors!);
      if (issues.length > 0) throw new Error(`constrained output does not fit the tools: ${issues[0]!.message}`);
    }
    if (flags.json) {
      const c = result.confidence;
      const confidence = { overall: round3(c.overall), decision: round3(c.decision), tools: c.tools.map(round3), values: c.values.map(round3), unusedValues: c.unusedValues, changeUnmet: c.changeUnmet };
      process.stdout.write(JSON.stringify({ plan: JSON.parse(result.text) as unknown, confidence, withheld: result.withheld }) + '\n');
      return;
    }
    process.stdout.write(result.text + '\n');
  } finally {
    planner.dispose();
  }
}

export function registerPlanCommands(program: Command): void {
  addPlannerOptions(
    program
      .command('plan')
      .description('generate an ActionPlan for a goal from tool descriptors (prints only the plan JSON), or for every line of a probe file')
      .option('--tools <file>', 'tool descriptors: a JSON array, or one descriptor per line')
      .option('--goal <text>', 'what the plan should achieve')
      .option('--batch <file.jsonl>', 'lines {"id","tools","goal"} (probe lines too; "expect" is ignored): writes {"id","output","confidence"} lines')
      .option('--out <file>', 'with --batch: write the output lines here instead of stdout')
      .option('--json', 'print {"plan", "confidence", "withheld"}: the plan with how sure the planner was of it'),
  ).action(planCommand);
}
