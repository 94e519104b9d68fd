import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';

/**
 * Reads `{"text": …}` lines. Blank lines are skipped; anything else that is not such an object is an
 * error naming the file and 1-based line number.
 */
export function readTextsJsonl(path: string): string[] {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${path}: cannot read file`);
  }
  const texts: string[] = [];
  content.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UserError(`${path}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    const text = (value as { text?: unknown } | null)?.text;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof text !== 'string') {
      throw new UserError(`${path}:${i + 1}: expected an object with a string field \`text\``);
    }
    texts.push(text);
  });
  if (texts.length === 0) throw new UserError(`${path}: no documents (expected one {"text": …} object per line)`);
  return texts;
}

/** The inverse of readTextsJsonl: one `{"text": …}` object per line. */
export function formatTextsJsonl(texts: readonly string[]): string {
  return texts.map((text) => JSON.stringify({ text }) + '\n').join('');
}
