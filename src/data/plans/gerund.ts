/** One-syllable verbs of the phrase templates whose final consonant doubles: "stop" → "stopping". */
const DOUBLING = new Set(['ban', 'cut', 'get', 'grep', 'let', 'log', 'put', 'run', 'set', 'shut', 'stop', 'checksum']);

/**
 * The -ing form of an imperative clause ("check the status of ntp" → "checking the status of ntp"), so
 * goals can say "restart ntp after checking its status". Null when the clause does not start with a
 * lower-case verb (e.g. "GET …").
 */
export function gerundOf(clause: string): string | null {
  const m = /^([a-z]+)(.*)$/s.exec(clause);
  if (!m) return null;
  const [, verb, rest] = m as unknown as [string, string, string];
  let ing: string;
  if (DOUBLING.has(verb)) ing = `${verb}${verb.at(-1)}ing`;
  else if (verb.endsWith('e') && !verb.endsWith('ee')) ing = `${verb.slice(0, -1)}ing`;
  else ing = `${verb}ing`;
  return ing + rest;
}
