import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWith } from '../src/config/load.js';
import { TrainConfigSchema } from '../src/config/train-schema.js';
import { catalogToolNames, loadCatalog, type Catalog } from '../src/data/catalog.js';
import { catalogDocuments } from '../src/data/catalog-docs.js';
import { descriptorsFromCatalog } from '../src/data/descriptor.js';
import { HELD_OUT_INTERFACES } from '../src/data/plans/generate.js';
import { CONTROL, renderPrompt } from '../src/infer/chat-template.js';
import { loadTokenizer, type CapTokenizer } from '../src/tokenizer/tokenizer.js';
import { loadRecipe } from '../src/pipeline/recipe.js';
import { speedrunStages } from '../src/pipeline/speedrun-stages.js';
import { speedrunPaths } from '../src/pipeline/speedrun-context.js';
import { openTrainData } from '../src/train/data-sources.js';
import { PackedLoader } from '../src/train/loader.js';
import { memoryTokenSource, toTokenArray } from '../src/train/token-source.js';
import { sha256FileSync } from '../src/util/hash.js';
import { runCli, repoRoot } from './helpers/cli.js';
import { writeParquet } from './helpers/parquet-writer.js';
import { byteTokenizer, SAMPLE_TEXTS, tempDirs } from './helpers/train-fixtures.js';

const CATALOG = join(repoRoot, 'data', 'tools', 'catalog.json');
const dirs = tempDirs('catalog-docs');
afterAll(dirs.removeAll);

let catalog: Catalog;
let tok: CapTokenizer;
let docs: string[];
beforeAll(() => {
  catalog = loadCatalog(CATALOG);
  tok = loadTokenizer(join(repoRoot, 'tokenizer'));
  docs = catalogDocuments(catalog, { copies: 1 });
});
afterAll(() => tok.free());

/** A tool-list document: descriptor lines, a blank line, then sentences. */
const isToolList = (doc: string): boolean => doc.startsWith('{"name":"');

describe('catalogDocuments', () => {
  it('is deterministic, and each copy is a different variation', () => {
    const two = catalogDocuments(catalog, { copies: 2 });
    expect(catalogDocuments(catalog, { copies: 2 })).toEqual(two);
    expect(two.slice(0, docs.length)).toEqual(docs);
    const second = two.slice(docs.length);
    expect(second.length).toBeGreaterThan(0);
    expect(second).not.toEqual(docs);
    expect(catalogDocuments(catalog, { copies: 1, seed: 1 })).not.toEqual(docs);
  });

  it('renders every interface as Cap\'n Proto and lists its Iface.method names', () => {
    const capnp = docs.filter((d) => !isToolList(d)).join('\n');
    for (const iface of catalog.interfaces) {
      expect(capnp).toMatch(new RegExp(`^interface ${iface.name} @0x[0-9a-f]{16} \\{$`, 'm'));
      expect(capnp).toContain(`The tools of ${iface.name}: \`${iface.name}.${iface.methods[0]!.name}\``);
    }
  });

  it('trains every Iface.method atom, held-out interfaces included, twice in one document and as a target', async () => {
    const names = catalogToolNames(catalog);
    for (const held of HELD_OUT_INTERFACES) expect(names.some((n) => n.startsWith(`${held}.`))).toBe(true);
    const atomId = new Map<number, string>();
    for (const name of names) {
      const ids = tok.encode(name);
      expect(ids, name).toHaveLength(1);
      atomId.set(ids[0]!, name);
    }
    const encoded = docs.map((d) => tok.encode(d));
    const maxInOneDoc = new Map<string, number>();
    for (const ids of encoded) {
      const counts = new Map<string, number>();
      for (const id of ids) {
        const name = atomId.get(id);
        if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      for (const [name, n] of counts) maxInOneDoc.set(name, Math.max(maxInOneDoc.get(name) ?? 0, n));
    }
    for (const name of names) expect(maxInOneDoc.get(name) ?? 0, name).toBeGreaterThanOrEqual(2);

    // What the model is asked to predict: every target of one packed pass at the d2 context length.
    const bos = tok.specialId(CONTROL.bos);
    const loader = new PackedLoader(memoryTokenSource([encoded.map((ids) => toTokenArray(ids, tok.vocabSize))]), {
      seqLen: 128,
      bos,
      seed: 1,
      singlePass: true,
    });
    const targets = new Set<number>();
    for (let batch = await loader.nextBatch(1); batch; batch = await loader.nextBatch(1)) batch.targets.forEach((id) => targets.add(id));
    for (const [id, name] of atomId) expect(targets.has(id), name).toBe(true);
  });

  it('writes tool lists as the planner prompt shows them (without the slot markers only the chat template places), each mentioned tool described before and after its name', () => {
    const lists = docs.filter(isToolList);
    expect(lists.length).toBeGreaterThan(0);
    const toolsStart = tok.specialId(CONTROL.toolsStart);
    const toolsEnd = tok.specialId(CONTROL.toolsEnd);
    for (const doc of lists) {
      const [block, prose] = doc.split('\n\n') as [string, string];
      const names = block.split('\n').map((line) => (JSON.parse(line) as { name: string }).name);
      const descriptors = descriptorsFromCatalog(catalog, names);
      const prompt = renderPrompt(tok, descriptors, 'a goal');
      const rendered = tok.decode(prompt.slice(prompt.indexOf(toolsStart) + 1, prompt.indexOf(toolsEnd)));
      expect(block).toBe(rendered.replace(/<\|tool_\d+\|>/g, ''));
      const mentioned = descriptors.filter((d) => prose.includes(`\`${d.name}\``));
      expect(mentioned.length).toBeGreaterThan(0);
      for (const d of mentioned) {
        const what = d.description.charAt(0).toLowerCase() + d.description.slice(1, -1);
        const lines = prose.split('\n').filter((l) => l.includes(`\`${d.name}\``));
        expect(lines).toHaveLength(2);
        expect(lines[0]!.indexOf(what), doc).toBeLessThan(lines[0]!.indexOf(d.name));
      }
    }
  });
});

describe('data.catalog in the base config', () => {
  const d2 = JSON.parse(readFileSync(join(repoRoot, 'configs', 'd2.json'), 'utf8'));
  const withCatalog = (catalogSpec: unknown) => ({ ...d2, data: { ...d2.data, catalog: catalogSpec } });

  it('defaults to null and rejects copies below 1 naming the field', () => {
    const { catalog: _omitted, ...oldData } = d2.data;
    expect(parseWith(TrainConfigSchema, { ...d2, data: oldData }, 'old.json').data.catalog).toBeNull();
    expect(parseWith(TrainConfigSchema, d2, 'configs/d2.json').data.catalog).toEqual({ path: 'data/tools/catalog.json', copies: 8 });
    expect(() => parseWith(TrainConfigSchema, withCatalog({ path: 'data/tools/catalog.json', copies: 0 }), 'c.json')).toThrow(
      /^c\.json: field `data\.catalog\.copies`: Too small/,
    );
    expect(() => parseWith(TrainConfigSchema, withCatalog({ path: 'data/tools/catalog.json', copies: 1.5 }), 'c.json')).toThrow(
      /field `data\.catalog\.copies`/,
    );
  });

  it('adds the catalog documents to the train shards only, dealt across them', async () => {
    const dir = dirs.make('shards');
    writeFileSync(join(dir, 'a.parquet'), writeParquet({ text: SAMPLE_TEXTS.slice(0, 3) }));
    writeFileSync(join(dir, 'b.parquet'), writeParquet({ text: SAMPLE_TEXTS.slice(3) }));
    writeFileSync(join(dir, 'c.parquet'), writeParquet({ text: ['validation text'] }));
    const bytes = byteTokenizer();
    const data = openTrainData({ corpus_dir: 'unused', parquet_dir: dir, catalog: { path: CATALOG, copies: 1 } }, bytes.encode, bytes.vocabSize);
    expect(data.catalog).toEqual({ path: CATALOG, sha256: sha256FileSync(CATALOG) });
    const text = async (group: number) => (await data.train.group(group)).map((d) => Buffer.from(d).toString('utf8'));
    const [a, b] = [await text(0), await text(1)];
    expect(a.slice(0, 3)).toEqual(SAMPLE_TEXTS.slice(0, 3));
    expect(b.slice(0, 3)).toEqual(SAMPLE_TEXTS.slice(3));
    expect(new Set([...a.slice(3), ...b.slice(3)])).toEqual(new Set(docs));
    expect(Math.abs(a.length - b.length)).toBeLessThanOrEqual(1);
    expect((await data.val.group(0)).map((d) => Buffer.from(d).toString('utf8'))).toEqual(['validation text']);
    expect(() => openTrainData({ corpus_dir: 'unused', parquet_dir: dir, catalog: { path: join(dir, 'nope.json'), copies: 1 } }, bytes.encode, bytes.vocabSize, 'cfg.json')).toThrow(
      /^cfg\.json: field `data\.catalog\.path`: .*nope\.json is not a file$/,
    );
  });

  it('base train records the catalog in its manifest, and names a wrong catalog path', () => {
    const dir = dirs.make('run');
    writeFileSync(join(dir, 'a.parquet'), writeParquet({ text: SAMPLE_TEXTS }));
    writeFileSync(join(dir, 'b.parquet'), writeParquet({ text: [SAMPLE_TEXTS.join(' ')] }));
    const config = (catalogPath: string) => {
      const path = join(dir, 'config.json');
      writeFileSync(
        path,
        JSON.stringify({
          ...d2,
          model: { depth: 1, seq_len: 16 },
          data: { ...d2.data, parquet_dir: dir, catalog: { path: catalogPath, copies: 1 } },
          optim: { ...d2.optim, device_batch_size: 2, total_batch_tokens: 32 },
          eval: { every: 0, tokens: 32, sample_tokens: 0, sample_prompt: 'x' },
        }),
      );
      return path;
    };
    const out = join(dir, 'out');
    const bad = runCli(['base', 'train', '--config', config('data/tools/nope.json'), '--backend', 'cpu', '--max-steps', '2', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^capplan: error: .*config\.json: field `data\.catalog\.path`: data\/tools\/nope\.json is not a file$/);

    const res = runCli(['base', 'train', '--config', config('data/tools/catalog.json'), '--backend', 'cpu', '--max-steps', '2', '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/data parquet .* \+ catalog data\/tools\/catalog\.json × 1 \(\d+ documents\)/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.inputs.catalog.sha256).toBe(sha256FileSync(CATALOG));
    expect(join(out, manifest.inputs.catalog.path)).toBe(CATALOG);
    expect(manifest.config.data.catalog).toEqual({ path: 'data/tools/catalog.json', copies: 1 });
    expect(runCli(['verify', out]).code).toBe(0);
  });
});

describe('speedrun base stage', () => {
  const baseInputs = (overrides: Record<string, unknown>): Record<string, string> => {
    const recipePath = join(repoRoot, 'configs', 'default.json');
    const loaded = loadRecipe(recipePath);
    const recipe = { ...loaded, base: { ...loaded.base, overrides: { ...loaded.base.overrides, ...overrides } } };
    const ctx = { recipe, recipePath, preset: null, backend: 'cpu', paths: speedrunPaths(recipe, { runDir: dirs.make('speedrun') }), log: () => {} };
    return speedrunStages(ctx, 'base').find((s) => s.name === 'base')!.inputs();
  };

  it('hashes the catalog into its inputs, so a changed catalog re-runs base', () => {
    const copy = join(dirs.make('catalog'), 'catalog.json');
    copyFileSync(CATALOG, copy);
    const before = baseInputs({ 'data.catalog.path': copy });
    expect(before.catalog).toBe(sha256FileSync(CATALOG));
    writeFileSync(copy, readFileSync(copy, 'utf8').replace('Restart a supervised service.', 'Restart a service.'));
    const after = baseInputs({ 'data.catalog.path': copy });
    expect(after.catalog).not.toBe(before.catalog);
    expect({ ...after, catalog: before.catalog }).toEqual(before);
    expect(baseInputs({ 'data.catalog': null })).not.toHaveProperty('catalog');
  });
});
