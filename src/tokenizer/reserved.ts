import { isStringType } from '../data/capnp-values.js';
import { capnpTypeId, type Catalog } from '../data/catalog.js';

/**
 * Control tokens structure chat transcripts. They are never produced from plain text: the runtime
 * encoder only emits them when a caller asks for them by id (`specialId`).
 */
export const CONTROL_TOKENS = [
  '<|bos|>',
  '<|user_start|>',
  '<|user_end|>',
  '<|assistant_start|>',
  '<|assistant_end|>',
  '<|tools_start|>',
  '<|tools_end|>',
] as const;

/**
 * Tool slots: `<|tool_k|>` marks the k-th listed descriptor in the prompt, and the planner names a tool
 * by emitting its slot (the decoder writes the listed name). Their count is the most tools one prompt
 * may list (7 + 9 = 16 control tokens, the ids the former spare tokens had).
 */
export const TOOL_SLOT_COUNT = 9;

export function toolSlotName(k: number): string {
  return `<|tool_${k}|>`;
}

export function controlTokenNames(): string[] {
  return [...CONTROL_TOKENS, ...Array.from({ length: TOOL_SLOT_COUNT }, (_, k) => toolSlotName(k))];
}

/**
 * Fragments of the canonical compact ActionPlan serialization (JSON.stringify, keys
 * steps/tool/args/rationale, refusal `{"steps":[],"refusal":"…"}`). Chosen so a plan costs one token
 * per structural run: plan start, tool→args (with or without arguments), args→rationale, step
 * separator, plan end. Rationales and refusals are sentences, so the closing forms also come with the
 * full stop before them (`."},{"tool":"`), saving a token per step. Fragments stop before the `"`
 * that opens an argument key, because keys are atoms of their own (`"service":"`, below).
 */
const PLAN_FRAGMENTS = [
  '{"steps":[{"tool":"',
  '","args":{},"rationale":"',
  '","args":{',
  '"},"rationale":"',
  '},"rationale":"',
  '"},{"tool":"',
  '."},{"tool":"',
  '"}]}',
  '."}]}',
  '{"steps":[],"refusal":"',
  '"}',
  '."}',
];

/**
 * Fragments of a compact tool descriptor `{"name":"I.m","description":"…","params":{"p":{"type":"Text"}}}`.
 * A whole `{"type":"T"}` is one atom per type the catalog uses (below); `{"type":"` covers other types.
 */
const DESCRIPTOR_FRAGMENTS = [
  '{"name":"',
  '","description":"',
  '","params":{',
  '.","params":{',
  '","params":{}}',
  '.","params":{}}',
  '{"type":"',
  '}}',
];

/** JSON glue of argument values: end of a string value before the next key, list brackets. */
const JSON_FRAGMENTS = ['",', '["', '"]'];

const CAPNP_KEYWORDS = ['struct', 'interface', 'enum', 'union', 'group', 'using', 'import', 'const', 'annotation', 'extends'];

const CAPNP_BUILTIN_TYPES = [
  'Void', 'Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64',
  'Float32', 'Float64', 'Text', 'Data', 'List(', 'AnyPointer', 'Capability',
];

/** Prefix of a Cap'n Proto type id not in the catalog; the hex digits after it are ordinary text. */
const TYPE_ID_FALLBACK = '@0x';

export const ATOM_GROUPS = [
  'plan',
  'descriptor',
  'json',
  'capnp',
  'interface',
  'method',
  'param-key',
  'param-type',
  'type-id',
  'type-id-fallback',
] as const;

export type AtomGroup = (typeof ATOM_GROUPS)[number];

/**
 * A reserved domain token: produced from plain text wherever `text` occurs, subject to identifier
 * boundaries. `boundaryStart`/`boundaryEnd` require that the neighbouring character is not an
 * identifier character, so "destructor" keeps "struct" inside ordinary BPE and "Textual" keeps "Text".
 */
export interface ReservedAtom {
  text: string;
  group: AtomGroup;
  boundaryStart: boolean;
  boundaryEnd: boolean;
}

const IDENTIFIER_CHAR = /^[\p{L}\p{N}_]$/u;

export function isIdentifierChar(ch: string): boolean {
  return IDENTIFIER_CHAR.test(ch);
}

function atom(text: string, group: AtomGroup, opts: { openEnd?: boolean } = {}): ReservedAtom {
  const first = String.fromCodePoint(text.codePointAt(0)!);
  const last = Array.from(text).at(-1)!;
  return {
    text,
    group,
    boundaryStart: isIdentifierChar(first),
    boundaryEnd: !opts.openEnd && isIdentifierChar(last),
  };
}

/**
 * Identifier-like atoms also get a leading-space form: the split pattern glues one space to the word
 * after it (" using", " Text"), so without it every such word in prose would cost an extra token.
 */
function withSpaceForm(text: string, group: AtomGroup, opts: { openEnd?: boolean } = {}): ReservedAtom[] {
  return [atom(text, group, opts), atom(` ${text}`, group, opts)];
}

/**
 * The reserved domain atoms for a catalog, in a deterministic order (ids are assigned in this order):
 * plan, descriptor and JSON fragments, Cap'n Proto keywords and built-in types, interface names,
 * `Interface.method` names, param keys, whole param types (`{"type":"UInt32"}`), catalog type ids,
 * then the `@0x` fallback.
 *
 * Param keys: `"p":` (descriptor params, non-string values) and `"p":` + the opening of the value
 * its type implies (`"p":"` for Text, `"p":["` for List(Text)). Most steps have one argument, so the
 * first param of each method is also fused with what precedes it: `","args":{"p":"` in plans,
 * `.","params":{"p":` in descriptors (after the description's full stop) — one token instead of two.
 */
export function buildReservedAtoms(catalog: Catalog): ReservedAtom[] {
  const atoms: ReservedAtom[] = [
    ...PLAN_FRAGMENTS.map((t) => atom(t, 'plan')),
    ...DESCRIPTOR_FRAGMENTS.map((t) => atom(t, 'descriptor')),
    ...JSON_FRAGMENTS.map((t) => atom(t, 'json')),
    ...[...CAPNP_KEYWORDS, ...CAPNP_BUILTIN_TYPES].flatMap((t) => withSpaceForm(t, 'capnp')),
  ];
  const interfaces = [...catalog.interfaces].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const iface of interfaces) atoms.push(...withSpaceForm(iface.name, 'interface'));
  for (const iface of interfaces) {
    const methods = [...new Set(iface.methods.map((m) => m.name))].sort();
    for (const method of methods) atoms.push(atom(`${iface.name}.${method}`, 'method'));
  }
  const methods = interfaces.flatMap((i) => i.methods);
  const params = methods.flatMap((m) => Object.entries(m.params));
  const keyAtoms = new Set<string>();
  for (const [name, spec] of params) {
    keyAtoms.add(`"${name}":`);
    keyAtoms.add(`"${name}":${valueOpener(spec.type)}`);
  }
  for (const m of methods) {
    const first = Object.entries(m.params)[0];
    if (!first) continue;
    keyAtoms.add(`","args":{"${first[0]}":${valueOpener(first[1].type)}`);
    keyAtoms.add(`.","params":{"${first[0]}":`);
  }
  for (const text of [...keyAtoms].sort()) atoms.push(atom(text, 'param-key'));
  for (const type of [...new Set(params.map(([, spec]) => spec.type))].sort()) {
    atoms.push(atom(JSON.stringify({ type }), 'param-type'));
  }
  for (const iface of interfaces) atoms.push(...withSpaceForm(capnpTypeId(iface.name), 'type-id'));
  atoms.push(...withSpaceForm(TYPE_ID_FALLBACK, 'type-id-fallback', { openEnd: true }));
  return dedupeByText(atoms);
}

/** What JSON.stringify writes right after `"key":` for a value of this Cap'n Proto type. */
function valueOpener(type: string): string {
  const list = /^List\((.+)\)$/.exec(type);
  if (list) return `[${valueOpener(list[1]!)}`;
  return isStringType(type) ? '"' : '';
}

/** An interface named like a built-in (or two identical names) must not yield two ids for one text. */
function dedupeByText(atoms: ReservedAtom[]): ReservedAtom[] {
  const seen = new Set<string>();
  return atoms.filter((a) => (seen.has(a.text) ? false : (seen.add(a.text), true)));
}
