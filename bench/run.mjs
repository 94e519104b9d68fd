#!/usr/bin/env node
// Runs a TypeScript benchmark from bench/ without a separate build step, through vite's module runner
// (installed with vitest): `node bench/run.mjs NAME [args…]` runs bench/NAME.ts with args in process.argv.
import { runnerImport } from 'vite';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const [name, ...args] = process.argv.slice(2);
const file = name && join(dirname(fileURLToPath(import.meta.url)), `${name}.ts`);
if (!file || !existsSync(file)) {
  process.stderr.write(`usage: node bench/run.mjs NAME [args…]  (NAME = a bench/*.ts file without .ts)\n`);
  process.exit(1);
}
process.argv = [process.argv[0], file, ...args];
await runnerImport(file);
