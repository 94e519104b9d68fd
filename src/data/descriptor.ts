import { z } from 'zod';
import { UserError } from '../errors.js';
import { parseWith } from '../config/load.js';
import { capnpTypeSchema, type Catalog } from './catalog.js';

/** A tool as the planner sees it: `Iface.method`, what it does and its typed params (all required). */
export const descriptorSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/, 'expected `Interface.method`'),
    description: z.string().min(1),
    params: z.record(z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'expected a lowerCamel param name'), z.object({ type: capnpTypeSchema }).strict()),
  })
  .strict();

export type ToolDescriptor = z.output<typeof descriptorSchema>;

export const descriptorListSchema = z.array(descriptorSchema);

/** Validates a list of descriptors and rejects duplicate names (a plan step could not tell them apart). */
export function parseDescriptors(value: unknown, source: string): ToolDescriptor[] {
  const list = parseWith(descriptorListSchema, value, source);
  const seen = new Set<string>();
  for (const d of list) {
    if (seen.has(d.name)) throw new UserError(`${source}: duplicate tool \`${d.name}\``);
    seen.add(d.name);
  }
  return list;
}

/** Canonical compact JSON of a descriptor: keys name, description, params; params in their listed order. */
export function serializeDescriptor(d: ToolDescriptor): string {
  const params: Record<string, { type: string }> = {};
  for (const [key, spec] of Object.entries(d.params)) params[key] = { type: spec.type };
  return JSON.stringify({ name: d.name, description: d.description, params });
}

/**
 * Descriptors for catalog methods, in catalog order, or in the order of `names` when given.
 * An unknown name is a UserError so a typo in a tool list never silently drops a tool.
 */
export function descriptorsFromCatalog(catalog: Catalog, names?: readonly string[]): ToolDescriptor[] {
  const all = new Map<string, ToolDescriptor>();
  for (const iface of catalog.interfaces) {
    for (const m of iface.methods) {
      const name = `${iface.name}.${m.name}`;
      all.set(name, { name, description: m.description, params: m.params });
    }
  }
  if (!names) return [...all.values()];
  return names.map((name) => {
    const d = all.get(name);
    if (!d) throw new UserError(`tool \`${name}\` is not in the catalog`);
    return d;
  });
}
