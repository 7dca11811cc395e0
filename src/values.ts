/**
 * Small helpers for plain YAML values (what `toJS` returns): no module of its
 * own would own them, and every stage reads such values.
 */

/** How many aliases one document may expand while being read into plain values (a bound on alias bombs). */
export const MAX_ALIAS_COUNT = 100;

/** True for a mapping (a plain object, not an array or null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A YAML mapping's plain value: an object as `toJS` makes a mapping (not an array, not a date). */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** A string map from an unknown value; non-string values are stringified as YAML would print them. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = String(x);
  return out;
}

/** A string from a scalar value; '' for a missing one. */
export function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** The mappings of a list value. */
export function mappings(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** A port number from a YAML value (`8080`, `"8080"`), or undefined. */
export function toPort(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}
