import type { ToolDescriptor } from '../../descriptor.js';
import type { Prng } from '../../../util/prng.js';
import type { RenderedValue } from '../values.js';
import { TOGGLES, type Attribute, type Entity, type ToggleSide } from './lexicon.js';
import { VALUE_KINDS, type ValueDraw, type ValueKindName } from './values.js';

/**
 * One synthetic tool: its descriptor and what the generator needs to ask for it in a goal. Tools are
 * made per example from an entity of the lexicon and an operation on it, with a freshly chosen
 * interface name, method name, param names and description wording, so no name or wording can be
 * memorised: choosing a tool means reading the list.
 */
export interface SynthTool {
  descriptor: ToolDescriptor;
  entity: Entity;
  /** What it does: same `op` on the same entity (and attribute) means the same tool for a goal. */
  op: string;
  params: ReadonlyArray<{ name: string; draw: ValueDraw }>;
  /** The clause that asks for this call with these values; `referring`: its first value is the previous step's thing ("it"). */
  clause(rng: Prng, values: readonly RenderedValue[], referring: boolean): string;
  /** A whole question asking for this call, when the tool reads something. */
  question?(rng: Prng, values: readonly RenderedValue[]): string;
  /** What "do not …" says to forbid this tool ("delete anything"). */
  negation(rng: Prng): string;
}

const pascal = (s: string): string => s.replace(/(^|[\s-])(\w)/g, (_m, _s: string, c: string) => c.toUpperCase()).replace(/[\s-]/g, '');
const camel = (s: string): string => {
  const p = pascal(s);
  return p.charAt(0).toLowerCase() + p.slice(1);
};
const article = (noun: string): string => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);
const SYLLABLES = ['qu', 'zar', 'vel', 'tor', 'min', 'lex', 'dra', 'fen', 'gor', 'hal', 'jor', 'kip', 'lun', 'mox', 'nim', 'pax', 'rul', 'sib', 'tav', 'vok', 'wix', 'yen', 'zum'];

/** A made-up word, for names that carry no meaning (the description is then the only guide). */
function opaque(rng: Prng): string {
  return Array.from({ length: rng.range(2, 3) }, () => rng.pick(SYLLABLES)).join('');
}

const SUFFIXES = ['', '', 'Manager', 'Service', 'Control', 'Controller', 'Admin', 'Api', 'Hub', 'Registry', 'Client', 'Ctl', 'Tool', 'Engine', 'Desk'];
const PREFIXES = ['', '', '', '', 'Home', 'Smart', 'Cloud', 'Net', 'Sys', 'My', 'Acme', 'Remote', 'Local', 'Team'];

/** An interface name for an entity: a stem with an optional prefix and suffix, sometimes a made-up word. */
export function interfaceName(rng: Prng, e: Entity): string {
  if (rng.chance(0.12)) return pascal(opaque(rng));
  return `${rng.pick(PREFIXES)}${rng.pick(e.stems)}${rng.pick(SUFFIXES)}`;
}

/** How a goal names one thing: "the lamp desk", "lamp 'desk'", "desk". */
function mention(rng: Prng, e: Entity, value: RenderedValue): string {
  const r = rng.int(10);
  if (r < 4) return `the ${e.noun} ${value.text}`;
  if (r < 7) return `${e.noun} ${value.text}`;
  return value.text;
}

/** A param of kind `kind` named from `names`; durations and sizes often carry their unit in the name. */
function param(rng: Prng, names: readonly string[], kind: ValueKindName): { name: string; draw: ValueDraw; type: string } {
  const k = VALUE_KINDS[kind];
  const base = rng.pick(names);
  if ('units' in k && k.units && rng.chance(0.75)) {
    const unit = rng.pick(k.units);
    return { name: `${base}${unit.suffix}`, draw: unit.draw, type: k.type };
  }
  return { name: base, draw: k.draw, type: k.type };
}

function unitWords(name: string): string {
  const m = /(Ms|Millis|Seconds|Secs|Minutes|Hours|Bytes|Mb|Mib|Gb)$/.exec(name);
  if (!m) return '';
  return { Ms: ' in milliseconds', Millis: ' in milliseconds', Seconds: ' in seconds', Secs: ' in seconds', Minutes: ' in minutes', Hours: ' in hours', Bytes: ' in bytes', Mb: ' in megabytes', Mib: ' in MiB', Gb: ' in gigabytes' }[m[1]!]!;
}

function fill(template: string, words: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, k: string) => {
    const w = words[k];
    if (w === undefined) throw new Error(`no word for {${k}} in "${template}"`);
    return w;
  });
}

interface Shape {
  op: string;
  methods: readonly string[];
  describe: readonly string[];
  params: ReadonlyArray<{ names: readonly string[]; kind: ValueKindName }>;
  /** Clause templates: {x} the thing (or "it"), {xs} the thing's ("its …" when referring), {0} {1} the values. */
  say: readonly string[];
  ask?: readonly string[];
  negate: readonly string[];
}

/** The operations an entity supports, each as a shape to instantiate. */
function shapesFor(e: Entity): Shape[] {
  const id = { names: e.idParams, kind: e.id };
  const E = pascal(e.noun);
  const Es = pascal(e.plural);
  const shapes: Shape[] = [];
  for (const attr of e.attrs) shapes.push(...attributeShapes(e, attr));
  for (const t of e.toggles) {
    TOGGLES[t].forEach((side: ToggleSide, i: number) => {
      shapes.push({
        op: `${t}:${i}`,
        methods: [...side.methods, ...side.methods.map((m) => `${m}${E}`)],
        describe: side.describe.map((d) => d.replace('{x}', article(e.noun))),
        params: [id],
        say: side.say,
        negate: [`${side.verb} {anyx}`, `${side.verb} anything`],
      });
    });
  }
  shapes.push({
    op: 'list',
    methods: ['list', `list${Es}`, 'all', 'enumerate', camel(e.plural), `get${Es}`],
    describe: [`Lists every ${e.noun}.`, `Returns the names of all ${e.plural}.`, `Enumerates the ${e.plural} that exist.`, `Shows all ${e.plural} with their details.`],
    params: [],
    say: [`list the ${e.plural}`, `list all ${e.plural}`, `show me every ${e.noun}`, `enumerate the ${e.plural}`, `get the list of ${e.plural}`],
    ask: [`which ${e.plural} are there?`, `what ${e.plural} do we have?`, `which ${e.plural} exist?`],
    negate: [`list the ${e.plural}`],
  });
  for (const verb of e.verbs) {
    const s = extraShape(e, verb, id, E, Es);
    if (s) shapes.push(s);
  }
  return shapes;
}


function attributeShapes(e: Entity, attr: Attribute): Shape[] {
  const id = { names: e.idParams, kind: e.id };
  const A = pascal(attr.noun);
  const out: Shape[] = [
    {
      op: `get:${attr.noun}`,
      methods: [`get${A}`, `read${A}`, camel(attr.noun), `query${A}`, `fetch${A}`, `${camel(attr.noun)}Of`],
      describe: [`Returns the ${attr.noun} of ${article(e.noun)}.`, `Reports the current ${attr.noun} of one ${e.noun}.`, `Reads the ${attr.noun} of the given ${e.noun}.`, `Gets ${article(e.noun)}'s ${attr.noun}.`],
      params: [id],
      say: [`check the ${attr.noun} of {x}`, `read the ${attr.noun} of {x}`, `get the ${attr.noun} of {x}`, `look up the ${attr.noun} of {x}`, `show the ${attr.noun} of {x}`, `find out the ${attr.noun} of {x}`, `check {xs} ${attr.noun}`],
      ask: [`what is the ${attr.noun} of {x}?`, `what's the ${attr.noun} of {x}?`, `tell me the ${attr.noun} of {x}.`, `how about the ${attr.noun} of {x}?`],
      negate: [`check the ${attr.noun}`],
    },
  ];
  if (attr.readOnly) return out;
  const value = { names: attr.params, kind: attr.kind };
  if (attr.kind === 'flag') {
    out.push({
      op: `set:${attr.noun}`,
      methods: [`set${A}`, `toggle${A}`, `update${A}`],
      describe: [`Turns the ${attr.noun} of ${article(e.noun)} on or off.`, `Sets whether ${article(e.noun)} has ${attr.noun}.`],
      params: [id, value],
      say: [`turn ${attr.noun} {1} for {x}`, `set the ${attr.noun} of {x} {1}`, `switch {xs} ${attr.noun} {1}`],
      negate: [`change the ${attr.noun}`],
    });
    return out;
  }
  out.push({
    op: `set:${attr.noun}`,
    methods: [`set${A}`, `update${A}`, `change${A}`, `configure${A}`, `adjust${A}`, `put${A}`],
    describe: [`Sets the ${attr.noun} of ${article(e.noun)}{unit}.`, `Changes ${article(e.noun)}'s ${attr.noun}{unit}.`, `Updates the ${attr.noun} of the given ${e.noun}{unit}.`, `Adjusts the ${attr.noun} of one ${e.noun}{unit}.`],
    params: [id, value],
    say: [`set the ${attr.noun} of {x} to {1}`, `change the ${attr.noun} of {x} to {1}`, `set {xs} ${attr.noun} to {1}`, `make the ${attr.noun} of {x} {1}`, `update the ${attr.noun} of {x} to {1}`, `adjust {xs} ${attr.noun} to {1}`, `give {x} ${article(attr.noun)} of {1}`],
    negate: [`change the ${attr.noun}`, `touch the ${attr.noun}`],
  });
  return out;
}

function extraShape(e: Entity, verb: string, id: { names: readonly string[]; kind: ValueKindName }, E: string, Es: string): Shape | null {
  switch (verb) {
    case 'create':
      return {
        op: 'create',
        methods: ['create', 'add', `new${E}`, `create${E}`, 'register', `add${E}`],
        describe: [`Creates a new ${e.noun}.`, `Adds ${article(e.noun)} with the given name.`, `Registers a new ${e.noun}.`, `Makes a new ${e.noun}.`],
        params: [id],
        say: [`create ${article(e.noun)} called {0}`, `add a new ${e.noun} named {0}`, `set up ${article(e.noun)} {0}`, `make a new ${e.noun} {0}`, `create the ${e.noun} {0}`],
        negate: [`create any ${e.plural}`, `add ${e.plural}`],
      };
    case 'delete':
      return {
        op: 'delete',
        methods: ['delete', 'remove', 'destroy', 'drop', `delete${E}`, `remove${E}`, 'purge'],
        describe: [`Deletes ${article(e.noun)} permanently.`, `Removes the ${e.noun} with the given name.`, `Destroys ${article(e.noun)} and everything in it.`, `Deletes one ${e.noun}.`],
        params: [id],
        say: ['delete {x}', 'remove {x}', 'get rid of {x}', 'erase {x}', 'delete {x} for good'],
        negate: ['delete anything', `remove any ${e.plural}`, 'delete {anyx}'],
      };
    case 'restart':
      return {
        op: 'restart',
        methods: ['restart', 'reboot', 'bounce', 'reload', `restart${E}`],
        describe: [`Restarts ${article(e.noun)}.`, `Stops and starts ${article(e.noun)} again.`, `Reboots the given ${e.noun}.`],
        params: [id],
        say: ['restart {x}', 'reboot {x}', 'bounce {x}', 'give {x} a restart', 'restart {x} again'],
        negate: ['restart anything', 'restart {anyx}'],
      };
    case 'reset':
      return {
        op: 'reset',
        methods: ['reset', 'clear', 'flush', 'wipe', `reset${E}`],
        describe: [`Resets ${article(e.noun)} to its defaults.`, `Clears ${article(e.noun)}.`, `Wipes the state of the given ${e.noun}.`],
        params: [id],
        say: ['reset {x}', 'clear {x}', 'wipe {x}', 'reset {x} to defaults'],
        negate: ['reset anything', 'clear {anyx}'],
      };
    case 'send':
      return {
        op: 'send',
        methods: ['send', 'post', 'sendMessage', 'notify', 'message', `sendTo${E}`],
        describe: [`Sends a message to ${article(e.noun)}.`, `Posts a text to the given ${e.noun}.`, `Delivers a short message to one ${e.noun}.`],
        params: [id, { names: ['message', 'text', 'body', 'content'], kind: 'phrase' }],
        say: ['send {1} to {x}', 'post {1} to {x}', 'tell {x} {1}', 'message {x} saying {1}', 'send {x} the message {1}'],
        negate: ['send anything', 'send any messages'],
      };
    case 'search':
      return {
        op: 'search',
        methods: ['search', 'find', 'query', 'lookup', `search${Es}`, `find${Es}`],
        describe: [`Searches the ${e.plural} for a text and returns at most the given number of matches.`, `Finds ${e.plural} matching a query, up to a limit.`, `Looks up ${e.plural} by keyword, returning no more than the given count.`],
        params: [{ names: ['query', 'text', 'keyword', 'q', 'term'], kind: 'search' }, { names: ['limit', 'max', 'maxResults', 'count'], kind: 'smallCount' }],
        say: [`search the ${e.plural} for {0}, at most {1} results`, `find up to {1} ${e.plural} matching {0}`, `look for {0} among the ${e.plural} and return {1} hits`, `search ${e.plural} for {0} with a limit of {1}`, `find {1} ${e.plural} about {0}`],
        negate: ['search anything'],
      };
    case 'move':
      return {
        op: 'move',
        methods: ['move', 'rename', 'relocate', `move${E}`],
        describe: [`Moves ${article(e.noun)} to a new place.`, `Renames ${article(e.noun)}.`, `Relocates the given ${e.noun} to a destination.`],
        params: [id, { names: ['destination', 'to', 'target', 'newName'], kind: e.id }],
        say: ['move {x} to {1}', 'rename {x} to {1}', 'relocate {x} to {1}'],
        negate: ['move anything', 'rename {anyx}'],
      };
    case 'copy':
      return {
        op: 'copy',
        methods: ['copy', 'duplicate', 'clone', `copy${E}`],
        describe: [`Copies ${article(e.noun)} to a new place.`, `Duplicates ${article(e.noun)}.`, `Makes a copy of the given ${e.noun}.`],
        params: [id, { names: ['destination', 'to', 'target', 'copyName'], kind: e.id }],
        say: ['copy {x} to {1}', 'duplicate {x} as {1}', 'make a copy of {x} at {1}', 'clone {x} into {1}'],
        negate: ['copy anything', `duplicate any ${e.plural}`],
      };
    case 'count':
      return {
        op: 'count',
        methods: ['count', `count${Es}`, 'total', 'size', `num${Es}`],
        describe: [`Counts the ${e.plural}.`, `Returns how many ${e.plural} exist.`, `Reports the number of ${e.plural}.`],
        params: [],
        say: [`count the ${e.plural}`, `find out how many ${e.plural} there are`, `get the number of ${e.plural}`],
        ask: [`how many ${e.plural} are there?`, `how many ${e.plural} do we have?`],
        negate: [`count the ${e.plural}`],
      };
    default:
      return null;
  }
}

/**
 * Every tool one interface of `e` offers in this example: one per operation, each with a method name,
 * param names and description wording drawn afresh (names sometimes made-up words).
 */
export function toolsOf(rng: Prng, e: Entity, iface: string): SynthTool[] {
  const idName = rng.pick(e.idParams);
  const used = new Set<string>();
  const tools: SynthTool[] = [];
  for (const shape of shapesFor(e)) {
    let method = rng.chance(0.1) ? camel(opaque(rng)) : rng.pick(shape.methods);
    for (let i = 0; used.has(method) && i < 10; i++) method = rng.pick(shape.methods) + (i > 4 ? String(i) : '');
    if (used.has(method)) continue;
    used.add(method);
    const params = shape.params.map((p, i) => {
      // The thing an operation acts on keeps one name across the interface, like a real API.
      const chosen = param(rng, i === 0 && p.names === e.idParams ? [idName] : p.names, p.kind);
      return chosen;
    });
    if (new Set(params.map((p) => p.name)).size < params.length) continue;
    const unit = params.length > 1 ? unitWords(params[1]!.name) : '';
    const description = fill(rng.pick(shape.describe), { unit });
    tools.push(makeTool(e, shape, `${iface}.${method}`, description, params));
  }
  return tools;
}

function makeTool(e: Entity, shape: Shape, name: string, description: string, params: ReadonlyArray<{ name: string; draw: ValueDraw; type: string }>): SynthTool {
  const takesThing = shape.params[0]?.names === e.idParams;
  const words = (rng: Prng, values: readonly RenderedValue[], referring: boolean): Record<string, string> => {
    const w: Record<string, string> = { anyx: rng.pick([`any ${e.noun}`, `the ${e.plural}`, 'anything']) };
    values.forEach((v, i) => (w[String(i)] = v.text));
    if (takesThing && values.length > 0) {
      const thing = referring ? 'it' : mention(rng, e, values[0]!);
      w.x = thing;
      w.xs = referring ? 'its' : `${thing}'s`;
    }
    return w;
  };
  const tool: SynthTool = {
    descriptor: { name, description, params: Object.fromEntries(params.map((p) => [p.name, { type: p.type }])) },
    entity: e,
    op: shape.op,
    params: params.map(({ name: n, draw }) => ({ name: n, draw })),
    clause: (rng, values, referring) => {
      // "its X" reads badly after a quoted name ("'desk''s brightness"): prefer the "of" forms then.
      const forms = referring || !takesThing ? shape.say : shape.say.filter((s) => !s.includes('{xs}'));
      return fill(rng.pick(forms.length > 0 ? forms : shape.say), words(rng, values, referring));
    },
    negation: (rng) => fill(rng.pick(shape.negate), words(rng, [], false)),
  };
  if (shape.ask) {
    const ask = shape.ask;
    tool.question = (rng, values) => fill(rng.pick(ask), words(rng, values, false));
  }
  return tool;
}
