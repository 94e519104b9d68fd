import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { parseWith } from '../config/load.js';
import { descriptorSchema, parseDescriptors, type ToolDescriptor } from '../data/descriptor.js';

/** "line L column C" for a JSON.parse error that reports a character position. */
function locate(text: string, err: Error): string {
  const match = /position (\d+)/.exec(err.message);
  if (!match) return err.message;
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line} column ${column}: ${err.message}`;
}

/** The file as one JSON object (a lone descriptor, on one line or pretty-printed), else undefined. */
function parseWhole(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads tool descriptors (DESIGN.md format) from a JSON array file, a file holding one descriptor, or
 * JSONL with one descriptor per line. Errors name the file and the line or the field.
 */
export function readToolsFile(path: string): ToolDescriptor[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${path}: cannot read the tools file`);
  }
  if (text.trimStart().startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new UserError(`${path}: not valid JSON (${locate(text, err as Error)})`);
    }
    return parseDescriptors(value, path);
  }
  const single = parseWhole(text);
  if (single !== undefined) return [parseWith(descriptorSchema, single, path)];
  const tools: ToolDescriptor[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const source = `${path}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UserError(`${source}: not valid JSON (${(err as Error).message})`);
    }
    const d = parseWith(descriptorSchema, value, source);
    if (seen.has(d.name)) throw new UserError(`${source}: duplicate tool \`${d.name}\``);
    seen.add(d.name);
    tools.push(d);
  });
  if (tools.length === 0) throw new UserError(`${path}: no tool descriptors (expected a JSON array or one descriptor per line)`);
  return tools;
}
