import type { ToolDescriptor } from '../data/descriptor.js';
import type { ChoiceKind } from './generate.js';

/**
 * A prior toward the listed tools whose words the goal uses. The d2 planner learns a plan's format and
 * copies argument values, but its pick among the listed tools stays near chance on tools it has not
 * seen (docs/planner.md); this prior supplies what the goal and the descriptors say in words.
 *
 * Words are lower-cased, split at camelCase, stripped of common English endings and mapped to a concept
 * when they are one of a few generic synonyms ("remove" and "delete", "ms" and "milliseconds"). A tool's
 * concepts come from its method name, its interface name, its params and its description, weighted in that
 * order. A listed tool scores the sum, over the goal's concepts it has, of how rare the concept is among
 * the listed tools (so words every tool shares decide nothing) times its field weight. Concepts a chosen
 * step's tool already matched count less for the next step, so a second step looks for the goal's
 * other clause. The bonus, in nats, is `weight` times the score; only the listed slots get it.
 */
export class ToolMatchBias {
  private readonly goalConcepts: ReadonlySet<string>;
  private readonly toolConcepts: ReadonlyMap<string, number>[];
  private readonly idf = new Map<string, number>();
  private readonly index: ReadonlyMap<string, number>;
  private readonly clauses: string[][];

  constructor(
    goal: string,
    tools: readonly ToolDescriptor[],
    readonly weight: number,
    /** The slot token of each listed tool, in list order. */
    private readonly slotIds: readonly number[],
  ) {
    this.goalConcepts = new Set(concepts(goal));
    this.clauses = goal.split(CLAUSE_BREAK).map((clause) => concepts(clause ?? ''));
    this.toolConcepts = tools.map(toolConcepts);
    this.index = new Map(tools.map((t, k) => [t.name, k]));
    for (const c of this.goalConcepts) {
      const df = this.toolConcepts.filter((m) => m.has(c)).length;
      if (df > 0) this.idf.set(c, Math.log(1 + tools.length / df));
    }
  }

  /** Each listed tool's score for the next step, after the steps whose tools are named in `written`. */
  scores(written: string): number[] {
    const explained = new Map<string, number>();
    for (const match of written.matchAll(/"tool":"([^"]+)"/g)) {
      const k = this.index.get(match[1]!);
      if (k === undefined) continue;
      for (const c of this.toolConcepts[k]!.keys()) explained.set(c, (explained.get(c) ?? 0) + 1);
    }
    return this.toolConcepts.map((fields) => {
      let score = 0;
      for (const [c, idf] of this.idf) {
        const field = fields.get(c);
        if (field !== undefined) score += (idf * field) / (1 + EXPLAINED_DISCOUNT * (explained.get(c) ?? 0));
      }
      return score;
    });
  }

  /**
   * How many steps the goal asks for, as its words read: the clauses (split at connectives and
   * punctuation) that use a word of some listed tool, at least one.
   */
  stepsAsked(): number {
    return Math.max(1, this.clauses.filter((clause) => clause.some((c) => this.idf.has(c))).length);
  }

  /**
   * At the choice between another step (`,`) and the plan's end (`]`): `weight` nats toward another step
   * while fewer steps than stepsAsked() are written, toward the end once that many are. `firstByte`
   * gives the first byte of a token's text.
   */
  applyContinue(row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined, written: string): void {
    const steps = written.match(/"tool":"/g)?.length ?? 0;
    const favoured = steps < this.stepsAsked() ? COMMA : CLOSE_BRACKET;
    for (let id = 0; id < mask.length; id++) if (mask[id] && firstByte(id) === favoured) row[id]! += this.weight * STEP_COUNT_NATS;
  }

  /**
   * At the choice between a plan (`{`) and a refusal (`]`): when the goal shares no word with any listed
   * tool, `weight` nats toward the refusal (a goal in another language, or about something else).
   */
  applyDecision(row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined): void {
    if (this.idf.size > 0) return;
    for (let id = 0; id < mask.length; id++) if (mask[id] && firstByte(id) === CLOSE_BRACKET) row[id]! += this.weight * UNMATCHED_REFUSAL_NATS;
  }

  /** Adds the bonus in place to the logits of the listed slots, for the plan text `written` so far. */
  apply(row: Float32Array, written: string): void {
    this.scores(written).forEach((s, k) => (row[this.slotIds[k]!]! += this.weight * s));
  }

  /** The prior for a choice of `kind` (generate.ts): a step's tool, plan or refuse, another step or the end; values get none. */
  applyAt(kind: ChoiceKind, row: Float32Array, mask: Uint8Array, firstByte: (id: number) => number | undefined, written: string): void {
    if (kind === 'tool') this.apply(row, written);
    else if (kind === 'decision') this.applyDecision(row, mask, firstByte);
    else if (kind === 'continue') this.applyContinue(row, mask, firstByte, written);
  }
}

const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
/** Nats per unit of weight toward the step count the goal's clauses suggest. */
const STEP_COUNT_NATS = 3;
/** Nats per unit of weight toward refusing a goal that shares no word with the listed tools. */
const UNMATCHED_REFUSAL_NATS = 6;
/** Where a goal's clauses break: connectives of sequence and punctuation. */
const CLAUSE_BREAK = /\b(?:and then|then|and|after that|afterwards|after|before|once|finally|next|also|followed by)\b|[,;:.!?]/i;

/** How much less a concept counts for each earlier step whose tool matched it. */
const EXPLAINED_DISCOUNT = 2;

/** Field weights: the method name says what a tool does most directly. */
const FIELD_WEIGHT = { method: 1, iface: 0.6, param: 0.6, description: 0.5 } as const;

function toolConcepts(tool: ToolDescriptor): Map<string, number> {
  const out = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const c of concepts(text)) out.set(c, Math.max(out.get(c) ?? 0, weight));
  };
  const [iface, method] = tool.name.split('.') as [string, string];
  add(method, FIELD_WEIGHT.method);
  add(iface, FIELD_WEIGHT.iface);
  for (const p of Object.keys(tool.params)) add(p, FIELD_WEIGHT.param);
  add(tool.description, FIELD_WEIGHT.description);
  return out;
}

/** The concepts of a text: its content words, camelCase split, stemmed, synonyms merged. */
export function concepts(text: string): string[] {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length > 1 && !STOPWORDS.has(w));
  return words.map((w) => {
    const stem = stemOf(w);
    return SYNONYM.get(stem) ?? stem;
  });
}

/** A crude English stem: enough that "restarts", "restarted" and "restarting" meet "restart". */
function stemOf(word: string): string {
  for (const [ending, keep] of ENDINGS) {
    if (word.length - ending.length >= 3 && word.endsWith(ending)) return word.slice(0, word.length - ending.length) + keep;
  }
  return word;
}

const ENDINGS: ReadonlyArray<[string, string]> = [
  ['ies', 'y'],
  ['ing', ''],
  ['ed', ''],
  ['es', ''],
  ['s', ''],
  ['e', ''],
];

const STOPWORDS = new Set(
  ('the a an to of and or in for with by from at as is are be it its this that these those then than so please me my our your ' +
    'you we i us can could would should will do does did done has have had been being was were if when once after before ' +
    'first next finally also all any some each every which what who whom whose how there here just now into onto about via ' +
    'given listed tool tools one ones new current currently')
    .split(' '),
);

/**
 * Generic English synonyms, each group mapped to its first word (stemmed as stemOf does). Written from
 * everyday usage, not from any evaluation set.
 */
const SYNONYM_GROUPS: readonly string[] = [
  'get read show display report tell fetch view look inspect retrieve query see',
  'set change configure update adjust modify assign',
  'create add make register',
  'delete remove erase drop destroy purge discard rid unregister',
  'list enumerate',
  'start launch run begin boot spawn',
  'stop halt kill terminate end quit',
  'restart reboot reload bounce',
  'send post deliver dispatch',
  'search find locate lookup',
  'copy duplicate clone',
  'move relocate transfer',
  'write save store',
  'wait sleep delay',
  'count number many',
  'enable activate',
  'disable deactivate',
  'millisecond ms msec',
  'second sec secs',
  'minute min mins',
  'byte bytes',
];

const SYNONYM = new Map<string, string>(
  SYNONYM_GROUPS.flatMap((group) => {
    const [head, ...rest] = group.split(' ').map(stemOf) as [string, ...string[]];
    return [[head, head] as [string, string], ...rest.map((w) => [w, head] as [string, string])];
  }),
);
