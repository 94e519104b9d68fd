import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineInfo, type MachineInfo } from '../eval/machine.js';
import type { TokEvalResult } from '../eval/tok-eval.js';
import type { ProbeReport } from '../eval/probe/report.js';
import { gitState, packageLockSha256, tfjsVersion, type GitState } from '../provenance/environment.js';
import type { Manifest } from '../provenance/manifest.js';
import { MANIFEST_FILE } from '../provenance/outputs.js';
import { readManifest } from '../provenance/verify.js';
import { sha256FileSync } from '../util/hash.js';
import { TRAIN_LOG } from '../train/run-dir.js';
import { repoPath } from '../pipeline/recipe.js';
import { DECODING_MODES, EVAL_DIR, EVAL_PROBES, probeResultFile, SPEEDRUN_FILE, TOK_EVAL_FILE, type DecodingMode } from '../pipeline/layout.js';

/** One artifact of the provenance chain, from the checkpoint back to the tokenizer. */
export interface ChainEntry {
  /** How its child refers to it ("checkpoint" for the report's own directory). */
  role: string;
  dir: string;
  manifestSha256: string;
  manifest: Manifest;
}

/** The per-step numbers of train.jsonl that the report charts (base: val_bpb; SFT: val losses). */
export const CURVE_METRICS = ['loss', 'val_loss', 'val_unseen_loss', 'val_bpb'] as const;
export type CurveMetric = (typeof CURVE_METRICS)[number];

export interface CurvePoint {
  step: number;
  tokens: number | null;
  values: Partial<Record<CurveMetric, number>>;
}

export interface Curve {
  stage: string;
  points: CurvePoint[];
}

export interface ProbeResult {
  name: string;
  mode: DecodingMode;
  probe: string;
  /** Goal-copy bias in nats (0: off, as before it existed). */
  copyBias: number;
  toolBias: number;
  minConfidence: number;
  report: ProbeReport;
}

export interface ReportData {
  checkpoint: string;
  generatedAt: string;
  machine: MachineInfo;
  software: { node: string; tfjs: string | null; git: GitState; packageLock: string | null };
  chain: ChainEntry[];
  curves: Curve[];
  tokEval: TokEvalResult | null;
  /** Probe results by probe name and decoding mode, in EVAL_PROBES × DECODING_MODES order. */
  probes: ProbeResult[];
  stages: Array<{ stage: string; seconds: number }> | null;
  /** Parts that could not be shown and why (e.g. a parent artifact not present on this clone). */
  warnings: string[];
}

function readJson<T>(path: string): T | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

/**
 * Follows manifest parents depth-first; a missing parent becomes a warning (the report shows what is there),
 * a directory without a manifest is an error (it is not a checkpoint).
 */
function collectChain(dir: string, warnings: string[]): ChainEntry[] {
  const chain: ChainEntry[] = [];
  const seen = new Set<string>();
  const visit = (role: string, d: string): void => {
    const path = join(d, MANIFEST_FILE);
    if (seen.has(path)) return;
    seen.add(path);
    if (!existsSync(path) && role !== 'checkpoint') {
      warnings.push(`parent ${role}: ${path} is missing, so its metrics and curves are not shown`);
      return;
    }
    const manifest = readManifest(d);
    chain.push({ role, dir: d, manifestSha256: sha256FileSync(path), manifest });
    for (const [r, p] of Object.entries(manifest.parents)) visit(r, join(d, p.path));
  };
  visit('checkpoint', dir);
  return chain;
}

/** Tokens per optimizer step from a training manifest's resolved config, when it has one. */
function tokensPerStep(manifest: Manifest): number | null {
  const c = manifest.config as { optim?: { total_batch_tokens?: unknown } } | null;
  const t = c?.optim?.total_batch_tokens;
  return typeof t === 'number' ? t : null;
}

function readCurve(entry: ChainEntry): Curve | null {
  const path = join(entry.dir, TRAIN_LOG);
  if (!existsSync(path)) return null;
  const perStep = tokensPerStep(entry.manifest);
  const points: CurvePoint[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    if (typeof r.step !== 'number') continue;
    const values: CurvePoint['values'] = {};
    for (const m of CURVE_METRICS) if (typeof r[m] === 'number') values[m] = r[m];
    points.push({ step: r.step, tokens: perStep === null ? null : r.step * perStep, values });
  }
  return { stage: entry.manifest.stage, points };
}

/** Everything report.md shows, read from a published checkpoint directory and its manifest chain. */
export function collectReportData(checkpoint: string): ReportData {
  const warnings: string[] = [];
  const chain = collectChain(checkpoint, warnings);
  const evalDir = join(checkpoint, EVAL_DIR);
  const probes: ReportData['probes'] = [];
  for (const name of EVAL_PROBES) {
    for (const mode of DECODING_MODES) {
      const r = readJson<ProbeReport & { probe: string; source?: { copyBias?: number; toolBias?: number; minConfidence?: number } }>(join(evalDir, probeResultFile(name, mode)));
      if (r) probes.push({ name, mode, probe: r.probe, copyBias: r.source?.copyBias ?? 0, toolBias: r.source?.toolBias ?? 0, minConfidence: r.source?.minConfidence ?? 0, report: r });
    }
  }
  if (probes.length === 0) warnings.push(`${repoPath(evalDir)}: no probe results (${probeResultFile('dev')})`);
  const tokEval = readJson<TokEvalResult>(join(evalDir, TOK_EVAL_FILE));
  if (!tokEval) warnings.push(`no tokenizer evaluation (${join(EVAL_DIR, TOK_EVAL_FILE)})`);
  const speedrun = readJson<{ stages: Array<{ stage: string; seconds: number }> }>(join(checkpoint, SPEEDRUN_FILE));
  return {
    checkpoint,
    generatedAt: new Date().toISOString(),
    machine: machineInfo(),
    software: { node: process.version, tfjs: tfjsVersion(), git: gitState(), packageLock: packageLockSha256() },
    chain,
    curves: chain.flatMap((e) => readCurve(e) ?? []),
    tokEval,
    probes,
    stages: speedrun?.stages ?? null,
    warnings,
  };
}
