import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tiktoken } from 'tiktoken/lite';
import { UserError } from '../errors.js';
import { parseWith } from '../config/load.js';
import { sha256Hex } from '../util/hash.js';
import { REPO_ROOT } from '../data/paths.js';
import { AtomMatcher } from './atom-matcher.js';
import { parseRanks, RANKS_FILE, TOKENIZER_FILE, tokenizerFileSchema, type TokenizerFile } from './format.js';
import type { ReservedAtom } from './reserved.js';

/** The committed default tokenizer of this checkout (independent of the working directory). */
export const DEFAULT_TOKENIZER_DIR = join(REPO_ROOT, 'tokenizer');

/** The runtime tokenizer other stages code against (tokenizer eval, data loader, SFT, planner). */
export interface CapTokenizer {
  readonly vocabSize: number;
  /** Identity of the tokenizer: sha256 over tokenizer.json and capos.tiktoken. */
  readonly sha256: string;
  readonly dir: string;
  /** The parsed tokenizer.json (ids of atoms and control tokens). */
  readonly info: TokenizerFile;
  /** Plain text → ids. Reserved atoms are produced; control-token literals are ordinary text. */
  encode(text: string): number[];
  /** Ids → text; invalid UTF-8 (possible for arbitrary ids) becomes U+FFFD. Use decodeBytes for exact bytes. */
  decode(ids: ArrayLike<number>): string;
  decodeBytes(ids: ArrayLike<number>): Uint8Array;
  tokenBytes(id: number): Uint8Array;
  /** Id of a control token such as '<|bos|>'; throws for unknown names. */
  specialId(name: string): number;
  /** True for control tokens (not for reserved atoms, which stand for ordinary text). */
  isSpecial(id: number): boolean;
  /** Frees the tiktoken (WASM) instance. */
  free(): void;
}

function readText(path: string): string {
  if (!existsSync(path)) throw new UserError(`tokenizer file missing: ${path} (train one with \`capplan tok train\`)`);
  return readFileSync(path, 'utf8');
}

function checkLayout(info: TokenizerFile, mergeable: number, source: string): void {
  const ids = [...info.reserved_atoms.map((a) => a.id), ...Object.values(info.special_tokens)].sort((a, b) => a - b);
  const expected = Array.from({ length: ids.length }, (_, i) => mergeable + i);
  if (mergeable !== 256 + info.merges || ids.some((id, i) => id !== expected[i]) || info.vocab_size !== mergeable + ids.length) {
    throw new UserError(`${source}: ids are not laid out as bytes, merges, reserved atoms, control tokens (vocab_size ${info.vocab_size})`);
  }
}

/** The reserved atoms a tokenizer.json records, in id order, as AtomMatcher takes them. */
export function reservedAtomsOf(info: TokenizerFile): ReservedAtom[] {
  return info.reserved_atoms.map((a) => ({
    text: a.text,
    group: a.group,
    boundaryStart: a.boundary_start,
    boundaryEnd: a.boundary_end,
  }));
}

/** Loads a tokenizer directory written by `capplan tok train`. */
export function loadTokenizer(dir = DEFAULT_TOKENIZER_DIR): CapTokenizer {
  const infoPath = join(dir, TOKENIZER_FILE);
  const ranksPath = join(dir, RANKS_FILE);
  const infoText = readText(infoPath);
  const ranksText = readText(ranksPath);
  let json: unknown;
  try {
    json = JSON.parse(infoText);
  } catch (err) {
    throw new UserError(`${infoPath}: not valid JSON (${(err as Error).message})`);
  }
  const info = parseWith(tokenizerFileSchema, json, infoPath);
  const table = parseRanks(ranksText, ranksPath);
  checkLayout(info, table.length, infoPath);

  const atoms = reservedAtomsOf(info);
  const atomIds = Int32Array.from(info.reserved_atoms, (a) => a.id);
  for (const a of info.reserved_atoms) table[a.id] = new TextEncoder().encode(a.text);
  for (const [name, id] of Object.entries(info.special_tokens)) table[id] = new TextEncoder().encode(name);
  const specialIds = new Set(Object.values(info.special_tokens));

  // Only the mergeable ranks go to tiktoken: plain-text encoding must never yield a control token,
  // and reserved atoms are matched by AtomMatcher (boundary rules tiktoken's special-token regex lacks).
  const bpe = new Tiktoken(ranksText, {}, info.pattern);
  const matcher = new AtomMatcher(atoms);
  const sha256 = sha256Hex(Buffer.concat([Buffer.from(infoText, 'utf8'), Buffer.from(ranksText, 'utf8')]));
  const vocabSize = info.vocab_size;

  const tokenBytes = (id: number): Uint8Array => {
    const bytes = Number.isInteger(id) ? table[id] : undefined;
    if (!bytes) throw new UserError(`token id ${id} is out of range 0..${vocabSize - 1}`);
    return bytes;
  };

  const decodeBytes = (ids: ArrayLike<number>): Uint8Array => {
    let length = 0;
    for (let i = 0; i < ids.length; i++) length += tokenBytes(ids[i]!).length;
    const out = new Uint8Array(length);
    let offset = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = table[ids[i]!]!;
      out.set(bytes, offset);
      offset += bytes.length;
    }
    return out;
  };

  return {
    vocabSize,
    sha256,
    dir,
    info,
    encode(text: string): number[] {
      const out: number[] = [];
      matcher.scan(
        text,
        (start, end) => {
          const ids = bpe.encode_ordinary(text.slice(start, end));
          for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
        },
        (atom) => out.push(atomIds[atom]!),
      );
      return out;
    },
    decode: (ids) => Buffer.from(decodeBytes(ids)).toString('utf8'),
    decodeBytes,
    tokenBytes,
    specialId(name: string): number {
      const id = info.special_tokens[name];
      if (id === undefined) throw new UserError(`unknown control token ${JSON.stringify(name)} (known: ${Object.keys(info.special_tokens).join(' ')})`);
      return id;
    },
    isSpecial: (id) => specialIds.has(id),
    free: () => bpe.free(),
  };
}
