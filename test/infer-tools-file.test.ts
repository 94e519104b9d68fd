import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readToolsFile } from '../src/infer/tools-file.js';

const dir = mkdtempSync(join(tmpdir(), 'capplan-tools-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const info = { name: 'NetworkStack.info', description: 'Report the stack state.', params: {} };
const tail = { name: 'LogReader.tail', description: 'Last lines of a log.', params: { source: { type: 'Text' }, lines: { type: 'UInt32' } } };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readToolsFile', () => {
  it('reads a JSON array, a lone pretty-printed descriptor and JSONL alike', () => {
    expect(readToolsFile(file('a.json', JSON.stringify([info, tail], null, 2)))).toEqual([info, tail]);
    expect(readToolsFile(file('one.json', JSON.stringify(tail, null, 2)))).toEqual([tail]);
    expect(readToolsFile(file('l.jsonl', `${JSON.stringify(info)}\n\n${JSON.stringify(tail)}\n`))).toEqual([info, tail]);
  });

  it('names the file and line or field of every problem', () => {
    expect(() => readToolsFile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the tools file/);
    expect(() => readToolsFile(file('b.json', '[\n {"name": "A.b",\n  "description": 1,,\n]'))).toThrow(/b\.json: not valid JSON \(line 3 column/);
    expect(() => readToolsFile(file('c.jsonl', `${JSON.stringify(info)}\n{"name": "A.b"\n`))).toThrow(/c\.jsonl:2: not valid JSON/);
    expect(() => readToolsFile(file('d.jsonl', `${JSON.stringify(info)}\n${JSON.stringify({ ...tail, params: { Lines: { type: 'UInt32' } } })}\n`))).toThrow(
      /d\.jsonl:2: field `params\.Lines`/,
    );
    expect(() => readToolsFile(file('e.jsonl', `${JSON.stringify(info)}\n${JSON.stringify(info)}\n`))).toThrow(/e\.jsonl:2: duplicate tool `NetworkStack\.info`/);
    expect(() => readToolsFile(file('f.json', JSON.stringify([info, info])))).toThrow(/f\.json: duplicate tool/);
    expect(() => readToolsFile(file('g.jsonl', '\n\n'))).toThrow(/g\.jsonl: no tool descriptors/);
  });
});
