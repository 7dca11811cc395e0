/**
 * Generators of Kubernetes objects as semantic trees: every pod-bearing kind
 * (with Istio, gRPC and port-9100 traits, probes, placement), Services,
 * ConfigMaps, Namespaces, Lists and custom resources, some broken on purpose,
 * some sharing nodes through anchors and aliases.
 */
import fc from 'fast-check';
import {
  type SVal,
  WORD,
  anyScalar,
  anyString,
  anyValue,
  blockText,
  entry,
  map,
  num,
  opt,
  seq,
  sometimes,
  str,
  uniqueMap,
} from './yaml-values.ts';

// ---------------------------------------------------------------------------
// Kubernetes objects

export const NAMESPACES = ['default', 'prod', 'team-a', 'team-b', 'istio-system'] as const;
export const NAMES = ['web', 'api', 'api-v2', 'worker', 'db-0', 'grpc-gw', 'exporter', 'job-1'] as const;

const name = fc.constantFrom(...NAMES);
const namespace = opt(fc.constantFrom(...NAMESPACES));

const labels: fc.Arbitrary<SVal | undefined> = opt(
  fc
    .record({
      app: sometimes(fc.constantFrom('web', 'api', 'grpc', 'node-exporter'), 0.7),
      inject: sometimes(fc.constantFrom<SVal>(str('true'), str('false'), { s: 'raw', src: 'true' }), 0.3),
      tier: sometimes(fc.constantFrom('front', 'back', 'yes'), 0.3),
      skip: sometimes(fc.constant('true'), 0.04),
      extra: sometimes(fc.tuple(fc.constantFrom('example.com/owner', 'ünï', 'x'), anyString), 0.3),
    })
    .map((r) =>
      map([
        entry('app', r.app === undefined ? undefined : str(r.app)),
        entry('sidecar.istio.io/inject', r.inject),
        entry('tier', r.tier === undefined ? undefined : str(r.tier)),
        entry('eksfit.dev/skip', r.skip === undefined ? undefined : str(r.skip)),
        r.extra && [r.extra[0], str(r.extra[1])],
      ]),
    ),
  3,
);

export const EKS = 'eks.tke.cloud.tencent.com/';

/** Annotations as found in the wild: absent, null, empty, or holding keys eksfit also writes. */
const annotations: fc.Arbitrary<SVal | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<SVal>({ s: 'null' }, { s: 'raw', src: '~' }, map([])) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.tuple(
            fc.constantFrom(`${EKS}ipvs-udp-timeout`, `${EKS}ipvs-tcp-timeout`, `${EKS}metrics-port`),
            fc.constantFrom<SVal>(str('60s'), str('9111'), num(9111)),
          ),
          fc.tuple(
            fc.constantFrom(
              'prometheus.io/port',
              'prometheus.io/scrape',
              'sidecar.istio.io/inject',
              'checksum/config',
              'ünï/x',
            ),
            anyScalar,
          ),
          fc.tuple(WORD, anyScalar),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map(uniqueMap),
  },
);

const portNumber = fc.oneof(
  { weight: 2, arbitrary: fc.constant(9100) },
  { weight: 3, arbitrary: fc.constantFrom(50051, 8080, 9110, 9101, 9102, 80, 443) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }) },
);

const containerPort: fc.Arbitrary<SVal> = fc
  .record(
    {
      name: fc.constantFrom('grpc', 'grpc-web', 'http', 'metrics', 'grpcx', 'ünï'),
      containerPort: portNumber,
      quoted: fc.boolean(),
      protocol: fc.constantFrom('TCP', 'UDP'),
      hostPort: fc.constantFrom(9100, 8080),
      appProtocol: fc.constantFrom('grpc', 'http'),
    },
    { requiredKeys: ['containerPort', 'quoted'] },
  )
  .map((p) =>
    map([
      entry('name', p.name === undefined ? undefined : str(p.name)),
      // A quoted port is a string: eksfit must leave it alone.
      ['containerPort', p.quoted && p.containerPort === 9100 ? str('9100') : num(p.containerPort)],
      entry('protocol', p.protocol === undefined ? undefined : str(p.protocol)),
      entry('hostPort', p.hostPort === undefined ? undefined : num(p.hostPort)),
      entry('appProtocol', p.appProtocol === undefined ? undefined : str(p.appProtocol)),
    ]),
  );

const probe: fc.Arbitrary<SVal> = fc
  .tuple(
    fc.constantFrom('httpGet', 'tcpSocket', 'grpc'),
    fc.oneof(
      portNumber.map((n) => num(n)),
      fc.constant(str('metrics')),
    ),
    opt(anyValue, 1),
  )
  .map(([kind, port, extra]) =>
    map([
      [kind, map([['port', port], kind === 'httpGet' && ['path', str('/healthz')]])],
      entry('periodSeconds', extra === undefined ? undefined : num(10)),
    ]),
  );

const container: fc.Arbitrary<SVal> = fc
  .record(
    {
      name: fc.constantFrom('app', 'istio-proxy', 'sidecar', 'exporter', 'ünï'),
      image: fc.constantFrom('nginx:1.27', 'registry.example.com/app@sha256:abc', 'busybox'),
      ports: fc.array(containerPort, { maxLength: 3 }),
      args: fc.array(
        fc.oneof(
          fc.constantFrom('--port=9100', '--listen=:9100', '-p', '9100', '--web.listen-address=0.0.0.0:9100', '91000'),
          anyString,
        ),
        { maxLength: 3 },
      ),
      command: fc.array(fc.constantFrom('/bin/app', 'serve', '--port', '9100'), { minLength: 1, maxLength: 3 }),
      env: fc.array(
        fc.record({ name: fc.constantFrom('PORT', 'LOG', 'ünï'), value: anyScalar }).map((e) =>
          map([
            ['name', str(e.name)],
            ['value', e.value],
          ]),
        ),
        { maxLength: 2 },
      ),
      livenessProbe: probe,
      readinessProbe: probe,
      extra: anyValue,
    },
    { requiredKeys: ['name'] },
  )
  .map((c) =>
    map([
      ['name', str(c.name)],
      entry('image', c.image === undefined ? undefined : str(c.image)),
      entry('command', c.command && seq(c.command.map(str))),
      entry('args', c.args && seq(c.args.map(str))),
      entry('ports', c.ports && seq(c.ports)),
      entry('env', c.env && seq(c.env)),
      entry('livenessProbe', c.livenessProbe),
      entry('readinessProbe', c.readinessProbe),
      entry('x-extra', c.extra),
    ]),
  );

/** `affinity.nodeAffinity` requiring one term made of `expressions`. */
function nodeAffinity(expressions: SVal[]): SVal {
  const term = map([['matchExpressions', seq(expressions)]]);
  const required = map([['nodeSelectorTerms', seq([term])]]);
  return map([['nodeAffinity', map([['requiredDuringSchedulingIgnoredDuringExecution', required]])]]);
}

const podSpec: fc.Arbitrary<SVal> = fc
  .record(
    {
      containers: fc.array(container, { minLength: 1, maxLength: 3 }),
      initContainers: fc.array(container, { minLength: 1, maxLength: 1 }),
      nodeSelector: fc.constantFrom<SVal>(
        map([['disktype', str('ssd')]]),
        map([['node.kubernetes.io/instance-type', str('eklet')]]),
        map([]),
      ),
      tolerations: fc.constantFrom<SVal>(
        seq([]),
        seq([
          map([
            ['key', str('dedicated')],
            ['operator', str('Exists')],
          ]),
        ]),
      ),
      affinity: fc.constant<SVal>(
        nodeAffinity([
          map([
            ['key', str('zone')],
            ['operator', str('In')],
            ['values', seq([str('a')])],
          ]),
        ]),
      ),
      hostNetwork: fc.boolean().map((v): SVal => ({ s: 'bool', v })),
      extra: anyValue,
    },
    { requiredKeys: ['containers'] },
  )
  .map((p) =>
    map([
      entry('initContainers', p.initContainers && seq(p.initContainers)),
      ['containers', seq(p.containers)],
      entry('nodeSelector', p.nodeSelector),
      entry('tolerations', p.tolerations),
      entry('affinity', p.affinity),
      entry('hostNetwork', p.hostNetwork),
      entry('x-extra', p.extra),
    ]),
  );

/** A Pod template (`metadata` + `spec`), sometimes without metadata. */
const podTemplate: fc.Arbitrary<SVal> = fc
  .record({ labels, annotations, spec: podSpec, noMetadata: fc.boolean() })
  .map((t) =>
    map([
      !t.noMetadata && ['metadata', map([entry('labels', t.labels), entry('annotations', t.annotations)])],
      ['spec', t.spec],
    ]),
  );

const metadata = fc
  .record({ name, namespace, labels, annotations, extra: opt(anyValue, 1) })
  .map((m) =>
    map([
      ['name', str(m.name)],
      entry('namespace', m.namespace === undefined ? undefined : str(m.namespace)),
      entry('labels', m.labels),
      entry('annotations', m.annotations),
      entry('x-extra', m.extra),
    ]),
  );

/** The pod-bearing kinds: apiVersion, and how the Pod template sits in the spec. */
export const POD_KINDS = [
  { kind: 'Pod', apiVersion: 'v1', path: [] },
  { kind: 'Deployment', apiVersion: 'apps/v1', path: ['spec', 'template'] },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', path: ['spec', 'template'] },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', path: ['spec', 'template'] },
  { kind: 'ReplicaSet', apiVersion: 'apps/v1', path: ['spec', 'template'] },
  { kind: 'ReplicationController', apiVersion: 'v1', path: ['spec', 'template'] },
  { kind: 'Job', apiVersion: 'batch/v1', path: ['spec', 'template'] },
  { kind: 'CronJob', apiVersion: 'batch/v1', path: ['spec', 'jobTemplate', 'spec', 'template'] },
  { kind: 'PodTemplate', apiVersion: 'v1', path: ['template'] },
  { kind: 'Rollout', apiVersion: 'argoproj.io/v1alpha1', path: ['spec', 'template'] },
] as const;

/** A workload of any pod-bearing kind (Rollout is one only when the policy says so). */
export const workload: fc.Arbitrary<SVal> = fc
  .record({
    k: fc.constantFrom(...POD_KINDS),
    metadata,
    template: podTemplate,
    extra: opt(anyValue, 1),
    replicas: opt(fc.integer({ min: 0, max: 500 })),
    sharing: fc.oneof(
      { weight: 12, arbitrary: fc.constant<Sharing>('none') },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Sharing>(
          'labels',
          'annotations',
          'merge',
          'repeated-template-annotations',
          'repeated-tolerations',
        ),
      },
    ),
  })
  .map((w) => share(workloadOf(w), w.k.path, w.sharing));

function workloadOf({
  k,
  metadata: md,
  template,
  extra,
  replicas,
}: {
  k: (typeof POD_KINDS)[number];
  metadata: SVal;
  template: SVal;
  extra: SVal | undefined;
  replicas: number | undefined;
}): SVal {
  {
    let body: SVal = template;
    if (k.kind === 'Pod') {
      // A Pod is its own template: its metadata is the object's.
      const t = template as Extract<SVal, { s: 'map' }>;
      const spec = t.entries.find(([key]) => key === 'spec')?.[1] as SVal;
      return map([
        ['apiVersion', str(k.apiVersion)],
        ['kind', str(k.kind)],
        ['metadata', md],
        ['spec', spec],
        entry('status', extra),
      ]);
    }
    for (let i = k.path.length - 1; i >= 1; i--) {
      const key = k.path[i] as string;
      body = map([
        key === 'template' && replicas !== undefined && ['replicas', num(replicas)],
        key === 'template' &&
          k.kind !== 'PodTemplate' && ['selector', map([['matchLabels', map([['app', str('web')]])]])],
        [key, body],
      ]);
    }
    return map([
      ['apiVersion', str(k.apiVersion)],
      ['kind', str(k.kind)],
      ['metadata', md],
      [k.path[0], body],
      entry('status', extra),
    ]);
  }
}

/** The node at `path` of a tree (through anchors), or undefined. */
export function getAt(v: SVal | undefined, path: readonly string[]): SVal | undefined {
  let cur = v;
  for (const k of path) {
    while (cur?.s === 'anchor') cur = cur.v;
    cur = cur?.s === 'map' ? cur.entries.find(([key]) => key === k)?.[1] : undefined;
  }
  return cur;
}

/** The tree with the node at `path` replaced by `f(node)` (undefined: removed); missing mappings are not created. */
export function updateAt(v: SVal, path: readonly string[], f: (old: SVal | undefined) => SVal | undefined): SVal {
  if (path.length === 0) return f(v) ?? v;
  if (v.s === 'anchor') return { ...v, v: updateAt(v.v, path, f) };
  if (v.s !== 'map') return v;
  const [k, ...rest] = path as [string, ...string[]];
  const i = v.entries.findIndex(([key]) => key === k);
  if (i < 0) {
    if (rest.length > 0) return v;
    const nv = f(undefined);
    return nv === undefined ? v : map([...v.entries, [k, nv]]);
  }
  const old = v.entries[i]?.[1] as SVal;
  const nv = rest.length === 0 ? f(old) : updateAt(old, rest, f);
  const entries = v.entries.slice();
  if (nv === undefined) entries.splice(i, 1);
  else entries[i] = [k, nv];
  return map(entries);
}

/** Ways a workload shares nodes through anchors and aliases (as hand-written YAML does). */
export type Sharing =
  'none' | 'labels' | 'annotations' | 'merge' | 'repeated-template-annotations' | 'repeated-tolerations';

/**
 * Applies a sharing pattern to a workload whose Pod template sits at `path`:
 * labels anchored in metadata and aliased by the selector and the template;
 * annotations aliased or merged (`<<`) into the template; or a node eksfit
 * edits (template annotations, tolerations) repeated by an alias further on.
 */
export function share(obj: SVal, path: readonly string[], how: Sharing): SVal {
  if (how === 'none' || path.length === 0) return obj;
  const tp = [...path, 'metadata'];
  switch (how) {
    case 'labels': {
      const lbl = getAt(obj, ['metadata', 'labels']) ?? map([['app', str('web')]]);
      let out = updateAt(obj, ['metadata', 'labels'], () => ({ s: 'anchor', name: 'labels', v: lbl }));
      out = updateAt(out, [...path.slice(0, -1), 'selector', 'matchLabels'], (old) =>
        old ? { s: 'alias', name: 'labels' } : old,
      );
      return updateAt(out, [...tp, 'labels'], (old) => (old ? { s: 'alias', name: 'labels' } : old));
    }
    case 'annotations':
    case 'merge': {
      const ann = getAt(obj, ['metadata', 'annotations']);
      if (ann?.s !== 'map' || ann.entries.length === 0) return obj;
      const out = updateAt(obj, ['metadata', 'annotations'], () => ({ s: 'anchor', name: 'ann', v: ann }));
      return updateAt(out, [...tp, 'annotations'], (old) => {
        if (!old && !getAt(out, tp)) return old;
        if (how === 'annotations') return { s: 'alias', name: 'ann' };
        return map([
          ['<<', { s: 'alias', name: 'ann' }],
          ...(old?.s === 'map' ? old.entries.filter(([k]) => k !== '<<') : []),
        ]);
      });
    }
    case 'repeated-template-annotations':
    case 'repeated-tolerations': {
      const at = how === 'repeated-tolerations' ? [...path, 'spec', 'tolerations'] : [...tp, 'annotations'];
      const node = getAt(obj, at);
      if (!node || node.s === 'alias' || node.s === 'anchor') return obj;
      const out = updateAt(obj, at, () => ({ s: 'anchor', name: 'rep', v: node }));
      return updateAt(out, ['status'], () => map([['x-copy', { s: 'alias', name: 'rep' }]]));
    }
  }
}

/** A workload whose Pod template path holds something other than a mapping. */
export const brokenWorkload: fc.Arbitrary<SVal> = fc
  .record({ metadata, template: fc.oneof(anyScalar, fc.array(anyScalar, { maxLength: 2 }).map(seq)) })
  .map(({ metadata: md, template }) =>
    map([
      ['apiVersion', str('apps/v1')],
      ['kind', str('Deployment')],
      ['metadata', md],
      ['spec', map([['template', template]])],
    ]),
  );

export const service: fc.Arbitrary<SVal> = fc
  .record({
    metadata,
    selector: opt(fc.constantFrom('web', 'api', 'grpc', 'node-exporter')),
    ports: fc.array(
      fc.record(
        {
          name: fc.constantFrom('grpc', 'http', 'metrics', 'grpc-web'),
          port: portNumber,
          targetPort: fc.oneof(
            portNumber.map((n) => num(n)),
            fc.constant(str('metrics')),
          ),
          appProtocol: fc.constant('grpc'),
        },
        { requiredKeys: ['port'] },
      ),
      { minLength: 1, maxLength: 3 },
    ),
    type: opt(fc.constantFrom('ClusterIP', 'LoadBalancer', 'NodePort')),
  })
  .map((s) =>
    map([
      ['apiVersion', str('v1')],
      ['kind', str('Service')],
      ['metadata', s.metadata],
      [
        'spec',
        map([
          entry('type', s.type === undefined ? undefined : str(s.type)),
          entry('selector', s.selector === undefined ? undefined : map([['app', str(s.selector)]])),
          [
            'ports',
            seq(
              s.ports.map((p) =>
                map([
                  entry('name', p.name === undefined ? undefined : str(p.name)),
                  ['port', num(p.port)],
                  entry('targetPort', p.targetPort),
                  entry('appProtocol', p.appProtocol === undefined ? undefined : str(p.appProtocol)),
                ]),
              ),
            ),
          ],
        ]),
      ],
    ]),
  );

export const configMap: fc.Arbitrary<SVal> = fc
  .record({
    metadata,
    data: fc.oneof(
      fc.constant<SVal>({ s: 'null' }),
      fc
        .array(
          fc.tuple(
            fc.oneof(WORD, fc.constantFrom('config.yaml', 'nginx.conf', 'yes', '0755', 'ünï.txt')),
            fc.oneof(blockText, anyScalar),
          ),
          { maxLength: 5 },
        )
        .map(uniqueMap),
    ),
  })
  .map((c) =>
    map([
      ['apiVersion', str('v1')],
      ['kind', str('ConfigMap')],
      ['metadata', c.metadata],
      ['data', c.data],
    ]),
  );

export const namespaceObject: fc.Arbitrary<SVal> = fc
  .record({ n: fc.constantFrom(...NAMESPACES), inj: fc.constantFrom('enabled', 'disabled', 'rev') })
  .map(({ n, inj }) =>
    map([
      ['apiVersion', str('v1')],
      ['kind', str('Namespace')],
      [
        'metadata',
        map([
          ['name', str(n)],
          ['labels', map([inj === 'rev' ? ['istio.io/rev', str('1-22')] : ['istio-injection', str(inj)]])],
        ]),
      ],
    ]),
  );

export const customResource: fc.Arbitrary<SVal> = fc
  .record({
    group: fc.constantFrom('example.com/v1', 'ünï.example/v1beta1', 'monitoring.coreos.com/v1'),
    kind: fc.constantFrom('Widget', 'ServiceMonitor', 'Deployment', 'Pod'),
    metadata,
    spec: anyValue,
  })
  .map((c) =>
    map([
      ['apiVersion', str(c.group)],
      ['kind', str(c.kind)],
      ['metadata', c.metadata],
      ['spec', c.spec],
    ]),
  );

/** Any top-level object. */
export const k8sObject: fc.Arbitrary<SVal> = fc.oneof(
  { weight: 5, arbitrary: workload },
  { weight: 2, arbitrary: service },
  { weight: 2, arbitrary: configMap },
  { weight: 1, arbitrary: namespaceObject },
  { weight: 1, arbitrary: customResource },
);

/** A `kind: List` of objects. */
export const list: fc.Arbitrary<SVal> = fc
  .array(fc.oneof(workload, service, configMap), { minLength: 0, maxLength: 3 })
  .map((items) =>
    map([
      ['apiVersion', str('v1')],
      ['kind', str('List')],
      ['items', seq(items)],
    ]),
  );
