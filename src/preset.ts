/**
 * Traits the `recommended` preset looks for in a Pod (docs/eks.md, section 3):
 * an Istio sidecar (UDP flows outlive ipvs's 5 s) and gRPC (idle TCP flows
 * outlive ipvs's 15 min).
 */
import type { Workload } from './workload.ts';
import type { ServiceView } from './services.ts';
import { GRPC_PORT } from './eks.ts';

const INJECT = 'sidecar.istio.io/inject';

/** Labels of the Namespace objects of the input, by name. */
export type NamespaceLabels = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** True when the Pod will run an Istio sidecar, as far as the input tells. */
export function hasIstioSidecar(w: Workload, namespace: string, namespaces: NamespaceLabels): boolean {
  const explicit = w.labels[INJECT] ?? w.annotations[INJECT];
  if (explicit === 'true') return true;
  if (explicit === 'false') return false;
  if (w.containers.some((c) => c.name === 'istio-proxy')) return true;
  const ns = namespaces.get(namespace);
  if (!ns) return false;
  if (ns['istio-injection'] === 'disabled') return false;
  return ns['istio-injection'] === 'enabled' || ns['istio.io/rev'] !== undefined;
}

/** True for a port name that says gRPC: `grpc` or `grpc-*`. */
export function isGrpcName(name: string): boolean {
  return name === 'grpc' || name.startsWith('grpc-');
}

/** True when the Pod serves gRPC: a port named grpc*, appProtocol grpc, or GRPC_PORT, on the Pod or a Service selecting it. */
export function servesGrpc(w: Workload, services: readonly ServiceView[]): boolean {
  for (const c of w.containers) {
    const ports = Array.isArray(c.value.ports) ? c.value.ports : [];
    for (const p of ports as Record<string, unknown>[]) {
      if (typeof p !== 'object' || p === null) continue;
      if (isGrpcName(String(p.name ?? ''))) return true;
      if (Number(p.containerPort) === GRPC_PORT) return true;
      if (String(p.appProtocol ?? '') === 'grpc') return true;
    }
  }
  for (const svc of services) {
    for (const p of svc.ports) {
      if (isGrpcName(p.name) || p.appProtocol === 'grpc' || p.port === GRPC_PORT || p.targetPort === GRPC_PORT)
        return true;
    }
  }
  return false;
}
