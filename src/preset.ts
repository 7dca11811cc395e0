/**
 * Traits the `recommended` preset looks for in a Pod (docs/eks.md, section 3):
 * an Istio sidecar (UDP flows outlive ipvs's 5 s) and being a gRPC client
 * (idle TCP flows outlive ipvs's 15 min). ipvs runs in the VM of the Pod that
 * opens the connection, so the TCP timeout belongs to the client: a Pod whose
 * env, args, command or ConfigMaps name a gRPC Service of the input, or that
 * shows a well-known client signal (GRPC_CLIENT_ENV). Each trait comes with
 * the reason, for the result.
 */
import type { KObject, Workload } from './workload.ts';
import { selects, type ServiceView } from './services.ts';
import { GRPC_APP_PROTOCOLS, GRPC_CLIENT_ENV, GRPC_PORTS, ISTIO_REV } from './eks.ts';
import { isObject, mappings, str } from './values.ts';

const INJECT = 'sidecar.istio.io/inject';
const ISTIO_TEMPLATES = 'inject.istio.io/templates';

/** Labels of the Namespace objects of the input, by name. */
export type NamespaceLabels = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** Why the Pod will run an Istio sidecar, as far as the input tells; undefined when it will not. */
export function istioReason(w: Workload, namespace: string, namespaces: NamespaceLabels): string | undefined {
  if (isIstioGateway(w)) return undefined;
  const label = w.labels[INJECT];
  const explicit = label ?? w.annotations[INJECT];
  const sidecar = (why: string): string => `gets an Istio sidecar (${why})`;
  if (explicit === 'true')
    return sidecar(`Pod template ${label !== undefined ? 'label' : 'annotation'} ${INJECT}: "true"`);
  if (explicit === 'false') return undefined;
  if (w.labels[ISTIO_REV] !== undefined) return sidecar(`Pod template label ${ISTIO_REV}: revision injection`);
  if (w.containers.some((c) => c.name === 'istio-proxy')) return sidecar('an istio-proxy container');
  const ns = namespaces.get(namespace);
  if (!ns) return undefined;
  if (ns['istio-injection'] === 'disabled') return undefined;
  if (ns['istio-injection'] === 'enabled') return sidecar(`Namespace ${namespace} labelled istio-injection=enabled`);
  if (ns[ISTIO_REV] !== undefined) return sidecar(`Namespace ${namespace} labelled ${ISTIO_REV}: revision injection`);
  return undefined;
}

/**
 * True for an Istio gateway: Envoy as the Pod's own proxy, not a sidecar
 * (Istio's gateway injection template, `inject.istio.io/templates: gateway`,
 * or an `istio-proxy` container started as `proxy router`). A gateway has no
 * traffic capture, so no DNS proxying through conntrack: no UDP timeout.
 */
export function isIstioGateway(w: Workload): boolean {
  const templates = (w.annotations[ISTIO_TEMPLATES] ?? '').split(',').map((t) => t.trim());
  if (templates.includes('gateway')) return true;
  return w.containers.some(
    (c) => c.name === 'istio-proxy' && Array.isArray(c.value.args) && c.value.args.includes('router'),
  );
}

/** True when the Pod will run an Istio sidecar, as far as the input tells. */
export function hasIstioSidecar(w: Workload, namespace: string, namespaces: NamespaceLabels): boolean {
  return istioReason(w, namespace, namespaces) !== undefined;
}

/** True for a port name that says gRPC: `grpc` or `grpc-*`. */
export function isGrpcName(name: string): boolean {
  return name === 'grpc' || name.startsWith('grpc-');
}

function isGrpcPort(p: Record<string, unknown>): boolean {
  return (
    isGrpcName(str(p.name)) ||
    GRPC_APP_PROTOCOLS.includes(str(p.appProtocol)) ||
    GRPC_PORTS.includes(Number(p.containerPort))
  );
}

/** A gRPC Service of the input: which of its ports carry gRPC, and all its port numbers. */
interface GrpcService {
  readonly svc: ServiceView;
  readonly grpcPorts: ReadonlySet<number>;
  readonly ports: ReadonlySet<number>;
}

/** The gRPC Services of the input, by `namespace/name`. */
export class GrpcServices {
  private readonly byName = new Map<string, GrpcService>();
  /** The gRPC Services' names: a host whose first label is none of them names none of them. */
  private readonly names = new Set<string>();

  /** `selectedBy`: the workloads each Service selects (plan.ts has them from its ServiceIndex); by default found here. */
  constructor(
    services: readonly ServiceView[],
    workloads: readonly Workload[],
    private readonly namespaceOf: (o: KObject) => string,
    selectedBy?: ReadonlyMap<ServiceView, readonly Workload[]>,
  ) {
    for (const svc of services) {
      const targets = selectedBy ? (selectedBy.get(svc) ?? []) : workloads.filter((w) => selects(svc, w, namespaceOf));
      const grpcPorts = new Set<number>();
      for (const p of svc.ports) {
        if (p.port === undefined) continue;
        if (isGrpcName(p.name) || GRPC_APP_PROTOCOLS.includes(p.appProtocol)) grpcPorts.add(p.port);
        const target = p.targetPort ?? p.port;
        if (typeof target === 'number' && GRPC_PORTS.includes(target)) grpcPorts.add(p.port);
        // The container port the Service sends to, by number or by name.
        for (const w of targets)
          for (const c of w.containers)
            for (const cp of mappings(c.value.ports))
              if (
                (typeof target === 'number' ? Number(cp.containerPort) === target : cp.name === target) &&
                isGrpcPort(cp)
              )
                grpcPorts.add(p.port);
      }
      if (grpcPorts.size === 0) continue;
      const ports = new Set(svc.ports.flatMap((p) => (p.port === undefined ? [] : [p.port])));
      this.byName.set(`${namespaceOf(svc.obj)}/${svc.obj.name}`, { svc, grpcPorts, ports });
      this.names.add(svc.obj.name);
    }
  }

  /** `namespace/name` of a Service. */
  nameOf(svc: ServiceView): string {
    return `${this.namespaceOf(svc.obj)}/${svc.obj.name}`;
  }

  /** True when the input has no gRPC Service. */
  get empty(): boolean {
    return this.byName.size === 0;
  }

  /**
   * The gRPC Service a text names, as Kubernetes DNS resolves it from a Pod in
   * `namespace` (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`,
   * with or without a port, also inside URLs), or undefined. A name with a port
   * the Service serves without gRPC does not count; nor does a Service that
   * selects the Pod itself (its own name in its env is its identity).
   */
  named(text: string, namespace: string, self: Workload): ServiceView | undefined {
    if (this.byName.size === 0) return undefined;
    HOST.lastIndex = 0;
    for (let m = HOST.exec(text); m !== null; m = HOST.exec(text)) {
      const token = m[1] as string;
      // Every key below ends in the host's first label: most words of a text are no Service's name.
      const dot = token.indexOf('.');
      if (!this.names.has((dot < 0 ? token : token.slice(0, dot)).toLowerCase())) continue;
      const host = token.toLowerCase().replace(/\.$/, '');
      const port = m[2] !== undefined ? Number(m[2]) : undefined;
      const parts = host.split('.');
      let key: string | undefined;
      if (parts.length === 1) {
        // A bare word counts only where a host name stands: with a port, in a URL, or as the whole value (or all after `=`).
        const end = m.index + m[0].length;
        const alone =
          port !== undefined ||
          (m.index >= 3 && text.startsWith('://', m.index - 3)) ||
          ((m.index === 0 || text[m.index - 1] === '=') && (end === text.length || HOST_END.test(text.charAt(end))));
        if (alone) key = `${namespace}/${host}`;
      } else if (parts.length === 2) key = `${parts[1]}/${parts[0]}`;
      else if (parts.length === 3 && parts[2] === 'svc') key = `${parts[1]}/${parts[0]}`;
      else if (parts.length === 5 && parts.slice(2).join('.') === 'svc.cluster.local') key = `${parts[1]}/${parts[0]}`;
      if (key === undefined) continue;
      const found = this.byName.get(key);
      if (!found) continue;
      if (port !== undefined && found.ports.has(port) && !found.grpcPorts.has(port)) continue;
      if (selects(found.svc, self, this.namespaceOf)) continue;
      return found.svc;
    }
    return undefined;
  }
}

/** What may follow a bare word that stands as a host name. */
const HOST_END = /^[\s"',/]$/;

/** A host name (DNS labels joined by dots), optionally followed by `:port`. */
const HOST =
  /(?<![A-Za-z0-9._-])([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)(?::(\d{1,5}))?(?![A-Za-z0-9_-])/g;

/** The data of a ConfigMap of the input (or undefined when it is not there). */
export type ConfigMapLookup = (namespace: string, name: string) => Readonly<Record<string, string>> | undefined;

/** One text of a Pod that may name a Service, and where it comes from (`env LEDGER_ADDR`). */
interface Mention {
  readonly text: string;
  readonly where: string;
  /** The environment variable's name, when the text is one's value. */
  readonly env?: string;
}

/** Every text of the Pod's containers that may name a Service: env values, args, command, ConfigMaps. */
function mentions(w: Workload, namespace: string, configMaps: ConfigMapLookup): Mention[] {
  const out: Mention[] = [];
  const many = w.containers.length > 1;
  const spec = isObject(w.templateValue.spec) ? w.templateValue.spec : {};
  const seen = new Set<string>();
  // `env`: the environment variable the value becomes (`true`: the key's own name, for envFrom).
  const fromConfigMap = (name: string, how: string, env: string | boolean, only?: string): void => {
    const data = configMaps(namespace, name);
    if (!data) return;
    for (const [key, text] of Object.entries(data)) {
      if (only !== undefined && key !== only) continue;
      out.push({
        text,
        where: `ConfigMap ${name} key ${key}, ${how}`,
        ...(env === true ? { env: key } : typeof env === 'string' ? { env } : {}),
      });
    }
  };
  for (const c of w.containers) {
    const of = many ? ` of container ${JSON.stringify(c.name)}` : '';
    for (const e of mappings(c.value.env)) {
      const name = str(e.name);
      if (typeof e.value === 'string') out.push({ text: e.value, where: `env ${name}${of}`, env: name });
      const ref =
        isObject(e.valueFrom) && isObject(e.valueFrom.configMapKeyRef) ? e.valueFrom.configMapKeyRef : undefined;
      if (ref) fromConfigMap(str(ref.name), `env ${name}${of}`, name, str(ref.key));
    }
    for (const field of ['command', 'args'] as const) {
      const list = c.value[field];
      if (Array.isArray(list))
        list.forEach((a: unknown, i) => {
          if (typeof a === 'string') out.push({ text: a, where: `${field}[${i}]${of}` });
        });
    }
    for (const f of mappings(c.value.envFrom)) {
      const ref = isObject(f.configMapRef) ? f.configMapRef : undefined;
      if (ref && !seen.has(`env ${str(ref.name)}`)) {
        seen.add(`env ${str(ref.name)}`);
        fromConfigMap(str(ref.name), 'envFrom', true);
      }
    }
  }
  for (const v of mappings(spec.volumes)) {
    const names: string[] = [];
    if (isObject(v.configMap)) names.push(str(v.configMap.name));
    if (isObject(v.projected))
      for (const s of mappings(v.projected.sources)) if (isObject(s.configMap)) names.push(str(s.configMap.name));
    for (const name of names) {
      if (seen.has(`vol ${name}`)) continue;
      seen.add(`vol ${name}`);
      fromConfigMap(name, 'mounted', false);
    }
  }
  return out;
}

/**
 * Why the Pod needs the ipvs TCP timeout: it reaches a gRPC Service of the
 * input (`reaches gRPC Service shop/ledger (env LEDGER_ADDR)`), or shows a
 * well-known gRPC client signal; undefined when neither.
 */
export function grpcClientReason(
  w: Workload,
  namespace: string,
  grpc: GrpcServices,
  configMaps: ConfigMapLookup,
): string | undefined {
  const all = mentions(w, namespace, configMaps);
  if (!grpc.empty) {
    for (const m of all) {
      const svc = grpc.named(m.text, namespace, w);
      if (svc) return `reaches gRPC Service ${grpc.nameOf(svc)} (${m.where})`;
    }
  }
  for (const m of all) {
    if (m.env === undefined) continue;
    const signal = GRPC_CLIENT_ENV.find((s) => s.name === m.env);
    if (!signal) continue;
    const v = m.text.trim();
    const hit =
      (signal.value !== undefined && v.toLowerCase() === signal.value) ||
      (signal.port !== undefined && new RegExp(`:${signal.port}(?![0-9])`).test(v));
    if (!hit) continue;
    const setting = `${m.env}=${JSON.stringify(v)}`;
    return `is a gRPC client (${m.where.startsWith('env ') ? `env ${setting}${m.where.slice(4 + m.env.length)}` : `${setting} from ${m.where}`})`;
  }
  return undefined;
}
