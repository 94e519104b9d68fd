import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkpointSteps } from './checkpoint.js';

/** The progress log of a run directory, one JSON record per logged step. */
export const TRAIN_LOG = 'train.jsonl';

/**
 * A new run must not land in a directory that already holds one: its log would gain a second run's
 * steps and its checkpoints would mix. Says what to do instead.
 */
export function refuseExistingRun(runDir: string): void {
  const steps = checkpointSteps(runDir);
  if (steps.length > 0) {
    throw new UserError(`${runDir} already holds a run (latest checkpoint step ${steps.at(-1)}); pass --resume to continue it or --out DIR for a new run`);
  }
  if (existsSync(join(runDir, TRAIN_LOG))) {
    throw new UserError(`${runDir} already holds a run without a checkpoint (${TRAIN_LOG}), so --resume has nothing to continue: remove it or pass --out DIR for a new run`);
  }
}

/**
 * Makes the run directory look as it did when checkpoint `step` was saved: log records of later steps
 * go (they are trained again), and so do weight files of later steps whose meta file never got written
 * (a save cut short by a second Ctrl-C), so the continued run logs every step once.
 */
export function rewindRun(runDir: string, step: number): void {
  const logPath = join(runDir, TRAIN_LOG);
  if (existsSync(logPath)) {
    const kept = readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((line) => {
        try {
          const record = JSON.parse(line) as { step?: unknown };
          return typeof record.step === 'number' && record.step <= step;
        } catch {
          return false; // blank, or a line cut short by the interruption
        }
      });
    writeFileAtomic(logPath, kept.map((line) => line + '\n').join(''));
  }
  for (const name of readdirSync(runDir)) {
    const m = /^(?:model|optim)_(\d+)\.safetensors$/.exec(name);
    if (m && Number(m[1]) > step) rmSync(join(runDir, name));
  }
}
