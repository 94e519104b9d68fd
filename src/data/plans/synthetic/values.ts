import type { Prng } from '../../../util/prng.js';
import { numberWord, type RenderedValue } from '../values.js';

/**
 * Argument values of the synthetic tools: drawn at random (random names, numbers, paths), so that the
 * only way to reproduce one in a plan is to copy it from the goal, and said the ways people say them
 * (number words, units the param does not use, quotes around names).
 */
export type ValueDraw = (rng: Prng) => RenderedValue;

/** How a value is mentioned and which Cap'n Proto type carries it; `unit` is the param's own unit. */
export interface ValueKind {
  type: string;
  draw: ValueDraw;
  /** Suffixes a param name may carry for this kind (`Ms`, `Seconds`…), each with the unit it implies. */
  units?: readonly UnitChoice[];
}

export interface UnitChoice {
  suffix: string;
  draw: ValueDraw;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'ven', 'tor', 'sil', 'dor', 'nex', 'pa', 'qui', 'zel', 'bri', 'cor', 'dan', 'el', 'fin', 'gal', 'hol', 'ix', 'jun', 'kel', 'lum', 'mor', 'nor', 'ost', 'pel', 'rin', 'sol', 'tam', 'ul', 'var', 'wen', 'yar', 'zo'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'orion', 'atlas', 'nova', 'ember', 'cedar', 'maple', 'river', 'summit', 'harbor', 'falcon', 'quartz', 'cobalt', 'amber', 'willow', 'granite', 'aurora', 'comet', 'meadow', 'pine', 'onyx', 'raven', 'sierra', 'tango', 'violet', 'zephyr', 'lotus', 'polar', 'echo', 'kilo', 'lima', 'north', 'south', 'east', 'west', 'blue', 'green', 'red', 'main', 'backup', 'primary', 'staging', 'prod', 'dev', 'test', 'edge', 'core', 'home', 'office', 'lab', 'garage', 'kitchen', 'attic', 'front', 'rear', 'upstairs', 'basement'];
const FIRST_NAMES = ['alice', 'bob', 'carol', 'dmitri', 'esther', 'farid', 'gloria', 'hiro', 'ines', 'jonas', 'kemal', 'lena', 'mateo', 'nadia', 'omar', 'priya', 'quentin', 'rosa', 'sven', 'tamar', 'ursula', 'vikram', 'wanda', 'xiu', 'yusuf', 'zoe', 'amara', 'bruno', 'chen', 'dalia'];
const LAST_NAMES = ['garcia', 'okafor', 'tanaka', 'novak', 'schmidt', 'silva', 'kowalski', 'nguyen', 'haddad', 'larsen', 'moreau', 'petrov', 'rossi', 'singh', 'walsh', 'yilmaz'];
const CITIES = ['Lisbon', 'Nairobi', 'Osaka', 'Quito', 'Tallinn', 'Perth', 'Montreal', 'Lagos', 'Hanoi', 'Seville', 'Bergen', 'Cusco', 'Da Nang', 'Porto', 'Krakow', 'Accra', 'Hobart', 'Medellin', 'Tbilisi', 'Valencia', 'Winnipeg', 'Zagreb', 'Busan', 'Cork', 'Dakar', 'Graz', 'Leeds', 'Malmo', 'Rosario', 'Sapporo', 'Turin', 'Utrecht', 'Cairo', 'Denver', 'Glasgow', 'Helsinki', 'Kyoto', 'Lyon', 'Mumbai', 'Oslo'];
const COLORS = ['red', 'warm white', 'teal', 'amber', 'violet', 'cool blue', 'orange', 'green', 'pink', 'gold'];
const LANGUAGES = ['French', 'German', 'Japanese', 'Spanish', 'Swahili', 'Polish', 'Korean', 'Dutch', 'Turkish', 'Hindi', 'Portuguese', 'Finnish'];
const LANGUAGE_CODES = ['fr', 'de', 'ja', 'es', 'sw', 'pl', 'ko', 'nl', 'tr', 'hi', 'pt', 'fi'];
const TLDS = ['org', 'net', 'io', 'dev', 'lan', 'internal', 'example.com'];
const DIRS = ['var', 'srv', 'opt', 'home', 'data', 'tmp', 'etc', 'mnt', 'backup', 'media', 'projects', 'exports', 'logs', 'cache', 'reports', 'photos'];
const EXTENSIONS = ['txt', 'log', 'json', 'csv', 'md', 'conf', 'tar.gz', 'png', 'pdf', 'yaml', 'db', 'wav'];
const PHRASE_WORDS = ['server', 'update', 'tonight', 'meeting', 'moved', 'lunch', 'ready', 'deploy', 'finished', 'check', 'backup', 'please', 'review', 'the', 'new', 'build', 'is', 'done', 'rain', 'expected', 'call', 'me', 'later', 'order', 'shipped', 'running', 'late', 'see', 'notes', 'weekly', 'sync', 'cancelled', 'door', 'open', 'low', 'battery', 'all', 'good', 'happy', 'birthday', 'dinner', 'at', 'eight', 'report', 'attached', 'reminder', 'pay', 'rent'];
const SEARCH_WORDS = ['timeout', 'invoice', 'error 502', 'budget', 'jazz', 'hiking boots', 'rust tutorial', 'quarterly', 'disk full', 'vegan recipes', 'solar', 'refund', 'kernel panic', 'vacation', 'login failed', 'tax'];
const CURRENCIES = ['EUR', 'USD', 'JPY', 'GBP', 'CHF', 'BRL', 'INR', 'KES', 'SEK', 'CAD'];
const MODES = ['eco', 'turbo', 'silent', 'auto', 'manual', 'night', 'away', 'boost', 'standby', 'performance'];
const LEVELS = ['debug', 'info', 'warn', 'error', 'trace', 'critical'];
const REGIONS = ['eu-west-1', 'us-east-2', 'ap-south-1', 'eu-central-1', 'sa-east-1', 'us-west-2', 'af-south-1'];

export function quoted(rng: Prng, s: string, pQuote: number): string {
  if (!/\s/.test(s) && !rng.chance(pQuote)) return s;
  return rng.chance(0.5) ? `'${s}'` : `"${s}"`;
}

function slug(rng: Prng): string {
  const r = rng.int(6);
  if (r === 0) return `${rng.pick(WORDS)}-${rng.range(1, 99)}`;
  if (r === 1) return `${rng.pick(WORDS)}-${rng.pick(WORDS)}`;
  if (r === 2) return `${rng.pick(SYLLABLES)}${rng.pick(SYLLABLES)}${rng.range(0, 9)}`;
  if (r === 3) return `${rng.pick(WORDS)}${rng.range(1, 12)}`;
  if (r === 4) return `${rng.pick(SYLLABLES)}${rng.pick(SYLLABLES)}${rng.pick(SYLLABLES)}`;
  return rng.pick(WORDS);
}

const textOf =
  (make: (rng: Prng) => string, pQuote = 0.3): ValueDraw =>
  (rng) => {
    const v = make(rng);
    return { text: quoted(rng, v, pQuote), value: v };
  };

function sayInteger(rng: Prng, n: number): string {
  const word = numberWord(n);
  return word !== null && rng.chance(0.25) ? word : String(n);
}

function integerIn(lo: number, hi: number): ValueDraw {
  return (rng) => {
    // Small numbers are common, but any number in range may come.
    const n = rng.chance(0.5) ? rng.range(lo, Math.min(hi, lo + 20)) : rng.range(lo, hi);
    return { text: sayInteger(rng, n), value: n };
  };
}

/** A quantity said in one of `spoken` units and stored in the param's unit (`factor` = param units per spoken unit). */
function quantity(spoken: ReadonlyArray<{ singular: string; plural: string; factor: number; lo: number; hi: number }>): ValueDraw {
  return (rng) => {
    const u = rng.pick(spoken);
    const n = rng.range(u.lo, u.hi);
    const unit = n === 1 ? u.singular : u.plural;
    return { text: `${sayInteger(rng, n)} ${unit}`, value: n * u.factor };
  };
}

const SECOND = { singular: 'second', plural: 'seconds' };
const MINUTE = { singular: 'minute', plural: 'minutes' };
const HOUR = { singular: 'hour', plural: 'hours' };
const MS = { singular: 'millisecond', plural: 'milliseconds' };

/** A duration: the param's unit is in its name most of the time, and the goal may say another unit. */
const DURATION: ValueKind = {
  type: 'UInt32',
  draw: quantity([{ ...SECOND, factor: 1, lo: 1, hi: 600 }]),
  units: [
    { suffix: 'Ms', draw: quantity([{ ...MS, factor: 1, lo: 50, hi: 5000 }, { ...SECOND, factor: 1000, lo: 1, hi: 30 }]) },
    { suffix: 'Millis', draw: quantity([{ ...MS, factor: 1, lo: 100, hi: 9000 }, { ...SECOND, factor: 1000, lo: 1, hi: 20 }]) },
    { suffix: 'Seconds', draw: quantity([{ ...SECOND, factor: 1, lo: 1, hi: 900 }, { ...MINUTE, factor: 60, lo: 1, hi: 10 }]) },
    { suffix: 'Secs', draw: quantity([{ ...SECOND, factor: 1, lo: 2, hi: 300 }, { ...MINUTE, factor: 60, lo: 1, hi: 5 }]) },
    { suffix: 'Minutes', draw: quantity([{ ...MINUTE, factor: 1, lo: 1, hi: 240 }, { ...HOUR, factor: 60, lo: 1, hi: 6 }]) },
    { suffix: 'Hours', draw: quantity([{ ...HOUR, factor: 1, lo: 1, hi: 72 }]) },
  ],
};

const BYTE_UNITS: ValueKind = {
  type: 'UInt64',
  draw: quantity([{ singular: 'byte', plural: 'bytes', factor: 1, lo: 1, hi: 65536 }]),
  units: [
    { suffix: 'Bytes', draw: quantity([{ singular: 'byte', plural: 'bytes', factor: 1, lo: 1, hi: 100000 }, { singular: 'KiB', plural: 'KiB', factor: 1024, lo: 1, hi: 64 }]) },
    { suffix: 'Mb', draw: quantity([{ singular: 'MB', plural: 'MB', factor: 1, lo: 1, hi: 4000 }, { singular: 'GB', plural: 'GB', factor: 1000, lo: 1, hi: 8 }]) },
    { suffix: 'Mib', draw: quantity([{ singular: 'MiB', plural: 'MiB', factor: 1, lo: 1, hi: 8192 }, { singular: 'GiB', plural: 'GiB', factor: 1024, lo: 1, hi: 16 }]) },
    { suffix: 'Gb', draw: quantity([{ singular: 'GB', plural: 'GB', factor: 1, lo: 1, hi: 2000 }]) },
  ],
};

const percentDraw: ValueDraw = (rng) => {
  if (rng.chance(0.1)) {
    const [text, value] = rng.pick([['half', 50], ['a quarter', 25], ['full', 100], ['three quarters', 75]] as const);
    return { text: `${text}`, value };
  }
  const n = rng.range(0, 100);
  return { text: rng.pick([`${n}%`, `${n} percent`, `${n} percent`]), value: n };
};

const temperatureDraw: ValueDraw = (rng) => {
  const n = rng.chance(0.5) ? rng.range(5, 35) : rng.range(10, 60) / 2;
  return { text: rng.pick([`${n} degrees`, `${n}°C`, `${n} degrees Celsius`, String(n)]), value: n };
};

const moneyDraw: ValueDraw = (rng) => {
  const n = rng.chance(0.5) ? rng.range(1, 500) : rng.range(100, 99999) / 100;
  return { text: rng.pick([`${n}`, `$${n}`, `${n} dollars`]), value: n };
};

const signedDraw: ValueDraw = (rng) => {
  const n = rng.range(-50, 50);
  return { text: String(n), value: n };
};

const flagDraw: ValueDraw = (rng) => {
  const v = rng.chance(0.5);
  return { text: v ? 'on' : 'off', value: v };
};

function listOf(make: (rng: Prng) => string, max = 3): ValueDraw {
  return (rng) => {
    const items = [...new Set(Array.from({ length: rng.range(1, max) }, () => make(rng)))];
    const said = items.map((s) => quoted(rng, s, 0.15));
    const text = said.length === 1 ? said[0]! : `${said.slice(0, -1).join(', ')} and ${said.at(-1)}`;
    return { text, value: items };
  };
}

const person = (rng: Prng) => (rng.chance(0.7) ? rng.pick(FIRST_NAMES) : `${rng.pick(FIRST_NAMES)}.${rng.pick(LAST_NAMES)}`);
const fullName = (rng: Prng) => `${cap(rng.pick(FIRST_NAMES))} ${cap(rng.pick(LAST_NAMES))}`;
const host = (rng: Prng) => `${slug(rng)}.${rng.pick(TLDS)}`;
const path = (rng: Prng) => {
  const depth = rng.range(1, 3);
  const dirs = Array.from({ length: depth }, () => (rng.chance(0.6) ? rng.pick(DIRS) : slug(rng)));
  return `/${dirs.join('/')}${rng.chance(0.6) ? `/${slug(rng)}.${rng.pick(EXTENSIONS)}` : ''}`;
};
const phrase = (rng: Prng) => Array.from({ length: rng.range(2, 5) }, () => rng.pick(PHRASE_WORDS)).join(' ');
const hex = (rng: Prng, n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(16)]).join('');
const code = (rng: Prng) => `${String.fromCharCode(65 + rng.int(26))}${String.fromCharCode(65 + rng.int(26))}-${rng.range(100, 9999)}`;
const version = (rng: Prng) => `${rng.range(0, 9)}.${rng.range(0, 20)}.${rng.range(0, 30)}`;
const date = (rng: Prng) => `202${rng.range(4, 9)}-${String(rng.range(1, 12)).padStart(2, '0')}-${String(rng.range(1, 28)).padStart(2, '0')}`;
const time = (rng: Prng) => `${String(rng.range(0, 23)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45', '05', '50'])}`;
const ip = (rng: Prng) => `${rng.pick([10, 172, 192, 100])}.${rng.range(0, 255)}.${rng.range(0, 255)}.${rng.range(1, 254)}`;
const url = (rng: Prng) => `https://${host(rng)}/${slug(rng)}`;
const emailAddress = (rng: Prng) => `${person(rng)}@${host(rng)}`;
const phone = (rng: Prng) => `+${rng.range(1, 99)} ${rng.range(100, 999)} ${rng.range(1000, 9999)}`;
const symbol = (rng: Prng) => Array.from({ length: rng.range(3, 4) }, () => String.fromCharCode(65 + rng.int(26))).join('');

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Value kinds by name; lexicon.ts gives each param one of these. */
export const VALUE_KINDS = {
  slug: { type: 'Text', draw: textOf(slug, 0.35) },
  person: { type: 'Text', draw: textOf(person, 0.2) },
  fullName: { type: 'Text', draw: textOf(fullName, 1) },
  host: { type: 'Text', draw: textOf(host, 0.1) },
  path: { type: 'Text', draw: textOf(path, 0.1) },
  phrase: { type: 'Text', draw: textOf(phrase, 1) },
  search: { type: 'Text', draw: textOf((rng) => rng.pick(SEARCH_WORDS), 0.6) },
  city: { type: 'Text', draw: textOf((rng) => rng.pick(CITIES), 0.1) },
  color: { type: 'Text', draw: textOf((rng) => rng.pick(COLORS), 0.2) },
  language: { type: 'Text', draw: textOf((rng) => rng.pick(LANGUAGES), 0) },
  languageCode: { type: 'Text', draw: textOf((rng) => rng.pick(LANGUAGE_CODES), 0.3) },
  currency: { type: 'Text', draw: textOf((rng) => rng.pick(CURRENCIES), 0) },
  mode: { type: 'Text', draw: textOf((rng) => rng.pick(MODES), 0.3) },
  level: { type: 'Text', draw: textOf((rng) => rng.pick(LEVELS), 0.3) },
  region: { type: 'Text', draw: textOf((rng) => rng.pick(REGIONS), 0.1) },
  hexId: { type: 'Text', draw: textOf((rng) => hex(rng, rng.pick([6, 8, 12])), 0.2) },
  code: { type: 'Text', draw: textOf(code, 0.2) },
  version: { type: 'Text', draw: textOf(version, 0.1) },
  date: { type: 'Text', draw: textOf(date, 0) },
  time: { type: 'Text', draw: textOf(time, 0) },
  ip: { type: 'Text', draw: textOf(ip, 0) },
  url: { type: 'Text', draw: textOf(url, 0) },
  email: { type: 'Text', draw: textOf(emailAddress, 0) },
  phone: { type: 'Text', draw: textOf(phone, 1) },
  symbol: { type: 'Text', draw: textOf(symbol, 0.1) },
  smallCount: { type: 'UInt16', draw: integerIn(1, 64) },
  count: { type: 'UInt32', draw: integerIn(1, 5000) },
  bigId: { type: 'UInt32', draw: integerIn(100, 99999) },
  port: { type: 'UInt16', draw: integerIn(1024, 65535) },
  percent: { type: 'UInt8', draw: percentDraw },
  temperature: { type: 'Float32', draw: temperatureDraw },
  money: { type: 'Float64', draw: moneyDraw },
  offset: { type: 'Int32', draw: signedDraw },
  flag: { type: 'Bool', draw: flagDraw },
  duration: DURATION,
  size: BYTE_UNITS,
  names: { type: 'List(Text)', draw: listOf(slug) },
  people: { type: 'List(Text)', draw: listOf(person) },
  emails: { type: 'List(Text)', draw: listOf(emailAddress, 2) },
  tags: { type: 'List(Text)', draw: listOf((rng) => rng.pick(WORDS)) },
} satisfies Record<string, ValueKind>;

export type ValueKindName = keyof typeof VALUE_KINDS;
