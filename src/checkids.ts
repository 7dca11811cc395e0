/**
 * The check ids: the keys of a policy's `checks`, the values of
 * `eksfit.dev/ignore-checks` and of a result's `tags.check`. This list is the
 * one place they are named; the schema's `checkId` enum, the README's checks
 * table and checks.ts's rows are kept equal to it by test/checkids.test.ts.
 * A result can only be tagged with one of these (see `result` in results.ts).
 */

/** Every check id, in the order checks.ts reports them. */
export const CHECK_IDS = [
  'daemonSet',
  'hostPort',
  'hostNetwork',
  'hostPath',
  'nodePort',
  'sysctls',
  'gpuType',
  'podSpec',
  'podSpecWaste',
  'podSpecAnnotation',
  'retainIp',
  'eipConflict',
  'podAntiAffinity',
  'externalTrafficPolicy',
  'port9100',
  'podsPerCluster',
  'replicasPerWorkload',
  'instancesPerSecurityGroup',
  'unmatchedRule',
  'metricsScrape',
  'remapProcess',
  'remapReference',
] as const;

/** A check id. */
export type CheckId = (typeof CHECK_IDS)[number];

const KNOWN: ReadonlySet<string> = new Set(CHECK_IDS);

/** True when `id` names a check. */
export function isCheckId(id: string): id is CheckId {
  return KNOWN.has(id);
}
