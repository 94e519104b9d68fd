import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { UserError } from '../errors.js';

/**
 * Formats zod issues as "FILE: field `a.b`: message" so every config error names the field
 * and (through zod's own messages) the allowed values or bounds.
 */
export function describeIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = issue.path.length ? issue.path.join('.') : '(root)';
      return `${source}: field \`${field}\`: ${issue.message}`;
    })
    .join('; ');
}

/** Validates `value` against `schema`, throwing a one-line UserError that names the offending field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new UserError(describeIssues(source, result.error.issues));
  return result.data;
}

/** Reads a JSON file, with one-line errors for a missing file or invalid JSON. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${path}: cannot read file`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** Loads and validates a JSON config file. */
export function loadConfig<S extends z.ZodType>(schema: S, path: string): z.output<S> {
  return parseWith(schema, readJsonFile(path), path);
}
