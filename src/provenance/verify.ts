import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseWith, readJsonFile } from '../config/load.js';
import { verifyInstalledCorpus } from '../data/corpus.js';
import { CORPUS_LOCK_INPUT } from '../data/lock.js';
import { UserError } from '../errors.js';
import { sha256FileSync } from '../util/hash.js';
import { manifestSchema, type Manifest } from './manifest.js';
import { listArtifactFiles, MANIFEST_FILE } from './outputs.js';

const short = (h: string): string => h.slice(0, 12) + '…';

function checkFile(path: string, expected: string, what: string): void {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`${path}: missing (${what})`);
  const actual = sha256FileSync(path);
  if (actual !== expected) throw new UserError(`${path}: sha256 mismatch (${what}: recorded ${short(expected)}, found ${short(actual)})`);
}

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new UserError(`${dir}: no ${MANIFEST_FILE} (not an artifact directory?)`);
  return parseWith(manifestSchema, readJsonFile(path), path);
}

/**
 * Recomputes every hash an artifact's manifest records: its outputs, its input files and its
 * parents' manifests, then verifies each parent the same way (sft → base → tokenizer → corpus
 * lock). Throws a UserError naming the first missing or changed file; `log` gets one line per check.
 * Outputs recorded as not published are checked when present and otherwise only reported: their
 * absolute paths (deduplicated, as a published base appears in its own and its child's manifest)
 * are added to `withheld`.
 */
export function verifyArtifact(dir: string, log: (line: string) => void, visited = new Set<string>(), withheld = new Set<string>()): Set<string> {
  const abs = resolve(dir);
  if (visited.has(abs)) return withheld;
  visited.add(abs);
  const manifest = readManifest(dir);
  log(`${dir}: ${manifest.stage} artifact, built ${manifest.ended_at}, git ${manifest.git.commit ?? 'unknown'}${manifest.git.dirty ? ' (dirty)' : ''}`);

  for (const [file, out] of Object.entries(manifest.outputs)) {
    const path = join(dir, file);
    if (out.published === false && !existsSync(path)) {
      withheld.add(resolve(path));
      log(`  -- output ${file}: recorded by hash ${short(out.sha256)} (${out.bytes} bytes), not published`);
      continue;
    }
    checkFile(path, out.sha256, 'output');
    log(`  ok output ${file}${out.published === false ? ' (not published, present here)' : ''}`);
  }
  for (const file of listArtifactFiles(dir).filter((f) => !(f in manifest.outputs))) {
    log(`  note: ${file} is not recorded in the manifest (not checked)`);
  }
  for (const [name, input] of Object.entries(manifest.inputs)) {
    if (input.path === undefined) {
      log(`  -- input ${name}: recorded hash ${short(input.sha256)} has no path (not checkable)`);
      continue;
    }
    const path = join(dir, input.path);
    checkFile(path, input.sha256, `input ${name} of ${dir}`);
    log(`  ok input ${name} ${input.path}`);
    if (name === CORPUS_LOCK_INPUT) {
      const files = verifyInstalledCorpus(path);
      log(files ? `  ok corpus: ${files.length} installed files match the lock` : '  -- corpus not installed beside the lock (files not checked)');
    }
  }
  for (const [role, parent] of Object.entries(manifest.parents)) {
    const parentDir = join(dir, parent.path);
    if (!existsSync(join(parentDir, MANIFEST_FILE))) {
      throw new UserError(`${dir}: broken link to parent ${role}: ${parentDir}/${MANIFEST_FILE} is missing`);
    }
    checkFile(join(parentDir, MANIFEST_FILE), parent.manifest_sha256, `parent ${role} of ${dir}`);
    log(`  ok parent ${role} ${parent.path}`);
  }
  for (const parent of Object.values(manifest.parents)) verifyArtifact(join(dir, parent.path), log, visited, withheld);
  return withheld;
}
