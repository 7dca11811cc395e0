/**
 * The EKS readiness checks: what will not work, or not as expected, on EKS
 * (docs/eks.md, sections 4 to 7). Each check is a row of `CHECKS`: an id from
 * the registry (checkids.ts, the key of the policy's `checks`), a default
 * severity, a message that says what to do, and either a function that finds
 * the problem or the module that reports it while planning. audit.ts runs them.
 */
import { podSpecAnnotationFindings, podSpecFindings, podSpecWasteFindings } from './billing.ts';
import type { CheckId } from './checkids.ts';
import {
  EKLET_TAINT,
  EKS_ANNOTATIONS,
  EKS_METRICS_PORT,
  IGNORED_ANTI_AFFINITY_KEYS,
  SIZING_ANNOTATIONS,
  isNodeAgentPath,
  toleratesEklet,
} from './eks.ts';
import type { Policy } from './policy.ts';
import { describeRef, keyPath, type Severity } from './results.ts';
import type { ServiceView } from './services.ts';
import { isObject, mappings as list } from './values.ts';
import type { KObject, Workload } from './workload.ts';

export type { CheckId };

/** What the checks look at. */
export interface CheckInput {
  readonly objects: readonly KObject[];
  readonly workloads: readonly Workload[];
  readonly services: readonly ServiceView[];
  readonly policy: Policy;
  readonly namespaceOf: (o: KObject) => string;
}

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
    message: `not scheduled onto super nodes; run the agent as a sidecar, or (newer EKS versions) inject it into super-node Pods with Pod annotation ${EKS_ANNOTATIONS.dsInjection}: "true" plus a toleration of ${EKLET_TAINT} (operator: Exists)`,
    find: ({ pods }) =>
      pods
        .filter((p) => p.obj.kind === 'DaemonSet')
        .flatMap((p): Finding[] => {
          const inject = p.annotations[EKS_ANNOTATIONS.dsInjection] === 'true';
          const tolerates = toleratesEklet(p.spec);
          if (inject && tolerates) return [];
          if (inject) {
            return [
              {
                obj: p.obj,
                what: `DaemonSet with ${EKS_ANNOTATIONS.dsInjection}: "true" but no toleration of ${EKLET_TAINT}`,
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
              ...(isNodeAgentPath(path) ? { advice: NODE_AGENT_ADVICE } : {}),
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
        const raw = p.annotations[EKS_ANNOTATIONS.hostSysctls];
        if (raw !== undefined) {
          const path = keyPath([...p.tp, 'metadata', 'annotations', EKS_ANNOTATIONS.hostSysctls]);
          const parsed = parseJson(raw);
          if (!Array.isArray(parsed) || !parsed.every((e) => isObject(e) && typeof e.name === 'string')) {
            out.push({
              obj: p.obj,
              what: `Pod annotation ${EKS_ANNOTATIONS.hostSysctls} is not a JSON list of {name, value}`,
              path,
              currentValue: raw,
              advice: 'write it as JSON, e.g. \'[{"name":"net.core.somaxconn","value":"4096"}]\'',
            });
          } else {
            for (const e of parsed as { name: string }[]) {
              if (!e.name.startsWith('net.'))
                out.push({
                  obj: p.obj,
                  what: `sysctl ${e.name} in Pod annotation ${EKS_ANNOTATIONS.hostSysctls}`,
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
    message: `EKS needs Pod annotation ${EKS_ANNOTATIONS.gpuType} naming the GPU models to try, in order of preference (e.g. "T4,V100")`,
    find: ({ pods }) =>
      pods.flatMap((p): Finding[] => {
        if (p.annotations[EKS_ANNOTATIONS.gpuType] !== undefined) return [];
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
    id: 'podSpec',
    severity: 'error',
    message: 'EKS creates no Pod that fits no spec of docs/eks.md, Pod sizing',
    find: ({ pods, input }) => podSpecFindings(pods, input.policy.sizing),
  },
  {
    id: 'podSpecWaste',
    severity: 'warning',
    message: 'size the requests to a spec (docs/eks.md, Pod sizing)',
    find: ({ pods, input }) => podSpecWasteFindings(pods, input.policy.sizing),
  },
  {
    id: 'podSpecAnnotation',
    severity: 'warning',
    message: `${SIZING_ANNOTATIONS.cpu} and ${SIZING_ANNOTATIONS.mem} go together, mem in Gi ("4Gi")`,
    find: ({ pods, input }) => podSpecAnnotationFindings(pods, input.policy.sizing),
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
            p.annotations[EKS_ANNOTATIONS.retainIp] !== undefined &&
            p.annotations[EKS_ANNOTATIONS.retainIp] !== 'false',
        )
        .map((p) => ({
          obj: p.obj,
          what: `Pod annotation ${EKS_ANNOTATIONS.retainIp} on a ${p.obj.kind}`,
          path: keyPath([...p.tp, 'metadata', 'annotations', EKS_ANNOTATIONS.retainIp]),
          currentValue: p.annotations[EKS_ANNOTATIONS.retainIp] as string,
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
            p.annotations[EKS_ANNOTATIONS.eipIdList] !== undefined &&
            p.annotations[EKS_ANNOTATIONS.eipAttributes] !== undefined,
        )
        .map((p) => ({
          obj: p.obj,
          what: `Pod annotations ${EKS_ANNOTATIONS.eipIdList} and ${EKS_ANNOTATIONS.eipAttributes} together`,
          path: keyPath([...p.tp, 'metadata', 'annotations', EKS_ANNOTATIONS.eipIdList]),
          currentValue: p.annotations[EKS_ANNOTATIONS.eipIdList] as string,
        })),
  },
  {
    id: 'podAntiAffinity',
    severity: 'warning',
    message:
      "EKS ignores it: every Pod on a super node shares that node's hostname label, and each Pod runs in its own VM anyway; spread by zone (topology.kubernetes.io/zone) if that is what you need, or make it preferredDuringSchedulingIgnoredDuringExecution, so that the manifest says what happens",
    find: ({ pods }) =>
      pods.flatMap((p): Finding[] => {
        const aff = isObject(p.spec.affinity) ? p.spec.affinity : {};
        const anti = isObject(aff.podAntiAffinity) ? aff.podAntiAffinity : {};
        const req = anti.requiredDuringSchedulingIgnoredDuringExecution;
        if (!Array.isArray(req) || req.length === 0) return [];
        // Only the node name is ignored: zone and other topology keys work as usual.
        const keys = [
          ...new Set(
            req
              .filter(isObject)
              .map((t) => String(t.topologyKey ?? ''))
              .filter((k) => IGNORED_ANTI_AFFINITY_KEYS.includes(k)),
          ),
        ];
        if (keys.length === 0) return [];
        return [
          {
            obj: p.obj,
            what: `required Pod anti-affinity on topologyKey ${keys.join(', ')}`,
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
    message: `EKS itself listens on port ${EKS_METRICS_PORT} in every Pod, so the Pod fails to start; add a rule with ports.strategy metricsPort (annotation ${EKS_ANNOTATIONS.metricsPort}) or remap`,
    emittedBy: 'ports.ts, remap.ts',
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
    message: `a security group holds a limited number of instances (policy limits.instancesPerSecurityGroup; other instances in the group count too); spread the Pods over more groups with Pod annotation ${EKS_ANNOTATIONS.securityGroupId}, or ask for a higher quota by ticket`,
    find: ({ counts, input }) => {
      const limit = input.policy.limits.instancesPerSecurityGroup;
      const groups = new Map<string, PodCount[]>();
      for (const c of counts) {
        const ids = (c.view.annotations[EKS_ANNOTATIONS.securityGroupId] ?? '')
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
          what: `${id === DEFAULT_GROUP ? "the project's default security group (no " + EKS_ANNOTATIONS.securityGroupId + ')' : `security group ${id}`} would hold up to ${total} Pods, over the limit of ${limit} (${figures(cs)})`,
        });
      }
      return out;
    },
  },
  {
    id: 'unmatchedRule',
    severity: 'warning',
    message: 'a rule of the policy matched no workload; check its match and exclude, or remove it',
    emittedBy: 'plan.ts',
  },
  {
    id: 'metricsScrape',
    severity: 'warning',
    message: `EKS's own metrics moved off ${EKS_METRICS_PORT}: whatever scrapes them must follow, and a Pod with a public EIP needs its security group to allow the new port`,
    emittedBy: 'ports.ts',
  },
  {
    id: 'remapProcess',
    severity: 'warning',
    message:
      'a port remapped in the manifest only: tell the process to listen on the new port (ports.env, or the port in its args)',
    emittedBy: 'remap.ts',
  },
  {
    id: 'remapReference',
    severity: 'warning',
    message:
      "another container's command or args mention a remapped port: change the mention if it points at the application's port",
    emittedBy: 'remap.ts',
  },
];

const DEFAULT_GROUP = '';

/** hostPath advice for a node agent's path (NODE_AGENT_PATHS). */
const NODE_AGENT_ADVICE =
  "a node agent's path: on EKS the Pod's VM is its host, so the agent sees its own Pod only, never a node; run what it collects another way (a sidecar in the Pods it watches, or EKS's own metrics and log collection)";
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
