import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { sha256FileSync } from '../util/hash.js';
import { gitState, packageLockSha256, tfjsVersion } from './environment.js';
import { listArtifactFiles, MANIFEST_FILE } from './outputs.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

export const manifestSchema = z
  .object({
    version: z.literal(1),
    stage: z.string().min(1),
    started_at: z.string(),
    ended_at: z.string(),
    /**
     * Every file of the artifact directory but manifest.json, by posix path relative to it. A file marked
     * `published: false` was produced and is pinned by its hash, but left out of this copy (weights too
     * large to commit); verify checks it only when it is present.
     */
    outputs: z.record(z.string(), z.object({ sha256, bytes: z.number().int().nonnegative(), published: z.literal(false).optional() }).strict()),
    /** Input paths are relative to the artifact directory; an input without a path is recorded but not re-checkable. */
    inputs: z.record(z.string(), z.object({ path: z.string().optional(), sha256 }).strict()),
    /** Artifacts this one was built from (tokenizer ← base ← sft), pinned by the hash of their manifest. */
    parents: z.record(z.string(), z.object({ path: z.string(), manifest_sha256: sha256 }).strict()),
    config: z.unknown(),
    seeds: z.record(z.string(), z.number()),
    metrics: z.record(z.string(), z.unknown()),
    git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }).strict(),
    package_lock_sha256: sha256.nullable(),
    versions: z.object({ node: z.string(), tfjs: z.string().nullable() }).strict(),
    backend: z.object({ name: z.string(), version: z.string(), adapter: z.string().nullable() }).strict().nullable(),
  })
  .strict();

export type Manifest = z.output<typeof manifestSchema>;

/** An input file (hashed now, or checked against `sha256` if given) or a bare hash of something that is not a file. */
export type ManifestInput = { path: string; sha256?: string } | { path?: undefined; sha256: string };

export interface ManifestSpec {
  stage: string;
  inputs: Record<string, ManifestInput>;
  /** Parent artifact directories by role, e.g. `{ tokenizer: 'tokenizer' }` for base, `{ base: 'checkpoints/base' }` for sft. */
  parents?: Record<string, string>;
  config: unknown;
  seeds: Record<string, number>;
  metrics: Record<string, unknown>;
  startedAt: Date | string;
  endedAt: Date | string;
  backend?: { name: string; version: string; adapter: string | null };
  /** Output files recorded by hash but not placed in the directory (see `outputs` above), by path relative to it. */
  withheld?: Record<string, WithheldFile>;
  /**
   * Where the artifact was made, when that was not this process (a published copy of an earlier run): its
   * git state, package-lock and versions stay the producing run's. Default: this process's.
   */
  producedBy?: Pick<Manifest, 'git' | 'package_lock_sha256' | 'versions'>;
}

export interface WithheldFile {
  sha256: string;
  bytes: number;
}

/** `target` relative to the artifact dir, with '/' separators so manifests are portable. */
function linkFrom(dir: string, target: string): string {
  return relative(resolve(dir), resolve(target)).split(sep).join('/');
}

const iso = (t: Date | string): string => (typeof t === 'string' ? t : t.toISOString());

function recordInput(dir: string, name: string, input: ManifestInput): Manifest['inputs'][string] {
  if (input.path === undefined) return { sha256: input.sha256 };
  if (!existsSync(input.path) || !statSync(input.path).isFile()) throw new UserError(`input ${name}: ${input.path} is not a file`);
  const actual = sha256FileSync(input.path);
  if (input.sha256 !== undefined && input.sha256 !== actual) {
    throw new UserError(`input ${name}: ${input.path} changed since it was read (sha256 differs)`);
  }
  return { path: linkFrom(dir, input.path), sha256: actual };
}

function recordParent(dir: string, role: string, parentDir: string): Manifest['parents'][string] {
  const path = join(parentDir, MANIFEST_FILE);
  if (!existsSync(path)) throw new UserError(`parent ${role}: ${parentDir} has no ${MANIFEST_FILE}`);
  return { path: linkFrom(dir, parentDir), manifest_sha256: sha256FileSync(path) };
}

/**
 * Writes `dir/manifest.json` for an artifact whose files are all in place: hashes every file of
 * `dir`, the inputs and the parents' manifests, and records the environment. Call it last, inside
 * the temp directory of buildDirAtomic (a sibling of the final one, so relative links stay valid).
 */
export function writeManifest(dir: string, spec: ManifestSpec): Manifest {
  const outputs: Manifest['outputs'] = {};
  for (const file of listArtifactFiles(dir)) {
    const path = join(dir, file);
    outputs[file] = { sha256: sha256FileSync(path), bytes: statSync(path).size };
  }
  for (const [file, w] of Object.entries(spec.withheld ?? {})) {
    // A withheld file lying in the directory would be published after all: a bug in the caller.
    if (file in outputs) throw new Error(`${dir}: ${file} is marked withheld but is present`);
    outputs[file] = { sha256: w.sha256, bytes: w.bytes, published: false };
  }
  const manifest: Manifest = {
    version: 1,
    stage: spec.stage,
    started_at: iso(spec.startedAt),
    ended_at: iso(spec.endedAt),
    outputs: Object.fromEntries(Object.entries(outputs).sort(([a], [b]) => (a < b ? -1 : 1))),
    inputs: Object.fromEntries(Object.entries(spec.inputs).map(([name, input]) => [name, recordInput(dir, name, input)])),
    parents: Object.fromEntries(Object.entries(spec.parents ?? {}).map(([role, p]) => [role, recordParent(dir, role, p)])),
    config: spec.config,
    seeds: spec.seeds,
    metrics: spec.metrics,
    ...(spec.producedBy ?? { git: gitState(), package_lock_sha256: packageLockSha256(), versions: { node: process.version, tfjs: tfjsVersion() } }),
    backend: spec.backend ?? null,
  };
  writeJsonAtomic(join(dir, MANIFEST_FILE), manifest);
  return manifest;
}
