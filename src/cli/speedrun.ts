import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { DEFAULT_CHECKPOINT_DIR } from '../infer/planner.js';
import { reproduceArtifact, REPRODUCIBLE_STAGES, type ReproducibleStage } from '../pipeline/reproduce.js';
import { speedrun } from '../pipeline/speedrun.js';
import { writeReport } from '../report/write-report.js';

const log = (line: string): void => void process.stderr.write(`capplan: ${line}\n`);

function parseReproduceStage(value: string): ReproducibleStage | 'all' {
  if (value === 'all' || (REPRODUCIBLE_STAGES as readonly string[]).includes(value)) return value as ReproducibleStage | 'all';
  throw new UserError(`--stage: unknown stage '${value}' (choose one of: ${REPRODUCIBLE_STAGES.join(', ')}, all)`);
}

/** `capplan speedrun`, `capplan reproduce` and `capplan report` (top-level commands). */
export function registerReportCommands(program: Command): void {
  program
    .command('speedrun')
    .description(
      'the whole recipe: corpus sync, tokenizer train + eval, base pretraining, plan data, SFT, evaluation, report; ' +
        'writes the planner to checkpoints/default. Re-running continues from the last completed stage and re-runs any stage whose inputs changed',
    )
    .option('--config <file>', 'speedrun recipe: stage configs, seeds, step budgets (default configs/default.json of the checkout)')
    .option('--preset <name>', "apply one of the recipe's presets, e.g. tiny (the whole pipeline in minutes, for tests)")
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu (default: the recipe\'s)')
    .option('--out <dir>', "published planner directory (default: the recipe's paths.out)")
    .option('--run-dir <dir>', "where the stages write their outputs (default: the recipe's paths.run_dir)")
    .option('--until <stage>', 'stop after this stage (corpus, tokenizer, tok_eval, base, plans, sft, eval, publish)')
    .option('--restart-from <stage>', 're-run this stage and all later ones even if their records say they are current (e.g. after a code change)')
    .action(async (flags: { config?: string; preset?: string; backend?: string; out?: string; runDir?: string; until?: string; restartFrom?: string }) => {
      await speedrun({ ...flags, log });
    });

  program
    .command('reproduce')
    .description('re-run the recipe recorded in an artifact\'s manifest in a scratch directory and compare the output (weight) hashes; non-zero exit on a mismatch')
    .argument('<dir>', 'artifact directory, e.g. checkpoints/default or tokenizer')
    .option('--stage <stage>', "tokenizer | base | sft | all (default: the directory's own stage)")
    .option('--backend <name>', 'refuse unless the artifact was trained on this backend')
    .action(async (dir: string, flags: { stage?: string; backend?: string }) => {
      const results = await reproduceArtifact(dir, {
        stage: flags.stage === undefined ? undefined : parseReproduceStage(flags.stage),
        backend: flags.backend,
        log: (line) => process.stdout.write(line + '\n'),
      });
      const bad = results.filter((r) => !r.match);
      if (bad.length > 0) throw new UserError(`reproduce: ${bad.map((r) => r.stage).join(', ')} did not reproduce bit-identically (hashes above)`);
      process.stdout.write(`reproduce: ${results.map((r) => r.stage).join(', ')}: all hashes match\n`);
    });

  program
    .command('report')
    .description('write report.md (+ SVG training curves) into a checkpoint directory: machine, versions, tokenizer table, curves, metrics, probe, wall clock, provenance')
    .option('--checkpoint <dir>', 'published planner directory (default checkpoints/default)')
    .action((flags: { checkpoint?: string }) => {
      const { path, warnings } = writeReport(flags.checkpoint ?? DEFAULT_CHECKPOINT_DIR);
      for (const w of warnings) log(`report: note: ${w}`);
      process.stdout.write(`wrote ${path}\n`);
    });
}
