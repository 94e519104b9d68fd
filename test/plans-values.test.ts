import { describe, expect, it } from 'vitest';
import { Prng } from '../src/util/prng.js';
import { numberWord, valueKindFor } from '../src/data/plans/values.js';
import { loadCatalog } from '../src/data/catalog.js';
import { descriptorsFromCatalog } from '../src/data/descriptor.js';
import { valueMatchesType } from '../src/data/capnp-values.js';
import { PHRASES } from '../src/data/plans/phrases.js';
import { join } from 'node:path';
import { repoRoot } from './helpers/cli.js';

/** Independent reading of a quantity phrase into the declared unit (the test's own table, not the generator's). */
const MS_PER: Record<string, number> = { millisecond: 1, ms: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const IDIOMS: Record<string, number> = { 'half a second': 500, 'a second': 1000, 'a quarter of a second': 250, 'half a minute': 30_000, 'a minute': 60_000, 'a quarter of an hour': 900_000, 'half an hour': 1_800_000, 'an hour': 3_600_000, 'a day': 86_400_000 };
const BYTES_PER: Record<string, number> = { byte: 1, kib: 1024, mib: 1024 ** 2, megabyte: 1024 ** 2, gib: 1024 ** 3, gigabyte: 1024 ** 3 };

function readNumber(s: string): number {
  for (let n = 0; n <= 100; n++) if (numberWord(n) === s) return n;
  return Number(s);
}

function readQuantity(text: string, per: Record<string, number>): number {
  if (text in IDIOMS) return IDIOMS[text]!;
  const m = /^(.+) (\w+?)s?$/.exec(text.toLowerCase());
  if (!m) throw new Error(`unreadable quantity: ${text}`);
  const unit = per[m[2]!] ?? per[`${m[2]}s`];
  if (unit === undefined) throw new Error(`unknown unit in ${text}`);
  return readNumber(m[1]!) * unit;
}

describe('argument values', () => {
  it('spells number words for common numbers', () => {
    expect(numberWord(10)).toBe('ten');
    expect(numberWord(20)).toBe('twenty');
    expect(numberWord(40)).toBe('forty');
    expect(numberWord(23)).toBeNull();
  });

  it('converts durations to the declared unit (ms, seconds, minutes)', () => {
    const rng = new Prng('durations');
    const cases: Array<[string, string, number]> = [
      ['Timer.sleep', 'ms', 1],
      ['ProcessSpawner.spawnWithTimeout', 'timeoutMs', 1],
      ['LogReader.since', 'seconds', 1000],
      ['PowerManager.reboot', 'delaySeconds', 1000],
      ['BackupManager.schedule', 'minutes', 60_000],
    ];
    for (const [tool, param, msPerUnit] of cases) {
      const kind = valueKindFor(tool, param);
      for (let i = 0; i < 300; i++) {
        const { text, value } = kind(rng);
        expect(value, `${tool}.${param}: ${text}`).toBe(readQuantity(text, MS_PER) / msPerUnit);
      }
    }
  });

  it('converts sizes to bytes or megabytes and signed offsets to negative ms for "back"', () => {
    const rng = new Prng('sizes');
    for (let i = 0; i < 300; i++) {
      const b = valueKindFor('File.truncate', 'bytes')(rng);
      expect(b.value, b.text).toBe(readQuantity(b.text, BYTES_PER));
      const mb = valueKindFor('StorageVolumes.resize', 'megabytes')(rng);
      expect(mb.value, mb.text).toBe(readQuantity(mb.text, BYTES_PER) / 1024 ** 2);
      const off = valueKindFor('SystemClock.adjust', 'offsetMs')(rng);
      const [, dir, rest] = /^(back|forward) by (.+)$/.exec(off.text)!;
      expect(off.value, off.text).toBe((dir === 'back' ? -1 : 1) * readQuantity(rest!, MS_PER));
    }
  });

  it('reads "2 seconds" as 2000 ms and "ten" as 10 somewhere in a sample', () => {
    const rng = new Prng('spot');
    const ms = Array.from({ length: 2000 }, () => valueKindFor('Timer.sleep', 'ms')(rng));
    expect(ms.find((v) => v.text === '2 seconds')?.value).toBe(2000);
    const lines = Array.from({ length: 500 }, () => valueKindFor('LogReader.tail', 'lines')(rng));
    expect(lines.find((v) => v.text === 'ten')?.value).toBe(10);
  });

  it('every catalog param has a value kind (or a fixed template value) that produces its declared type', () => {
    const rng = new Prng('types');
    const catalog = loadCatalog(join(repoRoot, 'data/tools/catalog.json'));
    for (const d of descriptorsFromCatalog(catalog)) {
      expect(PHRASES[d.name], d.name).toBeDefined();
      const fixed = new Set(PHRASES[d.name]!.flatMap((p) => (typeof p === 'string' ? [] : Object.keys(p.fixed ?? {}))));
      for (const [param, spec] of Object.entries(d.params)) {
        if (fixed.has(param) && spec.type === 'Bool') continue;
        for (let i = 0; i < 20; i++) {
          const v = valueKindFor(d.name, param)(rng).value;
          expect(valueMatchesType(v, spec.type), `${d.name}.${param}: ${JSON.stringify(v)}`).toBe(true);
        }
      }
    }
  });
});
