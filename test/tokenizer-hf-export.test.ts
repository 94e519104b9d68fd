import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { loadCatalog } from '../src/data/catalog.js';
import { parseCorpusJsonl } from '../src/data/corpus-file.js';
import { serializeDescriptor } from '../src/data/descriptor.js';
import { DEFAULT_CORPUS_DIR, REPO_ROOT } from '../src/data/paths.js';
import { generatePlanExamples } from '../src/data/plans/generate.js';
import { parseRanks } from '../src/tokenizer/format.js';
import { HF_EXPORT_DIR, HF_TOKENIZER_FILE, hfTokenizerJson } from '../src/tokenizer/hf/export.js';
import { MARK, TAG } from '../src/tokenizer/hf/atom-boundaries.js';
import { loadTokenizer, type CapTokenizer } from '../src/tokenizer/tokenizer.js';
import { verifyArtifact } from '../src/provenance/verify.js';
import { Prng } from '../src/util/prng.js';
import { fixtureTexts, trainFixtureTokenizer } from './fixtures/tokenizer/fixture-tokenizer.js';

const TOKENIZER_DIR = join(REPO_ROOT, 'tokenizer');
const HF_FILE = join(TOKENIZER_DIR, HF_EXPORT_DIR, HF_TOKENIZER_FILE);

const capplan = loadTokenizer(TOKENIZER_DIR);
const hf = HfTokenizer.fromFile(HF_FILE);
afterAll(() => capplan.free());

/** Texts whose HF ids differ from capplan's, each with where and how (empty when the export is exact). */
async function mismatches(cap: CapTokenizer, tok: HfTokenizer, texts: readonly string[]): Promise<Array<{ text: string; at: number; capplan: string[]; hf: string[] }>> {
  const nonEmpty = texts.filter((t) => t !== '');
  const encodings = await tok.encodeBatch(nonEmpty);
  return nonEmpty.flatMap((text, i) => {
    const want = cap.encode(text);
    const got = encodings[i]!.getIds();
    let at = 0;
    while (at < want.length && want[at] === got[at]) at++;
    if (at === want.length && got.length === want.length) return [];
    const show = (ids: number[]) => ids.slice(at, at + 4).map((id) => cap.decode([id]));
    return [{ text, at, capplan: show(want), hf: show(got) }];
  });
}

/** Strings built to hit the atom boundary rules: atoms, their prefixes, and what may stand around them. */
function boundaryFuzz(info: CapTokenizer['info'], count: number): string[] {
  const rng = new Prng('hf-export-fuzz');
  const atoms = info.reserved_atoms.map((a) => a.text);
  const glue = ['', ' ', '  ', '_', '2', 'x', 'é', '.', '(', '"', ':', '\n', '@0x', '{', '}', 'ſ', '\u0301'];
  const piece = (): string => {
    const atom = rng.pick(atoms);
    switch (rng.int(4)) {
      case 0:
        return atom;
      case 1:
        return atom.slice(0, 1 + rng.int(atom.length));
      case 2:
        return atom.slice(rng.int(atom.length));
      default:
        return rng.pick(glue);
    }
  };
  return Array.from({ length: count }, () => Array.from({ length: 1 + rng.int(8) }, piece).join(''));
}

describe('Hugging Face export of the default tokenizer (tokenizer/hf/tokenizer.json)', () => {
  it('is what `capplan tok export-hf` writes from the committed tokenizer', () => {
    const ranksPath = join(TOKENIZER_DIR, 'capos.tiktoken');
    expect(readFileSync(HF_FILE, 'utf8')).toBe(hfTokenizerJson(capplan.info, parseRanks(readFileSync(ranksPath, 'utf8'), ranksPath)));
    expect(() => verifyArtifact(join(TOKENIZER_DIR, HF_EXPORT_DIR), () => {})).not.toThrow();
  });

  it('gives capplan ids, and each atom and control token its name, by id', () => {
    expect(hf.getVocabSize(true)).toBe(capplan.vocabSize);
    for (const [name, id] of Object.entries(capplan.info.special_tokens)) expect(hf.tokenToId(name)).toBe(id);
    for (const a of capplan.info.reserved_atoms) expect(hf.idToToken(a.id)?.replaceAll(MARK, "").replace(TAG, "")).toBe(a.text);
  });

  it('matches capplan on identifier boundaries, atoms that are also BPE tokens, and type ids', async () => {
    const texts = [
      'struct Foo { x @0 :Text; } destructor Textual Text_ Text2 2Text _Text éText Textę struct_size',
      'a struct, foo struct; using_x import2 const constant (const) "Text" {"type":"Text"}',
      'List(Text) XList(Text) List( List',
      'File.readme File.read File.read.x File. .File File.read\n',
      'interface ServiceSupervisor @0x91bc2312502dc0b7 { } x @0x91bc2312502dc0b7z @0x91bc2312502dc0b @0xabc',
      'Text',
      'TextText Text.Text Text Text',
      '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"Report interface state."}]}',
    ];
    expect(await mismatches(capplan, hf, texts)).toEqual([]);
  });

  it('matches capplan on 3000 random strings of atoms, atom fragments and boundary characters', async () => {
    expect(await mismatches(capplan, hf, boundaryFuzz(capplan.info, 3000))).toEqual([]);
  });

  it('matches capplan on plans, goals and tool descriptors', async () => {
    const examples = generatePlanExamples({ seed: 'hf-export', count: 300, catalog: loadCatalog(join(REPO_ROOT, 'data/tools/catalog.json')), split: 'train' });
    const fixtures = ['plans', 'descriptors'].flatMap((name) =>
      readFileSync(join(REPO_ROOT, 'bench/fixtures/tok-eval', `${name}.jsonl`), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { text: string }).text),
    );
    const texts = [
      ...examples.flatMap((e) => [e.plan, e.goal, e.tools.map(serializeDescriptor).join('\n')]),
      ...fixtures,
      readFileSync(join(REPO_ROOT, 'data/tools/capos.capnp'), 'utf8'),
    ];
    expect(texts.length).toBeGreaterThan(1000);
    expect(await mismatches(capplan, hf, texts)).toEqual([]);
  });

  it('decodes ids back to the text', async () => {
    const text = 'struct Foo { x @0 :Text; } {"steps":[],"refusal":"No listed tool can reboot."} naïve 🚀';
    expect(await hf.decode(capplan.encode(text), false)).toBe(text);
  });

  it('differs in one documented way: literal control-token text becomes the control token', async () => {
    // capplan never produces control tokens from text; HF matches special added tokens in text unless
    // `encode_special_tokens` is set (a runtime flag, not part of tokenizer.json).
    const [enc] = await hf.encodeBatch(['<|bos|>']);
    expect(enc!.getIds()).toEqual([capplan.specialId('<|bos|>')]);
    expect(capplan.encode('<|bos|>')).not.toContain(capplan.specialId('<|bos|>'));
  });
});

const corpusMissing = existsSync(DEFAULT_CORPUS_DIR) ? null : `corpus not installed in ${DEFAULT_CORPUS_DIR} (run \`capplan data sync\`)`;
if (corpusMissing) console.warn(`tokenizer-hf-export.test: corpus test skipped: ${corpusMissing}`);

describe.skipIf(corpusMissing !== null)('Hugging Face export on the whole corpus', () => {
  it('gives capplan ids on every document', async () => {
    const docs = readdirSync(DEFAULT_CORPUS_DIR)
      .filter((n) => n.endsWith('.jsonl'))
      .flatMap((n) => parseCorpusJsonl(readFileSync(join(DEFAULT_CORPUS_DIR, n), 'utf8'), n).map((d) => d.text));
    expect(docs.length).toBeGreaterThan(250);
    expect(await mismatches(capplan, hf, docs)).toEqual([]);
  });
});

describe('`capplan tok train` writes the export', () => {
  it('gives a freshly trained tokenizer its hf/tokenizer.json with the same ids', async () => {
    const dir = await trainFixtureTokenizer();
    const fixture = loadTokenizer(dir);
    try {
      const tok = HfTokenizer.fromFile(join(dir, HF_EXPORT_DIR, HF_TOKENIZER_FILE));
      // Without the fixture texts that spell a control token (the documented difference above).
      const texts = fixtureTexts().filter((t) => !Object.keys(fixture.info.special_tokens).some((name) => t.includes(name)));
      expect(texts.length).toBeGreaterThan(0);
      expect(await mismatches(fixture, tok, [...texts, ...boundaryFuzz(fixture.info, 300)])).toEqual([]);
      expect(() => verifyArtifact(join(dir, HF_EXPORT_DIR), () => {})).not.toThrow();
    } finally {
      fixture.free();
    }
  });
});
