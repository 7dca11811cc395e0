/**
 * Ports EKS uses in every Pod (9100: its own metrics endpoint), and the two
 * ways off them (eks-domain.md section 2): move EKS's metrics port with an
 * annotation, or remap the application's port and everything pointing at it.
 */
import type { Change } from './changes.ts';
import { ANNOTATIONS, type PortsSpec, type Rule } from './policy.ts';
import { keyPath, result, type Result } from './results.ts';
import { selects, type ServiceView } from './services.ts';
import type { ContainerView, KObject, Workload } from './workload.ts';
import { isObject } from './policy.ts';

/** Where a Pod uses a port. `path` is relative to the Pod template. */
export interface PortUse {
  readonly port: number;
  readonly what: 'containerPort' | 'hostPort' | 'probe';
  readonly path: readonly (string | number)[];
  readonly container: ContainerView;
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HANDLERS = ['httpGet', 'tcpSocket', 'grpc'] as const;
const HOOKS = ['postStart', 'preStop'] as const;

/** Every numeric port the Pod uses (all containers share one network namespace). */
export function portUses(w: Workload): PortUse[] {
  const uses: PortUse[] = [];
  for (const c of w.containers) {
    const base = ['spec', c.list, c.index] as const;
    const ports = Array.isArray(c.value.ports) ? c.value.ports : [];
    ports.forEach((p: unknown, i) => {
      if (!isObject(p)) return;
      if (typeof p.containerPort === 'number') uses.push({ port: p.containerPort, what: 'containerPort', path: [...base, 'ports', i, 'containerPort'], container: c });
      if (typeof p.hostPort === 'number') uses.push({ port: p.hostPort, what: 'hostPort', path: [...base, 'ports', i, 'hostPort'], container: c });
    });
    const handlers: [readonly (string | number)[], unknown][] = [];
    for (const probe of PROBES) handlers.push([[...base, probe], c.value[probe]]);
    const lifecycle = isObject(c.value.lifecycle) ? c.value.lifecycle : {};
    for (const hook of HOOKS) handlers.push([[...base, 'lifecycle', hook], lifecycle[hook]]);
    for (const [path, h] of handlers) {
      if (!isObject(h)) continue;
      for (const kind of HANDLERS) {
        const action = h[kind];
        if (isObject(action) && typeof action.port === 'number') {
          uses.push({ port: action.port, what: 'probe', path: [...path, kind, 'port'], container: c });
        }
      }
    }
  }
  return uses;
}

/** What a ports rule decided for one workload. */
export interface PortPlan {
  readonly annotations: readonly (readonly [string, string])[];
  readonly changes: readonly { change: Change; result: Result }[];
  readonly results: readonly Result[];
  /** True when the Pod no longer depends on an avoided port after the plan. */
  readonly resolved: boolean;
}

const EMPTY: PortPlan = { annotations: [], changes: [], results: [], resolved: true };

/** Plans a rule's `ports` for a workload. */
export function planPorts(
  w: Workload,
  spec: PortsSpec,
  rule: Rule,
  services: readonly ServiceView[],
  namespaceOf: (o: KObject) => string,
): PortPlan {
  const uses = portUses(w);
  const bad = uses.filter((u) => spec.avoid.includes(u.port));
  if (bad.length === 0) return EMPTY;
  const used = new Set(uses.map((u) => u.port));
  const tags = { rule: rule.name };
  const subject = w.obj.subject;
  const tp = w.row.templatePath;
  const badPorts = [...new Set(bad.map((u) => u.port))];

  if (spec.strategy === 'none') return { ...EMPTY, resolved: false };

  if (spec.strategy === 'metricsPort') {
    if (w.annotations[ANNOTATIONS.metricsPort] !== undefined) return EMPTY;
    let port: number;
    if (spec.metricsPort === 'auto') {
      port = firstFree(9110, used, spec.avoid);
    } else {
      port = spec.metricsPort;
      const clash = uses.find((u) => u.port === port);
      if (clash) {
        return {
          ...EMPTY,
          resolved: false,
          results: [
            result('error', subject, `metrics-port ${port} collides with ${clash.what} ${port} of container ${JSON.stringify(clash.container.name)} (${keyPath([...tp, ...clash.path])}); choose another metricsPort or "auto"`, {
              field: { path: keyPath([...tp, ...clash.path]), currentValue: String(port) },
              tags: { ...tags, check: 'port9100' },
            }),
          ],
        };
      }
    }
    const annPath = keyPath([...tp, 'metadata', 'annotations', ANNOTATIONS.metricsPort]);
    return {
      annotations: [[ANNOTATIONS.metricsPort, String(port)]],
      changes: [],
      results: [
        result('warning', subject, `EKS metrics move from <pod-ip>:${badPorts.join(',')} to <pod-ip>:${port}: whatever scrapes EKS Pod metrics must follow (and a Pod with a public EIP needs its security group to allow ${port})`, {
          field: { path: annPath, proposedValue: String(port) },
          tags: { ...tags, check: 'metricsScrape' },
        }),
      ],
      resolved: true,
    };
  }

  // remap: move the application itself.
  const changes: { change: Change; result: Result }[] = [];
  const results: Result[] = [];
  const taken = new Set(used);
  let told = false;
  for (const old of badPorts) {
    let port: number;
    if (spec.remapTo === 'auto') port = firstFree(9101, taken, spec.avoid);
    else {
      port = spec.remapTo;
      const clash = uses.find((u) => u.port === port);
      if (clash || spec.avoid.includes(port)) {
        results.push(
          result('error', subject, `cannot remap port ${old} to ${port}: ${clash ? `${clash.what} ${port} of container ${JSON.stringify(clash.container.name)} already uses it` : 'it is a port to avoid'}`, {
            tags: { ...tags, check: 'port9100' },
          }),
        );
        return { annotations: [], changes: [], results, resolved: false };
      }
    }
    taken.add(port);
    const scalar = (obj: KObject, path: readonly (string | number)[], what: string, current: string): void => {
      changes.push({
        change: { op: 'scalar', obj, path, value: port },
        result: result('info', obj.subject, `${what}: ${current} -> ${port}`, {
          field: { path: keyPath(path), currentValue: current, proposedValue: String(port) },
          tags,
        }),
      });
    };
    for (const u of bad.filter((b) => b.port === old)) scalar(w.obj, [...tp, ...u.path], `remapped ${u.what} of container ${JSON.stringify(u.container.name)}`, String(old));

    // The container that owned the port: told through env, or by its args.
    const owner = bad.find((u) => u.port === old && u.what === 'containerPort')?.container ?? bad.find((u) => u.port === old)?.container;
    if (owner) {
      const cbase = [...tp, 'spec', owner.list, owner.index];
      for (const field of ['command', 'args'] as const) {
        const list = owner.value[field];
        if (!Array.isArray(list)) continue;
        list.forEach((arg: unknown, i) => {
          if (typeof arg !== 'string') return;
          const re = new RegExp(`(?<![0-9])${old}(?![0-9])`, 'g');
          if (!re.test(arg)) return;
          const next = arg.replace(re, String(port));
          told = true;
          changes.push({
            change: { op: 'scalar', obj: w.obj, path: [...cbase, field, i], value: next },
            result: result('info', subject, `${field}[${i}] of container ${JSON.stringify(owner.name)} now names port ${port}`, {
              field: { path: keyPath([...cbase, field, i]), currentValue: arg, proposedValue: next },
              tags,
            }),
          });
        });
      }
      if (spec.env) {
        told = true;
        const env = Array.isArray(owner.value.env) ? owner.value.env : [];
        const j = env.findIndex((e: unknown) => isObject(e) && e.name === spec.env);
        const existing = env[j] as Record<string, unknown> | undefined;
        const envPath = keyPath([...cbase, 'env']);
        if (existing && existing.valueFrom !== undefined) {
          results.push(result('error', subject, `env ${spec.env} of container ${JSON.stringify(owner.name)} comes from valueFrom; cannot set it to ${port}`, { field: { path: envPath }, tags }));
        } else if (existing && existing.value !== undefined) {
          if (String(existing.value) !== String(port)) {
            changes.push({
              change: { op: 'scalar', obj: w.obj, path: [...cbase, 'env', j, 'value'], value: String(port) },
              result: result('info', subject, `env ${spec.env} of container ${JSON.stringify(owner.name)} set to ${port}`, {
                field: { path: keyPath([...cbase, 'env', j, 'value']), currentValue: String(existing.value), proposedValue: String(port) },
                tags,
              }),
            });
          }
        } else if (existing) {
          changes.push({
            change: { op: 'entries', obj: w.obj, at: [...cbase, 'env', j], path: [], entries: [['value', String(port)]] },
            result: result('info', subject, `env ${spec.env} of container ${JSON.stringify(owner.name)} set to ${port}`, { field: { path: envPath, proposedValue: String(port) }, tags }),
          });
        } else {
          changes.push({
            change: { op: 'append', obj: w.obj, path: cbase, key: 'env', items: [{ name: spec.env, value: String(port) }] },
            result: result('info', subject, `env ${spec.env}=${port} added to container ${JSON.stringify(owner.name)}`, { field: { path: envPath, proposedValue: String(port) }, tags }),
          });
        }
      }
    }

    // prometheus.io/port-style annotations of the Pod template.
    for (const [key, value] of Object.entries(w.annotations)) {
      if (/(^|[./])port$/.test(key) && value === String(old)) {
        changes.push({
          change: { op: 'scalar', obj: w.obj, path: [...tp, 'metadata', 'annotations', key], value: String(port) },
          result: result('info', subject, `annotation ${key}: ${old} -> ${port}`, {
            field: { path: keyPath([...tp, 'metadata', 'annotations', key]), currentValue: String(old), proposedValue: String(port) },
            tags,
          }),
        });
      }
    }

    // Services that send to the old port.
    const names = new Set(
      w.containers.flatMap((c) =>
        (Array.isArray(c.value.ports) ? c.value.ports : []).filter((p: unknown) => isObject(p) && p.containerPort === old && typeof p.name === 'string').map((p: Record<string, unknown>) => p.name as string),
      ),
    );
    for (const svc of services) {
      if (!selects(svc, w, namespaceOf)) continue;
      for (const sp of svc.ports) {
        if (sp.targetPort === old) {
          scalar(svc.obj, ['spec', 'ports', sp.index, 'targetPort'], `targetPort of port ${sp.name || sp.port} (selects ${w.obj.kind}/${w.obj.name})`, String(old));
        } else if (sp.targetPort === undefined && sp.port === old) {
          changes.push({
            change: { op: 'entries', obj: svc.obj, at: ['spec', 'ports', sp.index], path: [], entries: [['targetPort', port]] },
            result: result('info', svc.obj.subject, `targetPort ${port} added to port ${old} (selects ${w.obj.kind}/${w.obj.name}); the Service port stays ${old}`, {
              field: { path: keyPath(['spec', 'ports', sp.index, 'targetPort']), proposedValue: String(port) },
              tags,
            }),
          });
        } else if (typeof sp.targetPort === 'string' && names.has(sp.targetPort)) {
          results.push(result('info', svc.obj.subject, `targetPort ${JSON.stringify(sp.targetPort)} follows the remapped port ${port} by name`, { tags }));
        }
      }
    }
  }
  if (!told) {
    results.push(
      result('warning', subject, `port ${badPorts.join(',')} remapped in the manifest only: the process itself must be told to listen on the new port (set ports.env, or pass it in args)`, {
        tags: { ...tags, check: 'remapProcess' },
      }),
    );
  }
  return { annotations: [], changes, results, resolved: !results.some((r) => r.severity === 'error') };
}

/** The first port from `start` that is neither used nor avoided. */
export function firstFree(start: number, used: ReadonlySet<number>, avoid: readonly number[]): number {
  let p = start;
  while (used.has(p) || avoid.includes(p)) p++;
  return p;
}
