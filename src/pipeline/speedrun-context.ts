import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../data/paths.js';
import type { Recipe } from './recipe.js';

/** Where a speedrun puts each stage's outputs (absolute paths). */
export interface SpeedrunPaths {
  runDir: string;
  out: string;
  tokenizer: string;
  tokEval: string;
  base: string;
  plans: string;
  sft: string;
  eval: string;
  /** The resolved stage configs the child commands read (and their manifests record). */
  configs: string;
}

export function speedrunPaths(recipe: Recipe, flags: { runDir?: string; out?: string }): SpeedrunPaths {
  // Flags are relative to the caller's directory; recipe paths to the checkout the recipe belongs to.
  const runDir = flags.runDir !== undefined ? resolve(flags.runDir) : resolve(REPO_ROOT, recipe.paths.run_dir);
  return {
    runDir,
    out: flags.out !== undefined ? resolve(flags.out) : resolve(REPO_ROOT, recipe.paths.out),
    tokenizer: recipe.paths.tokenizer === null ? join(runDir, 'tokenizer') : resolve(REPO_ROOT, recipe.paths.tokenizer),
    tokEval: join(runDir, 'tok-eval'),
    base: join(runDir, 'base'),
    plans: join(runDir, 'plans'),
    sft: join(runDir, 'sft'),
    eval: join(runDir, 'eval'),
    configs: join(runDir, 'configs'),
  };
}

/** What every speedrun stage is given: the recipe, where things go, and the log. */
export interface SpeedrunContext {
  recipe: Recipe;
  recipePath: string;
  preset: string | null;
  backend: string;
  paths: SpeedrunPaths;
  log: (line: string) => void;
}
