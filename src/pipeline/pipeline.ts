import { UserError } from '../errors.js';
import { repoPath } from './recipe.js';
import { dirDigest, decideStage, readStageRecord, writeStageRecord, type StageDecision } from './stage-record.js';

/** One step of a resumable pipeline (the speedrun's stages, or fakes in tests). */
export interface PipelineStage {
  name: string;
  /** The directory the stage produces; its digest decides whether a completed stage is intact. */
  outputDir: string;
  /** Named hashes of everything the stage is built from; computed when the stage is reached. */
  inputs(): Record<string, string>;
  /** Whether an interrupted attempt left state to continue from (e.g. a checkpoint). */
  canResume?(): boolean;
  /** Produces outputDir; with resume, continues the interrupted attempt instead of starting over. */
  run(opts: { resume: boolean }): Promise<void>;
  /** The outputs' digest; default: every file of outputDir. */
  digest?(): string | null;
  /** Why a completed stage's artifact is no longer intact (e.g. a recorded input was edited), or null. */
  check?(): string | null;
}

export interface StageOutcome {
  stage: string;
  decision: StageDecision;
  /** Wall-clock seconds over every attempt of the stage (also for a reused stage: its recorded time). */
  seconds: number;
}

const digestOf = (stage: PipelineStage): string | null => (stage.digest ? stage.digest() : dirDigest(stage.outputDir));

/**
 * Runs the stages in order, recording each in `stateDir/stages/`. A stage is marked `running` before
 * it starts and `done` (with its output digest) after, so a crash leaves a record that the next run
 * turns into a resume (same inputs) or a fresh start (inputs changed), never a silent reuse.
 */
export async function runPipeline(
  stages: readonly PipelineStage[],
  opts: { stateDir: string; log: (line: string) => void; restartFrom?: string },
): Promise<StageOutcome[]> {
  const outcomes: StageOutcome[] = [];
  let forced = false;
  for (const stage of stages) {
    forced ||= stage.name === opts.restartFrom;
    const inputs = stage.inputs();
    const record = readStageRecord(opts.stateDir, stage.name);
    const canResume = record?.status === 'running' && (stage.canResume?.() ?? false);
    let decision = decideStage(record, inputs, record?.status === 'done' ? digestOf(stage) : null, canResume);
    const problem = decision.action === 'reuse' ? (stage.check?.() ?? null) : null;
    if (problem !== null) decision = { action: 'run', reason: `its artifact no longer verifies: ${problem}` };
    if (forced) decision = { action: 'run', reason: `--restart-from ${opts.restartFrom}` };
    if (decision.action === 'reuse') {
      opts.log(`stage ${stage.name}: reusing ${repoPath(stage.outputDir)} (${decision.reason})`);
      outcomes.push({ stage: stage.name, decision, seconds: record!.seconds });
      continue;
    }
    opts.log(`stage ${stage.name}: ${decision.action === 'resume' ? 'resuming' : 'running'} (${decision.reason})`);
    const previousSeconds = decision.action === 'resume' ? record!.seconds : 0;
    const startedAt = new Date();
    const base = { stage: stage.name, inputs, started_at: startedAt.toISOString() };
    writeStageRecord(opts.stateDir, { ...base, status: 'running', outputs: null, ended_at: null, seconds: previousSeconds });
    const elapsed = (): number => previousSeconds + (Date.now() - startedAt.getTime()) / 1000;
    try {
      await stage.run({ resume: decision.action === 'resume' });
    } catch (err) {
      // A failed attempt still counts toward the stage's wall clock; the record stays `running`.
      writeStageRecord(opts.stateDir, { ...base, status: 'running', outputs: null, ended_at: null, seconds: elapsed() });
      if (err instanceof UserError) throw new UserError(`stage ${stage.name}: ${err.message}`, err.exitCode);
      throw err;
    }
    const seconds = elapsed();
    writeStageRecord(opts.stateDir, { ...base, status: 'done', outputs: digestOf(stage), ended_at: new Date().toISOString(), seconds });
    opts.log(`stage ${stage.name}: done in ${seconds.toFixed(1)} s`);
    outcomes.push({ stage: stage.name, decision, seconds });
  }
  return outcomes;
}
