import { join } from 'node:path';
import { REPO_ROOT } from '../data/paths.js';
import { UserError } from '../errors.js';
import { readManifest } from '../provenance/verify.js';
import { runPipeline, type StageOutcome } from './pipeline.js';
import { loadRecipe, repoPath, STAGE_NAMES, type StageName } from './recipe.js';
import { speedrunStages } from './speedrun-stages.js';
import { speedrunPaths, type SpeedrunPaths } from './speedrun-context.js';
import { writeReport } from '../report/write-report.js';

export const DEFAULT_RECIPE = join(REPO_ROOT, 'configs', 'default.json');

export interface SpeedrunOptions {
  config?: string;
  preset?: string;
  backend?: string;
  out?: string;
  runDir?: string;
  until?: string;
  /** Run this stage and every later one afresh, whatever their records say (e.g. after a code change). */
  restartFrom?: string;
  log: (line: string) => void;
}

function parseStage(flag: string, name: string): StageName {
  if ((STAGE_NAMES as readonly string[]).includes(name)) return name as StageName;
  throw new UserError(`${flag}: unknown stage '${name}' (stages: ${STAGE_NAMES.join(', ')})`);
}

/**
 * The whole recipe: corpus → tokenizer (+ eval) → base → plans → SFT → evaluation → published
 * checkpoint + report. Re-running continues where the last run stopped; a stage is reused only while
 * its recorded inputs and outputs are unchanged (see stage-record.ts).
 */
export async function speedrun(opts: SpeedrunOptions): Promise<{ outcomes: StageOutcome[]; paths: SpeedrunPaths; report: string | null }> {
  const recipePath = opts.config ?? DEFAULT_RECIPE;
  const recipe = loadRecipe(recipePath, opts.preset);
  const until = parseStage('--until', opts.until ?? 'publish');
  const restartFrom = opts.restartFrom === undefined ? undefined : parseStage('--restart-from', opts.restartFrom);
  const paths = speedrunPaths(recipe, { runDir: opts.runDir, out: opts.out });
  const backend = opts.backend ?? recipe.backend;
  opts.log(
    `speedrun: recipe ${repoPath(recipePath)}${opts.preset ? ` (preset ${opts.preset})` : ''}, backend ${backend}, ` +
      `run dir ${repoPath(paths.runDir)}, output ${repoPath(paths.out)}${until !== 'publish' ? `, until ${until}` : ''}`,
  );
  const stages = speedrunStages({ recipe, recipePath: repoPath(recipePath), preset: opts.preset ?? null, backend, paths, log: opts.log }, until);
  if (restartFrom !== undefined && !stages.some((s) => s.name === restartFrom)) {
    throw new UserError(`--restart-from ${restartFrom}: not a stage of this run (${stages.map((s) => s.name).join(', ')})`);
  }
  const outcomes = await runPipeline(stages, { stateDir: paths.runDir, log: opts.log, restartFrom });
  let report: string | null = null;
  if (until === 'publish') {
    const written = writeReport(paths.out);
    for (const w of written.warnings) opts.log(`report: note: ${w}`);
    report = written.path;
    const probe = readManifest(paths.out).metrics.probe as Record<string, { pass?: number }> | undefined;
    const rates = Object.entries(probe ?? {}).map(([name, m]) => `${name} ${((m.pass ?? 0) * 100).toFixed(1)}%`);
    if (rates.length) opts.log(`speedrun: probe pass rate: ${rates.join(', ')}`);
  }
  const total = outcomes.reduce((s, o) => s + o.seconds, 0);
  opts.log(`speedrun: done (${outcomes.filter((o) => o.decision.action === 'reuse').length} of ${outcomes.length} stages reused; recorded stage time ${total.toFixed(0)} s)${report ? `; report ${repoPath(report)}` : ''}`);
  return { outcomes, paths, report };
}
