import { renderCapnp } from './capnp.js';
import { DEFAULT_CATALOG_PATH, type Catalog, type CatalogInterface } from './catalog.js';
import { descriptorsFromCatalog, serializeDescriptor, type ToolDescriptor } from './descriptor.js';
import { Prng } from '../util/prng.js';

/**
 * Pretraining documents made from the tool catalog, so that every reserved `Iface.method` token
 * (including the interfaces SFT holds out) is trained as input and as target. Two kinds:
 *
 * - Cap'n Proto: one to three interfaces rendered as `capplan tools capnp` renders them, then the
 *   `Iface.method` names of each interface.
 * - Tool list: descriptor lines exactly as the planner prompt shows them (a planner-like mix of
 *   several interfaces), then sentences that name some of the listed tools again. The model learns
 *   to copy a name it saw earlier in the document (as the planner copies a tool from its list) and
 *   ties descriptions to names both ways: "To <description>, call `N`." and "`N`: <description>".
 *
 * In prose a name is always written in backticks: after a space the tokenizer's leading-space
 * interface atom (" Mailbox") would win over the `Mailbox.send` atom.
 */
export interface CatalogDocOptions {
  /** Independent variations of the whole set: every tool is mentioned in every copy. */
  copies: number;
  /** Seed of the variation; copy c uses its own stream of it. */
  seed?: number;
}

/** Tools each tool-list document names again after the list, and unnamed tools listed beside them. */
const MENTIONED_PER_DOC = { min: 1, max: 2 };
const DISTRACTORS_PER_DOC = { min: 1, max: 3 };
const INTERFACES_PER_CAPNP_DOC = { min: 1, max: 3 };

/** "Restart a supervised service." → "restart a supervised service" (to follow "To" or "will"). */
function predicate(description: string): string {
  const text = description.endsWith('.') ? description.slice(0, -1) : description;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

const DESCRIPTION_THEN_NAME: ReadonlyArray<(what: string, name: string) => string> = [
  (what, name) => `To ${what}, call \`${name}\`.`,
  (what, name) => `To ${what}, use \`${name}\`.`,
  (what, name) => `If you need to ${what}, the tool is \`${name}\`.`,
  (what, name) => `The tool that can ${what} is \`${name}\`.`,
];

function paramsPhrase(d: ToolDescriptor): string {
  const params = Object.entries(d.params).map(([key, spec]) => `${key} (${spec.type})`);
  return params.length === 0 ? 'no arguments' : params.join(', ');
}

const NAME_THEN_DETAIL: ReadonlyArray<(d: ToolDescriptor) => string> = [
  (d) => `\`${d.name}\`: ${d.description}`,
  (d) => `\`${d.name}\` will ${predicate(d.description)}.`,
  (d) => `\`${d.name}\` takes ${paramsPhrase(d)}.`,
  (d) => `Calling \`${d.name}\` needs ${paramsPhrase(d)}.`,
];

/** Cuts `items` into consecutive chunks whose sizes are drawn from [min, max]. */
function chunks<T>(rng: Prng, items: readonly T[], size: { min: number; max: number }): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const n = rng.range(size.min, size.max);
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

/**
 * The header names the default catalog path whatever file was read, as data/tools/capos.capnp does:
 * the documents must not depend on how a config spells the path.
 */
function capnpDocument(interfaces: readonly CatalogInterface[], catalog: Catalog): string {
  const schema = renderCapnp({ ...catalog, interfaces: [...interfaces] }, DEFAULT_CATALOG_PATH);
  const names = interfaces.map(
    (iface) => `The tools of ${iface.name}: ${iface.methods.map((m) => `\`${iface.name}.${m.name}\``).join(', ')}.`,
  );
  return `${schema}\n${names.join('\n')}\n`;
}

/**
 * The tool list first (byte-identical to the planner prompt's descriptor block), a blank line, then
 * for each mentioned tool one sentence leading from its description to its name and one leading
 * from its name to its description or arguments.
 */
function toolListDocument(rng: Prng, mentioned: readonly ToolDescriptor[], distractors: readonly ToolDescriptor[]): string {
  const listed = rng.shuffle([...mentioned, ...distractors]);
  const sentences = rng.shuffle(mentioned).map((d) => {
    const toName = rng.pick(DESCRIPTION_THEN_NAME)(predicate(d.description), d.name);
    const fromName = rng.pick(NAME_THEN_DETAIL)(d);
    return `${toName}\n${fromName}`;
  });
  return `${listed.map(serializeDescriptor).join('\n')}\n\n${sentences.join('\n')}\n`;
}

function copyDocuments(catalog: Catalog, all: readonly ToolDescriptor[], rng: Prng): string[] {
  const docs: string[] = [];
  for (const group of chunks(rng, rng.shuffle(catalog.interfaces), INTERFACES_PER_CAPNP_DOC)) {
    docs.push(capnpDocument(group, catalog));
  }
  for (const mentioned of chunks(rng, rng.shuffle(all), MENTIONED_PER_DOC)) {
    const taken = new Set(mentioned.map((d) => d.name));
    const others = rng.shuffle(all.filter((d) => !taken.has(d.name)));
    docs.push(toolListDocument(rng, mentioned, others.slice(0, rng.range(DISTRACTORS_PER_DOC.min, DISTRACTORS_PER_DOC.max))));
  }
  return docs;
}

/**
 * All catalog documents, copy after copy; every copy names every tool of the catalog at least twice
 * in one of its tool-list documents. Deterministic in (catalog, copies, seed).
 */
export function catalogDocuments(catalog: Catalog, options: CatalogDocOptions): string[] {
  const all = descriptorsFromCatalog(catalog);
  const docs: string[] = [];
  for (let copy = 0; copy < options.copies; copy++) {
    docs.push(...copyDocuments(catalog, all, new Prng(`catalog-docs:${options.seed ?? 0}:${copy}`)));
  }
  return docs;
}
