/**
 * Ports EKS uses in every Pod (EKS_METRICS_PORT: its own metrics endpoint),
 * and the two ways off them (docs/eks.md, section 2): move EKS's metrics port
 * with an annotation (here), or remap the application's port and everything
 * pointing at it (remap.ts). The ports fix: one ports strategy per Pod, the
 * last matching rule with `ports` decides.
 */
import type { Change } from './changes.ts';
import { EKS_ANNOTATIONS, EKS_METRICS_PORT, METRICS_PORT_FROM } from './eks.ts';
import type { Fix, FixContext } from './fix.ts';
import type { PortsSpec, Rule } from './policy.ts';
import { planRemap } from './remap.ts';
import { keyPath, result, type Result } from './results.ts';
import type { ServiceView } from './services.ts';
import { isObject, toPort } from './values.ts';
import type { ContainerView, KObject, Workload } from './workload.ts';

/**
 * Where a Pod uses a port. `path` is relative to the Pod template, except for
 * `targetPort` (relative to `service`). `listen` (an argument that binds the
 * port) and `targetPort` (a Service sending to it) are uses without a
 * containerPort: they count exactly like one, but are no field to remap.
 */
export interface PortUse {
  readonly port: number;
  readonly what: 'containerPort' | 'hostPort' | 'probe' | 'listen' | 'targetPort';
  readonly path: readonly (string | number)[];
  readonly container: ContainerView;
  readonly service?: ServiceView;
}

/** True for a use that is a port field of the Pod template (it can be rewritten to another number). */
export function isPortField(u: PortUse): boolean {
  return u.what !== 'listen' && u.what !== 'targetPort';
}

const LISTEN = /(?:^|[\s=,"'])(?:0\.0\.0\.0|\[::\]|\*)?:(\d{1,5})(?![0-9])/g;
const PORT_FLAG = /(?:^|\s)(?:--?[A-Za-z0-9._-]*port|-p)(?:=|\s+)(\d{1,5})(?![0-9])/gi;
const PORT_FLAG_ALONE = /^(?:--?[A-Za-z0-9._-]*port|-p)$/i;
const PORT_NUMBER = /^\d{1,5}$/;
const DIGIT = /[0-9]/;
const isPort = (p: number): boolean => p > 0 && p < 65536;

/**
 * The ports one argument binds by itself, each once, in order:
 * `--web.listen-address=:9100`, `--port=9100`, `0.0.0.0:9100`, `[::]:9100`,
 * `-p 9100`. A host name before the port (`node-exporter:9100`) is a
 * reference elsewhere, not a bind.
 */
function portsInArgument(arg: string): number[] {
  const out: number[] = [];
  // Most arguments hold no digit, and then no port: the patterns need one.
  if (!DIGIT.test(arg)) return out;
  for (const re of [LISTEN, PORT_FLAG]) {
    re.lastIndex = 0;
    for (let m = re.exec(arg); m !== null; m = re.exec(arg)) {
      const port = Number(m[1]);
      if (isPort(port) && !out.includes(port)) out.push(port);
    }
  }
  return out;
}

/** The port of `-p 9100` given as two arguments: `next` when `arg` is a port flag alone. */
function portInNextArgument(arg: string, next: string): number | undefined {
  const n = next.trim();
  if (!PORT_NUMBER.test(n) || !PORT_FLAG_ALONE.test(arg.trim())) return undefined;
  const port = Number(n);
  return isPort(port) ? port : undefined;
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HANDLERS = ['httpGet', 'tcpSocket', 'grpc'] as const;
const HOOKS = ['postStart', 'preStop'] as const;

/**
 * Every numeric port the Pod uses (all containers share one network
 * namespace): declared ports, probes, ports its arguments bind, and the
 * numeric targetPorts of the Services selecting it (`selecting`).
 */
export function portUses(w: Workload, selecting: readonly ServiceView[] = []): PortUse[] {
  const uses: PortUse[] = [];
  for (const c of w.containers) {
    for (const field of ['command', 'args'] as const) {
      const list = Array.isArray(c.value[field]) ? (c.value[field] as unknown[]) : [];
      list.forEach((arg, i) => {
        if (typeof arg !== 'string') return;
        const next = list[i + 1];
        const own = portsInArgument(arg);
        for (const port of own)
          uses.push({ port, what: 'listen', path: ['spec', c.list, c.index, field, i], container: c });
        // `-p 9100` as two arguments: the use is where the number is.
        const separate = typeof next === 'string' ? portInNextArgument(arg, next) : undefined;
        if (separate !== undefined && !own.includes(separate))
          uses.push({ port: separate, what: 'listen', path: ['spec', c.list, c.index, field, i + 1], container: c });
      });
    }
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
    const handler = (path: readonly (string | number)[], h: unknown): void => {
      if (!isObject(h)) return;
      for (const kind of HANDLERS) {
        const action = h[kind];
        if (isObject(action) && typeof action.port === 'number')
          uses.push({ port: action.port, what: 'probe', path: [...path, kind, 'port'], container: c });
      }
    };
    for (const probe of PROBES) if (c.value[probe] !== undefined) handler([...base, probe], c.value[probe]);
    const lifecycle = isObject(c.value.lifecycle) ? c.value.lifecycle : undefined;
    if (lifecycle)
      for (const hook of HOOKS)
        if (lifecycle[hook] !== undefined) handler([...base, 'lifecycle', hook], lifecycle[hook]);
  }
  // A Service sending to a port no container declares: the first app container serves it.
  const first = w.containers.find((c) => c.list === 'containers');
  if (first) {
    const declared = new Set(uses.filter((u) => u.what === 'containerPort').map((u) => u.port));
    for (const svc of selecting)
      for (const sp of svc.ports) {
        const target = sp.targetPort ?? sp.port;
        if (typeof target !== 'number' || declared.has(target)) continue;
        uses.push({
          port: target,
          what: 'targetPort',
          path: ['spec', 'ports', sp.index],
          container: first,
          service: svc,
        });
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

export const EMPTY: PortPlan = { annotations: [], changes: [], results: [], resolved: true };

/** Plans a rule's `ports` for a workload. */
export function planPorts(
  w: Workload,
  spec: PortsSpec,
  rule: Rule,
  services: readonly ServiceView[],
  namespaceOf: (o: KObject) => string,
): PortPlan {
  const uses = portUses(w, services);
  const bad = uses.filter((u) => spec.avoid.includes(u.port));
  if (bad.length === 0) return EMPTY;
  const used = new Set(uses.map((u) => u.port));
  const subject = w.obj.subject;
  const tp = w.row.templatePath;
  const badPorts = [...new Set(bad.map((u) => u.port))];

  if (spec.strategy === 'none') return { ...EMPTY, resolved: false };

  if (spec.strategy === 'metricsPort') {
    const annPath = keyPath([...tp, 'metadata', 'annotations', EKS_ANNOTATIONS.metricsPort]);
    const existing = w.annotations[EKS_ANNOTATIONS.metricsPort];
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
            `existing ${EKS_ANNOTATIONS.metricsPort}: ${JSON.stringify(existing)} collides with ${clash ? `${describeUse(clash)} ${n} of container ${JSON.stringify(clash.container.name)}` : 'a port to avoid'}`,
            {
              field: { path: annPath, currentValue: existing },
              tags: { rule: rule.name, check: 'port9100' },
            },
          ),
        );
      }
      // A fixed port that differs is still proposed: planWorkload keeps the existing value unless the rule overwrites.
      const differs = spec.metricsPort !== 'auto' && String(spec.metricsPort) !== existing.trim();
      if (!differs) return { ...EMPTY, results: out };
      if (!rule.overwrite)
        return {
          annotations: [[EKS_ANNOTATIONS.metricsPort, String(spec.metricsPort)]],
          changes: [],
          results: out,
          resolved: true,
        };
    }
    let port: number;
    if (spec.metricsPort === 'auto') {
      port = firstFree(METRICS_PORT_FROM, used, spec.avoid);
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
                tags: { rule: rule.name, check: 'port9100' },
              },
            ),
          ],
        };
      }
    }
    return {
      annotations: [[EKS_ANNOTATIONS.metricsPort, String(port)]],
      changes: [],
      results: [
        result(
          'warning',
          subject,
          `EKS metrics move from <pod-ip>:${EKS_METRICS_PORT} to <pod-ip>:${port}: whatever scrapes EKS Pod metrics must follow (and a Pod with a public EIP needs its security group to allow ${port})`,
          {
            field: { path: annPath, proposedValue: String(port) },
            tags: { rule: rule.name, check: 'metricsScrape' },
          },
        ),
      ],
      resolved: true,
    };
  }

  // remap: move the application itself, unless EKS's metrics were moved already.
  const moved = w.annotations[EKS_ANNOTATIONS.metricsPort];
  if (moved !== undefined) {
    return {
      ...EMPTY,
      results: [
        result(
          'info',
          subject,
          `not remapped: the Pod already moves EKS's metrics with ${EKS_ANNOTATIONS.metricsPort}: ${JSON.stringify(moved)}, so ${badPorts.join(',')} is free for the application`,
          { tags: { rule: rule.name } },
        ),
      ],
    };
  }
  return planRemap(w, spec, rule, uses, bad, badPorts, services, namespaceOf);
}

/** Where a use sits, for messages: `containerPort`, `livenessProbe.httpGet.port`, `args[1]`. */
export function describeUse(u: PortUse): string {
  if (u.what === 'listen') return `${keyPath(u.path.slice(3))} binding`;
  if (u.what === 'targetPort') return `targetPort of Service ${u.service?.obj.name ?? ''}`;
  if (u.what !== 'probe') return u.what;
  const i = u.path.findIndex((p) => (PROBES as readonly unknown[]).includes(p) || p === 'lifecycle');
  return keyPath(u.path.slice(i));
}

/** `prometheus.io/port` and the like: an annotation key whose last word is `port`. */
export function isPortAnnotation(key: string): boolean {
  return key !== EKS_ANNOTATIONS.metricsPort && /(^|[./])port$/.test(key);
}

/** The argument a `listen` use points at. */
function argAt(w: Workload, path: readonly (string | number)[]): string {
  let v: unknown = w.templateValue;
  for (const p of path) v = Array.isArray(v) ? v[p as number] : isObject(v) ? v[p as string] : undefined;
  return String(v);
}

/** The first port from `start` that is neither used nor avoided. */
export function firstFree(start: number, used: ReadonlySet<number>, avoid: readonly number[]): number {
  let p = start;
  while (used.has(p) || avoid.includes(p)) p++;
  return p;
}

/** What the ports rule decided for a workload, so that `finish` need not plan it again. */
const decided = new WeakMap<FixContext, PortPlan>();

/** The rule whose `ports` decide for the workload: the last one (user rules come after the preset's). */
function portsRuleOf(ctx: FixContext): Rule | undefined {
  return [...ctx.rules].reverse().find((r) => r.ports !== undefined);
}

export const portsFix: Fix = {
  name: 'ports',
  plan(ctx, rule) {
    if (!rule.ports) return {};
    const w = ctx.workload;
    const portsRule = portsRuleOf(ctx);
    if (rule !== portsRule) {
      const avoid = rule.ports.avoid;
      if (rule.preset || !portsRule || !portUses(w, ctx.selecting).some((u) => avoid.includes(u.port))) return {};
      return {
        results: [
          result(
            'info',
            w.obj.subject,
            `ports of rule ${JSON.stringify(rule.name)} not used: rule ${JSON.stringify(portsRule.name)}, later in the policy, decides the ports of this Pod`,
            { tags: { rule: rule.name } },
          ),
        ],
      };
    }
    const pp = planPorts(w, rule.ports, rule, ctx.selecting, ctx.namespaceOf);
    decided.set(ctx, pp);
    return {
      annotations: pp.annotations,
      changes: pp.changes.map((c) => ({ change: c.change, results: [c.result] })),
      results: pp.results,
    };
  },
  finish(ctx) {
    // EKS's metrics port left in use with nothing resolving it.
    const w = ctx.workload;
    const pp = decided.get(ctx);
    const resolved = pp !== undefined && pp.resolved && (pp.annotations.length > 0 || pp.changes.length > 0);
    if (resolved || w.annotations[EKS_ANNOTATIONS.metricsPort] !== undefined) return {};
    const u = portUses(w, ctx.selecting).find((x) => x.port === EKS_METRICS_PORT);
    if (!u || pp?.results.some((r) => r.severity === 'error' && r.tags?.check === 'port9100')) return {};
    const where =
      u.what === 'targetPort' ? describeUse(u) : `${describeUse(u)} of container ${JSON.stringify(u.container.name)}`;
    return {
      results: [
        result(
          'warning',
          w.obj.subject,
          `uses port ${EKS_METRICS_PORT} (${where}), which EKS itself listens on in every Pod: the Pod will fail to start. Fix: a rule with ports.strategy metricsPort (annotation ${EKS_ANNOTATIONS.metricsPort}) or remap`,
          {
            ...(u.what === 'targetPort'
              ? {}
              : {
                  field: {
                    path: keyPath([...w.row.templatePath, ...u.path]),
                    currentValue: u.what === 'listen' ? argAt(w, u.path) : String(EKS_METRICS_PORT),
                  },
                }),
            tags: { check: 'port9100' },
          },
        ),
      ],
    };
  },
};
