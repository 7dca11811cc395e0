/**
 * Typed readers for JSON and YAML that tests get from real tools (kubectl,
 * Helm, the webhook): each step checks the shape it expects and fails with the
 * path it was reading, so an assertion never runs on a silently wrong value.
 */

export type JsonObject = Record<string, unknown>;

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** The value as an object (not null, not an array). */
export function asObject(v: unknown, what = 'value'): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new TypeError(`${what}: expected an object, got ${describe(v)}`);
  }
  return v as JsonObject;
}

/** The value as an array. */
export function asArray(v: unknown, what = 'value'): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${what}: expected an array, got ${describe(v)}`);
  return v as unknown[];
}

/** The value as a string. */
export function asString(v: unknown, what = 'value'): string {
  if (typeof v !== 'string') throw new TypeError(`${what}: expected a string, got ${describe(v)}`);
  return v;
}

/**
 * The value at a path of object keys and array indexes, as `?.` reads it:
 * undefined when a step is absent (undefined or null); an error when a step is
 * there but is not the object or array the path goes into.
 */
export function field(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  let where = '';
  for (const step of path) {
    if (cur === undefined || cur === null) return undefined;
    if (typeof step === 'number') cur = asArray(cur, where || 'value')[step];
    else cur = asObject(cur, where || 'value')[step];
    where += typeof step === 'number' ? `[${step}]` : `.${step}`;
  }
  return cur;
}

/** field() that must be an object. */
export const obj = (v: unknown, ...path: (string | number)[]): JsonObject =>
  asObject(field(v, ...path), path.join('.') || 'value');

/** field() that must be an array. */
export const arr = (v: unknown, ...path: (string | number)[]): unknown[] =>
  asArray(field(v, ...path), path.join('.') || 'value');

/** field() that must be a string. */
export const str = (v: unknown, ...path: (string | number)[]): string =>
  asString(field(v, ...path), path.join('.') || 'value');

/** JSON.parse whose result must be an object. */
export const parseObject = (text: string, what = 'JSON'): JsonObject => asObject(JSON.parse(text) as unknown, what);
