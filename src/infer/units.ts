/**
 * Units of time, size, length, mass, volume, money and percent as goals and param names write them, so a value can be converted
 * to the unit a param takes ("every one hour" into `seconds`, "3 minutes" into `timeoutMs`, "10 MiB" into
 * `bytes`, "2.4 kg" into `weightGrams`, "$3.50" into `amountCents`). Money converts between a currency and its
 * hundredths only: no exchange rates.
 */
export interface Unit {
  dimension: 'time' | 'size' | 'length' | 'mass' | 'volume' | 'money' | 'temperature' | 'fraction';
  /** Milliseconds, bytes, millimetres, milligrams, millilitres, hundredths of a currency or percent per unit. */
  factor: number;
}

const time = (factor: number): Unit => ({ dimension: 'time', factor });
const size = (factor: number): Unit => ({ dimension: 'size', factor });
const length = (factor: number): Unit => ({ dimension: 'length', factor });
const mass = (factor: number): Unit => ({ dimension: 'mass', factor });
const money = (factor: number): Unit => ({ dimension: 'money', factor });
const volume = (factor: number): Unit => ({ dimension: 'volume', factor });
/** Percent: "80 percent", and into a `percent` param a fraction ("a quarter", "half") as its hundredths. */
export const PERCENT: Unit = { dimension: 'fraction', factor: 1 };
/** Degrees Celsius only: a Fahrenheit reading is no multiple of a Celsius one. */
const celsius: Unit = { dimension: 'temperature', factor: 1 };

const UNITS = new Map<string, Unit>([
  ...['ms', 'msec', 'msecs', 'millis', 'millisecond', 'milliseconds'].map((w) => [w, time(1)] as const),
  ...['s', 'sec', 'secs', 'second', 'seconds'].map((w) => [w, time(1000)] as const),
  ...['min', 'mins', 'minute', 'minutes'].map((w) => [w, time(60_000)] as const),
  ...['h', 'hr', 'hrs', 'hour', 'hours'].map((w) => [w, time(3_600_000)] as const),
  ...['day', 'days'].map((w) => [w, time(86_400_000)] as const),
  ...['week', 'weeks'].map((w) => [w, time(604_800_000)] as const),
  ...['b', 'byte', 'bytes'].map((w) => [w, size(1)] as const),
  // A kilobyte is a KiB, as capOS's interfaces (`megabytes` of `StorageVolumes.resize`) and the plan generator count sizes.
  ...['kb', 'kilobyte', 'kilobytes', 'kib', 'kibibyte', 'kibibytes'].map((w) => [w, size(2 ** 10)] as const),
  ...['mb', 'megabyte', 'megabytes', 'mib', 'mebibyte', 'mebibytes'].map((w) => [w, size(2 ** 20)] as const),
  ...['gb', 'gigabyte', 'gigabytes', 'gib', 'gibibyte', 'gibibytes'].map((w) => [w, size(2 ** 30)] as const),
  ...['tb', 'terabyte', 'terabytes', 'tib', 'tebibyte', 'tebibytes'].map((w) => [w, size(2 ** 40)] as const),
  ...['mm', 'millimetre', 'millimetres', 'millimeter', 'millimeters'].map((w) => [w, length(1)] as const),
  ...['cm', 'centimetre', 'centimetres', 'centimeter', 'centimeters'].map((w) => [w, length(10)] as const),
  ...['metre', 'metres', 'meter', 'meters'].map((w) => [w, length(1000)] as const),
  ...['km', 'kilometre', 'kilometres', 'kilometer', 'kilometers'].map((w) => [w, length(1e6)] as const),
  ...['mile', 'miles'].map((w) => [w, length(1_609_344)] as const),
  ...['inch', 'inches'].map((w) => [w, length(25.4)] as const),
  ...['ft', 'foot', 'feet'].map((w) => [w, length(304.8)] as const),
  ...['mg', 'milligram', 'milligrams'].map((w) => [w, mass(1)] as const),
  ...['g', 'gram', 'grams', 'gramme', 'grammes'].map((w) => [w, mass(1000)] as const),
  ...['kg', 'kilo', 'kilos', 'kilogram', 'kilograms'].map((w) => [w, mass(1e6)] as const),
  ...['lb', 'lbs'].map((w) => [w, mass(453_592.37)] as const),
  ...['oz', 'ounce', 'ounces'].map((w) => [w, mass(28_349.523125)] as const),
  ...['ml', 'millilitre', 'millilitres', 'milliliter', 'milliliters'].map((w) => [w, volume(1)] as const),
  ...['cl', 'centilitre', 'centilitres', 'centiliter', 'centiliters'].map((w) => [w, volume(10)] as const),
  ...['l', 'litre', 'litres', 'liter', 'liters'].map((w) => [w, volume(1000)] as const),
  ...['percent', 'pct', 'percentage'].map((w) => [w, PERCENT] as const),
  ...['°c', 'celsius'].map((w) => [w, celsius] as const),
  ...['cent', 'cents', 'pence', 'penny', 'pennies'].map((w) => [w, money(1)] as const),
  ...['$', '€', '£', 'dollar', 'dollars', 'euro', 'euros', 'pound', 'pounds', 'buck', 'bucks'].map((w) => [w, money(100)] as const),
]);

/** The unit a word names ("minutes", "MiB", "ms"), or null. */
export function unitOf(word: string): Unit | null {
  return UNITS.get(word.toLowerCase()) ?? null;
}

/**
 * The unit a param takes, as its name says ("timeoutMs", "delaySeconds", "sizeBytes"), else as its
 * tool's description says when that names one unit only ("… for a number of milliseconds").
 */
export function paramUnit(key: string, description: string): Unit | null {
  const parts = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(' ');
  for (let i = parts.length - 1; i >= 0; i--) {
    const unit = unitOf(parts[i]!);
    if (unit && (parts.length > 1 || parts[i]!.length > 1)) return unit;
  }
  const named = new Set(description.split(/[^A-Za-z]+/).filter((w) => w.length > 1).flatMap((w) => (unitOf(w) ? [w.toLowerCase()] : [])));
  return named.size === 1 ? unitOf([...named][0]!) : null;
}

/** `value` in unit `from` expressed in unit `to`; null across dimensions. */
export function convert(value: number, from: Unit, to: Unit): number | null {
  if (from.dimension !== to.dimension) return null;
  return (value * from.factor) / to.factor;
}
