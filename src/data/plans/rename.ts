import type { Prng } from '../../util/prng.js';
import type { PlanExample } from './generate.js';

const SUFFIXES = ['Manager', 'Service', 'Control', 'Admin', 'Api', 'Hub', 'Ctl', 'Tool', 'Desk', 'Agent', 'Driver', 'Center'];
const SYLLABLES = ['qu', 'zar', 'vel', 'tor', 'min', 'lex', 'dra', 'fen', 'gor', 'hal', 'jor', 'kip', 'lun', 'mox', 'nim', 'pax', 'rul', 'sib', 'tav', 'vok', 'wix', 'yen', 'zum'];

/** A plausible other name for a catalog interface: one of its words with another suffix, or a made-up word. */
function otherInterfaceName(rng: Prng, name: string): string {
  if (rng.chance(0.3)) {
    const word = Array.from({ length: rng.range(2, 3) }, () => rng.pick(SYLLABLES)).join('');
    return word.charAt(0).toUpperCase() + word.slice(1);
  }
  const words = name.match(/[A-Z][a-z0-9]*/g) ?? [name];
  return `${rng.pick(words)}${rng.pick(SUFFIXES)}`;
}

/**
 * The example with its catalog interfaces renamed (the same new name for every method of one
 * interface): the catalog stays a frequent head of the training data, but its names stop being
 * something to memorise. Names, plan, expectation and forbidden tools change together.
 */
export function renameInterfaces(rng: Prng, example: Omit<PlanExample, 'id'>): Omit<PlanExample, 'id'> {
  const ifaces = [...new Set(example.tools.map((t) => t.name.slice(0, t.name.indexOf('.'))))];
  const map = new Map<string, string>();
  for (const iface of ifaces) {
    let next = otherInterfaceName(rng, iface);
    while ([...map.values()].includes(next) || (ifaces.includes(next) && next !== iface)) next = `${next}${rng.range(2, 9)}`;
    map.set(iface, next);
  }
  const rename = (tool: string): string => {
    const dot = tool.indexOf('.');
    return `${map.get(tool.slice(0, dot)) ?? tool.slice(0, dot)}${tool.slice(dot)}`;
  };
  const plan = JSON.parse(example.plan) as { steps: Array<{ tool: string }> };
  for (const step of plan.steps) step.tool = rename(step.tool);
  const { expect } = example;
  return {
    tools: example.tools.map((t) => ({ ...t, name: rename(t.name) })),
    goal: example.goal,
    expect: {
      refusal: expect.refusal,
      steps: expect.steps?.map(rename) ?? null,
      before: expect.before.map(([a, b]): [string, string] => [rename(a), rename(b)]),
      args: Object.fromEntries(Object.entries(expect.args).map(([tool, args]) => [rename(tool), args])),
      forbid: expect.forbid.map(rename),
    },
    plan: JSON.stringify(plan),
  };
}
