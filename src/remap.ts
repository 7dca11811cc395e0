/**
 * The ports strategy `remap` (docs/eks.md, section 2): move the application
 * off a port EKS uses, and everything that points at it: the owning
 * container's containerPort, numeric probe ports, hostPort, arguments naming
 * the port, `prometheus.io/port`-style annotations, the `env` variable the
 * rule names, and the numeric targetPort of every Service selecting the Pod
 * (the Service's own port stays, so clients are unaffected). Every new port is
 * chosen first: a collision leaves the whole Pod unchanged.
 */
import type { Change } from './changes.ts';
import { REMAP_PORT_FROM } from './eks.ts';
import type { PortsSpec, Rule } from './policy.ts';
import { describeUse, firstFree, isPortAnnotation, isPortField, type PortPlan, type PortUse } from './ports.ts';
import { keyPath, result, type Result } from './results.ts';
import { selects, type ServiceView } from './services.ts';
import { isObject, stringMap } from './values.ts';
import type { KObject, Workload } from './workload.ts';

/** The ports strategy `remap` (docs/eks.md, section 2): see the module comment. */
export function planRemap(
  w: Workload,
  spec: PortsSpec,
  rule: Rule,
  uses: readonly PortUse[],
  bad: readonly PortUse[],
  badPorts: readonly number[],
  services: readonly ServiceView[],
  namespaceOf: (o: KObject) => string,
): PortPlan {
  const tags = { rule: rule.name };
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
    if (spec.remapTo === 'auto') port = firstFree(REMAP_PORT_FROM, taken, spec.avoid);
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
    for (const u of here.filter(isPortField))
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
    const ownerUse =
      listening.find((u) => u.what === 'containerPort') ?? listening.find((u) => u.what === 'listen') ?? listening[0];
    if (!ownerUse) continue;
    const owner = ownerUse.container;
    let told = false;
    const mentions = new RegExp(`(?<![0-9])${old}(?![0-9])`, 'g');
    // An argument that binds the port moves with it, whichever container it is in (else a second run would move it).
    const binds = new Set(here.filter((u) => u.what === 'listen').map((u) => u.path.join('.')));
    for (const c of w.containers) {
      const cbase = [...tp, 'spec', c.list, c.index];
      for (const field of ['command', 'args'] as const) {
        const list = c.value[field];
        if (!Array.isArray(list)) continue;
        list.forEach((arg: unknown, i) => {
          if (typeof arg !== 'string' || arg.search(mentions) < 0) return;
          if (c !== owner && !binds.has(['spec', c.list, c.index, field, i].join('.'))) {
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
              `${field}[${i}] of container ${JSON.stringify(c.name)} now names port ${port}: ${JSON.stringify(next)}`,
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
