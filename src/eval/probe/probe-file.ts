import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { parseWith } from '../../config/load.js';
import { descriptorSchema } from '../../data/descriptor.js';

/** What a probe case expects of the plan (DESIGN.md, Probe format and scoring). Every field is required. */
const expectationSchema = z
  .object({
    refusal: z.boolean(),
    /** The exact tool sequence of a perfect plan, or null when no sequence is pinned. */
    steps: z.array(z.string()).nullable(),
    /** Pairs [a, b]: some call of a must precede some call of b. */
    before: z.array(z.tuple([z.string(), z.string()])),
    /** tool → param → value: some call of that tool must carry these values. */
    args: z.record(z.string(), z.record(z.string(), z.unknown())),
    /** Tools that must not be called. */
    forbid: z.array(z.string()),
  })
  .strict();

export const probeCaseSchema = z
  .object({
    id: z.string().min(1),
    tools: z.array(descriptorSchema),
    goal: z.string().min(1),
    expect: expectationSchema,
    // Generated SFT splits carry their canonical target plan; scoring ignores it.
    plan: z.string().optional(),
  })
  .strict();

export type ProbeCase = z.output<typeof probeCaseSchema>;
export type ProbeExpectation = ProbeCase['expect'];

/** A line `capplan plan --batch` takes: a probe case, whose `expect` it does not need. */
const planRequestSchema = probeCaseSchema.extend({ expect: expectationSchema.optional() });
export type PlanRequest = z.output<typeof planRequestSchema>;

/** The output of `capplan plan --batch`: one raw generated text (and its confidence) per probe case id. */
const probeOutputSchema = z.object({ id: z.string().min(1), output: z.string(), confidence: z.number().optional() }).strict();

function readLines(path: string): { line: number; value: unknown }[] {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${path}: cannot read file`);
  }
  const rows: { line: number; value: unknown }[] = [];
  content.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    try {
      rows.push({ line: i + 1, value: JSON.parse(text) });
    } catch (err) {
      throw new UserError(`${path}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
  });
  return rows;
}

/**
 * Reads probe lines. Each line is validated on its own so an error names `file:line` and the field;
 * duplicate ids, duplicate tools and expectations naming tools the case does not list are errors too,
 * because such a case could never be passed (or scored) and would silently skew the totals.
 */
export function readProbeFile(path: string): ProbeCase[] {
  return readCases(path, probeCaseSchema);
}

/** Reads `plan --batch` lines: probe lines whose `expect` may be left out, checked the same way. */
export function readPlanRequests(path: string): PlanRequest[] {
  return readCases(path, planRequestSchema);
}

function readCases<T extends PlanRequest>(path: string, schema: z.ZodType<T>): T[] {
  const cases: T[] = [];
  const ids = new Set<string>();
  for (const { line, value } of readLines(path)) {
    const source = `${path}:${line}`;
    const c = parseWith(schema, value, source);
    if (ids.has(c.id)) throw new UserError(`${source}: duplicate probe id "${c.id}"`);
    ids.add(c.id);
    checkExpectationTools(c, source);
    cases.push(c);
  }
  if (cases.length === 0) throw new UserError(`${path}: no probe cases`);
  return cases;
}

function checkExpectationTools(c: PlanRequest, source: string): void {
  const listed = new Set<string>();
  for (const d of c.tools) {
    if (listed.has(d.name)) throw new UserError(`${source}: duplicate tool \`${d.name}\` in tools`);
    listed.add(d.name);
  }
  if (!c.expect) return;
  const named = [...(c.expect.steps ?? []), ...c.expect.before.flat(), ...Object.keys(c.expect.args)];
  for (const tool of named) {
    if (!listed.has(tool)) throw new UserError(`${source}: expect names tool \`${tool}\` that is not among the case's tools`);
  }
}

/** Reads `{"id","output"}` lines into a map; a repeated id is an error naming file and line. */
export function readProbeOutputs(path: string): Map<string, string> {
  const outputs = new Map<string, string>();
  for (const { line, value } of readLines(path)) {
    const row = parseWith(probeOutputSchema, value, `${path}:${line}`);
    if (outputs.has(row.id)) throw new UserError(`${path}:${line}: duplicate output id "${row.id}"`);
    outputs.set(row.id, row.output);
  }
  return outputs;
}
