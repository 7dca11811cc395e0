/**
 * Unit tests of src/ports.ts: where a Pod uses a port (portUses), the first
 * free port (firstFree), and what each strategy plans (planPorts). The golden
 * fixtures test/fixtures/ports-* and remap-* show the same through the CLI.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments, type YAMLMap } from 'yaml';
import { KindTable } from '../src/kinds.ts';
import { EKS_ANNOTATIONS as ANNOTATIONS } from '../src/eks.ts';
import type { PortsSpec, Rule } from '../src/policy.ts';
import { describeUse, firstFree, isPortAnnotation, planPorts, portUses, type PortPlan } from '../src/ports.ts';
import { serviceOf, type ServiceView } from '../src/services.ts';
import { objectOf, workloadOf, type KObject, type Workload } from '../src/workload.ts';

/** The objects of a YAML stream: the first is the workload, the Services follow. */
function load(text: string): { w: Workload; services: ServiceView[] } {
  const objs = parseAllDocuments(text).map((doc, i) =>
    objectOf(doc as never, doc.contents as YAMLMap, i, [], undefined),
  );
  const look = workloadOf(objs[0] as KObject, new KindTable());
  if (look.kind !== 'ok') throw new Error(`not a workload: ${look.kind}`);
  const services = objs
    .slice(1)
    .map((o) => serviceOf(o))
    .filter((s): s is ServiceView => s !== undefined);
  return { w: look.workload, services };
}

const ns = (o: KObject): string => o.namespace ?? 'default';

function spec(over: Partial<PortsSpec> = {}): PortsSpec {
  return { avoid: [9100], strategy: 'metricsPort', metricsPort: 'auto', remapTo: 'auto', ...over };
}

function rule(ports: PortsSpec, overwrite = false): Rule {
  return { name: 'r', preset: false, match: {}, ipvs: {}, annotations: {}, overwrite, ports };
}

function plan(text: string, s: Partial<PortsSpec> = {}, overwrite = false): PortPlan {
  const { w, services } = load(text);
  const ps = spec(s);
  return planPorts(w, ps, rule(ps, overwrite), services, ns);
}

/** `path = value` of every scalar change, for short assertions. */
function edits(p: PortPlan): string[] {
  return p.changes.map(({ change: c }) => {
    if (c.op === 'scalar') return `${c.obj.kind}:${c.path.join('.')}=${c.value}`;
    if (c.op === 'entries')
      return `${c.obj.kind}:${[...(c.at ?? []), ...c.path].join('.')}+${c.entries.map(([k, v]) => `${k}=${String(v)}`).join(',')}`;
    return `${c.obj.kind}:${c.path.join('.')}.${c.key}+=${JSON.stringify(c.items)}`;
  });
}

function messages(p: PortPlan, severity?: string): string[] {
  return p.results.filter((r) => !severity || r.severity === severity).map((r) => r.message);
}

const POD = (containers: string, extra = ''): string => `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {app: p}
${extra}spec:
${containers}`;

const APP_9100 = `  containers:
    - name: app
      image: app
      ports:
        - {name: metrics, containerPort: 9100}
`;

// ---------------------------------------------------------------- portUses

test('portUses: containerPort, hostPort, every probe handler and lifecycle hook, init containers', () => {
  const { w } = load(
    POD(`  initContainers:
    - name: init
      ports: [{containerPort: 7000}]
  containers:
    - name: app
      ports:
        - {containerPort: 8080, hostPort: 18080}
        - {name: metrics, containerPort: 9100}
      livenessProbe: {httpGet: {path: /, port: 8081}}
      readinessProbe: {tcpSocket: {port: 8082}}
      startupProbe: {grpc: {port: 8083}}
      lifecycle:
        preStop: {httpGet: {path: /stop, port: 8084}}
        postStart: {exec: {command: [true]}}
`),
  );
  const got = portUses(w).map((u) => `${u.container.name} ${u.what} ${u.port} ${u.path.join('.')}`);
  assert.equal(got, [
    'app containerPort 8080 spec.containers.0.ports.0.containerPort',
    'app hostPort 18080 spec.containers.0.ports.0.hostPort',
    'app containerPort 9100 spec.containers.0.ports.1.containerPort',
    'app probe 8081 spec.containers.0.livenessProbe.httpGet.port',
    'app probe 8082 spec.containers.0.readinessProbe.tcpSocket.port',
    'app probe 8083 spec.containers.0.startupProbe.grpc.port',
    'app probe 8084 spec.containers.0.lifecycle.preStop.httpGet.port',
    'init containerPort 7000 spec.initContainers.0.ports.0.containerPort',
  ]);
});

test('portUses: named probe ports and non-numbers are not uses; odd shapes do not throw', () => {
  const { w } = load(
    POD(`  containers:
    - name: app
      ports: [{name: metrics, containerPort: 9100}, null, "x", {containerPort: "9100"}]
      livenessProbe: {httpGet: {port: metrics}}
      readinessProbe: null
      lifecycle: "bad"
    - "not a container"
`),
  );
  assert.equal(
    portUses(w).map((u) => u.port),
    [9100],
  );
});

test('describeUse names the probe and handler', () => {
  const { w } = load(
    POD(
      `  containers:\n    - name: a\n      ports: [{containerPort: 1, hostPort: 2}]\n      livenessProbe: {tcpSocket: {port: 3}}\n      lifecycle: {preStop: {httpGet: {port: 4}}}\n`,
    ),
  );
  assert.equal(portUses(w).map(describeUse), [
    'containerPort',
    'hostPort',
    'livenessProbe.tcpSocket.port',
    'lifecycle.preStop.httpGet.port',
  ]);
});

// ---------------------------------------------------------------- firstFree

test('firstFree: the start itself when free, else the next port neither used nor avoided', () => {
  assert.is(firstFree(9110, new Set(), [9100]), 9110);
  assert.is(firstFree(9110, new Set([9110, 9111]), [9100]), 9112);
  assert.is(firstFree(9101, new Set([9101]), [9100, 9102]), 9103);
  assert.is(firstFree(9100, new Set(), [9100]), 9101);
});

test("isPortAnnotation: prometheus.io/port and the like, never eksfit's own metrics-port", () => {
  for (const k of ['prometheus.io/port', 'port', 'example.com/port', 'scrape.port']) assert.ok(isPortAnnotation(k), k);
  for (const k of ['prometheus.io/path', 'example.com/ports', 'export', ANNOTATIONS.metricsPort, 'support'])
    assert.not.ok(isPortAnnotation(k), k);
});

// ---------------------------------------------------------------- planPorts: metricsPort

test('planPorts: a Pod not using an avoided port gets nothing', () => {
  const p = plan(POD(`  containers:\n    - name: a\n      ports: [{containerPort: 8080}]\n`));
  assert.equal(p, { annotations: [], changes: [], results: [], resolved: true });
});

test('planPorts metricsPort auto: 9110, or the first free port after it', () => {
  assert.equal(plan(POD(APP_9100)).annotations, [[ANNOTATIONS.metricsPort, '9110']]);
  const taken = POD(`  containers:
    - name: app
      ports: [{containerPort: 9100}, {containerPort: 9110}]
      livenessProbe: {httpGet: {port: 9111}}
    - name: side
      ports: [{containerPort: 8000, hostPort: 9112}]
`);
  const p = plan(taken);
  assert.equal(p.annotations, [[ANNOTATIONS.metricsPort, '9113']]);
  assert.ok(p.resolved);
  assert.equal(p.changes, [], 'containers are left alone');
  assert.equal(
    p.results.map((r) => [r.severity, r.tags?.check]),
    [['warning', 'metricsScrape']],
  );
  assert.match(messages(p)[0] as string, '<pod-ip>:9100 to <pod-ip>:9113');
  assert.equal(plan(POD(APP_9100), { avoid: [9100, 9110] }).annotations, [[ANNOTATIONS.metricsPort, '9111']]);
});

test('planPorts metricsPort: 9100 in an init container or only in a probe counts', () => {
  assert.equal(
    plan(POD(`  initContainers:\n    - name: i\n      ports: [{containerPort: 9100}]\n  containers: [{name: a}]\n`))
      .annotations.length,
    1,
  );
  assert.equal(
    plan(POD(`  containers:\n    - name: a\n      readinessProbe: {tcpSocket: {port: 9100}}\n`)).annotations.length,
    1,
  );
});

test('planPorts metricsPort fixed: colliding is an error naming both ports and containers', () => {
  const p = plan(
    POD(
      `  containers:\n    - name: app\n      ports: [{containerPort: 9100}]\n    - name: admin\n      ports: [{containerPort: 9120}]\n`,
    ),
    { metricsPort: 9120 },
  );
  assert.not.ok(p.resolved);
  assert.equal(p.annotations, []);
  assert.equal(
    p.results.map((r) => [r.severity, r.tags?.check]),
    [['error', 'port9100']],
  );
  const m = messages(p)[0] as string;
  assert.match(
    m,
    'metrics-port 9120 (for containerPort 9100 of container "app") collides with containerPort 9120 of container "admin"',
  );
  assert.is(p.results[0]?.field?.path, 'spec.containers[1].ports[0].containerPort');
});

test('planPorts metricsPort: an existing annotation means done (idempotence), kept or overwritten when fixed differs', () => {
  const has = (v: string): string => POD(APP_9100, `  annotations:\n    ${ANNOTATIONS.metricsPort}: "${v}"\n`);
  assert.equal(plan(has('9110')), { annotations: [], changes: [], results: [], resolved: true });
  assert.equal(plan(has('9110'), { metricsPort: 9110 }).annotations, []);
  const kept = plan(has('9110'), { metricsPort: 9120 });
  assert.equal(
    kept.annotations,
    [[ANNOTATIONS.metricsPort, '9120']],
    'proposed; planWorkload keeps the existing value without overwrite',
  );
  assert.equal(kept.results, [], 'no scrape warning for a value that stays');
  const over = plan(has('9110'), { metricsPort: 9120 }, true);
  assert.equal(over.annotations, [[ANNOTATIONS.metricsPort, '9120']]);
  assert.equal(
    over.results.map((r) => r.tags?.check),
    ['metricsScrape'],
  );
  const clash = plan(
    POD(
      `  containers:\n    - name: a\n      ports: [{containerPort: 9100}, {containerPort: 8080}]\n`,
      `  annotations:\n    ${ANNOTATIONS.metricsPort}: "8080"\n`,
    ),
  );
  assert.equal(
    clash.results.map((r) => [r.severity, r.message]),
    [['warning', `existing ${ANNOTATIONS.metricsPort}: "8080" collides with containerPort 8080 of container "a"`]],
  );
});

test('planPorts none: nothing planned, not resolved (planWorkload warns)', () => {
  assert.equal(plan(POD(APP_9100), { strategy: 'none' }), {
    annotations: [],
    changes: [],
    results: [],
    resolved: false,
  });
});

// ---------------------------------------------------------------- planPorts: remap

const DEPLOY = (containers: string, annotations = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: d}
${annotations}    spec:
      containers:
${containers}`;

test('remap: containerPort, hostPort and numeric probes move; named probes stay', () => {
  const p = plan(
    DEPLOY(`        - name: app
          ports: [{name: m, containerPort: 9100, hostPort: 9100}]
          livenessProbe: {httpGet: {port: 9100}}
          readinessProbe: {httpGet: {port: m}}
          startupProbe: {grpc: {port: 9100}}
`),
    { strategy: 'remap' },
  );
  assert.equal(edits(p), [
    'Deployment:spec.template.spec.containers.0.ports.0.containerPort=9101',
    'Deployment:spec.template.spec.containers.0.ports.0.hostPort=9101',
    'Deployment:spec.template.spec.containers.0.livenessProbe.httpGet.port=9101',
    'Deployment:spec.template.spec.containers.0.startupProbe.grpc.port=9101',
  ]);
  assert.equal(
    p.results.map((r) => r.tags?.check),
    ['remapProcess'],
    'no env, no args: the process must be told',
  );
  assert.ok(p.resolved);
});

test('remap auto: the first port from 9101 free in the whole Pod', () => {
  const p = plan(
    DEPLOY(
      `        - name: app\n          ports: [{containerPort: 9100}, {containerPort: 9101}]\n        - name: b\n          livenessProbe: {tcpSocket: {port: 9102}}\n`,
    ),
    { strategy: 'remap' },
  );
  assert.equal(edits(p), ['Deployment:spec.template.spec.containers.0.ports.0.containerPort=9103']);
});

test('remap: several avoided ports each get their own new port', () => {
  const p = plan(DEPLOY(`        - name: app\n          ports: [{containerPort: 9100}, {containerPort: 9101}]\n`), {
    strategy: 'remap',
    avoid: [9100, 9101],
  });
  assert.equal(edits(p), [
    'Deployment:spec.template.spec.containers.0.ports.0.containerPort=9102',
    'Deployment:spec.template.spec.containers.0.ports.1.containerPort=9103',
  ]);
  const fixed = plan(DEPLOY(`        - name: app\n          ports: [{containerPort: 9100}, {containerPort: 9101}]\n`), {
    strategy: 'remap',
    avoid: [9100, 9101],
    remapTo: 9200,
  });
  assert.equal(fixed.changes, []);
  assert.equal(messages(fixed, 'error'), ['cannot remap port 9101 to 9200: port 9100 is already remapped to it']);
});

test('remap fixed: a port the Pod uses, or one to avoid, is an error and nothing changes', () => {
  const used = plan(
    DEPLOY(
      `        - name: app\n          ports: [{containerPort: 9100}]\n          livenessProbe: {httpGet: {port: 8080}}\n`,
    ),
    { strategy: 'remap', remapTo: 8080 },
  );
  assert.equal(used.changes, []);
  assert.not.ok(used.resolved);
  assert.equal(messages(used), [
    'cannot remap port 9100 to 8080: livenessProbe.httpGet.port 8080 of container "app" already uses it',
  ]);
  const avoided = plan(DEPLOY(`        - name: app\n          ports: [{containerPort: 9100}]\n`), {
    strategy: 'remap',
    remapTo: 9100,
  });
  assert.equal(messages(avoided), ['cannot remap port 9100 to 9100: it is a port to avoid']);
});

test('remap: args of the owning container that name the port are rewritten, digits around it are not the port', () => {
  const p = plan(
    DEPLOY(`        - name: app
          command: [/bin/app, --port=9100]
          args: ["--web.listen-address=:9100", "--dir=/data/91000", "--x=19100", "9100"]
          ports: [{containerPort: 9100}]
`),
    { strategy: 'remap' },
  );
  assert.equal(edits(p).slice(1), [
    'Deployment:spec.template.spec.containers.0.command.1=--port=9101',
    'Deployment:spec.template.spec.containers.0.args.0=--web.listen-address=:9101',
    'Deployment:spec.template.spec.containers.0.args.3=9101',
  ]);
  assert.equal(messages(p, 'warning'), [], 'told by args');
});

test("remap: another container's args mentioning the port are flagged, not rewritten", () => {
  const p = plan(
    DEPLOY(`        - name: app
          ports: [{containerPort: 9100}]
          args: [--listen=:9100]
        - name: proxy
          args: [--upstream=http://127.0.0.1:9100/]
`),
    { strategy: 'remap' },
  );
  assert.equal(edits(p), [
    'Deployment:spec.template.spec.containers.0.ports.0.containerPort=9101',
    'Deployment:spec.template.spec.containers.0.args.0=--listen=:9101',
  ]);
  assert.equal(
    p.results.map((r) => [r.severity, r.tags?.check, r.field?.path]),
    [['warning', 'remapReference', 'spec.template.spec.containers[1].args[0]']],
  );
});

test('remap env: appended, added to an entry without value, replaced, or an error from valueFrom', () => {
  const c = (env: string): string => DEPLOY(`        - name: app\n${env}          ports: [{containerPort: 9100}]\n`);
  assert.equal(edits(plan(c(''), { strategy: 'remap', env: 'PORT' })).slice(1), [
    'Deployment:spec.template.spec.containers.0.env+=[{"name":"PORT","value":"9101"}]',
  ]);
  assert.equal(edits(plan(c('          env: [{name: PORT}]\n'), { strategy: 'remap', env: 'PORT' })).slice(1), [
    'Deployment:spec.template.spec.containers.0.env.0+value=9101',
  ]);
  assert.equal(
    edits(
      plan(c('          env: [{name: A, value: x}, {name: PORT, value: "9100"}]\n'), {
        strategy: 'remap',
        env: 'PORT',
      }),
    ).slice(1),
    ['Deployment:spec.template.spec.containers.0.env.1.value=9101'],
  );
  const from = plan(c('          env: [{name: PORT, valueFrom: {fieldRef: {fieldPath: x}}}]\n'), {
    strategy: 'remap',
    env: 'PORT',
  });
  assert.equal(from.changes, [], 'an error leaves the Pod as it was');
  assert.not.ok(from.resolved);
  assert.equal(
    from.results.map((r) => r.severity),
    ['error'],
  );
});

test('remap env: set in the container that owns the port (an init container too)', () => {
  const p = plan(
    DEPLOY(
      `        - name: main\n          ports: [{containerPort: 8080}]\n      initContainers:\n        - name: warm\n          ports: [{containerPort: 9100}]\n`,
    ),
    { strategy: 'remap', env: 'PORT' },
  );
  assert.equal(edits(p), [
    'Deployment:spec.template.spec.initContainers.0.ports.0.containerPort=9101',
    'Deployment:spec.template.spec.initContainers.0.env+=[{"name":"PORT","value":"9101"}]',
  ]);
});

test('remap: only a hostPort on 9100 moves the hostPort alone', () => {
  const p = plan(
    DEPLOY(
      `        - name: app\n          ports: [{containerPort: 8080, hostPort: 9100}]\n`,
      `      annotations: {prometheus.io/port: "9100"}\n`,
    ),
    { strategy: 'remap' },
  );
  assert.equal(edits(p), ['Deployment:spec.template.spec.containers.0.ports.0.hostPort=9101']);
  assert.equal(p.results, []);
});

test('remap: prometheus.io/port-style annotations on the pod template follow; other values and keys do not', () => {
  const p = plan(
    DEPLOY(
      `        - name: app\n          args: [--port=9100]\n          ports: [{containerPort: 9100}]\n`,
      `      annotations:\n        prometheus.io/port: "9100"\n        prometheus.io/path: "9100"\n        example.com/port: "8080"\n`,
    ),
    { strategy: 'remap' },
  );
  assert.equal(edits(p).slice(2), ['Deployment:spec.template.metadata.annotations.prometheus.io/port=9101']);
});

test('remap: a Pod carrying metrics-port is already fixed', () => {
  const p = plan(
    DEPLOY(
      `        - name: app\n          ports: [{containerPort: 9100}]\n`,
      `      annotations: {${ANNOTATIONS.metricsPort}: "9110"}\n`,
    ),
    { strategy: 'remap' },
  );
  assert.equal(p.changes, []);
  assert.ok(p.resolved);
  assert.equal(
    p.results.map((r) => r.severity),
    ['info'],
  );
});

const SVC = (meta: string, specText: string): string => `---
apiVersion: v1
kind: Service
metadata:
${meta}spec:
${specText}`;

test('remap: Services selecting the Pod follow (numeric targetPort, missing targetPort, annotation); others stay', () => {
  const text =
    DEPLOY(
      `        - name: app\n          args: [--port=9100]\n          ports: [{name: metrics, containerPort: 9100}]\n`,
    ) +
    SVC(
      '  name: numeric\n  namespace: shop\n',
      '  selector: {app: d}\n  ports: [{port: 9100, targetPort: 9100}, {port: 80, targetPort: 8080}]\n',
    ) +
    SVC('  name: implicit\n  namespace: shop\n', '  selector: {app: d}\n  ports: [{name: m, port: 9100}]\n') +
    SVC(
      '  name: named\n  namespace: shop\n  annotations: {prometheus.io/port: "9100"}\n',
      '  selector: {app: d}\n  ports: [{port: 9100, targetPort: metrics}]\n',
    ) +
    SVC(
      '  name: other-namespace\n  namespace: billing\n',
      '  selector: {app: d}\n  ports: [{port: 9100, targetPort: 9100}]\n',
    ) +
    SVC(
      '  name: other-selector\n  namespace: shop\n',
      '  selector: {app: d, tier: web}\n  ports: [{port: 9100, targetPort: 9100}]\n',
    ) +
    SVC('  name: no-selector\n  namespace: shop\n', '  ports: [{port: 9100, targetPort: 9100}]\n');
  const p = plan(text, { strategy: 'remap' });
  assert.equal(
    edits(p).filter((e) => e.startsWith('Service')),
    [
      'Service:spec.ports.0.targetPort=9101',
      'Service:spec.ports.0+targetPort=9101',
      'Service:metadata.annotations.prometheus.io/port=9101',
    ],
  );
  assert.equal(
    p.changes.filter((c) => c.change.obj.kind === 'Service').map((c) => c.change.obj.name),
    ['numeric', 'implicit', 'named'],
  );
  assert.equal(
    messages(p, 'info').filter((m) => m.includes('by name')),
    ['targetPort "metrics" of port 9100 follows the remapped port 9101 by name'],
  );
});

test.run();
