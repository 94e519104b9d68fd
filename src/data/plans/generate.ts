import type { Catalog } from '../catalog.js';
import { descriptorsFromCatalog, type ToolDescriptor } from '../descriptor.js';
import { REFUSAL_TEXT, serializePlan, type ActionPlan, type PlanStep } from '../actionplan.js';
import { Prng } from '../../util/prng.js';
import { valueKindFor, type RenderedValue } from './values.js';
import { NEGATIONS, PURPOSES, QUESTIONS, REFERRING_PHRASES, templatesFor, type Template } from './phrases.js';
import { renderGoal, withCourtesy, type Clause, type RenderedGoal } from './render.js';
import { makeSurvey, SURVEY_TOOLS } from './survey.js';
import { isProbeGoal } from './decontaminate.js';
import { renameInterfaces } from './rename.js';
import { TOOL_SLOT_COUNT } from '../../tokenizer/reserved.js';
import { makeSyntheticExecutable, makeSyntheticRefusal } from './synthetic/examples.js';

export const SPLITS = ['train', 'val', 'val_unseen'] as const;
export type Split = (typeof SPLITS)[number];

/** Interfaces kept out of train and val entirely, so val_unseen measures generalisation to new tools. */
export const HELD_OUT_INTERFACES = ['CertificateStore', 'FanControl', 'JobScheduler', 'Mailbox'] as const;

export const REFUSAL_RATE = 0.12;
/** Share of train and val examples over synthetic tools (synthetic/); the rest come from the catalog. */
export const SYNTHETIC_RATE = 0.7;
/** Share of catalog examples in train and val whose interfaces are renamed (rename.ts). */
export const RENAME_RATE = 0.65;
const NEGATION_RATE = 0.15;
const STEP_COUNT_WEIGHTS = [0, 25, 30, 20, 12, 8, 5]; // index = number of steps (1–6)
/** Share of executable examples that are "diagnose, then act" surveys (survey.ts). */
const SURVEY_RATE = 0.07;
/** Share of one-step plans whose tool is drawn from those with a question form (QUESTIONS). */
const QUESTION_TOOL_RATE = 0.3;
/** Share of two-step plans drawn from FOLLOW_UPS, so pronoun references and repeated values are common. */
const FOLLOW_UP_RATE = 0.35;

/**
 * Tool pairs where the second step naturally acts on the first step's value ("restart ntp, then report
 * its status", "write 'ok' to /tmp/flag, then read it back"); the shared Text param is always reused.
 */
const FOLLOW_UPS: ReadonlyArray<readonly [string, string]> = [
  // The two most common shapes of operator goals are listed twice, i.e. drawn twice as often.
  ['ServiceSupervisor.restart', 'ServiceSupervisor.status'],
  ['ServiceSupervisor.restart', 'ServiceSupervisor.status'],
  ['File.read', 'File.write'],
  ['ServiceSupervisor.start', 'ServiceSupervisor.status'],
  ['ServiceSupervisor.stop', 'ServiceSupervisor.status'],
  ['ServiceSupervisor.stop', 'ServiceSupervisor.start'],
  ['ServiceSupervisor.status', 'ServiceSupervisor.restart'],
  ['File.write', 'File.read'],
  ['File.read', 'File.write'],
  ['File.write', 'File.checksum'],
  ['File.append', 'File.read'],
  ['Directory.create', 'Directory.list'],
  ['BackupManager.create', 'BackupManager.verify'],
  ['ModelAdmin.load', 'ModelAdmin.status'],
  ['AccountStoreWriter.create', 'AccountStoreReader.lookup'],
  ['AccountStoreWriter.unlock', 'AccountStoreReader.lookup'],
  ['LogWriter.append', 'LogWriter.rotate'],
  ['CertificateStore.renew', 'CertificateStore.expiry'],
  ['CertificateStore.install', 'CertificateStore.expiry'],
  ['JobScheduler.schedule', 'JobScheduler.runNow'],
];

/** What the evaluator checks, in the probe format of DESIGN.md. */
export interface Expectation {
  refusal: boolean;
  steps: string[] | null;
  before: Array<[string, string]>;
  args: Record<string, Record<string, unknown>>;
  forbid: string[];
}

/** One probe-format line plus the target plan (canonical compact serialization). */
export interface PlanExample {
  id: string;
  tools: ToolDescriptor[];
  goal: string;
  expect: Expectation;
  plan: string;
}

export interface GenerateOptions {
  seed: number | string;
  count: number;
  catalog: Catalog;
  split: Split;
  /** Goals that must not be produced (e.g. train goals when generating val). */
  excludeGoals?: ReadonlySet<string>;
  /** Shares of synthetic-tool and renamed-catalog examples (default SYNTHETIC_RATE, RENAME_RATE); 0 and 0 give the catalog as written. */
  mix?: { synthetic: number; renamed: number };
}

/** One plan step: the tool, its argument values and the clause that asks for it. */
interface PlannedStep {
  tool: ToolDescriptor;
  args: Record<string, unknown>;
  clause: Clause;
}

/** Substitutes that could do a missing tool's job; a refusal example must not list them. */
const SUBSTITUTES: Record<string, readonly string[]> = {
  'ServiceSupervisor.restart': ['ServiceSupervisor.start', 'ServiceSupervisor.stop'],
  'ServiceSupervisor.status': ['ServiceSupervisor.list'],
  'File.write': ['File.truncate', 'File.append'],
  'Console.write': ['Console.writeLines'],
  'Console.writeLines': ['Console.write'],
  'TextEmbedder.embed': ['TextEmbedder.embedBatch'],
  'TextEmbedder.embedBatch': ['TextEmbedder.embed'],
  'PowerManager.reboot': ['PowerManager.shutdown'],
};

const MAX_ATTEMPTS = 50;

function interfaceOf(tool: string): string {
  return tool.slice(0, tool.indexOf('.'));
}

function weightedStepCount(rng: Prng): number {
  const total = STEP_COUNT_WEIGHTS.reduce((a, b) => a + b, 0);
  let r = rng.int(total);
  for (let n = 1; n < STEP_COUNT_WEIGHTS.length; n++) {
    r -= STEP_COUNT_WEIGHTS[n]!;
    if (r < 0) return n;
  }
  return 1;
}

function fillTemplate(template: string, rendered: Record<string, RenderedValue>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (_m, name: string) => {
    const value = rendered[name];
    if (!value) throw new Error(`template slot {${name}} has no value`);
    return value.text;
  });
}

function slotsOf(template: string): string[] {
  return [...template.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]!);
}

interface StepOptions {
  /** Replaces the usual clause templates with a whole-goal question (which takes no purpose). */
  question?: Template;
  /** Chance of reusing the previous step's Text value for a same-named param. */
  reuseChance?: number;
  /** Chance of a purpose clause ("to see what it holds"). */
  purposeChance?: number;
}

/** Draws args for one step, sometimes reusing the previous step's Text value for a same-named param. */
function planStep(rng: Prng, index: number, tool: ToolDescriptor, previous: PlannedStep | null, opts: StepOptions = {}): PlannedStep {
  const { question, reuseChance = 0.5, purposeChance = 0.2 } = opts;
  const template = question ?? rng.pick(templatesFor(tool.name));
  const rendered: Record<string, RenderedValue> = {};
  const args: Record<string, unknown> = {};
  const reused = new Set<string>();
  for (const param of Object.keys(tool.params)) {
    if (template.fixed && param in template.fixed) {
      args[param] = template.fixed[param];
      continue;
    }
    const prevValue = previous?.args[param];
    if (typeof prevValue === 'string' && previous!.tool.params[param]?.type === 'Text' && tool.params[param]!.type === 'Text' && rng.chance(reuseChance)) {
      const prevText = previous!.clause.full;
      rendered[param] = { text: findMention(prevText, prevValue) ?? String(prevValue), value: prevValue };
      reused.add(param);
    } else {
      rendered[param] = valueKindFor(tool.name, param)(rng);
    }
    args[param] = rendered[param]!.value;
  }
  const purpose = PURPOSES[tool.name];
  const because = purpose && !question && rng.chance(purposeChance) ? ` ${rng.pick(purpose)}` : '';
  const full = fillTemplate(template.text, rendered) + because;
  const clause: Clause = { step: index, full };
  const referring = REFERRING_PHRASES[tool.name];
  if (referring && reused.size > 0) {
    const usable = referring.filter((t) => slotsOf(t).every((s) => !reused.has(s)) && Object.keys(rendered).every((p) => reused.has(p) || slotsOf(t).includes(p)));
    if (usable.length > 0) clause.referring = fillTemplate(rng.pick(usable), rendered);
  }
  return { tool, args, clause };
}

/** How the previous clause spelled a reused value, so the repeat matches (quotes included). */
function findMention(text: string, value: unknown): string | null {
  if (typeof value !== 'string') return null;
  for (const form of [`'${value}'`, `"${value}"`, value]) if (text.includes(form)) return form;
  return null;
}

/** At most this many distractors join `used` tools already listed, so a list never exceeds the planner's tool slots. */
function pickDistractors(rng: Prng, pool: readonly ToolDescriptor[], used: ReadonlySet<string>, avoid: ReadonlySet<string>, listed = used.size): ToolDescriptor[] {
  const n = Math.min(rng.pick([0, 1, 2, 2, 3, 3, 4, 4, 5, 6]), TOOL_SLOT_COUNT - listed);
  const usedIfaces = new Set([...used].map(interfaceOf));
  const candidates = pool.filter((d) => !used.has(d.name) && !avoid.has(d.name));
  const siblings = candidates.filter((d) => usedIfaces.has(interfaceOf(d.name)));
  const chosen = new Map<string, ToolDescriptor>();
  for (let tries = 0; chosen.size < n && tries < n * 4 && candidates.length > 0; tries++) {
    const d = siblings.length > 0 && rng.chance(0.35) ? rng.pick(siblings) : rng.pick(candidates);
    chosen.set(d.name, d);
  }
  return [...chosen.values()];
}

/** Chooses plan tools: the first from `firstPool`, later ones often from an interface already in the plan. */
function pickPlanTools(rng: Prng, n: number, firstPool: readonly ToolDescriptor[], pool: readonly ToolDescriptor[]): ToolDescriptor[] {
  const tools = [rng.pick(firstPool)];
  for (let tries = 0; tools.length < n && tries < n * 10; tries++) {
    const ifaces = new Set(tools.map((t) => interfaceOf(t.name)));
    const related = pool.filter((d) => ifaces.has(interfaceOf(d.name)));
    const d = rng.chance(0.45) ? rng.pick(related) : rng.pick(pool);
    if (!tools.some((t) => t.name === d.name)) tools.push(d);
  }
  return tools;
}

function makeExecutable(rng: Prng, pools: SplitPools, stepCount: number): Omit<PlanExample, 'id'> {
  const followUps = stepCount === 2 ? pools.followUps : [];
  if (followUps.length > 0 && rng.chance(FOLLOW_UP_RATE)) {
    const [first, second] = rng.pick(followUps);
    // A check before acting on the same thing usually says why ("read /tmp/flag to see what it holds").
    const a = planStep(rng, 0, first, null, { purposeChance: 0.4 });
    const b = planStep(rng, 1, second, a, { reuseChance: 1 });
    return finishExecutable(rng, pools, [a, b], renderGoal(rng, [a.clause, b.clause]), true);
  }
  // One-call goals lean towards tools that can be asked about, so questions ("Is the network up?") are common.
  const askable = pools.first.filter((d) => QUESTIONS[d.name]);
  const firstPool = stepCount === 1 && askable.length > 0 && rng.chance(QUESTION_TOOL_RATE) ? askable : pools.first;
  const tools = pickPlanTools(rng, stepCount, firstPool, pools.plan);
  const steps: PlannedStep[] = [];
  const question = stepCount === 1 ? QUESTIONS[tools[0]!.name] : undefined;
  if (question && rng.chance(0.4)) {
    // A lone question is the whole goal; it ends with "?" so no negation is appended.
    const step = planStep(rng, 0, tools[0]!, null, { question: { text: rng.pick(question) } });
    return finishExecutable(rng, pools, [step], { goal: frameQuestion(rng, step.clause.full), before: [] }, false);
  }
  tools.forEach((tool, i) => steps.push(planStep(rng, i, tool, steps[i - 1] ?? null)));
  return finishExecutable(rng, pools, steps, renderGoal(rng, steps.map((s) => s.clause)), true);
}

/** A "diagnose, then act" goal (survey.ts); its steps carry the whole goal as their clause text. */
function makeSurveyExample(rng: Prng, pools: SplitPools): Omit<PlanExample, 'id'> {
  const survey = makeSurvey(rng);
  const steps = survey.steps.map((s, i): PlannedStep => ({ tool: pools.byName.get(s.tool)!, args: s.args, clause: { step: i, full: survey.goal } }));
  return finishExecutable(rng, pools, steps, { goal: capitalize(survey.goal), before: survey.before }, true, new Set(survey.avoid));
}

/**
 * Zero-argument questions have only a few wordings each, and goals are unique, so without framing
 * ("… right now?", "Quick question: …") a tool's questions would appear only a handful of times.
 */
function frameQuestion(rng: Prng, question: string): string {
  const body = rng.chance(0.5) ? question.replace(/\?$/, `${rng.pick([' right now', ' at the moment', ' currently', ' now'])}?`) : question;
  return rng.chance(0.3) ? `${rng.pick(['Quick question: ', 'Tell me: ', 'Question: ', 'Status check: '])}${body}` : capitalize(body);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Adds an optional negation and distractors, then builds the plan and the expectation. */
function finishExecutable(rng: Prng, pools: SplitPools, steps: readonly PlannedStep[], rendered: RenderedGoal, mayNegate: boolean, avoid: ReadonlySet<string> = new Set()): Omit<PlanExample, 'id'> {
  const tools = steps.map((s) => s.tool);
  let goal = rendered.goal;
  const used = new Set(tools.map((t) => t.name));
  const forbid: string[] = [];
  const extra: ToolDescriptor[] = [];
  if (mayNegate && rng.chance(NEGATION_RATE)) {
    const negation = pickNegation(rng, pools.distractors, steps);
    if (negation) {
      forbid.push(negation.tool.name);
      extra.push(negation.tool);
      goal += rng.pick([`. Do not ${negation.phrase}`, `, but do not ${negation.phrase}`, `. Don't ${negation.phrase}`, `; do not ${negation.phrase}`]);
    }
  }
  const distractors = pickDistractors(rng, pools.distractors, used, new Set([...forbid, ...avoid]), used.size + extra.length);
  const descriptors = rng.shuffle([...tools, ...extra, ...distractors]);
  const plan: ActionPlan = {
    steps: steps.map((s): PlanStep => ({ tool: s.tool.name, args: s.args, rationale: s.tool.description })),
  };
  return {
    tools: descriptors,
    goal: withCourtesy(rng, finishSentence(goal)),
    expect: {
      refusal: false,
      steps: tools.map((t) => t.name),
      before: rendered.before.map(([a, b]) => [tools[a]!.name, tools[b]!.name]),
      args: Object.fromEntries(steps.map((s) => [s.tool.name, s.args])),
      forbid,
    },
    plan: serializePlan(plan, descriptors),
  };
}

/** A tool to forbid whose "do not …" verb does not also describe a step of the plan. */
function pickNegation(rng: Prng, pool: readonly ToolDescriptor[], steps: readonly PlannedStep[]): { tool: ToolDescriptor; phrase: string } | null {
  const planIfaces = new Set(steps.map((s) => interfaceOf(s.tool.name)));
  const planText = steps.map((s) => s.clause.full).join(' ');
  const options = pool.filter((d) => NEGATIONS[d.name] && !planIfaces.has(interfaceOf(d.name)));
  if (options.length === 0) return null;
  const tool = rng.pick(options);
  const phrase = rng.pick(NEGATIONS[tool.name]!);
  const verb = phrase.split(' ')[0]!;
  if (new RegExp(`\\b${verb}\\b`, 'i').test(planText)) return null;
  return { tool, phrase };
}

function makeRefusal(rng: Prng, pools: SplitPools): Omit<PlanExample, 'id'> {
  const missing = rng.pick(pools.first);
  const clauses = [planStep(rng, 0, missing, null).clause];
  const avoid = new Set([missing.name, ...(SUBSTITUTES[missing.name] ?? [])]);
  const listed: ToolDescriptor[] = [];
  // Sometimes the goal also asks for an available tool: one missing tool still means refusing the whole goal.
  if (rng.chance(0.3)) {
    const other = rng.pick(pools.plan.filter((d) => !avoid.has(d.name)));
    listed.push(other);
    const otherClause = planStep(rng, 1, other, null).clause;
    if (rng.chance(0.5)) clauses.unshift({ ...otherClause, step: 0 });
    else clauses.push(otherClause);
    clauses.forEach((c, i) => (c.step = i));
  }
  const keepSiblings = rng.chance(0.4);
  const candidates = pools.distractors.filter((d) => keepSiblings || interfaceOf(d.name) !== interfaceOf(missing.name));
  const distractors = pickDistractors(rng, candidates, new Set(listed.map((d) => d.name)), avoid);
  if (listed.length === 0 && distractors.length === 0) distractors.push(rng.pick(candidates.filter((d) => !avoid.has(d.name))));
  const descriptors = rng.shuffle([...listed, ...distractors]);
  return {
    tools: descriptors,
    goal: withCourtesy(rng, finishSentence(renderGoal(rng, clauses).goal)),
    expect: { refusal: true, steps: null, before: [], args: {}, forbid: [] },
    plan: serializePlan({ steps: [], refusal: REFUSAL_TEXT }),
  };
}

function finishSentence(goal: string): string {
  return /[.?!]$/.test(goal) ? goal : `${goal}.`;
}

interface SplitPools {
  /** Tools a plan's first step (or a refusal's missing tool) comes from. */
  first: ToolDescriptor[];
  /** Tools any plan step may use. */
  plan: ToolDescriptor[];
  /** Tools that may be listed as distractors. */
  distractors: ToolDescriptor[];
  /** FOLLOW_UPS usable in the split: both tools available, at least one from `first`. */
  followUps: Array<[ToolDescriptor, ToolDescriptor]>;
  /** Whether every survey tool is available (not in val_unseen, whose examples each need a held-out tool). */
  surveys: boolean;
  byName: Map<string, ToolDescriptor>;
}

function poolsFor(catalog: Catalog, split: Split): SplitPools {
  const all = descriptorsFromCatalog(catalog);
  const heldOut = new Set<string>(HELD_OUT_INTERFACES);
  const seen = all.filter((d) => !heldOut.has(interfaceOf(d.name)));
  // Every unseen example needs a held-out tool (its first step, or the missing one); the rest may be anything.
  const [first, plan] = split === 'val_unseen' ? [all.filter((d) => heldOut.has(interfaceOf(d.name))), all] : [seen, seen];
  const byName = new Map(plan.map((d) => [d.name, d]));
  const firstNames = new Set(first.map((d) => d.name));
  const followUps = FOLLOW_UPS.filter((pair) => pair.every((t) => byName.has(t)) && pair.some((t) => firstNames.has(t))).map(
    ([a, b]): [ToolDescriptor, ToolDescriptor] => [byName.get(a)!, byName.get(b)!],
  );
  const surveys = split !== 'val_unseen' && SURVEY_TOOLS.every((t) => byName.has(t));
  return { first, plan, distractors: plan, followUps, surveys, byName };
}

/** Deterministic examples: the same seed, split, count and catalog always give the same list. */
export function generatePlanExamples(opts: GenerateOptions): PlanExample[] {
  const pools = poolsFor(opts.catalog, opts.split);
  const goals = new Set<string>();
  const out: PlanExample[] = [];
  for (let i = 0; i < opts.count; i++) {
    // Decided once per example, so retries after a duplicate goal cannot skew the refusal rate or step counts.
    const shapeRng = new Prng(`${opts.seed}:${opts.split}:${i}:shape`);
    const refusal = shapeRng.chance(REFUSAL_RATE);
    const stepCount = weightedStepCount(shapeRng);
    const survey = !refusal && pools.surveys && shapeRng.chance(SURVEY_RATE);
    // Held-out interfaces are only ever met in val_unseen, which therefore stays catalog-only.
    const synthetic = opts.split !== 'val_unseen' && shapeRng.chance(opts.mix?.synthetic ?? SYNTHETIC_RATE);
    const renamed = opts.split !== 'val_unseen' && shapeRng.chance(opts.mix?.renamed ?? RENAME_RATE);
    let example: Omit<PlanExample, 'id'> | null = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const rng = new Prng(`${opts.seed}:${opts.split}:${i}:${attempt}`);
      const catalogExample = (): Omit<PlanExample, 'id'> => {
        const made = refusal ? makeRefusal(rng, pools) : survey ? makeSurveyExample(rng, pools) : makeExecutable(rng, pools, stepCount);
        return renamed ? renameInterfaces(rng, made) : made;
      };
      const candidate = synthetic ? (refusal ? makeSyntheticRefusal(rng) : makeSyntheticExecutable(rng)) : catalogExample();
      example = candidate;
      // Evaluation goals are never training data, not even by chance.
      if (!goals.has(candidate.goal) && !opts.excludeGoals?.has(candidate.goal) && !isProbeGoal(candidate.goal)) break;
    }
    goals.add(example!.goal);
    out.push({ id: `${opts.split}-${String(i).padStart(6, '0')}`, ...example! });
  }
  return out;
}
