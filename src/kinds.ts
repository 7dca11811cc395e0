/**
 * Where each pod-bearing kind keeps its Pod template. A new kind is a row here
 * (or a `podTemplatePaths` entry in the policy) plus a fixture folder.
 */

/** A kind whose objects carry a Pod template, and the path to that template. */
export interface WorkloadKind {
  /** `kind` of the object. */
  readonly kind: string;
  /** apiVersion group the row applies to; undefined matches any. */
  readonly group?: string;
  /** Path from the object to the Pod template (the mapping with `metadata` and `spec`). */
  readonly templatePath: readonly string[];
}

/** The built-in kinds (docs/eks.md, section 1). */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  { kind: 'Pod', group: '', templatePath: [] },
  { kind: 'Deployment', group: 'apps', templatePath: ['spec', 'template'] },
  { kind: 'StatefulSet', group: 'apps', templatePath: ['spec', 'template'] },
  { kind: 'DaemonSet', group: 'apps', templatePath: ['spec', 'template'] },
  { kind: 'ReplicaSet', group: 'apps', templatePath: ['spec', 'template'] },
  { kind: 'ReplicationController', group: '', templatePath: ['spec', 'template'] },
  { kind: 'Job', group: 'batch', templatePath: ['spec', 'template'] },
  { kind: 'CronJob', group: 'batch', templatePath: ['spec', 'jobTemplate', 'spec', 'template'] },
  { kind: 'PodTemplate', group: '', templatePath: ['template'] },
];

/** The group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The kinds table extended by a policy's `podTemplatePaths`, looked up by kind. */
export class KindTable {
  private readonly byKind = new Map<string, WorkloadKind[]>();

  constructor(extra: readonly WorkloadKind[] = []) {
    // Policy rows come first so that they can refine a built-in kind.
    for (const row of [...extra, ...WORKLOAD_KINDS]) {
      const rows = this.byKind.get(row.kind) ?? [];
      rows.push(row);
      this.byKind.set(row.kind, rows);
    }
  }

  /** True when some row names `kind` (a cheap pre-filter before parsing). */
  hasKind(kind: string): boolean {
    return this.byKind.has(kind);
  }

  /** The row for an object, or undefined when it bears no Pod template. */
  lookup(apiVersion: string, kind: string): WorkloadKind | undefined {
    const group = groupOf(apiVersion);
    return this.byKind.get(kind)?.find((row) => row.group === undefined || row.group === group);
  }
}
