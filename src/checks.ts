/**
 * EKS readiness checks: what will not work, or not as expected, on EKS
 * (eks-domain.md sections 4 to 7). Each check is a row of `CHECKS`: an id (the
 * key of the policy's `checks`), a default severity, a message that says what
 * to do, and a function that finds the problem in the input.
 *
 * Checks look at the input as eksfit will write it: the changes eksfit plans
 * (an annotation a rule adds, a toleration) are applied to a plain copy first,
 * so a rule that fixes a problem silences its check.
 *
 * A resource opts out of checks with the annotation `eksfit.dev/ignore-checks`
 * (a comma-separated list of check ids) on its own metadata or, for a
 * workload, on its Pod template. A workload that opts out of a quota check is
 * left out of that check's count. Workloads marked `eksfit.dev/skip` are not
 * checked, but their Pods still count towards the quotas (they still run).
 */
import { editValue, type PlannedChange } from './changes.ts';
import type { KindTable } from './kinds.ts';
import { ANNOTATIONS, isObject, type Policy, type Severity } from './policy.ts';
import { describeRef, keyPath, result, type ResourceRef, type Result } from './results.ts';
import type { ServiceView } from './services.ts';
import { stringMap, type KObject, type Workload } from './workload.ts';

/** What the checks look at. */
export interface CheckInput {
  readonly objects: readonly KObject[];
  readonly workloads: readonly Workload[];
  readonly services: readonly ServiceView[];
  readonly policy: Policy;
  readonly namespaceOf: (o: KObject) => string;
  readonly changes: readonly PlannedChange[];
}

/** The annotation that opts a resource out of checks: `eksfit.dev/ignore-checks: "hostPort,daemonSet"`. */
export const IGNORE_CHECKS = 'eksfit.dev/ignore-checks';

/** Annotation keys the checks read (eks-domain.md sections 4 to 7). */
export const CHECK_ANNOTATIONS = {
  dsInjection: 'eks.tke.cloud.tencent.com/ds-injection',
  hostSysctls: 'eks.tke.cloud.tencent.com/host-sysctls',
  gpuType: 'eks.tke.cloud.tencent.com/gpu-type',
  retainIp: 'eks.tke.cloud.tencent.com/retain-ip',
} as const;

const EKLET_TAINT = 'eks.tke.cloud.tencent.com/eklet';

/** The ids of the policy's `checks` (the schema's `checkId` enum). */
export type CheckId =
  | 'daemonSet'
  | 'hostPort'
  | 'hostNetwork'
  | 'hostPath'
  | 'nodePort'
  | 'sysctls'
  | 'gpuType'
  | 'retainIp'
  | 'eipConflict'
  | 'podAntiAffinity'
  | 'externalTrafficPolicy'
  | 'port9100'
  | 'podsPerCluster'
  | 'replicasPerWorkload'
  | 'instancesPerSecurityGroup'
  | 'unmatchedRule'
  | 'metricsScrape'
  | 'remapProcess';

/** One problem a check found. The result's message is `<what>: <advice or the row's message>`. */
export interface Finding {
  /** The object it is about; none for a finding about the whole input. */
  readonly obj?: KObject;
  /** What was found, e.g. `hostPort 8080 of container "web"`. */
  readonly what: string;
  /** Field path from the object, e.g. `spec.template.spec.hostNetwork`. */
  readonly path?: string;
  readonly currentValue?: string;
  /** Replaces the row's message when this finding needs a different fix. */
  readonly advice?: string;
}

/** The input as the checks see it: Pods after eksfit's planned changes. */
export interface CheckContext {
  readonly input: CheckInput;
  /** Workloads to check (not skipped), after the planned changes. */
  readonly pods: readonly PodView[];
  /** Every workload (skipped ones too) with the Pods it runs, for the quotas. */
  readonly counts: readonly PodCount[];
}

/** A workload's Pod template after the planned changes. */
export interface PodView {
  readonly w: Workload;
  readonly obj: KObject;
  /** Path from the object to the Pod template. */
  readonly tp: readonly string[];
  readonly spec: Record<string, unknown>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly containers: readonly {
    readonly list: string;
    readonly index: number;
    readonly name: string;
    readonly value: Record<string, unknown>;
  }[];
}

/** How many Pods a workload runs at most, and why. */
export interface PodCount {
  readonly view: PodView;
  readonly pods: number;
  /** How the number was read: `replicas`, `HPA maxReplicas`, `parallelism`, ... */
  readonly source: string;
  /** Path of the field the number comes from, when it is on the workload. */
  readonly path?: string;
}

/** One check: a row of the table. */
export interface Check {
  readonly id: CheckId;
  readonly severity: Severity;
  /** What to do about it (appended to what was found). */
  readonly message: string;
  /** Finds the problems; absent for checks emitted while planning changes (`emittedBy`). */
  readonly find?: (ctx: CheckContext) => Finding[];
  /** The module that emits a check without `find`. */
  readonly emittedBy?: string;
}

/** The checks, in the order their results are reported. */
export const CHECKS: readonly Check[] = [
  {
    id: 'daemonSet',
    severity: 'warning',
    message: `not scheduled onto super nodes; run the agent as a sidecar, or (newer EKS versions) inject it into super-node Pods with Pod annotation ${CHECK_ANNOTATIONS.dsInjection}: "true" plus a toleration of ${EKLET_TAINT} (operator: Exists)`,
    find: ({ pods }) =>
      pods
        .filter((p) => p.obj.kind === 'DaemonSet')
        .flatMap((p): Finding[] => {
          const inject = p.annotations[CHECK_ANNOTATIONS.dsInjection] === 'true';
          const tolerates = toleratesEklet(p.spec);
          if (inject && tolerates) return [];
          if (inject) {
            return [
              {
                obj: p.obj,
                what: `DaemonSet with ${CHECK_ANNOTATIONS.dsInjection}: "true" but no toleration of ${EKLET_TAINT}`,
                path: keyPath([...p.tp, 'spec', 'tolerations']),
                advice: `add a toleration {key: ${EKLET_TAINT}, operator: Exists} so that the injected Pods may run on super nodes`,
              },
            ];
          }
          return [{ obj: p.obj, what: 'DaemonSet', path: 'kind', currentValue: 'DaemonSet' }];
        }),
  },
  {
    id: 'hostPort',
    severity: 'warning',
    message:
      'no effect on EKS, where every Pod is its own VM (older versions do not schedule such Pods at all); remove hostPort and reach the Pod through a Service',
    find: ({ pods }) =>
      pods.flatMap((p) =>
        p.containers.flatMap((c) =>
          list(c.value.ports).flatMap((port, i): Finding[] => {
            const hp = port.hostPort;
            if (hp === undefined || hp === null || hp === 0 || hp === '0') return [];
            return [
              {
                obj: p.obj,
                what: `hostPort ${String(hp)} of container ${JSON.stringify(c.name)}`,
                path: keyPath([...p.tp, 'spec', c.list, c.index, 'ports', i, 'hostPort']),
                currentValue: String(hp),
              },
            ];
          }),
        ),
      ),
  },
  {
    id: 'hostNetwork',
    severity: 'warning',
    message:
      "accepted, but it does not behave as on a node: the Pod's VM is its host (probes on 127.0.0.1 are reported failing); remove it unless you have tested the Pod on EKS",
    find: ({ pods }) =>
      pods
        .filter((p) => p.spec.hostNetwork === true)
        .map((p) => ({
          obj: p.obj,
          what: 'hostNetwork is true',
          path: keyPath([...p.tp, 'spec', 'hostNetwork']),
          currentValue: 'true',
        })),
  },
  {
    id: 'hostPath',
    severity: 'warning',
    message:
      'each Pod runs in its own VM, so the data is not shared with other Pods and is lost when the Pod is rebuilt; use emptyDir for scratch space or a PersistentVolumeClaim for data that must stay',
    find: ({ pods }) =>
      pods.flatMap((p) =>
        list(p.spec.volumes).flatMap((v, i): Finding[] => {
          if (!isObject(v.hostPath)) return [];
          const path = typeof v.hostPath.path === 'string' ? v.hostPath.path : '';
          return [
            {
              obj: p.obj,
              what: `hostPath volume ${JSON.stringify(String(v.name ?? i))}${path ? ` (${path})` : ''}`,
              path: keyPath([...p.tp, 'spec', 'volumes', i, 'hostPath']),
              ...(path ? { currentValue: path } : {}),
            },
          ];
        }),
      ),
  },
  {
    id: 'nodePort',
    severity: 'warning',
    message:
      'serverless clusters do not support NodePort Services; use type ClusterIP inside the cluster, or LoadBalancer for traffic from outside',
    find: ({ input }) =>
      input.services
        .filter((s) => s.type === 'NodePort')
        .map((s) => ({ obj: s.obj, what: 'Service type is NodePort', path: 'spec.type', currentValue: 'NodePort' })),
  },
  {
    id: 'sysctls',
    severity: 'warning',
    message: 'EKS allows only net.* sysctls in a Pod; remove it',
    find: ({ pods }) =>
      pods.flatMap((p) => {
        const out: Finding[] = [];
        const sc = isObject(p.spec.securityContext) ? p.spec.securityContext : {};
        list(sc.sysctls).forEach((s, i) => {
          const name = String(s.name ?? '');
          if (!name.startsWith('net.'))
            out.push({
              obj: p.obj,
              what: `sysctl ${name} in securityContext.sysctls`,
              path: keyPath([...p.tp, 'spec', 'securityContext', 'sysctls', i, 'name']),
              currentValue: name,
            });
        });
        const raw = p.annotations[CHECK_ANNOTATIONS.hostSysctls];
        if (raw !== undefined) {
          const path = keyPath([...p.tp, 'metadata', 'annotations', CHECK_ANNOTATIONS.hostSysctls]);
          const parsed = parseJson(raw);
          if (!Array.isArray(parsed) || !parsed.every((e) => isObject(e) && typeof e.name === 'string')) {
            out.push({
              obj: p.obj,
              what: `Pod annotation ${CHECK_ANNOTATIONS.hostSysctls} is not a JSON list of {name, value}`,
              path,
              currentValue: raw,
              advice: 'write it as JSON, e.g. \'[{"name":"net.core.somaxconn","value":"4096"}]\'',
            });
          } else {
            for (const e of parsed as { name: string }[]) {
              if (!e.name.startsWith('net.'))
                out.push({
                  obj: p.obj,
                  what: `sysctl ${e.name} in Pod annotation ${CHECK_ANNOTATIONS.hostSysctls}`,
                  path,
                  currentValue: raw,
                });
            }
          }
        }
        return out;
      }),
  },
  {
    id: 'gpuType',
    severity: 'warning',
    message: `EKS needs Pod annotation ${CHECK_ANNOTATIONS.gpuType} naming the GPU models to try, in order of preference (e.g. "T4,V100")`,
    find: ({ pods }) =>
      pods.flatMap((p): Finding[] => {
        if (p.annotations[CHECK_ANNOTATIONS.gpuType] !== undefined) return [];
        for (const c of p.containers) {
          const res = isObject(c.value.resources) ? c.value.resources : {};
          for (const kind of ['limits', 'requests'] as const) {
            const q = isObject(res[kind]) ? res[kind] : {};
            const key = Object.keys(q).find((k) => /gpu/i.test(k) && !isZero(q[k]));
            if (key !== undefined) {
              return [
                {
                  obj: p.obj,
                  what: `container ${JSON.stringify(c.name)} ${kind === 'limits' ? 'limits' : 'requests'} ${key} ${String(q[key])}`,
                  path: keyPath([...p.tp, 'spec', c.list, c.index, 'resources', kind, key]),
                  currentValue: String(q[key]),
                },
              ];
            }
          }
        }
        return [];
      }),
  },
  {
    id: 'retainIp',
    severity: 'warning',
    message:
      'only StatefulSets and bare Pods keep their IP on EKS; remove the annotation, or run the workload as a StatefulSet',
    find: ({ pods }) =>
      pods
        .filter(
          (p) =>
            p.obj.kind !== 'StatefulSet' &&
            p.obj.kind !== 'Pod' &&
            p.annotations[CHECK_ANNOTATIONS.retainIp] !== undefined &&
            p.annotations[CHECK_ANNOTATIONS.retainIp] !== 'false',
        )
        .map((p) => ({
          obj: p.obj,
          what: `Pod annotation ${CHECK_ANNOTATIONS.retainIp} on a ${p.obj.kind}`,
          path: keyPath([...p.tp, 'metadata', 'annotations', CHECK_ANNOTATIONS.retainIp]),
          currentValue: p.annotations[CHECK_ANNOTATIONS.retainIp] as string,
        })),
  },
  {
    id: 'eipConflict',
    severity: 'error',
    message:
      'eip-id-list binds existing EIPs (StatefulSets) while eip-attributes makes EKS create one per Pod; keep only one of them',
    find: ({ pods }) =>
      pods
        .filter(
          (p) =>
            p.annotations[ANNOTATIONS.eipIdList] !== undefined &&
            p.annotations[ANNOTATIONS.eipAttributes] !== undefined,
        )
        .map((p) => ({
          obj: p.obj,
          what: `Pod annotations ${ANNOTATIONS.eipIdList} and ${ANNOTATIONS.eipAttributes} together`,
          path: keyPath([...p.tp, 'metadata', 'annotations', ANNOTATIONS.eipIdList]),
          currentValue: p.annotations[ANNOTATIONS.eipIdList] as string,
        })),
  },
  {
    id: 'podAntiAffinity',
    severity: 'warning',
    message:
      'EKS ignores it: every Pod already runs in its own VM; remove it, or make it preferredDuringSchedulingIgnoredDuringExecution, so that the manifest says what happens',
    find: ({ pods }) =>
      pods.flatMap((p): Finding[] => {
        const aff = isObject(p.spec.affinity) ? p.spec.affinity : {};
        const anti = isObject(aff.podAntiAffinity) ? aff.podAntiAffinity : {};
        const req = anti.requiredDuringSchedulingIgnoredDuringExecution;
        if (!Array.isArray(req) || req.length === 0) return [];
        const keys = [
          ...new Set(
            req
              .filter(isObject)
              .map((t) => String(t.topologyKey ?? ''))
              .filter(Boolean),
          ),
        ];
        return [
          {
            obj: p.obj,
            what: `required Pod anti-affinity${keys.length ? ` (topologyKey ${keys.join(', ')})` : ''}`,
            path: keyPath([
              ...p.tp,
              'spec',
              'affinity',
              'podAntiAffinity',
              'requiredDuringSchedulingIgnoredDuringExecution',
            ]),
          },
        ];
      }),
  },
  {
    id: 'externalTrafficPolicy',
    severity: 'warning',
    message:
      'in clusters with GlobalRouter networking, traffic is not forwarded to Pods on super nodes; use Cluster (the default), or keep the backends on ordinary nodes',
    find: ({ input }) =>
      input.services
        .filter((s) => isObject(s.obj.value.spec) && s.obj.value.spec.externalTrafficPolicy === 'Local')
        .map((s) => ({
          obj: s.obj,
          what: 'externalTrafficPolicy is Local',
          path: 'spec.externalTrafficPolicy',
          currentValue: 'Local',
        })),
  },
  {
    id: 'port9100',
    severity: 'warning',
    message:
      'EKS itself listens on port 9100 in every Pod, so the Pod fails to start; add a rule with ports.strategy metricsPort (annotation eks.tke.cloud.tencent.com/metrics-port) or remap',
    emittedBy: 'transform.ts, ports.ts',
  },
  {
    id: 'podsPerCluster',
    severity: 'warning',
    message:
      'EKS caps the Pods of a cluster (policy limits.podsPerCluster; Pods already in the cluster count too); ask Tencent Cloud for a higher quota by ticket, or run fewer replicas',
    find: ({ counts, input }) => {
      const limit = input.policy.limits.podsPerCluster;
      const total = counts.reduce((n, c) => n + c.pods, 0);
      if (total <= limit) return [];
      return [{ what: `the input runs up to ${total} Pods, over the limit of ${limit} (${figures(counts)})` }];
    },
  },
  {
    id: 'replicasPerWorkload',
    severity: 'warning',
    message:
      'EKS caps the replicas of one workload (policy limits.replicasPerWorkload); ask Tencent Cloud for a higher quota by ticket, or split the workload',
    find: ({ counts, input }) => {
      const limit = input.policy.limits.replicasPerWorkload;
      return counts
        .filter((c) => c.pods > limit && c.view.obj.kind !== 'Pod')
        .map((c) => ({
          obj: c.view.obj,
          what: `${c.source} ${c.pods}, over the limit of ${limit}`,
          ...(c.path ? { path: c.path } : {}),
          currentValue: String(c.pods),
        }));
    },
  },
  {
    id: 'instancesPerSecurityGroup',
    severity: 'warning',
    message: `a security group holds a limited number of instances (policy limits.instancesPerSecurityGroup; other instances in the group count too); spread the Pods over more groups with Pod annotation ${ANNOTATIONS.securityGroupId}, or ask for a higher quota by ticket`,
    find: ({ counts, input }) => {
      const limit = input.policy.limits.instancesPerSecurityGroup;
      const groups = new Map<string, PodCount[]>();
      for (const c of counts) {
        const ids = (c.view.annotations[ANNOTATIONS.securityGroupId] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        for (const id of ids.length > 0 ? ids : [DEFAULT_GROUP]) groups.set(id, [...(groups.get(id) ?? []), c]);
      }
      const out: Finding[] = [];
      for (const [id, cs] of groups) {
        const total = cs.reduce((n, c) => n + c.pods, 0);
        if (total <= limit) continue;
        out.push({
          what: `${id === DEFAULT_GROUP ? "the project's default security group (no " + ANNOTATIONS.securityGroupId + ')' : `security group ${id}`} would hold up to ${total} Pods, over the limit of ${limit} (${figures(cs)})`,
        });
      }
      return out;
    },
  },
  {
    id: 'unmatchedRule',
    severity: 'warning',
    message: 'a rule of the policy matched no workload; check its match and exclude, or remove it',
    emittedBy: 'transform.ts',
  },
  {
    id: 'metricsScrape',
    severity: 'warning',
    message:
      "EKS's own metrics moved off 9100: whatever scrapes them must follow, and a Pod with a public EIP needs its security group to allow the new port",
    emittedBy: 'ports.ts',
  },
  {
    id: 'remapProcess',
    severity: 'warning',
    message:
      'a port remapped in the manifest only: tell the process to listen on the new port (ports.env, or the port in its args)',
    emittedBy: 'ports.ts',
  },
];

const DEFAULT_GROUP = '';
const FIGURES_SHOWN = 5;

/** `Deployment/a 120, StatefulSet/b 100, and 3 more`, largest first. */
function figures(counts: readonly PodCount[]): string {
  const sorted = counts.filter((c) => c.pods > 0).sort((a, b) => b.pods - a.pods);
  const shown = sorted
    .slice(0, FIGURES_SHOWN)
    .map(
      (c) =>
        `${describeRef(c.view.obj.subject.ref)} ${c.pods}${c.source === 'replicas' || c.source === 'Pod' ? '' : ` (${c.source})`}`,
    );
  const more = sorted.length - FIGURES_SHOWN;
  return more > 0 ? `${shown.join(', ')}, and ${more} more` : shown.join(', ');
}

/** Runs every check; severities and `off` from the policy are applied by the caller. */
export function runChecks(input: CheckInput): Result[] {
  // Findings in input order (then in table order); findings about the whole input last.
  const order = new Map(input.objects.map((o, i) => [o, i]));
  const found: { at: number; r: Result }[] = [];
  const ignored = new Map<KObject, Set<string>>();
  for (const obj of input.objects) {
    if (obj.localConfig) continue;
    const { ids, unknown } = ignoredChecks(obj, input.policy.kinds);
    if (ids.size > 0) ignored.set(obj, ids);
    if (unknown.length > 0) {
      found.push({
        at: order.get(obj) ?? Infinity,
        r: result(
          'warning',
          obj.subject,
          `${IGNORE_CHECKS} names unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${CHECKS.map((c) => c.id).join(', ')})`,
        ),
      });
    }
  }
  const changesOf = new Map<KObject, PlannedChange[]>();
  for (const p of input.changes) {
    const list = changesOf.get(p.change.obj);
    if (list) list.push(p);
    else changesOf.set(p.change.obj, [p]);
  }
  const views = input.workloads.map((w) => viewOf(w, changesOf.get(w.obj) ?? []));
  const pods = views.filter((v) => !isSkipped(v.w));
  const allCounts = podCounts(views, input);
  for (const check of CHECKS) {
    if (!check.find) continue;
    const counts = allCounts.filter((c) => !ignored.get(c.view.obj)?.has(check.id));
    for (const f of check.find({ input, pods, counts })) {
      if (f.obj && ignored.get(f.obj)?.has(check.id)) continue;
      const field =
        f.path !== undefined
          ? { path: f.path, ...(f.currentValue !== undefined ? { currentValue: f.currentValue } : {}) }
          : undefined;
      const r = result(check.severity, f.obj?.subject, `${f.what}: ${f.advice ?? check.message}`, {
        ...(field ? { field } : {}),
        tags: { check: check.id },
      });
      found.push({ at: f.obj ? (order.get(f.obj) ?? Infinity) : Infinity, r });
    }
  }
  found.sort((a, b) => a.at - b.at);
  return found.map((f) => f.r);
}

/**
 * Drops results about a resource that opts out of their check with
 * `eksfit.dev/ignore-checks` (for the checks emitted while planning changes).
 */
export function withoutIgnored(results: readonly Result[], objects: readonly KObject[], kinds: KindTable): Result[] {
  const byRef = new Map<ResourceRef, Set<string>>();
  for (const obj of objects) {
    const { ids } = ignoredChecks(obj, kinds);
    if (ids.size > 0) byRef.set(obj.subject.ref, ids);
  }
  if (byRef.size === 0) return [...results];
  return results.filter((r) => !(r.resourceRef && r.tags?.check && byRef.get(r.resourceRef)?.has(r.tags.check)));
}

/** The check ids an object opts out of (its metadata, and its Pod template's), and the unknown ones it names. */
export function ignoredChecks(obj: KObject, kinds: KindTable): { ids: Set<string>; unknown: string[] } {
  const md = isObject(obj.value.metadata) ? obj.value.metadata : {};
  const values = [stringMap(md.annotations)[IGNORE_CHECKS]];
  const row = kinds.lookup(obj.apiVersion, obj.kind);
  if (row && row.templatePath.length > 0) {
    let t: unknown = obj.value;
    for (const key of row.templatePath) t = isObject(t) ? t[key] : undefined;
    const tmd = isObject(t) && isObject(t.metadata) ? t.metadata : {};
    values.push(stringMap(tmd.annotations)[IGNORE_CHECKS]);
  }
  const ids = new Set<string>();
  const unknown: string[] = [];
  const known = new Set<string>(CHECKS.map((c) => c.id));
  for (const v of values) {
    if (v === undefined) continue;
    for (const id of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (known.has(id)) ids.add(id);
      else if (!unknown.includes(id)) unknown.push(id);
    }
  }
  return { ids, unknown };
}

/** The Pod template of a workload after the changes eksfit plans for it (`mine`). */
function viewOf(w: Workload, mine: readonly PlannedChange[]): PodView {
  let value: Record<string, unknown> = w.obj.value;
  if (mine.length > 0) {
    // editValue works on a whole document: rebuild one around a copy of the object.
    const copy = JSON.parse(JSON.stringify(w.obj.value)) as Record<string, unknown>;
    let doc: unknown = copy;
    if (w.obj.path.length > 0) {
      doc = {};
      let cur = doc as Record<string | number, unknown>;
      w.obj.path.forEach((part, i) => {
        cur[part] = i === w.obj.path.length - 1 ? copy : {};
        cur = cur[part] as Record<string | number, unknown>;
      });
    }
    for (const p of mine) doc = editValue(doc, p.change);
    let cur: unknown = doc;
    for (const part of w.obj.path) cur = (cur as Record<string | number, unknown>)[part];
    value = cur as Record<string, unknown>;
  }
  let template: unknown = value;
  for (const key of w.row.templatePath) template = isObject(template) ? template[key] : undefined;
  const t = isObject(template) ? template : {};
  const md = isObject(t.metadata) ? t.metadata : {};
  const spec = isObject(t.spec) ? t.spec : {};
  const containers = (['containers', 'initContainers'] as const).flatMap((l) =>
    (Array.isArray(spec[l]) ? (spec[l] as unknown[]) : []).flatMap((c, index) =>
      isObject(c) ? [{ list: l, index, name: String(c.name ?? ''), value: c }] : [],
    ),
  );
  return { w, obj: w.obj, tp: w.row.templatePath, spec, annotations: stringMap(md.annotations), containers };
}

/** The Pods each workload runs at most: replicas (or an HPA's maxReplicas), a Job's parallelism. */
function podCounts(views: readonly PodView[], input: CheckInput): PodCount[] {
  const hpaMax = new Map<string, number>();
  for (const obj of input.objects) {
    if (obj.kind !== 'HorizontalPodAutoscaler' || obj.localConfig) continue;
    const spec = isObject(obj.value.spec) ? obj.value.spec : {};
    const ref = isObject(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
    const max = count(spec.maxReplicas);
    if (max !== undefined) hpaMax.set(`${input.namespaceOf(obj)}/${String(ref.kind)}/${String(ref.name)}`, max);
  }
  const out: PodCount[] = [];
  for (const view of views) {
    const obj = view.obj;
    const spec = isObject(obj.value.spec) ? obj.value.spec : {};
    switch (obj.kind) {
      case 'Pod':
        out.push({ view, pods: 1, source: 'Pod' });
        break;
      case 'DaemonSet': // not scheduled onto super nodes
      case 'PodTemplate': // runs nothing by itself
        break;
      case 'Job':
      case 'CronJob': {
        const jobSpec =
          obj.kind === 'Job'
            ? spec
            : isObject(spec.jobTemplate) && isObject(spec.jobTemplate.spec)
              ? spec.jobTemplate.spec
              : {};
        const base = obj.kind === 'Job' ? ['spec'] : ['spec', 'jobTemplate', 'spec'];
        const parallelism = count(jobSpec.parallelism) ?? 1;
        const completions = count(jobSpec.completions);
        // A Job never runs more Pods at once than it has completions left.
        const pods = completions !== undefined ? Math.min(parallelism, completions) : parallelism;
        out.push({
          view,
          pods,
          source: 'parallelism',
          ...(jobSpec.parallelism !== undefined ? { path: keyPath([...base, 'parallelism']) } : {}),
        });
        break;
      }
      default: {
        const replicas = count(spec.replicas) ?? 1;
        const hpa = hpaMax.get(`${input.namespaceOf(obj)}/${obj.kind}/${obj.name}`);
        if (hpa !== undefined && hpa > replicas) out.push({ view, pods: hpa, source: 'HPA maxReplicas' });
        else
          out.push({
            view,
            pods: replicas,
            source: 'replicas',
            ...(spec.replicas !== undefined ? { path: 'spec.replicas' } : {}),
          });
      }
    }
  }
  return out;
}

function isSkipped(w: Workload): boolean {
  const md = isObject(w.obj.value.metadata) ? w.obj.value.metadata : {};
  const own = { ...stringMap(md.labels), ...stringMap(md.annotations) };
  return (
    own[ANNOTATIONS.skip] === 'true' ||
    w.labels[ANNOTATIONS.skip] === 'true' ||
    w.annotations[ANNOTATIONS.skip] === 'true'
  );
}

/** True when a toleration lets the Pod onto super nodes (the eklet taint, or every taint). */
function toleratesEklet(spec: Record<string, unknown>): boolean {
  return list(spec.tolerations).some(
    (t) => t.key === EKLET_TAINT || ((t.key === undefined || t.key === '') && t.operator === 'Exists'),
  );
}

/** The mappings of a list value. */
function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** A non-negative whole number from a YAML value (`3`, `"3"`), or undefined. */
function count(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function isZero(v: unknown): boolean {
  return v === 0 || (typeof v === 'string' && /^0+(\.0*)?[a-zA-Z]*$/.test(v));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
