import type { ToolDescriptor } from '../../descriptor.js';
import { REFUSAL_TEXT, serializePlan } from '../../actionplan.js';
import type { Prng } from '../../../util/prng.js';
import type { Expectation, PlanExample } from '../generate.js';
import { renderGoal, withCourtesy, type Clause } from '../render.js';
import type { RenderedValue } from '../values.js';
import { ENTITIES } from './lexicon.js';
import { interfaceName, toolsOf, type SynthTool } from './operations.js';

/**
 * Examples over synthetic tools (operations.ts): 1–3 made-up interfaces per example, each on a thing of
 * the lexicon, 2–8 tools listed in random order with siblings that share words with the goal, values
 * drawn at random, goals in wordings unrelated to the descriptions' wording. Only reading the list and
 * the goal solves them.
 */

const STEP_COUNT_WEIGHTS = [0, 34, 30, 19, 11, 6]; // index = steps (1–5)
const NEGATION_RATE = 0.12;
const QUESTION_RATE = 0.35;
const MAX_TOOLS = 8;

interface Step {
  tool: SynthTool;
  values: RenderedValue[];
  /** Its thing is the previous step's, so the clause may say "it". */
  sameThing: boolean;
}

function weighted(rng: Prng, weights: readonly number[]): number {
  let r = rng.int(weights.reduce((a, b) => a + b, 0));
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

/** The interfaces of one example: distinct things, each with its tools. */
function worlds(rng: Prng, count: number): SynthTool[][] {
  const entities = rng.shuffle(ENTITIES).slice(0, count);
  const names = new Set<string>();
  return entities.map((e) => {
    let iface = interfaceName(rng, e);
    while (names.has(iface)) iface = `${iface}${rng.range(2, 9)}`;
    names.add(iface);
    return toolsOf(rng, e, iface);
  });
}

function drawValues(rng: Prng, tool: SynthTool, previous: Step | null): { values: RenderedValue[]; sameThing: boolean } {
  const values = tool.params.map((p) => p.draw(rng));
  const canShare = previous !== null && previous.tool.entity === tool.entity && previous.values.length > 0 && values.length > 0;
  const sameThing = canShare && previous.tool.params[0]!.name === tool.params[0]!.name && rng.chance(0.6);
  if (sameThing) values[0] = previous!.values[0]!;
  return { values, sameThing };
}

function argsOf(step: Step): Record<string, unknown> {
  return Object.fromEntries(step.tool.params.map((p, i) => [p.name, step.values[i]!.value]));
}

/** Tools that could stand in for `tool` (same thing, same operation) must never be listed beside it. */
function sameJob(a: SynthTool, b: SynthTool): boolean {
  return a.entity === b.entity && a.op === b.op;
}

function pickDistractors(rng: Prng, pool: readonly SynthTool[], taken: readonly SynthTool[], room: number): SynthTool[] {
  const want = Math.min(room, rng.range(Math.min(1, room), room));
  const candidates = rng.shuffle(pool.filter((t) => !taken.some((u) => u === t || sameJob(u, t))));
  return candidates.slice(0, want);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function finishSentence(goal: string): string {
  return /[.?!]$/.test(goal) ? goal : `${goal}.`;
}

function expectation(steps: readonly Step[], before: Array<[number, number]>, forbid: string[]): Expectation {
  const names = steps.map((s) => s.tool.descriptor.name);
  return {
    refusal: false,
    steps: names,
    before: before.map(([a, b]): [string, string] => [names[a]!, names[b]!]).filter(([a, b]) => a !== b),
    args: Object.fromEntries(steps.map((s) => [s.tool.descriptor.name, argsOf(s)])),
    forbid,
  };
}

export function makeSyntheticExecutable(rng: Prng): Omit<PlanExample, 'id'> {
  const stepCount = weighted(rng, STEP_COUNT_WEIGHTS);
  const all = worlds(rng, weighted(rng, [0, 45, 37, 18]));
  const pool = all.flat();
  const steps: Step[] = [];
  for (let i = 0; i < stepCount; i++) {
    const previous = steps.at(-1) ?? null;
    // Consecutive steps often act on the same thing ("stop it, then delete it").
    const sameWorld = previous && rng.chance(0.55) ? all.find((w) => w.includes(previous.tool))! : rng.pick(all);
    const options = sameWorld.filter((t) => !steps.some((s) => s.tool === t));
    if (options.length === 0) break;
    const tool = rng.pick(options);
    steps.push({ tool, ...drawValues(rng, tool, previous) });
  }
  let goal: string;
  let before: Array<[number, number]>;
  const question = steps.length === 1 ? steps[0]!.tool.question : undefined;
  if (question && rng.chance(QUESTION_RATE)) {
    goal = capitalize(question(rng, steps[0]!.values));
    before = [];
  } else {
    const clauses: Clause[] = steps.map((s, i) => ({
      step: i,
      full: s.tool.clause(rng, s.values, false),
      ...(s.sameThing ? { referring: s.tool.clause(rng, s.values, true) } : {}),
    }));
    const rendered = renderGoal(rng, clauses);
    goal = rendered.goal;
    before = rendered.before;
  }
  const forbid: string[] = [];
  const listed: SynthTool[] = steps.map((s) => s.tool);
  if (!goal.endsWith('?') && rng.chance(NEGATION_RATE)) {
    const options = pool.filter((t) => !listed.some((u) => u === t || (u.entity === t.entity && u.op.split(':')[0] === t.op.split(':')[0])));
    if (options.length > 0) {
      const banned = rng.pick(options);
      forbid.push(banned.descriptor.name);
      listed.push(banned);
      goal = `${goal.replace(/\.$/, '')}${rng.pick(['. Do not ', ', but do not ', ". Don't ", '; do not ', ', and make sure not to '])}${banned.negation(rng)}`;
    }
  }
  const unique = [...new Set(listed)];
  const tools = [...unique, ...pickDistractors(rng, pool, unique, MAX_TOOLS - unique.length)];
  const descriptors = rng.shuffle(tools).map((t) => t.descriptor);
  const plan = serializePlan(
    { steps: steps.map((s) => ({ tool: s.tool.descriptor.name, args: argsOf(s), rationale: s.tool.descriptor.description })) },
    descriptors,
  );
  return { tools: descriptors, goal: withCourtesy(rng, finishSentence(goal)), expect: expectation(steps, before, forbid), plan };
}

/**
 * A goal that no listed tool can do: the tool it needs is left out while its siblings (the same thing,
 * other operations) and other interfaces stay; sometimes the goal also asks for something listed.
 */
export function makeSyntheticRefusal(rng: Prng): Omit<PlanExample, 'id'> {
  const all = worlds(rng, weighted(rng, [0, 45, 37, 18]));
  const home = rng.pick(all);
  const missing = rng.pick(home);
  const pool = all.flat().filter((t) => t !== missing && !sameJob(t, missing));
  const ask: Step = { tool: missing, ...drawValues(rng, missing, null) };
  const clauses: Clause[] = [{ step: 0, full: missing.clause(rng, ask.values, false) }];
  const listed: SynthTool[] = [];
  if (pool.length > 0 && rng.chance(0.25)) {
    const other = rng.pick(pool);
    listed.push(other);
    const otherClause: Clause = { step: 0, full: other.clause(rng, drawValues(rng, other, null).values, false) };
    if (rng.chance(0.5)) clauses.unshift(otherClause);
    else clauses.push(otherClause);
    clauses.forEach((c, i) => (c.step = i));
  }
  // Near misses first: most refusals list the missing tool's siblings, which share its words.
  const siblings = pool.filter((t) => t.entity === missing.entity);
  const near = rng.chance(0.75) ? rng.shuffle(siblings).slice(0, rng.range(1, 4)) : [];
  const base = [...new Set([...listed, ...near])];
  const tools = [...base, ...pickDistractors(rng, pool, base, MAX_TOOLS - base.length)];
  if (tools.length === 0) tools.push(...pool.slice(0, 1));
  const question = missing.question;
  const goal = clauses.length === 1 && question && rng.chance(QUESTION_RATE) ? capitalize(question(rng, ask.values)) : renderGoal(rng, clauses).goal;
  const descriptors: ToolDescriptor[] = rng.shuffle(tools).map((t) => t.descriptor);
  return {
    tools: descriptors,
    goal: withCourtesy(rng, finishSentence(goal)),
    expect: { refusal: true, steps: null, before: [], args: {}, forbid: [] },
    plan: serializePlan({ steps: [], refusal: REFUSAL_TEXT }),
  };
}
