/**
 * Results: the findings and changes of a run, in the KRM functions spec's
 * shape (severity spelled `warning`), with small constructors that fill
 * `resourceRef` and `file` from the object they are about.
 */
import type { CheckId } from './checkids.ts';

/** How serious a result is, spelled as in the KRM functions spec. */
export type Severity = 'error' | 'warning' | 'info';

/** A reference to the object a result is about. */
export interface ResourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** One KRM result. */
export interface Result {
  readonly message: string;
  readonly severity: Severity;
  readonly resourceRef?: ResourceRef;
  readonly field?: { readonly path: string; readonly currentValue?: string; readonly proposedValue?: string };
  readonly file?: { readonly path: string; readonly index?: number };
  readonly tags?: Tags;
}

/** What a result is about: the object's identity and where it came from. */
export interface Subject {
  readonly ref: ResourceRef;
  readonly file?: { readonly path: string; readonly index?: number };
}

/** What a result is tagged with: the rule that asked for a change, the check that found a problem. */
export interface Tags {
  readonly rule?: string;
  readonly check?: CheckId;
}

/**
 * Builds a result about `subject`. A check id can only be one of the
 * registry's (checkids.ts): the compiler refuses any other tag.
 */
export function result(
  severity: Severity,
  subject: Subject | undefined,
  message: string,
  extra: { field?: Result['field']; tags?: Tags } = {},
): Result {
  const tags = extra.tags ? tagsOf(extra.tags) : undefined;
  return {
    message,
    severity,
    ...(subject ? { resourceRef: subject.ref } : {}),
    ...(extra.field && subject ? { field: extra.field } : {}),
    ...(subject?.file ? { file: subject.file } : {}),
    ...(tags ? { tags } : {}),
  };
}

/** Tags in a fixed order (rule, then check), without empty ones. */
function tagsOf(t: Tags): Tags | undefined {
  if (t.rule === undefined && t.check === undefined) return undefined;
  return {
    ...(t.rule !== undefined ? { rule: t.rule } : {}),
    ...(t.check !== undefined ? { check: t.check } : {}),
  };
}

/** `Deployment/web` or `Deployment/prod/web`. */
export function describeRef(ref: ResourceRef | undefined): string {
  if (!ref) return '';
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** A field path with a map key: `a.b["example.com/x"]`. */
export function keyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Results as KRM `results` entries (plain data for the YAML writer). */
export function toKrm(results: readonly Result[]): Record<string, unknown>[] {
  return results.map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
}

/** Counts per severity. */
export function tally(results: readonly Result[]): Record<Severity, number> {
  const t: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const r of results) t[r.severity]++;
  return t;
}

/** `--strict`: every warning becomes an error. */
export function strictly(results: readonly Result[]): Result[] {
  return results.map((r) => (r.severity === 'warning' ? { ...r, severity: 'error' as const } : r));
}
