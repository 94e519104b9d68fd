import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli, repoRoot } from './helpers/cli.js';
import { tempDirs, tinyParquetBaseConfig, tinySftConfig, writeJson } from './helpers/train-fixtures.js';

const dirs = tempDirs('sft-cli');
afterAll(dirs.removeAll);

let work = '';
let plans = '';
let base = '';

const sftConfig = (name: string, over: Record<string, unknown> = {}): string => tinySftConfig(join(work, `${name}.json`), plans, over);

/** A plan set and a 1-step depth-1 base run (committed tokenizer, two tiny parquet shards), shared by the tests. */
beforeAll(() => {
  work = dirs.make('work');
  plans = join(work, 'plans');
  base = join(work, 'base');
  const gen = runCli(['data', 'plans', '--seed', '3', '--count', '6', '--val-count', '2', '--out', plans]);
  expect(gen.code, gen.stderr).toBe(0);
  const config = tinyParquetBaseConfig(work);
  const res = runCli(['base', 'train', '--config', config, '--backend', 'cpu', '--max-steps', '1', '--out', base]);
  expect(res.code, res.stderr).toBe(0);
}, 120_000);

describe('capplan sft', () => {
  it('fine-tunes a base checkpoint end to end: stop, resume, manifest, verify, and the planner loads it', () => {
    const out = join(work, 'sft');
    const cfg = sftConfig('sft');
    const first = runCli(['sft', '--config', cfg, '--from', base, '--backend', 'cpu', '--stop-at', '1', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/sft data: 6 train examples \(\d+ tokens, \d+ of them plan targets\) packed \(in_order\) into \d+ rows of 257 per epoch \([\d.]+% filled\); 2 val, 2 val_unseen/);
    expect(first.stdout).toMatch(/^before training: val loss \d+\.\d{4} \| val unseen loss \d+\.\d{4}$/m);
    expect(first.stdout).toMatch(/^sft: depth 1, .* 2 steps × 256 tokens/m);
    expect(readdirSync(out).sort()).toEqual(['meta_1.json', 'model_1.safetensors', 'optim_1.safetensors', 'train.jsonl']);

    const resumed = runCli(['sft', '--config', cfg, '--from', base, '--backend', 'cpu', '--resume', '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from .*meta_1\.json at step 1/);
    expect(resumed.stdout).toMatch(/step 2\/2 \| loss [\d.]+ \| val loss [\d.]+ \| val unseen loss [\d.]+ \|/);
    expect(resumed.stdout).toMatch(/^sample: ".*"$/m);

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.stage).toBe('sft');
    expect(Object.keys(manifest.parents).sort()).toEqual(['base', 'tokenizer']);
    expect(Object.keys(manifest.inputs).sort()).toEqual(['catalog', 'config', 'plans_manifest']);
    expect(manifest.seeds).toEqual({ seed: 42, plans_seed: 3 });
    expect(manifest.metrics).toEqual(expect.objectContaining({ step: 2, total_steps: 2, base_step: 1, val_loss: expect.any(Number) }));
    expect(manifest.config.sft.data.dir).toBe(plans);

    const verify = runCli(['verify', out]);
    expect(verify.code, verify.stderr).toBe(0);

    const tools = writeJson(join(work, 'tools.json'), [{ name: 'LogReader.tail', description: 'Return the last lines of a log.', params: { source: { type: 'Text' }, lines: { type: 'UInt32' } } }]);
    // The planner loads the SFT checkpoint at SFT's context (256): at the base's 16 the prompt alone would not
    // fit. Two steps of training plan nothing sensible, but constrained decoding still closes a valid plan.
    const plan = runCli(['plan', '--checkpoint', out, '--tools', tools, '--goal', 'show the last 5 lines of the kernel log', '--backend', 'cpu']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toHaveProperty('steps');
  }, 120_000);

  it('refuses bad input with one line naming the problem, before writing anything', () => {
    const out = join(work, 'never');
    const run = (cfg: string, extra: string[] = []) => runCli(['sft', '--config', cfg, '--from', base, '--backend', 'cpu', '--out', out, ...extra]);

    // A tokenizer whose files differ from the base run's (same ids, so only the hash tells).
    const otherTok = join(work, 'other-tokenizer');
    cpSync(join(repoRoot, 'tokenizer'), otherTok, { recursive: true });
    const info = JSON.parse(readFileSync(join(otherTok, 'tokenizer.json'), 'utf8'));
    writeFileSync(join(otherTok, 'tokenizer.json'), JSON.stringify(info));
    expectOneLineError(run(sftConfig('tok', { tokenizer_dir: otherTok })), /meta_1\.json: the base checkpoint was trained with tokenizer [0-9a-f]{12}…, but .*other-tokenizer is [0-9a-f]{12}…/);

    expectOneLineError(run(sftConfig('batch', { optim: { device_batch_size: 1, total_batch_tokens: 100 } })), /batch\.json: field `optim\.total_batch_tokens`: must be a multiple/);
    expectOneLineError(run(sftConfig('both', { epochs: 1 })), /both\.json: field `epochs`: give exactly one of `epochs` and `steps`/);
    expectOneLineError(run(sftConfig('seed', { data: { dir: plans, seed: 4, count: 6 } })), /seed\.json: field `data\.seed` is 4, but .*manifest\.json was generated with seed 3/);
    expectOneLineError(run(sftConfig('missing', { data: { dir: join(work, 'nope'), seed: 3, count: 6 } })), /nope: no plan set \(manifest\.json missing\); generate it with `capplan data plans --seed 3 --count 6/);
    expectOneLineError(runCli(['sft', '--config', sftConfig('ok'), '--from', join(work, 'nope'), '--backend', 'cpu']), /--from .*nope: no such checkpoint/);
    expectOneLineError(run(sftConfig('ok2'), ['--max-steps', '0']), /--max-steps must be an integer ≥ 1/);
    expect(existsSync(out)).toBe(false);

    const help = runCli(['sft', '--help']);
    for (const flag of ['--config', '--from', '--data', '--backend', '--max-steps', '--resume', '--out', '--seed']) expect(help.stdout).toContain(flag);
  }, 120_000);
});
