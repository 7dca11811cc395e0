/**
 * Ports EKS uses in every Pod (9100: its own metrics endpoint), and the two
 * ways off them (eks-domain.md section 2): move EKS's metrics port with an
 * annotation, or remap the application's port and everything pointing at it.
 */
import type { Change } from './changes.ts';
import { ANNOTATIONS, type PortsSpec, type Rule } from './policy.ts';
import { keyPath, result, type Result } from './results.ts';
import { selects, toPort, type ServiceView } from './services.ts';
import { stringMap, type ContainerView, type KObject, type Workload } from './workload.ts';
import { isObject } from './policy.ts';

/** Where a Pod uses a port. `path` is relative to the Pod template. */
export interface PortUse {
  readonly port: number;
  readonly what: 'containerPort' | 'hostPort' | 'probe';
  readonly path: readonly (string | number)[];
  readonly container: ContainerView;
}

/** The port EKS serves its own Pod metrics on, unless moved by annotation. */
export const EKS_METRICS_PORT = 9100;

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
      if (typeof p.containerPort === 'number')
        uses.push({
          port: p.containerPort,
          what: 'containerPort',
          path: [...base, 'ports', i, 'containerPort'],
          container: c,
        });
      if (typeof p.hostPort === 'number')
        uses.push({ port: p.hostPort, what: 'hostPort', path: [...base, 'ports', i, 'hostPort'], container: c });
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
    const annPath = keyPath([...tp, 'metadata', 'annotations', ANNOTATIONS.metricsPort]);
    const existing = w.annotations[ANNOTATIONS.metricsPort];
    if (existing !== undefined) {
      // Already moved (a second run, or the user's own choice): keep it, but say when it cannot work.
      const n = toPort(existing.trim());
      const clash = n === undefined ? undefined : uses.find((u) => u.port === n);
      const out: Result[] = [];
      if (clash || spec.avoid.includes(n as number)) {
        out.push(
          result(
            'warning',
            subject,
            `existing ${ANNOTATIONS.metricsPort}: ${JSON.stringify(existing)} collides with ${clash ? `${describeUse(clash)} ${n} of container ${JSON.stringify(clash.container.name)}` : 'a port to avoid'}`,
            {
              field: { path: annPath, currentValue: existing },
              tags: { ...tags, check: 'port9100' },
            },
          ),
        );
      }
      // A fixed port that differs is still proposed: planWorkload keeps the existing value unless the rule overwrites.
      const differs = spec.metricsPort !== 'auto' && String(spec.metricsPort) !== existing.trim();
      if (!differs) return { ...EMPTY, results: out };
      if (!rule.overwrite)
        return {
          annotations: [[ANNOTATIONS.metricsPort, String(spec.metricsPort)]],
          changes: [],
          results: out,
          resolved: true,
        };
    }
    let port: number;
    if (spec.metricsPort === 'auto') {
      port = firstFree(9110, used, spec.avoid);
    } else {
      port = spec.metricsPort;
      const clash = uses.find((u) => u.port === port);
      if (clash) {
        const ours = bad[0] as PortUse;
        return {
          ...EMPTY,
          resolved: false,
          results: [
            result(
              'error',
              subject,
              `metrics-port ${port} (for ${describeUse(ours)} ${ours.port} of container ${JSON.stringify(ours.container.name)}) collides with ${describeUse(clash)} ${port} of container ${JSON.stringify(clash.container.name)} (${keyPath([...tp, ...clash.path])}); choose another metricsPort, or "auto"`,
              {
                field: { path: keyPath([...tp, ...clash.path]), currentValue: String(port) },
                tags: { ...tags, check: 'port9100' },
              },
            ),
          ],
        };
      }
    }
    return {
      annotations: [[ANNOTATIONS.metricsPort, String(port)]],
      changes: [],
      results: [
        result(
          'warning',
          subject,
          `EKS metrics move from <pod-ip>:${EKS_METRICS_PORT} to <pod-ip>:${port}: whatever scrapes EKS Pod metrics must follow (and a Pod with a public EIP needs its security group to allow ${port})`,
          {
            field: { path: annPath, proposedValue: String(port) },
            tags: { ...tags, check: 'metricsScrape' },
          },
        ),
      ],
      resolved: true,
    };
  }

  // remap: move the application itself, unless EKS's metrics were moved already.
  const moved = w.annotations[ANNOTATIONS.metricsPort];
  if (moved !== undefined) {
    return {
      ...EMPTY,
      results: [
        result(
          'info',
          subject,
          `not remapped: the Pod already moves EKS's metrics with ${ANNOTATIONS.metricsPort}: ${JSON.stringify(moved)}, so ${badPorts.join(',')} is free for the application`,
          {
            tags,
          },
        ),
      ],
    };
  }
  return planRemap(w, spec, tags, uses, bad, badPorts, services, namespaceOf);
}

/** Where a use sits, for messages: `containerPort`, `livenessProbe.httpGet.port`. */
export function describeUse(u: PortUse): string {
  if (u.what !== 'probe') return u.what;
  const i = u.path.findIndex((p) => (PROBES as readonly unknown[]).includes(p) || p === 'lifecycle');
  return keyPath(u.path.slice(i));
}

/** The ports strategy `remap` (eks-domain.md section 2, fix 2). */
function planRemap(
  w: Workload,
  spec: PortsSpec,
  tags: Record<string, string>,
  uses: readonly PortUse[],
  bad: readonly PortUse[],
  badPorts: readonly number[],
  services: readonly ServiceView[],
  namespaceOf: (o: KObject) => string,
): PortPlan {
  const changes: { change: Change; result: Result }[] = [];
  const results: Result[] = [];
  const subject = w.obj.subject;
  const tp = w.row.templatePath;
  const taken = new Set(uses.map((u) => u.port));
  const untold: number[] = [];
  const selecting = services.filter((svc) => selects(svc, w, namespaceOf));

  // Choose every new port first: a collision leaves the whole Pod unchanged.
  const moves: [number, number][] = [];
  for (const old of badPorts) {
    let port: number;
    if (spec.remapTo === 'auto') port = firstFree(9101, taken, spec.avoid);
    else {
      port = spec.remapTo;
      const clash = uses.find((u) => u.port === port);
      const again = moves.find(([, p]) => p === port);
      if (clash || again || spec.avoid.includes(port)) {
        const why = spec.avoid.includes(port)
          ? 'it is a port to avoid'
          : clash
            ? `${describeUse(clash)} ${port} of container ${JSON.stringify(clash.container.name)} already uses it`
            : `port ${again?.[0]} is already remapped to it`;
        results.push(
          result('error', subject, `cannot remap port ${old} to ${port}: ${why}`, {
            ...(clash && !spec.avoid.includes(port)
              ? { field: { path: keyPath([...tp, ...clash.path]), currentValue: String(port) } }
              : {}),
            tags: { ...tags, check: 'port9100' },
          }),
        );
        return { annotations: [], changes: [], results, resolved: false };
      }
    }
    taken.add(port);
    moves.push([old, port]);
  }

  for (const [old, port] of moves) {
    const scalar = (
      obj: KObject,
      path: readonly (string | number)[],
      what: string,
      current: string,
      value: string | number = port,
    ): void => {
      changes.push({
        change: { op: 'scalar', obj, path, value },
        result: result('info', obj.subject, `${what}: ${current} -> ${value}`, {
          field: { path: keyPath(path), currentValue: current, proposedValue: String(value) },
          tags,
        }),
      });
    };
    const here = bad.filter((b) => b.port === old);
    for (const u of here)
      scalar(
        w.obj,
        [...tp, ...u.path],
        `remapped ${describeUse(u)} of container ${JSON.stringify(u.container.name)}`,
        String(old),
      );

    // Only a hostPort on the old port: the process listens elsewhere, nothing else points at it.
    const listening = here.filter((u) => u.what !== 'hostPort');
    if (listening.length === 0) continue;

    // The container that owned the port: told through env, or by its args.
    const owner = (listening.find((u) => u.what === 'containerPort') ?? (listening[0] as PortUse)).container;
    let told = false;
    const mentions = new RegExp(`(?<![0-9])${old}(?![0-9])`, 'g');
    for (const c of w.containers) {
      const cbase = [...tp, 'spec', c.list, c.index];
      for (const field of ['command', 'args'] as const) {
        const list = c.value[field];
        if (!Array.isArray(list)) continue;
        list.forEach((arg: unknown, i) => {
          if (typeof arg !== 'string' || arg.search(mentions) < 0) return;
          if (c !== owner) {
            results.push(
              result(
                'warning',
                subject,
                `${field}[${i}] of container ${JSON.stringify(c.name)} mentions ${old}, which container ${JSON.stringify(owner.name)} now serves on ${port}: change it if it points at that port`,
                {
                  field: { path: keyPath([...cbase, field, i]), currentValue: arg },
                  tags: { ...tags, check: 'remapReference' },
                },
              ),
            );
            return;
          }
          const next = arg.replace(mentions, String(port));
          told = true;
          changes.push({
            change: { op: 'scalar', obj: w.obj, path: [...cbase, field, i], value: next },
            result: result(
              'info',
              subject,
              `${field}[${i}] of container ${JSON.stringify(owner.name)} now names port ${port}: ${JSON.stringify(next)}`,
              {
                field: { path: keyPath([...cbase, field, i]), currentValue: arg, proposedValue: next },
                tags,
              },
            ),
          });
        });
      }
    }
    if (spec.env) {
      told = true;
      const cbase = [...tp, 'spec', owner.list, owner.index];
      const env = Array.isArray(owner.value.env) ? owner.value.env : [];
      const j = env.findIndex((e: unknown) => isObject(e) && e.name === spec.env);
      const existing = env[j] as Record<string, unknown> | undefined;
      const envPath = keyPath([...cbase, 'env']);
      if (existing && existing.valueFrom !== undefined && existing.valueFrom !== null) {
        results.push(
          result(
            'error',
            subject,
            `env ${spec.env} of container ${JSON.stringify(owner.name)} comes from valueFrom; cannot set it to ${port}`,
            {
              field: { path: keyPath([...cbase, 'env', j]) },
              tags: { ...tags, check: 'port9100' },
            },
          ),
        );
      } else if (existing && existing.value !== undefined && existing.value !== null) {
        if (String(existing.value) !== String(port)) {
          scalar(
            w.obj,
            [...cbase, 'env', j, 'value'],
            `env ${spec.env} of container ${JSON.stringify(owner.name)}`,
            String(existing.value),
            String(port),
          );
        }
      } else if (existing) {
        changes.push({
          change: { op: 'entries', obj: w.obj, at: [...cbase, 'env', j], path: [], entries: [['value', String(port)]] },
          result: result('info', subject, `env ${spec.env} of container ${JSON.stringify(owner.name)} set to ${port}`, {
            field: { path: keyPath([...cbase, 'env', j, 'value']), proposedValue: String(port) },
            tags,
          }),
        });
      } else {
        changes.push({
          change: {
            op: 'append',
            obj: w.obj,
            path: cbase,
            key: 'env',
            items: [{ name: spec.env, value: String(port) }],
          },
          result: result('info', subject, `env ${spec.env}=${port} added to container ${JSON.stringify(owner.name)}`, {
            field: { path: envPath, proposedValue: String(port) },
            tags,
          }),
        });
      }
    }
    if (!told) untold.push(old);

    // prometheus.io/port-style annotations of the Pod template, and of the
    // Services selecting the Pod (Prometheus' endpoints discovery reads them
    // from the Service and scrapes the Pod's IP on that port).
    const annotated = (
      obj: KObject,
      base: readonly (string | number)[],
      annotations: Readonly<Record<string, string>>,
    ): void => {
      for (const [key, value] of Object.entries(annotations)) {
        if (isPortAnnotation(key) && value.trim() === String(old)) {
          scalar(obj, [...base, 'metadata', 'annotations', key], `annotation ${key}`, String(old), String(port));
        }
      }
    };
    annotated(w.obj, tp, w.annotations);

    // Services that send to the old port.
    const names = new Set(
      w.containers.flatMap((c) =>
        (Array.isArray(c.value.ports) ? c.value.ports : [])
          .filter((p: unknown) => isObject(p) && p.containerPort === old && typeof p.name === 'string')
          .map((p: Record<string, unknown>) => p.name as string),
      ),
    );
    for (const svc of selecting) {
      const md = isObject(svc.obj.value.metadata) ? svc.obj.value.metadata : {};
      annotated(svc.obj, [], stringMap(md.annotations));
      for (const sp of svc.ports) {
        const label = `port ${sp.name ? JSON.stringify(sp.name) : sp.port}`;
        if (sp.targetPort === old) {
          scalar(
            svc.obj,
            ['spec', 'ports', sp.index, 'targetPort'],
            `targetPort of ${label} (selects ${w.obj.kind}/${w.obj.name}; the Service port stays ${sp.port})`,
            String(old),
          );
        } else if (sp.targetPort === undefined && sp.port === old) {
          changes.push({
            change: {
              op: 'entries',
              obj: svc.obj,
              at: ['spec', 'ports', sp.index],
              path: [],
              entries: [['targetPort', port]],
            },
            result: result(
              'info',
              svc.obj.subject,
              `targetPort ${port} added to ${label} (selects ${w.obj.kind}/${w.obj.name}; the Service port stays ${old})`,
              {
                field: { path: keyPath(['spec', 'ports', sp.index, 'targetPort']), proposedValue: String(port) },
                tags,
              },
            ),
          });
        } else if (typeof sp.targetPort === 'string' && names.has(sp.targetPort)) {
          results.push(
            result(
              'info',
              svc.obj.subject,
              `targetPort ${JSON.stringify(sp.targetPort)} of ${label} follows the remapped port ${port} by name`,
              { tags },
            ),
          );
        }
      }
    }
  }
  if (untold.length > 0) {
    results.push(
      result(
        'warning',
        subject,
        `port ${untold.join(',')} remapped in the manifest only: the process itself must be told to listen on ${untold.map((o) => moves.find(([x]) => x === o)?.[1]).join(',')} (set ports.env, or pass the port in args)`,
        {
          tags: { ...tags, check: 'remapProcess' },
        },
      ),
    );
  }
  // An error leaves the whole Pod as it was: half a remap is worse than none.
  const failed = results.some((r) => r.severity === 'error');
  return { annotations: [], changes: failed ? [] : changes, results, resolved: !failed };
}

/** `prometheus.io/port` and the like: an annotation key whose last word is `port`. */
export function isPortAnnotation(key: string): boolean {
  return key !== ANNOTATIONS.metricsPort && /(^|[./])port$/.test(key);
}

/** The first port from `start` that is neither used nor avoided. */
export function firstFree(start: number, used: ReadonlySet<number>, avoid: readonly number[]): number {
  let p = start;
  while (used.has(p) || avoid.includes(p)) p++;
  return p;
}
