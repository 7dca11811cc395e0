/**
 * The facts about Tencent Cloud serverless Kubernetes (EKS) that eksfit
 * encodes, in one place: every `eks.tke.cloud.tencent.com/...` annotation key,
 * the super nodes' taint and instance type, the ports EKS uses in every Pod,
 * and the rules several modules share. docs/eks.md says where each comes from.
 * No other module spells an EKS key or one of these port numbers.
 */
import { isObject, stringMap } from './values.ts';

const PREFIX = 'eks.tke.cloud.tencent.com/';

/** Pod annotation keys that decide a Pod's spec and price (docs/eks.md, Pod sizing). */
export const SIZING_ANNOTATIONS = {
  /** Cores, a number without unit: `"2"`, `"0.25"`. Set together with `mem`. */
  cpu: `${PREFIX}cpu`,
  /** Memory in Gi: `"4Gi"` (`"4G"` is a parameter error on EKS). Set together with `cpu`. */
  mem: `${PREFIX}mem`,
  /** `intel`, `amd`, or a priority list `amd,intel`: the CPU spec table. */
  cpuType: `${PREFIX}cpu-type`,
  /** GPU types in order of preference: `"T4,V100"`, `"1/4*T4"`. */
  gpuType: `${PREFIX}gpu-type`,
  /** Number of GPU cards (a vGPU counts as one). */
  gpuCount: `${PREFIX}gpu-count`,
  /** `"true"`: a spot Pod, charged at the spot factor. */
  spotPod: `${PREFIX}spot-pod`,
  /** `"true"`: EKS may move the Pod one CPU tier up when stock is short, billed at the higher spec. */
  specAutoUpgrade: `${PREFIX}spec-auto-upgrade`,
} as const;

/** The Pod annotations EKS reads (docs/eks.md, sections 2 to 7). */
export const EKS_ANNOTATIONS = {
  udpTimeout: `${PREFIX}ipvs-udp-timeout`,
  tcpTimeout: `${PREFIX}ipvs-tcp-timeout`,
  metricsPort: `${PREFIX}metrics-port`,
  eipAttributes: `${PREFIX}eip-attributes`,
  eipClaimDeletePolicy: `${PREFIX}eip-claim-delete-policy`,
  eipIdList: `${PREFIX}eip-id-list`,
  securityGroupId: `${PREFIX}security-group-id`,
  dsInjection: `${PREFIX}ds-injection`,
  hostSysctls: `${PREFIX}host-sysctls`,
  gpuType: SIZING_ANNOTATIONS.gpuType,
  retainIp: `${PREFIX}retain-ip`,
} as const;

/** eksfit's own annotation (or label): leave this workload alone. */
export const SKIP = 'eksfit.dev/skip';

/** The taint of super nodes; a Pod must tolerate it to run there (docs/eks.md, section 6). */
export const EKLET_TAINT = `${PREFIX}eklet`;
/** The node label that says what kind of node it is, and its value on super nodes. */
export const INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const EKLET = 'eklet';

/** EKS serves its own Pod metrics on this port in every Pod, unless moved by annotation. */
export const EKS_METRICS_PORT = 9100;
/** `metricsPort: auto` takes the first free port from here. */
export const METRICS_PORT_FROM = 9110;
/** `remapTo: auto` takes the first free port from here. */
export const REMAP_PORT_FROM = 9101;
/** The customary gRPC port: a Pod or Service using it is taken to serve gRPC. */
export const GRPC_PORT = 50051;
/** OTLP over gRPC (OpenTelemetry's default collector port). */
export const OTLP_GRPC_PORT = 4317;
/** Ports that say gRPC by themselves: a container port, or a Service's (target) port, with one of these numbers serves gRPC. */
export const GRPC_PORTS: readonly number[] = [GRPC_PORT, OTLP_GRPC_PORT];
/** `appProtocol` values that say gRPC (Kubernetes' own name for HTTP/2 without TLS is `kubernetes.io/h2c`). */
export const GRPC_APP_PROTOCOLS: readonly string[] = ['grpc', 'kubernetes.io/h2c'];

/**
 * Client signals that need no Service in the input: environment variables of
 * well-known libraries that make the Pod open long-lived gRPC connections
 * (docs/eks.md, section 3). `port`: the variable's value names this port (in a
 * URL or `host:port`); `value`: the variable equals this value (case-insensitive).
 */
export const GRPC_CLIENT_ENV: readonly { readonly name: string; readonly port?: number; readonly value?: string }[] = [
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', port: OTLP_GRPC_PORT },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', port: OTLP_GRPC_PORT },
  { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
];

/** The label Istio's revision-based injection selects on (on a Pod template or its Namespace). */
export const ISTIO_REV = 'istio.io/rev';

/**
 * The only Pod anti-affinity topology key EKS ignores: every Pod on a super
 * node shares that node's hostname label (docs/eks.md, section 7).
 */
export const IGNORED_ANTI_AFFINITY_KEYS: readonly string[] = ['kubernetes.io/hostname'];

/**
 * hostPath paths (and everything below them) that node agents mount to watch
 * the node: on EKS the Pod's VM is its host, so such an agent sees its own Pod
 * only (docs/eks.md, section 7).
 */
export const NODE_AGENT_PATHS: readonly string[] = [
  '/',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/var/log',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/kubelet',
  '/run/containerd',
  '/var/run/containerd',
  '/run/docker.sock',
  '/var/run/docker.sock',
  '/run/crio',
  '/var/run/crio',
  '/etc/kubernetes',
];

/** True when a hostPath path is a node agent's (see NODE_AGENT_PATHS). */
export function isNodeAgentPath(path: string): boolean {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return NODE_AGENT_PATHS.some((a) => p === a || (a !== '/' && p.startsWith(`${a}/`)));
}

/** The ipvs timeouts of the recommended preset (docs/eks.md, section 3). */
export const ISTIO_UDP_TIMEOUT = '120s';
export const GRPC_TCP_TIMEOUT = '1800s';
/** The longest ipvs timeout accepted, in seconds. */
export const MAX_TIMEOUT_SECONDS = 86400;

/** What `isSkipped` needs of a workload: its own metadata and its Pod template's. */
export interface SkipView {
  readonly obj: { readonly value: Record<string, unknown> };
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** True when the workload, or its Pod template, is labelled or annotated `eksfit.dev/skip: "true"`. */
export function isSkipped(w: SkipView): boolean {
  const md = isObject(w.obj.value.metadata) ? w.obj.value.metadata : {};
  // On the object itself an annotation wins over a label of the same name.
  const own = stringMap(md.annotations)[SKIP] ?? stringMap(md.labels)[SKIP];
  return own === 'true' || w.labels[SKIP] === 'true' || w.annotations[SKIP] === 'true';
}

/**
 * True when a Pod spec's tolerations let it onto super nodes: a toleration of
 * the eklet taint, or one with no key (absent, null or empty) and operator
 * Exists, which tolerates every taint.
 */
export function toleratesEklet(spec: Record<string, unknown>): boolean {
  const tols = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  return tols.some(
    (t: unknown) =>
      isObject(t) &&
      (t.key === EKLET_TAINT || ((t.key === undefined || t.key === null || t.key === '') && t.operator === 'Exists')),
  );
}
