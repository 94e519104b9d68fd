import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenizerContent, trainingRunContent } from '../src/pipeline/artifact-content.js';
import { runPipeline, type PipelineStage } from '../src/pipeline/pipeline.js';
import { decideStage, readStageRecord, valueDigest, type StageRecord } from '../src/pipeline/stage-record.js';
import { applyOverrides, deepMerge, loadRecipe } from '../src/pipeline/recipe.js';
import { sha256FileSync } from '../src/util/hash.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'capplan-speedrun-stages-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A fake stage: writes `content` (from its config) into its output dir; optionally crashes part-way. */
class FakeStage implements PipelineStage {
  runs: Array<{ resume: boolean }> = [];
  crash = false;
  constructor(
    readonly name: string,
    public config: Record<string, unknown>,
    readonly parent: FakeStage | null = null,
  ) {}
  get outputDir(): string {
    return join(root, 'run', this.name);
  }
  inputs(): Record<string, string> {
    const inputs: Record<string, string> = { config: valueDigest(this.config) };
    if (this.parent) inputs.parent = sha256FileSync(join(this.parent.outputDir, 'out.txt'));
    return inputs;
  }
  canResume(): boolean {
    return existsSync(join(this.outputDir, 'checkpoint'));
  }
  async run({ resume }: { resume: boolean }): Promise<void> {
    this.runs.push({ resume });
    mkdirSync(this.outputDir, { recursive: true });
    writeFileSync(join(this.outputDir, 'checkpoint'), 'half');
    if (this.crash) throw new Error(`${this.name} crashed`);
    const upstream = this.parent ? readFileSync(join(this.parent.outputDir, 'out.txt'), 'utf8') : '';
    writeFileSync(join(this.outputDir, 'out.txt'), upstream + JSON.stringify(this.config));
  }
}

function pipeline(): { a: FakeStage; b: FakeStage; stages: FakeStage[] } {
  const a = new FakeStage('a', { vocab: 10 });
  const b = new FakeStage('b', { steps: 5 }, a);
  return { a, b, stages: [a, b] };
}

async function run(stages: FakeStage[], lines: string[] = []): Promise<string[]> {
  await runPipeline(stages, { stateDir: join(root, 'run'), log: (l) => lines.push(l) });
  return lines;
}

describe('speedrun stage reuse', () => {
  it('reuses completed stages whose inputs and outputs are unchanged', async () => {
    const { a, b, stages } = pipeline();
    await run(stages);
    const lines = await run(stages);
    expect(a.runs).toHaveLength(1);
    expect(b.runs).toHaveLength(1);
    expect(lines.filter((l) => l.includes('reusing'))).toHaveLength(2);
    expect(readStageRecord(join(root, 'run'), 'b')?.status).toBe('done');
  });

  it('re-runs a stage whose config changed, and its dependents, naming the changed input', async () => {
    const { a, b, stages } = pipeline();
    await run(stages);
    a.config = { vocab: 20 };
    const lines = await run(stages);
    expect(a.runs).toHaveLength(2);
    expect(b.runs).toHaveLength(2);
    expect(lines).toContain('stage a: running (inputs changed since it completed: config)');
    expect(lines).toContain('stage b: running (inputs changed since it completed: parent)');
  });

  it('re-runs only the stage whose own config changed when its parent is unchanged', async () => {
    const { a, b, stages } = pipeline();
    await run(stages);
    b.config = { steps: 6 };
    await run(stages);
    expect(a.runs).toHaveLength(1);
    expect(b.runs).toHaveLength(2);
  });

  it('re-runs a completed stage whose outputs were modified', async () => {
    const { a, stages } = pipeline();
    await run(stages);
    writeFileSync(join(a.outputDir, 'out.txt'), 'tampered');
    const lines = await run(stages);
    expect(a.runs).toHaveLength(2);
    expect(lines).toContain('stage a: running (its outputs were modified since it completed)');
  });

  it('re-runs a completed stage whose artifact no longer verifies', async () => {
    const { a, stages } = pipeline();
    await run(stages);
    let problem: string | null = 'config.json: sha256 mismatch';
    Object.assign(a, { check: () => problem });
    const lines = await run(stages);
    expect(a.runs).toHaveLength(2);
    expect(lines).toContain('stage a: running (its artifact no longer verifies: config.json: sha256 mismatch)');
    problem = null;
    await run(stages);
    expect(a.runs).toHaveLength(2);
  });

  it('resumes an interrupted stage with unchanged inputs, and starts it over when they changed', async () => {
    const { b, stages } = pipeline();
    b.crash = true;
    await expect(run(stages)).rejects.toThrow('b crashed');
    expect(readStageRecord(join(root, 'run'), 'b')?.status).toBe('running');
    b.crash = false;
    const lines = await run(stages);
    expect(b.runs).toEqual([{ resume: false }, { resume: true }]);
    expect(lines).toContain('stage b: resuming (it was interrupted: continuing from its last checkpoint)');

    b.crash = true;
    b.config = { steps: 7 };
    await expect(run(stages)).rejects.toThrow();
    b.crash = false;
    b.config = { steps: 8 };
    const again = await run(stages);
    expect(b.runs.at(-1)).toEqual({ resume: false });
    expect(again).toContain('stage b: running (it was interrupted, and its inputs changed since (config): starting over)');
  });
});

describe('stage content digests', () => {
  const writeRun = (name: string, meta: Record<string, unknown>, weights = 'weights', log = '{"step":3}\n'): string => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model_3.safetensors'), weights);
    writeFileSync(join(dir, 'meta_3.json'), JSON.stringify(meta));
    writeFileSync(join(dir, 'train.jsonl'), log);
    return dir;
  };
  const meta = { step: 3, config: { seed: 1 }, saved_at: 't1', metrics: { loss: 2, ms_per_step: 10 } };

  it('a training run is its latest weights and meta, not its save time, timings or log', () => {
    const first = trainingRunContent(writeRun('a', meta));
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(trainingRunContent(writeRun('b', { ...meta, saved_at: 't2', metrics: { loss: 2, ms_per_step: 12 } }, 'weights', 'other log'))).toBe(first);
    expect(trainingRunContent(writeRun('c', meta, 'weightz'))).not.toBe(first);
    expect(trainingRunContent(writeRun('d', { ...meta, config: { seed: 2 } }))).not.toBe(first);
    expect(trainingRunContent(join(root, 'none'))).toBeNull();
  });

  it('a tokenizer is its tokenizer.json and ranks, not its manifest or its Hugging Face export', () => {
    const dir = join(root, 'tok');
    mkdirSync(join(dir, 'hf'), { recursive: true });
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    writeFileSync(join(dir, 'capos.tiktoken'), 'AA== 0\n');
    const before = tokenizerContent(dir);
    writeFileSync(join(dir, 'manifest.json'), '{}');
    writeFileSync(join(dir, 'hf', 'tokenizer.json'), '{}');
    expect(tokenizerContent(dir)).toBe(before);
    writeFileSync(join(dir, 'capos.tiktoken'), 'AQ== 0\n');
    expect(tokenizerContent(dir)).not.toBe(before);
  });
});

describe('decideStage', () => {
  const done: StageRecord = { stage: 's', status: 'done', inputs: { x: '1' }, outputs: 'o', started_at: 't', ended_at: 't2', seconds: 3 };
  it('covers every case', () => {
    expect(decideStage(null, { x: '1' }, null, false).action).toBe('run');
    expect(decideStage(done, { x: '1' }, 'o', false).action).toBe('reuse');
    expect(decideStage(done, { x: '1' }, null, false)).toEqual({ action: 'run', reason: 'its outputs are missing' });
    expect(decideStage(done, { x: '1', y: '2' }, 'o', false).reason).toContain('y');
    const running = { ...done, status: 'running' as const, outputs: null };
    expect(decideStage(running, { x: '1' }, null, true).action).toBe('resume');
    expect(decideStage(running, { x: '1' }, null, false).reason).toContain('left no checkpoint');
  });
  it('hashes configs independently of key order', () => {
    expect(valueDigest({ a: 1, b: { c: 2, d: 3 } })).toBe(valueDigest({ b: { d: 3, c: 2 }, a: 1 }));
    expect(valueDigest({ a: 1 })).not.toBe(valueDigest({ a: 2 }));
  });
});

describe('speedrun recipe', () => {
  it('loads configs/default.json and its tiny preset', () => {
    const full = loadRecipe('configs/default.json');
    const tiny = loadRecipe('configs/default.json', 'tiny');
    expect(tiny.base.max_steps).toBeLessThan(full.base.max_steps);
    expect(tiny.base.config).toBe(full.base.config); // presets patch, they do not replace
    expect(tiny.paths.tokenizer).toBeNull();
  });
  it('names an unknown preset and a bad field in one line', () => {
    expect(() => loadRecipe('configs/default.json', 'huge')).toThrow(/no preset 'huge' \(presets: tiny\)/);
    const bad = join(root, 'r.json');
    writeFileSync(bad, JSON.stringify({ ...JSON.parse(readFileSync('configs/default.json', 'utf8')), base: { config: 'x', max_steps: 0 } }));
    expect(() => loadRecipe(bad)).toThrow(/field `base.max_steps`/);
  });
  it('caps the published weights at 16·10^6 bytes unless the recipe says otherwise, and validates the cap', () => {
    const file = JSON.parse(readFileSync('configs/default.json', 'utf8'));
    expect(loadRecipe('configs/default.json').publish.max_weight_bytes).toBe(16_000_000);
    const without = join(root, 'no-publish.json');
    writeFileSync(without, JSON.stringify({ ...file, publish: undefined }));
    expect(loadRecipe(without).publish.max_weight_bytes).toBe(16_000_000);
    const bad = join(root, 'bad-publish.json');
    writeFileSync(bad, JSON.stringify({ ...file, publish: { max_weight_bytes: '16MB' } }));
    expect(() => loadRecipe(bad)).toThrow(/field `publish.max_weight_bytes`/);
    writeFileSync(bad, JSON.stringify({ ...file, publish: { max_bytes: 1 } }));
    expect(() => loadRecipe(bad)).toThrow(/max_bytes/);
  });
  it('applies dotted overrides with placeholders', () => {
    const out = applyOverrides({ data: { dir: 'a' }, seed: 1 }, { 'data.dir': '${plans}/x', seed: 2 }, { plans: 'runs/p' }, 'r');
    expect(out).toEqual({ data: { dir: 'runs/p/x' }, seed: 2 });
    expect(() => applyOverrides({}, { a: '${nope}' }, { plans: 'p' }, 'r')).toThrow(/unknown placeholder/);
    expect(deepMerge({ a: { b: 1, c: 2 } }, { a: { c: 3 } })).toEqual({ a: { b: 1, c: 3 } });
  });
});
