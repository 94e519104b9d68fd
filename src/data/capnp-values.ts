/**
 * Which JSON values a Cap'n Proto type accepts in ActionPlan args.
 *
 * - IntN/UIntN: integers within the type's range and also safe JS integers (|x| ≤ 2^53−1), because a JSON
 *   number beyond that cannot be read back exactly.
 * - Float32/Float64: finite numbers (Float32 also within ±3.4028235e38).
 * - Bool: true/false. Text: any string. Void: null.
 * - Data: a string of standard base64 with padding (RFC 4648 §4), the usual JSON form of bytes.
 * - List(T): an array whose every element is a T.
 */

const INT_BITS: Record<string, { signed: boolean; bits: number }> = {
  Int8: { signed: true, bits: 8 },
  Int16: { signed: true, bits: 16 },
  Int32: { signed: true, bits: 32 },
  Int64: { signed: true, bits: 64 },
  UInt8: { signed: false, bits: 8 },
  UInt16: { signed: false, bits: 16 },
  UInt32: { signed: false, bits: 32 },
  UInt64: { signed: false, bits: 64 },
};

const FLOAT32_MAX = 3.4028234663852886e38;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The element type of `List(T)`, or null when `type` is not a list. */
export function listElementType(type: string): string | null {
  const m = /^List\((.+)\)$/.exec(type);
  return m ? m[1]! : null;
}

/** Inclusive [min, max] of an integer type, or null when `type` is not an integer type. */
export function integerRange(type: string): [number, number] | null {
  const spec = INT_BITS[type];
  if (!spec) return null;
  const span = 2 ** spec.bits;
  const min = spec.signed ? -(span / 2) : 0;
  const max = spec.signed ? span / 2 - 1 : span - 1;
  return [Math.max(min, Number.MIN_SAFE_INTEGER), Math.min(max, Number.MAX_SAFE_INTEGER)];
}

/** Whether a value of this type is a JSON string: Text, and Data as base64. */
export function isStringType(type: string): boolean {
  return type === 'Text' || type === 'Data';
}

/** Whether a value of this type is a JSON number: an integer or a float type. */
export function isNumberType(type: string): boolean {
  return integerRange(type) !== null || type === 'Float32' || type === 'Float64';
}

export function valueMatchesType(value: unknown, type: string): boolean {
  const element = listElementType(type);
  if (element !== null) return Array.isArray(value) && value.every((v) => valueMatchesType(v, element));
  const range = integerRange(type);
  if (range) return typeof value === 'number' && Number.isInteger(value) && value >= range[0] && value <= range[1];
  switch (type) {
    case 'Float32':
      return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX;
    case 'Float64':
      return typeof value === 'number' && Number.isFinite(value);
    case 'Bool':
      return typeof value === 'boolean';
    case 'Text':
      return typeof value === 'string';
    case 'Data':
      return typeof value === 'string' && BASE64.test(value);
    case 'Void':
      return value === null;
    default:
      return false;
  }
}
