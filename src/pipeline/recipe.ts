import { isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { parseWith, readJsonFile } from '../config/load.js';
import { REPO_ROOT } from '../data/paths.js';
import { UserError } from '../errors.js';

/**
 * The speedrun recipe (configs/default.json): which stage configs, seeds and step budgets make the
 * default planner, and named presets that override parts of it (e.g. `tiny` for tests).
 * Stage configs are the stage's own config files; `overrides` sets dotted fields of them, with
 * `${tokenizer}`, `${plans}` and `${run_dir}` replaced by the speedrun's paths.
 */
const overrides = z.record(z.string(), z.unknown()).default({});
const steps = z.number().int().positive();

/**
 * Default cap on the weights a speedrun publishes: the issue allows ≤ 16 MB of committed weights, read
 * as decimal megabytes (16·10^6 bytes, the stricter of MB and MiB).
 */
export const DEFAULT_MAX_WEIGHT_BYTES = 16_000_000;

export const STAGE_NAMES = ['corpus', 'tokenizer', 'tok_eval', 'base', 'plans', 'sft', 'eval', 'publish'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const recipeSchema = z
  .object({
    backend: z.string().default('auto'),
    paths: z
      .object({
        /** Where every stage writes its outputs and its completion record (stages/<name>.json). */
        run_dir: z.string().min(1),
        /** The published planner: SFT weights + meta + manifest + evaluation + report. */
        out: z.string().min(1),
        /** Where the tokenizer stage writes; null = <run_dir>/tokenizer. */
        tokenizer: z.string().min(1).nullable().default(null),
      })
      .strict(),
    tokenizer: z.object({ config: z.string().min(1), overrides }).strict(),
    base: z.object({ config: z.string().min(1), max_steps: steps, overrides }).strict(),
    plans: z.object({ seed: z.number().int().min(0), count: z.number().int().positive(), val_count: z.number().int().positive() }).strict(),
    sft: z.object({ config: z.string().min(1), max_steps: steps, overrides }).strict(),
    eval: z
      .object({
        probe: z.string().min(1),
        /** The probe written independently of the generator (mostly invented interfaces): what generalisation is judged on. */
        ood_probe: z.string().min(1),
        /** How many cases of each generated split (val, val_unseen) the planner is scored on. */
        val_cases: z.number().int().min(0),
        /** Compare our tokenizer with the GPT-2/cl100k/o200k/HF baselines (tokens per plan). */
        tok_eval: z.boolean().default(true),
      })
      .strict(),
    publish: z
      .object({
        /** The publish step refuses a tree whose `.safetensors` files add up to more than this. */
        max_weight_bytes: z.number().int().positive().default(DEFAULT_MAX_WEIGHT_BYTES),
      })
      .strict()
      .default({ max_weight_bytes: DEFAULT_MAX_WEIGHT_BYTES }),
  })
  .strict();

export type Recipe = z.output<typeof recipeSchema>;

const recipeFileSchema = z.looseObject({ presets: z.record(z.string(), z.record(z.string(), z.unknown())).default({}) });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; anything else in `patch` (arrays, scalars, null) replaces. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Reads the recipe file and applies `preset` (one of its `presets`) on top. */
export function loadRecipe(path: string, preset?: string): Recipe {
  const file = parseWith(recipeFileSchema, readJsonFile(path), path);
  const { presets, ...body } = file;
  let merged: unknown = body;
  if (preset !== undefined) {
    const patch = presets[preset];
    if (!patch) {
      const names = Object.keys(presets);
      throw new UserError(`${path}: no preset '${preset}' (presets: ${names.length ? names.join(', ') : 'none'})`);
    }
    merged = deepMerge(body, patch);
  }
  return parseWith(recipeSchema, merged, preset === undefined ? path : `${path} (preset ${preset})`);
}

/**
 * Sets `a.b.c` in a copy of `target`. The field's parent must exist: an override of a field the stage
 * config does not have is a typo, and the stage's own schema then names it.
 */
export function setDotted(target: unknown, dotted: string, value: unknown, source: string): unknown {
  const keys = dotted.split('.');
  const root: unknown = structuredClone(target);
  let node = root;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node)) throw new UserError(`${source}: override \`${dotted}\`: \`${key}\` is not an object in the stage config`);
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key];
  }
  if (!isPlainObject(node)) throw new UserError(`${source}: override \`${dotted}\` does not name a field of an object`);
  node[keys.at(-1)!] = value;
  return root;
}

/** Replaces `${name}` in string values (recursively) with the given paths. */
export function substitute(value: unknown, vars: Readonly<Record<string, string>>, source: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([a-z_]+)\}/g, (_, name: string) => {
      const v = vars[name];
      if (v === undefined) throw new UserError(`${source}: unknown placeholder \${${name}} (known: ${Object.keys(vars).join(', ')})`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars, source));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars, source)]));
  return value;
}

/** Applies a stage's overrides (placeholders substituted) to its loaded config. */
export function applyOverrides(config: unknown, stageOverrides: Record<string, unknown>, vars: Readonly<Record<string, string>>, source: string): unknown {
  let out = config;
  for (const [field, value] of Object.entries(stageOverrides)) out = setDotted(out, field, substitute(value, vars, source), source);
  return out;
}

/**
 * A path as stage configs and manifests should record it: relative to the checkout when inside it
 * (stages run with the checkout as working directory, so committed artifacts stay portable), else absolute.
 */
export function repoPath(path: string): string {
  const abs = resolve(path);
  const rel = relative(REPO_ROOT, abs);
  if (rel === '') return '.';
  if (rel.startsWith('..') || isAbsolute(rel)) return abs;
  return rel.split(sep).join('/');
}
