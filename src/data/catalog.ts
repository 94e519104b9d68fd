import { z } from 'zod';
import { loadConfig } from '../config/load.js';
import { sha256Hex } from '../util/hash.js';
import { UserError } from '../errors.js';

export const DEFAULT_CATALOG_PATH = 'data/tools/catalog.json';

/** Cap'n Proto types a tool parameter may have (DESIGN.md, ActionPlan and tool descriptors). */
export const SCALAR_TYPES = [
  'Void', 'Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64',
  'Float32', 'Float64', 'Text', 'Data',
] as const;

/** A Cap'n Proto type name: a scalar or List(T), nested lists allowed. */
export const capnpTypeSchema = z.string().refine((t) => isCapnpType(t), {
  message: `expected a Cap'n Proto type: one of ${SCALAR_TYPES.join(' ')} or List(T)`,
});

export function isCapnpType(t: string): boolean {
  const list = /^List\((.+)\)$/.exec(t);
  if (list) return isCapnpType(list[1]!);
  return (SCALAR_TYPES as readonly string[]).includes(t);
}

const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'expected an identifier (letters and digits)');

export const paramsSchema = z.record(z.string().regex(/^[a-z][A-Za-z0-9]*$/), z.object({ type: capnpTypeSchema }).strict());

export const catalogSchema = z
  .object({
    version: z.literal(1),
    interfaces: z
      .array(
        z
          .object({
            name: identifier,
            description: z.string().min(1),
            methods: z
              .array(
                z
                  .object({
                    name: identifier,
                    description: z.string().min(1),
                    params: paramsSchema,
                    // Results only feed the Cap'n Proto rendering; descriptors and plans ignore them.
                    results: paramsSchema.optional(),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type Catalog = z.output<typeof catalogSchema>;
export type CatalogInterface = Catalog['interfaces'][number];
export type CatalogMethod = CatalogInterface['methods'][number];

export function loadCatalog(path = DEFAULT_CATALOG_PATH): Catalog {
  const catalog = loadConfig(catalogSchema, path);
  assertUniqueNames(catalog, path);
  return catalog;
}

/** Duplicate interface or method names would make `Iface.method` ambiguous. */
function assertUniqueNames(catalog: Catalog, source: string): void {
  const seen = new Set<string>();
  for (const iface of catalog.interfaces) {
    if (seen.has(iface.name)) throw new UserError(`${source}: duplicate interface \`${iface.name}\``);
    seen.add(iface.name);
    const methods = new Set<string>();
    for (const method of iface.methods) {
      if (methods.has(method.name)) throw new UserError(`${source}: duplicate method \`${iface.name}.${method.name}\``);
      methods.add(method.name);
    }
  }
}

/** Every `Iface.method` tool name of the catalog, in catalog order. */
export function catalogToolNames(catalog: Catalog): string[] {
  return catalog.interfaces.flatMap((iface) => iface.methods.map((m) => `${iface.name}.${m.name}`));
}

/**
 * Stable 64-bit Cap'n Proto type id for a catalog name, `@0x…` with the high bit set as capnp requires.
 * Derived from a hash of the name so the id never changes when the catalog is reordered or grown.
 */
export function capnpTypeId(name: string): string {
  const hex = sha256Hex(`capos:${name}`).slice(0, 16);
  const top = (parseInt(hex[0]!, 16) | 0x8).toString(16);
  return `@0x${top}${hex.slice(1)}`;
}
