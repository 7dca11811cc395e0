/**
 * EKS readiness checks: what will not work, or not as expected, on EKS
 * (eks-domain.md sections 5 and 7). Each check is a row of a table.
 */
import type { PlannedChange } from './changes.ts';
import type { Policy } from './policy.ts';
import type { Result } from './results.ts';
import type { ServiceView } from './services.ts';
import type { KObject, Workload } from './workload.ts';

/** What the checks look at. */
export interface CheckInput {
  readonly objects: readonly KObject[];
  readonly workloads: readonly Workload[];
  readonly services: readonly ServiceView[];
  readonly policy: Policy;
  readonly namespaceOf: (o: KObject) => string;
  readonly changes: readonly PlannedChange[];
}

/** Runs every check; severities and `off` from the policy are applied by the caller. */
export function runChecks(_input: CheckInput): Result[] {
  return [];
}
