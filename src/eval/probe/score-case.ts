import { actionPlanSchema, validatePlanAgainst, type PlanStep } from '../../data/actionplan.js';
import type { ProbeCase } from './probe-file.js';

/** The metrics of DESIGN.md (Probe format and scoring), in report order. `pass` is every one but `exact`. */
export const PROBE_METRICS = [
  'json_valid',
  'no_fences',
  'schema_valid',
  'tools_known',
  'args_typed',
  'order_ok',
  'args_match',
  'refusal_ok',
  'forbid_ok',
  'exact',
  'pass',
] as const;

export type ProbeMetric = (typeof PROBE_METRICS)[number];
export type CaseScore = Record<ProbeMetric, boolean>;

/**
 * The output read as leniently as possible: any JSON object with a `steps` array. Metrics other than
 * json_valid and schema_valid are judged on this view, so a plan with one flaw (an extra key, a
 * mistyped argument) fails that metric alone instead of every metric at once.
 */
interface LenientPlan {
  steps: LenientStep[];
}

interface LenientStep {
  /** null when the step is not an object or its `tool` is not a string. */
  tool: string | null;
  /** null when `args` is missing or not a plain object. */
  args: Record<string, unknown> | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lenientView(value: unknown): LenientPlan | null {
  if (!isPlainObject(value) || !Array.isArray(value.steps)) return null;
  return {
    steps: value.steps.map((raw: unknown) => ({
      tool: isPlainObject(raw) && typeof raw.tool === 'string' ? raw.tool : null,
      args: isPlainObject(raw) && isPlainObject(raw.args) ? raw.args : null,
    })),
  };
}

/** Strings compare trimmed and case-insensitively, lists element-wise; everything else must be equal JSON. */
export function argValuesMatch(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string') return typeof actual === 'string' && expected.trim().toLowerCase() === actual.trim().toLowerCase();
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => argValuesMatch(e, actual[i]));
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((k) => k in actual && argValuesMatch(expected[k], actual[k]));
  }
  return expected === actual;
}

function precedes(tools: readonly (string | null)[], a: string, b: string): boolean {
  const firstA = tools.indexOf(a);
  return firstA !== -1 && tools.lastIndexOf(b) > firstA;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Scores one raw output against its case.
 *
 * - json_valid: the whole text is one JSON value (JSON whitespace around it is part of JSON; prose or
 *   fences are not). no_fences: no ``` anywhere.
 * - Every other metric is false when the output has no `steps` array, so broken output earns nothing.
 * - A plan "refuses" when it has no steps (a refusal text is schema_valid's concern).
 * - order_ok, args_match: vacuously true for what the case does not pin (steps null, no pairs, no args).
 *   An expected arg of `{}` still requires a call of that tool.
 * - args_match compares values with their JSON type: "20" does not match 20 (that call would fail), so
 *   a mistyped value fails args_typed and args_match alike.
 * - exact: the tool sequence equals `steps`; a case expecting a refusal wants no steps; steps null
 *   without a refusal pins no sequence.
 */
export function scoreOutput(c: ProbeCase, output: string): CaseScore {
  const parsed = parseJson(output);
  const no_fences = !output.includes('```');
  const view = parsed.ok ? lenientView(parsed.value) : null;
  if (!parsed.ok || view === null) {
    return { ...allFalse(), json_valid: parsed.ok, no_fences };
  }
  const schema_valid = actionPlanSchema.safeParse(parsed.value).success;
  const tools = view.steps.map((s) => s.tool);
  const known = new Set(c.tools.map((d) => d.name));

  const wellFormed: PlanStep[] = [];
  for (const s of view.steps) if (s.tool !== null && s.args !== null) wellFormed.push({ tool: s.tool, args: s.args, rationale: '' });
  const issues = validatePlanAgainst({ steps: wellFormed }, c.tools);
  const tools_known = tools.every((t) => t !== null && known.has(t));
  const args_typed =
    view.steps.every((s) => s.tool === null || !known.has(s.tool) || s.args !== null) &&
    !issues.some((issue) => issue.kind === 'args_keys' || issue.kind === 'arg_type');

  const e = c.expect;
  const order_ok = (e.steps ?? []).every((t) => tools.includes(t)) && e.before.every(([a, b]) => precedes(tools, a, b));
  const args_match = Object.entries(e.args).every(([tool, want]) =>
    view.steps.some((s) => s.tool === tool && s.args !== null && Object.entries(want).every(([k, v]) => k in s.args! && argValuesMatch(v, s.args![k]))),
  );
  const refused = view.steps.length === 0;
  const refusal_ok = refused === e.refusal;
  const forbid_ok = !tools.some((t) => t !== null && e.forbid.includes(t));
  const exact = e.refusal ? refused : e.steps === null || (tools.length === e.steps.length && e.steps.every((t, i) => tools[i] === t));
  const pass = no_fences && schema_valid && tools_known && args_typed && order_ok && args_match && refusal_ok && forbid_ok;
  return { json_valid: true, no_fences, schema_valid, tools_known, args_typed, order_ok, args_match, refusal_ok, forbid_ok, exact, pass };
}

function allFalse(): CaseScore {
  return Object.fromEntries(PROBE_METRICS.map((m) => [m, false])) as CaseScore;
}
