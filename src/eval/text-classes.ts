import { join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../data/paths.js';
import { readCorpus } from '../data/corpus.js';
import { loadCatalog, DEFAULT_CATALOG_PATH } from '../data/catalog.js';
import { descriptorsFromCatalog, serializeDescriptor } from '../data/descriptor.js';
import { serializePlan } from '../data/actionplan.js';
import { generatePlanExamples } from '../data/plans/generate.js';
import { UserError } from '../errors.js';
import { planFromProbeCase, probeDescriptors } from './probe-plans.js';
import { readProbeFile } from './probe/probe-file.js';

export const TEXT_CLASS_NAMES = ['english', 'capnp', 'docs', 'plans', 'descriptors'] as const;
export type TextClassName = (typeof TEXT_CLASS_NAMES)[number];

/** A named set of documents that is tokenized and reported as one row group. */
export interface TextClass {
  name: TextClassName;
  /** Where the texts come from, in words, recorded with every result. */
  source: string;
  texts: string[];
}

/** Paths in recorded results are relative to the checkout, so results read the same on every clone. */
export function repoRelative(path: string): string {
  return relative(REPO_ROOT, resolve(path)) || '.';
}

/** The fixed generated plan set: same seed, count and catalog → the same plans (and the same sha256). */
export const PLAN_SET = { seed: 'tok-eval', count: 400, split: 'val' } as const;

export interface TextClassOptions {
  corpusDir?: string;
  probePath: string;
  catalogPath?: string;
}

/**
 * The evaluation text classes. Corpus classes use only the val split (never seen by the BPE trainer),
 * so "ours" is not flattered by having memorised the very documents it is scored on.
 */
export function buildTextClasses(opts: TextClassOptions): TextClass[] {
  const corpus = { english: [] as string[], capnp: [] as string[], docs: [] as string[] };
  for (const doc of readCorpus({ dir: opts.corpusDir, split: 'val' })) {
    if (doc.kind === 'book') corpus.english.push(doc.text);
    else if (doc.kind === 'capnp') corpus.capnp.push(doc.text);
    else corpus.docs.push(doc.text);
  }
  for (const [name, texts] of Object.entries(corpus)) {
    if (texts.length === 0) throw new UserError(`the corpus val split has no ${name} documents (run \`capplan data sync\`)`);
  }

  const catalogPath = opts.catalogPath ?? join(REPO_ROOT, DEFAULT_CATALOG_PATH);
  const catalog = loadCatalog(catalogPath);
  const probe = readProbeFile(opts.probePath);
  const [catalogName, probeName] = [repoRelative(catalogPath), repoRelative(opts.probePath)];
  const probePlans = probe.flatMap((c) => {
    const plan = planFromProbeCase(c);
    return plan ? [serializePlan(plan, c.tools)] : [];
  });
  const plans = [...probePlans, ...generatePlanExamples({ ...PLAN_SET, catalog }).map((e) => e.plan)];
  const descriptorLines = [
    ...descriptorsFromCatalog(catalog),
    ...probeDescriptors(probe),
  ].map(serializeDescriptor);

  return [
    { name: 'english', source: 'corpus val split, book segments (held-out English)', texts: corpus.english },
    { name: 'capnp', source: 'corpus val split, Cap\'n Proto schemas (.capnp)', texts: corpus.capnp },
    { name: 'docs', source: 'corpus val split, Markdown docs', texts: corpus.docs },
    {
      name: 'plans',
      source:
        `canonical compact ActionPlans: ${probePlans.length} probe expectations (${probeName}) and ` +
        `${PLAN_SET.count} generated from ${catalogName} (split ${PLAN_SET.split}, seed "${PLAN_SET.seed}")`,
      texts: plans,
    },
    {
      name: 'descriptors',
      source: `canonical compact tool descriptors, one per line: ${catalogName} and ${probeName}, deduplicated`,
      texts: [...new Set(descriptorLines)],
    },
  ];
}
