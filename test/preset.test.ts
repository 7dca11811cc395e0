/**
 * The preset's traits (src/preset.ts): which Services are gRPC, which texts
 * name one (Kubernetes DNS from the Pod's namespace), the OTLP client signals,
 * Istio revisions and gateways; and the small data-driven helpers next to them
 * (ports an argument binds, node-agent paths, folding a DaemonSet's findings).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { foldDaemonSets } from '../src/audit.ts';
import { isNodeAgentPath } from '../src/eks.ts';
import { KindTable } from '../src/kinds.ts';
import { loadPolicy } from '../src/policy.ts';
import { portUses } from '../src/ports.ts';
import { grpcClientReason, GrpcServices, istioReason, isIstioGateway } from '../src/preset.ts';
import { result, type Result } from '../src/results.ts';
import { serviceOf, type ServiceView } from '../src/services.ts';
import { transform } from '../src/transform.ts';
import { objectOfValue, workloadOf, type KObject, type Workload } from '../src/workload.ts';

const nsOf = (o: KObject): string => o.namespace ?? 'default';
const kinds = new KindTable();

function workload(
  name: string,
  namespace: string,
  container: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Workload {
  const obj = objectOfValue({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, ...container }], ...extra } },
    },
  });
  const look = workloadOf(obj, kinds);
  if (look.kind !== 'ok') throw new Error('no workload');
  return look.workload;
}

function service(name: string, namespace: string, ports: Record<string, unknown>[], app = name): ServiceView {
  const svc = serviceOf(
    objectOfValue({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { selector: { app }, ports },
    }),
  );
  if (!svc) throw new Error('no service');
  return svc;
}

const grpc = suite('gRPC Services and the texts that name them');

grpc(
  'a Service is gRPC by port name, appProtocol (grpc, h2c), well-known target port, or the container port it targets',
  () => {
    const server = workload('srv', 'a', {
      ports: [
        { name: 'api', containerPort: 7000 },
        { name: 'rpc', containerPort: 50051 },
      ],
    });
    const services = [
      service('by-name', 'a', [{ name: 'grpc-x', port: 1 }]),
      service('by-proto', 'a', [{ name: 'x', port: 2, appProtocol: 'grpc' }]),
      service('by-h2c', 'a', [{ name: 'x', port: 3, appProtocol: 'kubernetes.io/h2c' }]),
      service('by-otlp', 'a', [{ name: 'otlp', port: 4317 }]),
      service('by-target-name', 'a', [{ port: 80, targetPort: 'rpc' }], 'srv'),
      service('http', 'a', [{ name: 'http', port: 80 }]),
      service('http-to-srv', 'a', [{ port: 81, targetPort: 'api' }], 'srv'),
    ];
    const index = new GrpcServices(services, [server], nsOf);
    const client = workload('c', 'a', {});
    for (const name of ['by-name', 'by-proto', 'by-h2c', 'by-otlp', 'by-target-name'])
      assert.ok(index.named(name, 'a', client), name);
    for (const name of ['http', 'http-to-srv']) assert.is(index.named(name, 'a', client), undefined, name);
  },
);

grpc('names resolve as Kubernetes DNS does from the Pod', () => {
  const index = new GrpcServices(
    [
      service('ledger', 'fin', [
        { name: 'grpc', port: 9090 },
        { name: 'http', port: 8080 },
      ]),
    ],
    [],
    nsOf,
  );
  const inFin = workload('c', 'fin', {});
  const inShop = workload('c', 'shop', {});
  const yes: [string, Workload][] = [
    ['ledger', inFin],
    ['ledger:9090', inFin],
    ['http://ledger', inFin],
    ['ledger.fin', inShop],
    ['ledger.fin:9090', inShop],
    ['ledger.fin.svc', inShop],
    ['dns:///ledger.fin.svc.cluster.local:9090', inShop],
    ['LEDGER.FIN.SVC.CLUSTER.LOCAL.', inShop],
    ['--ledger=ledger', inFin],
    ['a=b\nledger.address=ledger:9090\n', inFin],
  ];
  for (const [text, w] of yes) assert.ok(index.named(text, nsOf(w.obj), w), text);
  const no: [string, Workload][] = [
    ['ledger', inShop], // another namespace's ledger
    ['ledger:8080', inFin], // the Service's HTTP port
    ['ledger-db:5432', inFin],
    ['/ledger/v1', inFin],
    ['echo "pruning ledger"', inFin],
    ['ledger.example.com', inFin],
    ['ledger.fin.svc.other', inShop],
  ];
  for (const [text, w] of no) assert.is(index.named(text, nsOf(w.obj), w), undefined, text);
});

grpc('a Pod is not a client of a Service that selects it (its own name is its identity)', () => {
  const index = new GrpcServices([service('ledger', 'a', [{ name: 'grpc', port: 9090 }])], [], nsOf);
  const self = workload('ledger', 'a', { env: [{ name: 'OTEL_SERVICE_NAME', value: 'ledger' }] });
  assert.is(
    grpcClientReason(self, 'a', index, () => undefined),
    undefined,
  );
});

grpc('the reason names the Service and the reference: env, args, command, ConfigMaps', () => {
  const index = new GrpcServices([service('ledger', 'shop', [{ name: 'grpc', port: 9090 }])], [], nsOf);
  const none = (): undefined => undefined;
  assert.is(
    grpcClientReason(
      workload('o', 'shop', { env: [{ name: 'LEDGER_ADDR', value: 'ledger:9090' }] }),
      'shop',
      index,
      none,
    ),
    'reaches gRPC Service shop/ledger (env LEDGER_ADDR)',
  );
  assert.is(
    grpcClientReason(workload('o', 'shop', { command: ['app', '--to', 'ledger:9090'] }), 'shop', index, none),
    'reaches gRPC Service shop/ledger (command[2])',
  );
  const cms = (ns: string, name: string): Record<string, string> | undefined =>
    ns === 'shop' && name === 'cfg' ? { 'app.yaml': 'ledger: ledger.shop:9090\n' } : undefined;
  const mounted = workload('o', 'shop', {}, { volumes: [{ name: 'c', configMap: { name: 'cfg' } }] });
  assert.is(
    grpcClientReason(mounted, 'shop', index, cms),
    'reaches gRPC Service shop/ledger (ConfigMap cfg key app.yaml, mounted)',
  );
  const projected = workload(
    'o',
    'shop',
    {},
    { volumes: [{ name: 'c', projected: { sources: [{ configMap: { name: 'cfg' } }] } }] },
  );
  assert.ok(grpcClientReason(projected, 'shop', index, cms));
  const keyRef = workload('o', 'shop', {
    env: [{ name: 'CFG', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'app.yaml' } } }],
  });
  assert.is(
    grpcClientReason(keyRef, 'shop', index, cms),
    'reaches gRPC Service shop/ledger (ConfigMap cfg key app.yaml, env CFG)',
  );
});

grpc('OTLP client signals need no Service', () => {
  const empty = new GrpcServices([], [], nsOf);
  const none = (): undefined => undefined;
  const reason = (env: Record<string, string>): string | undefined =>
    grpcClientReason(
      workload('o', 'a', { env: Object.entries(env).map(([name, value]) => ({ name, value })) }),
      'a',
      empty,
      none,
    );
  assert.ok(reason({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c.o:4317' }));
  assert.ok(reason({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'c:4317' }));
  assert.ok(reason({ OTEL_EXPORTER_OTLP_PROTOCOL: 'GRPC' }));
  assert.is(reason({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c.o:4318' }), undefined);
  assert.is(reason({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c.o:43170' }), undefined);
  assert.is(reason({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }), undefined);
  assert.is(reason({ SOME_ENDPOINT: 'http://c.o:4317' }), undefined);
  // The variable may come from a ConfigMap taken with envFrom.
  const fromCm = workload('o', 'a', { envFrom: [{ configMapRef: { name: 'env' } }] });
  assert.ok(grpcClientReason(fromCm, 'a', empty, () => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })));
});

const istio = suite('Istio');

istio('istio.io/rev on the Pod or its Namespace; a gateway is no sidecar', () => {
  const ns = new Map([['mesh', { 'istio.io/rev': 'stable' }]]);
  const plain = workload('w', 'x', {});
  assert.is(istioReason(plain, 'x', ns), undefined);
  assert.ok(istioReason(plain, 'mesh', ns));
  const rev = objectOfValue({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { 'istio.io/rev': 'canary' } },
    spec: { containers: [{ name: 'a' }] },
  });
  const look = workloadOf(rev, kinds);
  assert.ok(look.kind === 'ok' && istioReason(look.workload, 'x', ns));
  const gateway = workload('gw', 'mesh', { name: 'istio-proxy', args: ['proxy', 'router'] });
  assert.ok(isIstioGateway(gateway));
  assert.is(istioReason(gateway, 'mesh', ns), undefined);
});

const data = suite('ports an argument binds, node-agent paths');

data('the ports arguments bind (portUses)', () => {
  /** The ports `args` bind, with the index of the argument each is in. */
  const bound = (...args: string[]): [number, number][] =>
    portUses(workload('w', 'ns', { args }))
      .filter((u) => u.what === 'listen')
      .map((u) => [u.port, u.path[u.path.length - 1] as number]);
  assert.equal(bound('--web.listen-address=:9100'), [[9100, 0]]);
  assert.equal(bound('--port=9100'), [[9100, 0]]);
  assert.equal(bound('--metrics-port 9100'), [[9100, 0]]);
  assert.equal(bound('0.0.0.0:9100'), [[9100, 0]]);
  assert.equal(bound('[::]:9100'), [[9100, 0]]);
  assert.equal(bound('exec app -p 9100'), [[9100, 0]]);
  // Two arguments: the use is where the number is.
  assert.equal(bound('-p', '9100'), [[9100, 1]]);
  assert.equal(bound('--port', '9100'), [[9100, 1]]);
  assert.equal(bound('--target=node-exporter:9100'), []);
  assert.equal(bound('http://localhost:9100/metrics'), []);
  assert.equal(bound('--port=91000'), []);
  assert.equal(bound('--retries', '9100'), []);
});

data('isNodeAgentPath', () => {
  for (const p of [
    '/proc',
    '/proc/',
    '/sys/fs/cgroup',
    '/var/log',
    '/var/log/pods',
    '/var/lib/docker/containers',
    '/run/containerd/containerd.sock',
    '/',
  ])
    assert.ok(isNodeAgentPath(p), p);
  for (const p of ['/data', '/var/lib/mysql', '/procfs', '/var/logs', '/srv/log']) assert.not.ok(isNodeAgentPath(p), p);
});

data(
  'remap moves an argument that binds the port in another container than the probe: a second run changes nothing',
  () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  initContainers:\n  - name: app\n    args:\n    - --port=9100\n  containers:\n  - name: app\n    livenessProbe:\n      httpGet:\n        port: 9100\n';
    const policy = loadPolicy(
      {
        apiVersion: 'eksfit.dev/v1alpha1',
        kind: 'EksFitPolicy',
        spec: { rules: [{ name: 'r', ports: { strategy: 'remap' } }] },
      },
      'test',
    );
    const once = transform([{ file: 'a.yaml', text }], { policy }).output;
    assert.match(once, '--port=9101');
    assert.match(once, 'port: 9101');
    assert.is(transform([{ file: 'a.yaml', text: once }], { policy }).output, once);
  },
);

const fold = suite('foldDaemonSets');

fold('the findings of a DaemonSet that will not run fold into its daemonSet result; others stay', () => {
  const ds = { ref: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds' } };
  const other = { ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } };
  const rs: Result[] = [
    result('warning', ds, 'EKS metrics move from <pod-ip>:9100 to <pod-ip>:9110: follow', {
      tags: { check: 'metricsScrape' },
    }),
    result('warning', ds, 'DaemonSet: not scheduled', { tags: { check: 'daemonSet' } }),
    result('warning', ds, 'hostPort 9100 of container "a": remove', { tags: { check: 'hostPort' } }),
    result('error', ds, 'hostPath volume "p" (/proc): advice', { tags: { check: 'hostPath' } }),
    result('warning', ds, 'sysctl kernel.x: remove', { tags: { check: 'sysctls' } }),
    result('warning', other, 'hostPort 80 of container "w": remove', { tags: { check: 'hostPort' } }),
  ];
  const out = foldDaemonSets(rs);
  assert.equal(
    out.map((r) => r.tags?.check),
    ['daemonSet', 'sysctls', 'hostPort'],
  );
  const head = out[0] as Result;
  assert.is(head.severity, 'error');
  assert.match(head.message, 'hostPort: hostPort 9100 of container "a"');
  assert.match(head.message, 'hostPath: hostPath volume "p" (/proc)');
  assert.match(head.message, 'metricsScrape: EKS metrics move from <pod-ip>:9100 to <pod-ip>:9110');
  // Without a daemonSet result (injected, or the check turned off) nothing is folded.
  assert.equal(foldDaemonSets(rs.filter((r) => r.tags?.check !== 'daemonSet')).length, 5);
});

grpc.run();
istio.run();
data.run();
fold.run();
