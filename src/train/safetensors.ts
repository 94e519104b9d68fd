import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { UserError } from '../errors.js';

/**
 * The safetensors format (Hugging Face): 8-byte little-endian header length N, N bytes of JSON
 * header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}, then the
 * raw little-endian tensor bytes, contiguous, offsets relative to the end of the header.
 * capplan writes and reads F32 only (TF.js trains in fp32).
 */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const METADATA_KEY = '__metadata__';
/** The header is padded with spaces so tensor data starts 8-byte aligned. */
const ALIGN = 8;
/** Python's safetensors refuses headers over 100 MB; so do we, before allocating. */
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

function writeF32LE(data: Float32Array, out: Buffer, pos: number): void {
  if (LITTLE_ENDIAN_HOST) {
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, pos);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + pos, data.byteLength);
  data.forEach((value, i) => view.setFloat32(i * 4, value, true));
}

function readF32LE(bytes: Uint8Array): Float32Array {
  const data = new Float32Array(bytes.length / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(data.buffer).set(bytes);
    return data;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return data;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialises tensors (in name order) with optional string metadata. */
export function encodeSafetensors(tensors: ReadonlyMap<string, NamedTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (t.data.length !== elementCount(t.shape)) {
      throw new Error(`tensor ${name}: ${t.data.length} values for shape [${t.shape.join(',')}]`);
    }
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const headerBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((ALIGN - ((8 + headerBytes) % ALIGN)) % ALIGN);
  const headerBuf = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBuf.length + offset);
  out.writeBigUInt64LE(BigInt(headerBuf.length), 0);
  headerBuf.copy(out, 8);
  let pos = 8 + headerBuf.length;
  for (const name of names) {
    writeF32LE(tensors.get(name)!.data, out, pos);
    pos += tensors.get(name)!.data.length * 4;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

/**
 * Parses and validates a safetensors file: header length within the file, JSON header, F32 dtype,
 * offsets that match the shapes and tile the data section exactly. `source` names the file in errors.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): DecodedSafetensors {
  const fail = (why: string): never => {
    throw new UserError(`${source}: not a valid safetensors file (${why})`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.length) {
    fail(`header length ${headerLen} exceeds the file size ${bytes.length}: truncated or not safetensors`);
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLen).toString('utf8'));
  } catch {
    fail('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  const spans: Array<[number, number, string]> = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      metadata = raw as Record<string, string>;
      continue;
    }
    const entry = raw as Partial<HeaderEntry>;
    if (entry.dtype !== 'F32') fail(`tensor ${name} has dtype ${String(entry.dtype)}, expected F32`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name} has a bad shape`);
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o))) {
      fail(`tensor ${name} has bad data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (end - begin !== elementCount(shape!) * 4) fail(`tensor ${name}: offsets [${begin},${end}] do not match shape [${shape!.join(',')}]`);
    if (begin < 0 || end > dataLen) fail(`tensor ${name} ends at byte ${end} of a ${dataLen}-byte data section: truncated`);
    spans.push([begin, end, name]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== expected) fail(`tensor ${name} starts at ${begin}, expected ${expected} (gap or overlap)`);
    expected = end;
  }
  if (expected !== dataLen) fail(`data section has ${dataLen} bytes, tensors cover ${expected}`);
  for (const [begin, end, name] of spans) {
    const data = readF32LE(bytes.subarray(dataStart + begin, dataStart + end));
    const entry = (header as Record<string, HeaderEntry>)[name]!;
    tensors.set(name, { shape: entry.shape, data });
  }
  return { tensors, metadata };
}

/**
 * Checks that a decoded file holds exactly the expected tensor names and shapes (a checkpoint of
 * another model is rejected with the first difference).
 */
export function expectTensors(
  decoded: ReadonlyMap<string, NamedTensor>,
  expected: ReadonlyMap<string, readonly number[]>,
  source: string,
): void {
  for (const [name, shape] of expected) {
    const t = decoded.get(name);
    if (!t) throw new UserError(`${source}: tensor \`${name}\` is missing (checkpoint of a different model?)`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new UserError(`${source}: tensor \`${name}\` has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
    }
  }
  for (const name of decoded.keys()) {
    if (!expected.has(name)) throw new UserError(`${source}: unexpected tensor \`${name}\` (checkpoint of a different model?)`);
  }
}

/**
 * sha256 of a safetensors file's tensors (names, shapes, little-endian values), not of its metadata:
 * the same weights under another label (checkpoint.ts WEIGHTS_FORMATS) hash the same.
 */
export function tensorsSha256(bytes: Uint8Array, source: string): string {
  const { tensors } = decodeSafetensors(bytes, source);
  const hash = createHash('sha256');
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    const le = Buffer.alloc(t.data.length * 4);
    writeF32LE(t.data, le, 0);
    hash.update(`${name} ${t.shape.join(',')}\n`).update(le);
  }
  return hash.digest('hex');
}
