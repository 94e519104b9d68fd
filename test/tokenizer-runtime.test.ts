import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type CapTokenizer } from '../src/tokenizer/tokenizer.js';
import { CONTROL_TOKENS } from '../src/tokenizer/reserved.js';
import { sha256Hex } from '../src/util/hash.js';
import { fixtureTexts, trainFixtureTokenizer } from './fixtures/tokenizer/fixture-tokenizer.js';

let dir: string;
let tok: CapTokenizer;

beforeAll(async () => {
  dir = await trainFixtureTokenizer();
  tok = loadTokenizer(dir);
});
afterAll(() => tok?.free());

const pieces = (text: string): string[] => tok.encode(text).map((id) => Buffer.from(tok.tokenBytes(id)).toString('utf8'));
const atomId = (text: string): number => tok.info.reserved_atoms.find((a) => a.text === text)!.id;

describe('fixture tokenizer artifacts', () => {
  it('lays out ids as bytes, merges, reserved atoms, control tokens', () => {
    const info = tok.info;
    expect(info.vocab_size).toBe(1024);
    expect(tok.vocabSize).toBe(1024);
    const ranks = readFileSync(join(dir, 'capos.tiktoken'), 'utf8').trimEnd().split('\n');
    expect(ranks).toHaveLength(256 + info.merges);
    expect(ranks[65]).toBe(`${Buffer.from('A').toString('base64')} 65`);
    expect(info.reserved_atoms[0]!.id).toBe(256 + info.merges);
    expect(tok.specialId('<|bos|>')).toBe(256 + info.merges + info.reserved_atoms.length);
    expect(Object.keys(info.special_tokens)).toEqual([...CONTROL_TOKENS, ...Array.from({ length: 9 }, (_, i) => `<|tool_${i}|>`)]);
  });

  it('records every output file and input in the manifest with its sha256', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    for (const file of ['capos.tiktoken', 'tokenizer.json']) {
      expect(manifest.outputs[file].sha256).toBe(sha256Hex(readFileSync(join(dir, file))));
    }
    expect(manifest.inputs.catalog.sha256).toBe(sha256Hex(readFileSync(join(dir, manifest.inputs.catalog.path))));
    expect(manifest.inputs['sample.jsonl'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.config.vocab_size).toBe(1024);
    expect(tok.info.training_inputs.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic: training again gives byte-identical ranks and tokenizer.json', async () => {
    const again = await trainFixtureTokenizer();
    for (const file of ['capos.tiktoken', 'tokenizer.json']) {
      expect(readFileSync(join(again, file)).equals(readFileSync(join(dir, file))), file).toBe(true);
    }
    const other = loadTokenizer(again);
    expect(other.sha256).toBe(tok.sha256);
    other.free();
  });
});

describe('encode / decode', () => {
  it('round-trips every fixture document and arbitrary unicode', () => {
    const samples = [
      ...fixtureTexts(),
      '',
      ' ',
      '\u0000\u0001\u007f',
      'ſ\u0085\ufeff🚀 Ελληνικά 日本語 e\u0301',
      Array.from({ length: 500 }, (_, i) => String.fromCodePoint((i * 7919) % 0xd000 + 32)).join(''),
    ];
    for (const text of samples) {
      const ids = tok.encode(text);
      expect(tok.decode(ids)).toBe(text);
      expect(tok.encode(tok.decode(ids))).toEqual(ids);
    }
  });

  it('decodes any id sequence to the exact concatenated token bytes', () => {
    const ids = Array.from({ length: 300 }, (_, i) => (i * 613) % tok.vocabSize);
    const bytes = tok.decodeBytes(ids);
    expect(Buffer.from(bytes)).toEqual(Buffer.concat(ids.map((id) => tok.tokenBytes(id))));
    // Lone byte tokens (invalid UTF-8 on their own) come back exactly too.
    expect([...tok.decodeBytes([0xff, 0xc3, 0x28])]).toEqual([0xff, 0xc3, 0x28]);
    expect(() => tok.tokenBytes(tok.vocabSize)).toThrow(/out of range/);
  });

  it('never produces control tokens from plain text', () => {
    const text = CONTROL_TOKENS.join(' ') + ' <|tool_0|>';
    const ids = tok.encode(text);
    expect(ids.some((id) => tok.isSpecial(id))).toBe(false);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.isSpecial(tok.specialId('<|assistant_end|>'))).toBe(true);
    expect(tok.decode([tok.specialId('<|bos|>')])).toBe('<|bos|>');
    expect(() => tok.specialId('<|nope|>')).toThrow(/unknown control token/);
  });

  it('produces reserved atoms only on identifier boundaries', () => {
    expect(pieces('struct Foo')).toContain('struct');
    expect(pieces('a struct')).toContain(' struct');
    expect(pieces('destructor')).not.toContain('struct');
    expect(pieces('structs')).not.toContain('struct');
    expect(pieces('Textual')).not.toContain('Text');
    expect(pieces('x :Text;')).toContain('Text');
    expect(pieces(':List(Text)')).toEqual([':', 'List(', 'Text', ')']);
    expect(pieces('MyList(x)')).not.toContain('List(');
    expect(pieces('Int8 Int16')).toEqual(['Int8', ' Int16']);
    expect(pieces('Int80')).not.toContain('Int8');
    expect(pieces('call(NetworkStack.info)')).toContain('NetworkStack.info');
    // Leftmost match first: the space form of the interface name starts one character earlier.
    expect(pieces('call NetworkStack.info')).toEqual([...pieces('call'), ' NetworkStack', ...pieces('.info')]);
    expect(pieces('NetworkStack.infoX')).not.toContain('NetworkStack.info');
    expect(pieces('NetworkStack.infoX')).toContain('NetworkStack');
    expect(tok.encode('_struct')).not.toContain(atomId('struct'));
    expect(tok.encode('éstruct')).not.toContain(atomId('struct'));
  });

  it('encodes catalog type ids and falls back to @0x for other ids', () => {
    const known = tok.info.reserved_atoms.find((a) => a.group === 'type-id' && !a.text.startsWith(' '))!;
    expect(tok.encode(`interface X ${known.text} {`)).toContain(atomId(` ${known.text}`));
    expect(pieces('@0xdeadbeefdeadbeef;')[0]).toBe('@0x');
    expect(pieces(`${known.text}0`)).not.toContain(known.text);
  });

  it('encodes canonical plans and descriptors with the structural atoms', () => {
    const plan = JSON.stringify({
      steps: [
        { tool: 'NetworkStack.info', args: {}, rationale: 'Check the stack.' },
        { tool: 'LogReader.tail', args: { source: 'net', lines: 20 }, rationale: 'Read the log.' },
      ],
    });
    expect(pieces(plan)).toEqual([
      '{"steps":[{"tool":"', 'NetworkStack.info', '","args":{},"rationale":"', ...pieces('Check the stack'), '."},{"tool":"',
      'LogReader.tail', '","args":{"source":"', ...pieces('net'), '",', '"lines":', ...pieces('20'), '},"rationale":"',
      ...pieces('Read the log'), '."}]}',
    ]);
    expect(pieces('{"steps":[],"refusal":"No."}')).toEqual(['{"steps":[],"refusal":"', ...pieces('No'), '."}']);
    // A later argument, a list argument and a key outside the first position use the plain key atoms.
    expect(pieces('{"source":"a","lines":["x"]}')).toEqual(['{', '"source":"', 'a', '",', '"lines":', '["', 'x', '"]', '}']);
    const descriptor = '{"name":"LogReader.tail","description":"Return lines.","params":{"source":{"type":"Text"},"lines":{"type":"UInt32"}}}';
    expect(pieces(descriptor)).toEqual([
      '{"name":"', 'LogReader.tail', '","description":"', ...pieces('Return lines'), '.","params":{"source":', '{"type":"Text"}', ',', '"lines":', '{"type":"UInt32"}', '}}',
    ]);
  });
});
