#!/usr/bin/env node
import { Command } from 'commander';
import { UserError, messageOf } from './errors.js';
import { registerDataCommands } from './cli/data.js';
import { registerPlanDataCommands } from './cli/data-plans.js';
import { registerToolsCommands } from './cli/tools.js';
import { registerTokenizerCommands } from './cli/tok.js';
import { registerTokenizerEvalCommands } from './cli/tok-eval.js';
import { registerModelCommands } from './cli/model.js';
import { registerBaseCommands } from './cli/base.js';
import { registerProvenanceCommands } from './cli/verify.js';
import { registerPlanCommands } from './cli/plan.js';
import { registerEvalPlanCommands } from './cli/eval-plan.js';
import { registerBenchCommands } from './cli/bench.js';
import { registerSftCommands } from './cli/sft.js';
import { registerReportCommands } from './cli/speedrun.js';

function buildProgram(): Command {
  const program = new Command('capplan')
    .description('Train a capOS tokenizer and ActionPlan planner with TensorFlow.js (nanochat-style)')
    // Commander's own errors (unknown command or option, missing argument) as one line, like capplan's.
    .configureOutput({ outputError: (message, write) => write(`capplan: ${message.trim()} (run with --help for usage)\n`) });

  registerDataCommands(program.command('data').description('pinned corpus and generated datasets'));
  registerPlanDataCommands(program.commands.find((c) => c.name() === 'data')!);
  registerToolsCommands(program.command('tools').description('capOS tool catalog'));
  registerTokenizerCommands(program.command('tok').description('BPE tokenizer: train, encode, decode, evaluate'));
  registerTokenizerEvalCommands(program.commands.find((c) => c.name() === 'tok')!);
  registerModelCommands(program.command('model').description('model shapes and parameter counts'));
  registerBaseCommands(program.command('base').description('base pretraining'));
  registerSftCommands(program);
  registerPlanCommands(program);
  registerEvalPlanCommands(program.command('eval').description('evaluate the planner'));
  registerBenchCommands(program.command('bench').description('throughput benchmarks'));
  registerProvenanceCommands(program);
  registerReportCommands(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`capplan: error: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    if (process.env.CAPPLAN_DEBUG) throw err;
    process.stderr.write(`capplan: internal error: ${messageOf(err)} (set CAPPLAN_DEBUG=1 for a stack trace)\n`);
    process.exitCode = 2;
  }
}

await main();
