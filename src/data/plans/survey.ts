import type { Prng } from '../../util/prng.js';
import { gerundOf } from './gerund.js';
import { valueKindFor } from './values.js';

/**
 * "Diagnose, then act" goals: an action on a subject (the network stack or a service) guarded by checks
 * stated as one compound prerequisite — "Restart X, but first confirm it has failed by checking its
 * status and the last 20 log lines". The checks are said as bare nouns ("status", "last 20 log lines"),
 * so their tools and args come from the subject, not from slot words:
 * - "status" is the subject's own status call: `NetworkStack.info` (no args) for the network stack,
 *   `ServiceSupervisor.status {service}` for a service;
 * - a log the goal does not name is the subject's log: `LogReader.tail {source: <subject name>}`.
 */

export interface SurveyStep {
  tool: string;
  args: Record<string, unknown>;
}

export interface Survey {
  /** Execution order: the checks in mention order, then the action (or the action, then one check). */
  steps: SurveyStep[];
  /** Without a final full stop; the caller finishes the sentence. */
  goal: string;
  /** [earlier, later] step indices the wording states. */
  before: Array<[number, number]>;
  /** Tools that must not be listed, because they would make a bare "status" ambiguous. */
  avoid: string[];
}

/** Every tool a survey can use; callers check they are all available in the split. */
export const SURVEY_TOOLS = [
  'ServiceSupervisor.restart', 'ServiceSupervisor.stop', 'ServiceSupervisor.status', 'NetworkStack.info',
  'LogReader.tail', 'SystemMonitor.memory', 'SystemMonitor.cpuLoad',
] as const;

interface Subject {
  /** The service / log-source value; always a word of every mention, so it is taken from the goal. */
  name: string;
  mentions: readonly string[];
  status: SurveyStep;
  avoid: string[];
}

const SERVICE_SUBJECTS = ['ntp', 'sshd', 'cron', 'nginx', 'postgres', 'dhcpd', 'redis', 'syslogd', 'httpd', 'dnsmasq'];

function pickSubject(rng: Prng): Subject {
  if (rng.chance(0.5)) {
    return {
      name: 'network',
      mentions: ['the network stack', 'networking', 'the network'],
      status: { tool: 'NetworkStack.info', args: {} },
      avoid: ['ServiceSupervisor.status'],
    };
  }
  const name = rng.pick(SERVICE_SUBJECTS);
  return { name, mentions: [`the ${name} service`, name, `the ${name} daemon`], status: { tool: 'ServiceSupervisor.status', args: { service: name } }, avoid: [] };
}

/** One check, said as a noun phrase ("its status") and as a gerund phrase ("reading its last 20 log lines"). */
interface Check {
  step: SurveyStep;
  nouns: readonly string[];
  gerunds: readonly string[];
}

function statusCheck(subject: Subject): Check {
  return {
    step: subject.status,
    nouns: ['status', 'its status', 'the status', 'its state'],
    gerunds: ['checking status', 'checking its status', 'looking at its status', 'querying its state'],
  };
}

function logCheck(rng: Prng, subject: Subject): Check {
  const lines = valueKindFor('LogReader.tail', 'lines')(rng);
  const n = lines.text;
  return {
    step: { tool: 'LogReader.tail', args: { source: subject.name, lines: lines.value } },
    nouns: [`last ${n} log lines`, `the last ${n} log lines`, `its last ${n} log lines`, `the last ${n} lines of its log`, `the last ${n} lines of the log`],
    gerunds: [`reading the last ${n} log lines`, `tailing ${n} lines of its log`, `reading its last ${n} log lines`, `looking at the last ${n} log lines`],
  };
}

const MEMORY_CHECK: Check = { step: { tool: 'SystemMonitor.memory', args: {} }, nouns: ['memory usage', 'the free memory'], gerunds: ['checking memory usage', 'looking at free memory'] };
const LOAD_CHECK: Check = { step: { tool: 'SystemMonitor.cpuLoad', args: {} }, nouns: ['the CPU load', 'the load averages'], gerunds: ['checking the CPU load', 'looking at the load averages'] };

/** Mostly the status-and-logs pair of the survey, sometimes one check or three, in either mention order. */
function pickChecks(rng: Prng, subject: Subject): Check[] {
  const status = statusCheck(subject);
  const logs = logCheck(rng, subject);
  const r = rng.next();
  if (r < 0.65) return rng.shuffle([status, logs]);
  if (r < 0.8) return [rng.pick([status, logs])];
  return rng.shuffle([status, logs, rng.pick([MEMORY_CHECK, LOAD_CHECK])]).slice(0, rng.pick([2, 3]));
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

const ACTIONS = [
  { tool: 'ServiceSupervisor.restart', verbs: ['restart', 'restart', 'bounce'] },
  { tool: 'ServiceSupervisor.stop', verbs: ['stop', 'shut down'] },
] as const;

/** What the checks should show, about `ref` ("it" or the subject's mention). */
function condition(rng: Prng, ref: string): string {
  const forms = [`confirm ${ref} is in a bad state`, `confirm ${ref} has failed`, `make sure ${ref} is really down`, `check that ${ref} is broken`, `verify that ${ref} is stuck`, `confirm ${ref} is unhealthy`];
  if (ref === 'it') forms.push("confirm it's really broken", "make sure it's really down");
  return rng.pick(forms);
}

export function makeSurvey(rng: Prng): Survey {
  const subject = pickSubject(rng);
  const action = rng.pick(ACTIONS);
  const verb = rng.pick(action.verbs);
  const mention = rng.pick(subject.mentions);
  const act = `${verb} ${mention}`;
  const actStep: SurveyStep = { tool: action.tool, args: { service: subject.name } };

  // Sometimes the check comes after the action ("restart the network stack, then report its status").
  if (rng.chance(0.15)) {
    const check = rng.pick(['report its status', 'check its status', 'show its status', 'tell me its status', 'check its state']);
    const joint = rng.pick([', then ', ' and then ', '. After that, ', ', and afterwards ']);
    return { steps: [actStep, subject.status], goal: `${act}${joint}${check}`, before: [[0, 1]], avoid: subject.avoid };
  }

  const checks = pickChecks(rng, subject);
  const nouns = joinAnd(checks.map((c) => rng.pick(c.nouns)));
  const gerunds = joinAnd(checks.map((c) => rng.pick(c.gerunds)));
  // Before "of <subject>" a possessive "its" would have no antecedent yet.
  const ofSubject = joinAnd(checks.map((c) => rng.pick(c.nouns.filter((n) => !/\bits\b/.test(n)))));
  const by = rng.chance(0.6) ? `checking ${nouns}` : gerunds;
  const actIt = verb === 'shut down' ? 'shut it down' : `${verb} it`;
  const cond = condition(rng, 'it');
  const forms = [
    `${act}, but first ${cond} by ${by}`,
    `${act}, but first ${cond} by ${by}`,
    `${act}, but first check ${nouns} to ${cond}`,
    `${act}, but only after ${by} to ${cond}`,
    `${condition(rng, mention)} by ${by}, then ${actIt}`,
    `check ${ofSubject} of ${mention} to ${cond}, and then ${actIt}`,
  ];
  const actIng = gerundOf(act);
  if (actIng) forms.push(`before ${actIng}, ${cond} by ${by}`, `before ${actIng}, check ${nouns} to ${cond}`);
  const steps = [...checks.map((c) => c.step), actStep];
  const last = steps.length - 1;
  return { steps, goal: rng.pick(forms), before: checks.map((_, i): [number, number] => [i, last]), avoid: subject.avoid };
}
