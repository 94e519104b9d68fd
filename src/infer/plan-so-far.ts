/**
 * What a plan's text so far says about the argument being written (the decoder writes canonical
 * compact JSON, so a few patterns read it).
 */
export interface ArgumentInProgress {
  /** The step's tool name. */
  tool: string;
  /** The step's position in the plan (0-based). */
  step: number;
  /** The param whose value is being written. */
  key: string;
  /** The value's text so far (`[` and the elements so far for a list). */
  valueText: string;
  /** Elements already in the list being written (empty for a scalar). */
  listSoFar: string[];
  /** Every argument value written before this one, with its param and step (list elements one by one). */
  taken: { key: string; value: string; step: number }[];
}

const ARGS = '"args":{';

/** The tools of the plan's steps so far, in order (a step whose tool is not written yet is not counted). */
export function toolsInPlan(written: string): string[] {
  return [...written.matchAll(/"tool":"([^"]+)"/g)].map((m) => m[1]!);
}

export function argumentInProgress(written: string): ArgumentInProgress | null {
  const stepAt = written.lastIndexOf('{"tool":"');
  if (stepAt < 0) return null;
  const tool = /^\{"tool":"([^"]+)"/.exec(written.slice(stepAt))?.[1];
  const argsAt = written.indexOf(ARGS, stepAt);
  if (tool === undefined || argsAt < 0) return null;
  const keys = [...written.slice(argsAt + ARGS.length).matchAll(/"([A-Za-z0-9]+)":/g)];
  const last = keys.at(-1);
  if (!last) return null;
  const key = last[1]!;
  const valueText = written.slice(argsAt + ARGS.length + last.index + last[0].length);
  return {
    tool,
    step: toolsInPlan(written).length - 1,
    key,
    valueText,
    listSoFar: valueText.startsWith('[') ? listElements(valueText) : [],
    taken: valuesTaken(written),
  };
}

function listElements(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(-?[0-9.]+)/g)].map((m) => m[1] ?? m[2]!);
}

/** Every complete argument value in the plan text (strings and numbers, list elements one by one), with its param. */
function valuesTaken(written: string): { key: string; value: string; step: number }[] {
  const out: { key: string; value: string; step: number }[] = [];
  let step = -1;
  for (const args of written.matchAll(/"args":\{(.*?)(?:\},"rationale"|$)/g)) {
    step++;
    for (const m of args[1]!.matchAll(/"([A-Za-z0-9]+)":(\[[^\]]*\]|"[^"]*"|-?[0-9.eE+-]+|true|false)/g)) {
      const raw = m[2]!;
      for (const value of raw.startsWith('[') ? listElements(raw) : [raw.replace(/^"|"$/g, '')]) out.push({ key: m[1]!, value, step });
    }
  }
  return out;
}
