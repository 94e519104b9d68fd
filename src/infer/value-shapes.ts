import { concepts } from './concepts.js';
import { unitOf } from './units.js';

/**
 * Values whose form says what they are, and the param names that ask for each form: a path for `path` or
 * `file`, a URL for `url`, an email address for `email`, an IP address for `ip`, a domain for `domain` or
 * `host`, a chat channel ("#ops") for `channel`, a date for `date` or `day`, a time of day ("7pm", "19:30")
 * for `time`, a date and time ("2025-03-12T13:00") for `date`, `time`, `iso`, `when` or `timestamp`, a
 * reference code ("RD-90210") for `id`, `ref`, `code`, `number` or `sku`, a postcode ("10115", "1012 AB")
 * for `postcode`, `zip` or `postal`, and for an id or number too (ids are often digits), digits alone ("8812")
 * for those and for `last4`, `pin` or `digits`, a street address
 * ("14 Harbour Road") for `address` or `street`, an IP address for `address` too.
 * Generic to any domain that has such values; a param whose name asks for no form is left alone.
 */
export type ValueShape = 'path' | 'url' | 'email' | 'ip' | 'domain' | 'channel' | 'date' | 'time' | 'datetime' | 'code' | 'address' | 'postcode' | 'digits';

const SHAPES: ReadonlyArray<[ValueShape, RegExp]> = [
  ['url', /^[a-z][a-z0-9+.-]*:\/\/\S+$/i],
  ['email', /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i],
  ['ip', /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/],
  ['date', /^\d{4}-\d{2}-\d{2}$|^\d{1,2}\/\d{1,2}\/\d{2,4}$/],
  ['datetime', /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/],
  ['path', /^(~|\.{1,2})?\/\S*$|^[\w.-]+(\/[\w.-]+)+$/],
  ['domain', /^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i],
  ['channel', /^#[\w.-]+$/],
  ['time', /^\d{1,2}(:\d{2})?\s?(am|pm)$|^\d{1,2}:\d{2}(:\d{2})?$/i],
  // A reference code: capitals and digits in dash-joined parts ("RD-90210", "1Z-884-201"), capitals then digits ("QX7P2", "TP 1350").
  ['code', /^(?=.*\d)(?=.*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+)+$|^[A-Z]+\d[A-Z0-9]*$|^[A-Z]{2,3} \d{2,5}$/],
  // Digits alone ("8812", "10115"): a card's last four, a PIN, a postcode, an id.
  ['digits', /^\d{3,8}$/],
  // A postcode of other forms ("94103-1234", "1012 AB").
  ['postcode', /^\d{5}-\d{4}$|^\d{4} [A-Z]{2}$/],
  // A street address: a house number, a capitalised street name, perhaps a town after a comma ("5 Mill Row, Bath").
  ['address', /^\d+[A-Za-z]? \p{Lu}\p{Ll}[\p{L}'’-]*(?: \p{Lu}[\p{L}'’-]*)*(?:, \p{Lu}[\p{L}'’-]*)?$/u],
];

/** The form of a value, if it has one of the forms above. */
export function shapeOf(value: string): ValueShape | null {
  const shape = SHAPES.find(([, pattern]) => pattern.test(value))?.[0] ?? null;
  // "16 GiB" is a quantity, not a street.
  return shape === 'address' && unitOf(value.split(' ')[1]!) !== null ? null : shape;
}

/** Per group of param-name words, the forms they ask for. */
const ASKED_BY = new Map<string, readonly ValueShape[]>(
  (
    [
      ['path file dir directory', ['path']],
      ['url uri link', ['url']],
      ['email', ['email']],
      ['ip', ['ip']],
      ['domain hostname', ['domain']],
      ['host', ['domain', 'ip']],
      ['channel', ['channel']],
      ['date iso', ['date', 'datetime']],
      ['day', ['date']],
      ['time', ['time', 'datetime']],
      ['when', ['date', 'datetime', 'time']],
      ['timestamp', ['datetime']],
      ['id ref reference code sku number', ['code', 'postcode', 'digits']],
      ['postcode zip zipcode postal', ['postcode', 'digits']],
      ['last4 lastfour pin digits', ['digits']],
      ['address', ['address', 'ip']],
      ['street', ['address']],
    ] as const
  ).flatMap(([words, shapes]) => words.split(' ').map((w) => [w, shapes] as const)),
);

/** The forms a param's name asks for ("sourcePath": a path), or null when it asks for none. */
export function shapesAskedBy(key: string): readonly ValueShape[] | null {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(' ');
  for (let i = words.length - 1; i >= 0; i--) {
    const asked = ASKED_BY.get(words[i]!) ?? ASKED_BY.get(concepts(words[i]!)[0] ?? '');
    if (asked) return asked;
  }
  return null;
}
