/**
 * Results: the findings and changes of a run, in the KRM functions spec's
 * shape (severity spelled `warning`), with small constructors that fill
 * `resourceRef` and `file` from the object they are about.
 */
import type { Severity } from './policy.ts';

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
  readonly tags?: Readonly<Record<string, string>>;
}

/** What a result is about: the object's identity and where it came from. */
export interface Subject {
  readonly ref: ResourceRef;
  readonly file?: { readonly path: string; readonly index?: number };
}

/** Builds a result about `subject`. */
export function result(
  severity: Severity,
  subject: Subject | undefined,
  message: string,
  extra: { field?: Result['field']; tags?: Record<string, string> } = {},
): Result {
  return {
    message,
    severity,
    ...(subject ? { resourceRef: subject.ref } : {}),
    ...(extra.field && subject ? { field: extra.field } : {}),
    ...(subject?.file ? { file: subject.file } : {}),
    ...(extra.tags ? { tags: extra.tags } : {}),
  };
}

/** `Deployment/web` or `Deployment/prod/web`. */
export function describeRef(ref: ResourceRef | undefined): string {
  if (!ref) return '';
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** A field path with a map key: `a.b["eks.tke.cloud.tencent.com/x"]`. */
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
