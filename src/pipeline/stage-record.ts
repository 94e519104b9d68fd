import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseWith, readJsonFile } from '../config/load.js';
import { listArtifactFiles, MANIFEST_FILE } from '../provenance/outputs.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { sha256FileSync, sha256Hex } from '../util/hash.js';

/**
 * What the speedrun remembers about a stage (<run_dir>/stages/<name>.json): the hashes of everything
 * it was built from, and — once it completed — a digest of what it produced. A completed stage is
 * reused only while both still match; a `running` record marks an interrupted stage.
 */
export const stageRecordSchema = z
  .object({
    stage: z.string(),
    status: z.enum(['running', 'done']),
    /** Named inputs (config, parent outputs, corpus lock, catalog, …) → sha256. */
    inputs: z.record(z.string(), z.string()),
    /** Digest of the stage's output directory when it completed. */
    outputs: z.string().nullable(),
    started_at: z.string(),
    ended_at: z.string().nullable(),
    /** Wall-clock seconds over every attempt (an interrupted and resumed stage counts both). */
    seconds: z.number().min(0),
  })
  .strict();

export type StageRecord = z.output<typeof stageRecordSchema>;

export const recordPath = (stateDir: string, stage: string): string => join(stateDir, 'stages', `${stage}.json`);

export function readStageRecord(stateDir: string, stage: string): StageRecord | null {
  const path = recordPath(stateDir, stage);
  return existsSync(path) ? parseWith(stageRecordSchema, readJsonFile(path), path) : null;
}

export function writeStageRecord(stateDir: string, record: StageRecord): void {
  writeJsonAtomic(recordPath(stateDir, record.stage), record);
}

/** sha256 over every file of `dir` (path and content hash, sorted), manifest included; null when absent. */
export function dirDigest(dir: string): string | null {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  const files = listArtifactFiles(dir);
  if (existsSync(join(dir, MANIFEST_FILE))) files.push(MANIFEST_FILE);
  return sha256Hex(files.sort().map((f) => `${f} ${sha256FileSync(join(dir, f))}\n`).join(''));
}

/** A value's sha256 through canonical JSON (sorted keys), so key order in a config file does not matter. */
export function valueDigest(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return sha256Hex(JSON.stringify(canonical(value)));
}

/** Names whose hash differs, was added or was removed between two input sets. */
export function changedInputs(recorded: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>): string[] {
  const names = new Set([...Object.keys(recorded), ...Object.keys(now)]);
  return [...names].filter((n) => recorded[n] !== now[n]).sort();
}

export type StageDecision =
  | { action: 'reuse'; reason: string }
  | { action: 'resume'; reason: string }
  | { action: 'run'; reason: string };

/**
 * Reuse a completed stage whose inputs and outputs are unchanged; resume an interrupted one whose
 * inputs are unchanged (if it left something to resume from); run it afresh otherwise, saying why.
 */
export function decideStage(
  record: StageRecord | null,
  inputs: Readonly<Record<string, string>>,
  currentOutputs: string | null,
  canResume: boolean,
): StageDecision {
  if (record === null) return { action: 'run', reason: 'not run yet' };
  const changed = changedInputs(record.inputs, inputs);
  if (record.status === 'done') {
    if (changed.length > 0) return { action: 'run', reason: `inputs changed since it completed: ${changed.join(', ')}` };
    if (currentOutputs === null) return { action: 'run', reason: 'its outputs are missing' };
    if (currentOutputs !== record.outputs) return { action: 'run', reason: 'its outputs were modified since it completed' };
    return { action: 'reuse', reason: `inputs and outputs unchanged since ${record.ended_at}` };
  }
  if (changed.length > 0) return { action: 'run', reason: `it was interrupted, and its inputs changed since (${changed.join(', ')}): starting over` };
  if (canResume) return { action: 'resume', reason: 'it was interrupted: continuing from its last checkpoint' };
  return { action: 'run', reason: 'it was interrupted and left no checkpoint: starting over' };
}
