/**
 * Validation of a policy object against schema/eksfit-policy.schema.json.
 * The schema is compiled ahead of time (scripts/build.mjs) into a standalone
 * validator; this module turns its errors into one line per problem, each
 * with its field path (`spec.rules[0].ipvs.udpTimeout: ...`).
 */
import type { ErrorObject } from 'ajv';
import validate from './generated/validate-policy.mjs';

/** Every problem of `value` as an EksFitPolicy, or an empty list. */
export function validatePolicyDocument(value: unknown): string[] {
  if (validate(value)) return [];
  return formatErrors(validate.errors ?? []);
}

/** `/spec/rules/0/name` -> `spec.rules[0].name` */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || '(top level)';
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  // oneOf failures explain themselves once; drop the errors of their branches.
  const oneOf = errors.filter((e) => e.keyword === 'oneOf');
  const inBranch = (e: ErrorObject): boolean =>
    e.keyword !== 'oneOf' &&
    oneOf.some(
      (o) => e.instancePath === o.instancePath && e.schemaPath.startsWith(o.schemaPath.replace(/\/oneOf$/, '/oneOf/')),
    );
  const lines: string[] = [];
  for (const e of errors) {
    if (inBranch(e)) continue;
    const line = `${fieldPath(e.instancePath)}: ${message(e)}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

function message(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field ${JSON.stringify(p.additionalProperty)}`;
    case 'propertyNames':
      return `unknown key ${JSON.stringify(p.propertyName)}`;
    case 'required':
      return `missing required field ${JSON.stringify(p.missingProperty)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'type':
      return `must be ${String(p.type)
        .split(',')
        .map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`))
        .join(' or ')}`;
    case 'pattern':
      if (p.pattern === '^[1-9][0-9]*s$')
        return 'must be whole seconds with an s suffix, from 1s to 86400s (for example "120s")';
      if (p.pattern === '\\S') return 'must not be empty';
      return `must match ${String(p.pattern)}`;
    case 'minimum':
    case 'maximum':
      return `must be ${e.keyword === 'minimum' ? '>=' : '<='} ${String(p.limit)}`;
    case 'oneOf': {
      const desc = (e.parentSchema as { description?: string } | undefined)?.description;
      return `does not match any allowed form${desc ? ` (${desc})` : ''}`;
    }
    default:
      return e.message ?? e.keyword;
  }
}
