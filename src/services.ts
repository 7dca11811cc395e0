/**
 * Services of the input, and which Pods they select: needed to recognise gRPC
 * and to make a Service follow a remapped port.
 */
import type { KObject, Workload } from './workload.ts';
import { isObject, str, stringMap, toPort } from './values.ts';

/** One port of a Service. */
export interface ServicePort {
  readonly index: number;
  readonly name: string;
  readonly port: number | undefined;
  /** Numeric or named targetPort; undefined when absent (it then defaults to `port`). */
  readonly targetPort: number | string | undefined;
  readonly appProtocol: string;
}

/** A Service object. */
export interface ServiceView {
  readonly obj: KObject;
  readonly selector: Readonly<Record<string, string>>;
  readonly ports: readonly ServicePort[];
  readonly type: string;
}

/** The Service view of an object (core/v1 Service), or undefined. */
export function serviceOf(obj: KObject): ServiceView | undefined {
  if (obj.kind !== 'Service' || (obj.apiVersion !== 'v1' && obj.apiVersion !== '')) return undefined;
  const spec = isObject(obj.value.spec) ? obj.value.spec : {};
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  return {
    obj,
    selector: stringMap(spec.selector),
    type: str(spec.type),
    ports: ports.filter(isObject).map((p, index) => ({
      index,
      name: str(p.name),
      port: toPort(p.port),
      targetPort:
        p.targetPort === undefined || p.targetPort === null ? undefined : (toPort(p.targetPort) ?? str(p.targetPort)),
      appProtocol: str(p.appProtocol),
    })),
  };
}

/** True when the Service sends traffic to the workload's Pods. */
export function selects(svc: ServiceView, w: Workload, namespaceOf: (o: KObject) => string): boolean {
  const entries = Object.entries(svc.selector);
  if (entries.length === 0) return false;
  if (namespaceOf(svc.obj) !== namespaceOf(w.obj)) return false;
  return entries.every(([k, v]) => w.labels[k] === v);
}

/**
 * The Services of the input, indexed so that finding those that select a
 * workload costs a look-up per Pod label, not a pass over every Service.
 */
export class ServiceIndex {
  private readonly byLabel = new Map<string, ServiceView[]>();

  constructor(
    services: readonly ServiceView[],
    private readonly namespaceOf: (o: KObject) => string,
  ) {
    for (const svc of services) {
      // A selector's first entry is required of every Pod it selects: index by it.
      const first = Object.entries(svc.selector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[0];
      if (!first) continue;
      const key = `${namespaceOf(svc.obj)}\0${first[0]}\0${first[1]}`;
      const list = this.byLabel.get(key) ?? [];
      list.push(svc);
      this.byLabel.set(key, list);
    }
  }

  /** The Services that select the workload's Pods, in input order. */
  selecting(w: Workload): ServiceView[] {
    const ns = this.namespaceOf(w.obj);
    const found = new Set<ServiceView>();
    for (const [k, v] of Object.entries(w.labels)) {
      for (const svc of this.byLabel.get(`${ns}\0${k}\0${v}`) ?? [])
        if (selects(svc, w, this.namespaceOf)) found.add(svc);
    }
    return [...found].sort((a, b) => order(a) - order(b));
  }
}

function order(s: ServiceView): number {
  return s.obj.docIndex * 1e6 + (typeof s.obj.path[1] === 'number' ? s.obj.path[1] : 0);
}
