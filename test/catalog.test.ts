import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { capnpTypeId, catalogToolNames, loadCatalog, type Catalog } from '../src/data/catalog.js';
import { DEFAULT_CAPNP_PATH, renderCapnp } from '../src/data/capnp.js';
import { descriptorsFromCatalog } from '../src/data/descriptor.js';
import { repoRoot, runCli } from './helpers/cli.js';

const catalogPath = join(repoRoot, 'data/tools/catalog.json');
const catalog = loadCatalog(catalogPath);
const probePath = join(repoRoot, '..', 'shared', 'probe', 'dev.jsonl');

function readProbeDescriptors(): Array<{ name: string; description: string; params: Record<string, { type: string }> }> {
  let text: string;
  try {
    text = readFileSync(probePath, 'utf8');
  } catch {
    return [];
  }
  return text.trim().split('\n').flatMap((line) => JSON.parse(line).tools);
}

describe('tool catalog', () => {
  it('has at least 24 interfaces and 100 methods with unique names', () => {
    const names = catalogToolNames(catalog);
    expect(catalog.interfaces.length).toBeGreaterThanOrEqual(24);
    expect(names.length).toBeGreaterThanOrEqual(100);
    expect(new Set(names).size).toBe(names.length);
  });

  it('covers zero-argument methods, List(T) params and integer params with units', () => {
    const ds = descriptorsFromCatalog(catalog);
    expect(ds.some((d) => Object.keys(d.params).length === 0)).toBe(true);
    expect(ds.some((d) => Object.values(d.params).some((p) => p.type.startsWith('List(')))).toBe(true);
    const unitParams = ds.flatMap((d) => Object.entries(d.params).filter(([, p]) => /Int/.test(p.type)).map(([k]) => k));
    for (const unit of ['ms', 'bytes', 'lines', 'seconds', 'minutes']) expect(unitParams).toContain(unit);
  });

  it('contains every probe tool with exactly the probe descriptor', () => {
    const probe = readProbeDescriptors();
    if (probe.length === 0) return; // the shared probe is not mounted
    const byName = new Map(descriptorsFromCatalog(catalog).map((d) => [d.name, d]));
    for (const d of probe) expect(byName.get(d.name), d.name).toEqual(d);
  });

  it('rejects duplicate method names and bad types with the file named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    const dup: Catalog = {
      version: 1,
      interfaces: [{ name: 'A', description: 'x', methods: [{ name: 'm', description: 'x', params: {} }, { name: 'm', description: 'y', params: {} }] }],
    };
    writeFileSync(join(dir, 'dup.json'), JSON.stringify(dup));
    expect(() => loadCatalog(join(dir, 'dup.json'))).toThrow(/dup\.json: duplicate method `A\.m`/);
    const badType = { version: 1, interfaces: [{ name: 'A', description: 'x', methods: [{ name: 'm', description: 'x', params: { p: { type: 'String' } } }] }] };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(badType));
    expect(() => loadCatalog(join(dir, 'bad.json'))).toThrow(/bad\.json: field `interfaces\.0\.methods\.0\.params\.p\.type`/);
  });
});

describe('Cap\'n Proto rendering', () => {
  const text = renderCapnp(catalog, 'data/tools/catalog.json');

  it('matches the committed data/tools/capos.capnp (run `capplan tools capnp` after editing the catalog)', () => {
    expect(readFileSync(join(repoRoot, DEFAULT_CAPNP_PATH), 'utf8')).toBe(text);
  });

  it('gives stable, distinct 64-bit ids with the high bit set', () => {
    expect(capnpTypeId('ServiceSupervisor')).toBe(capnpTypeId('ServiceSupervisor'));
    const ids = catalog.interfaces.map((i) => capnpTypeId(i.name));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^@0x[89a-f][0-9a-f]{15}$/);
  });

  it('numbers methods from @0 in catalog order and renders params and results', () => {
    expect(text).toMatch(/^@0x[89a-f][0-9a-f]{15};$/m);
    expect(text).toContain(`interface ServiceSupervisor ${capnpTypeId('ServiceSupervisor')} {`);
    expect(text).toContain('  restart @0 (service :Text) -> ();');
    expect(text).toContain('  spawn @0 (binary :Text, args :List(Text)) -> (pid :UInt32);');
    for (const iface of catalog.interfaces) {
      const body = text.split(`interface ${iface.name} `)[1]!.split('\n}')[0]!;
      const ordinals = [...body.matchAll(/ @(\d+) \(/g)].map((m) => Number(m[1]));
      expect(ordinals).toEqual(iface.methods.map((_, i) => i));
    }
  });

  it('compiles with the capnp tool when it is installed', () => {
    const probe = spawnSync('capnp', ['--version'], { encoding: 'utf8' });
    if (probe.error) return; // capnp is optional; the syntax checks above still run
    const res = spawnSync('capnp', ['compile', '-o-', join(repoRoot, DEFAULT_CAPNP_PATH)], { encoding: 'buffer' });
    expect(res.stderr.toString()).toBe('');
    expect(res.status).toBe(0);
  });

  it('`capplan tools list` and `tools capnp --out` match the catalog; a bad catalog fails with a one-line error', () => {
    expect(runCli(['tools', 'list']).stdout.trim().split('\n')).toEqual(catalogToolNames(catalog));
    const dir = mkdtempSync(join(tmpdir(), 'capnp-'));
    const out = join(dir, 'x.capnp');
    const res = runCli(['tools', 'capnp', '--out', out]);
    expect(res.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(text);
    writeFileSync(join(dir, 'broken.json'), '{"version":1,');
    const bad = runCli(['tools', 'capnp', '--catalog', join(dir, 'broken.json'), '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^capplan: error: .*broken\.json: not valid JSON/);
  });
});
