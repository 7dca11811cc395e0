/**
 * fast-check generators for realistic, awkward manifest streams and policies.
 *
 * Generation happens in two steps. The arbitraries build a semantic tree
 * (`SVal`: maps, sequences, typed scalars, multi-line text) for every
 * pod-bearing kind, Services, ConfigMaps, Namespaces, Lists and custom
 * resources. `renderStream` then writes it as YAML text, choosing from a seed
 * how each node is spelled: block or flow style, plain, single- or
 * double-quoted scalars, block scalars, comments before entries and after
 * values, indentation width, indented or flush sequences, and around the
 * documents `---` (with comments), `...` end markers, empty and comment-only
 * documents, a byte-order mark and CRLF line ends. Shrinking a failing case
 * shrinks the tree and lowers `density` (0 = plain block style, no comments).
 *
 * Every comment the renderer writes carries a unique marker `# c<N>` so the
 * properties can check that none is lost; no generated scalar contains one.
 */
import fc from 'fast-check';
import { parse } from 'yaml';

// ---------------------------------------------------------------------------
// The semantic tree

/** A node of the semantic tree. `raw` is a plain scalar written exactly as given (`yes`, `0755`). */
export type SVal =
  | { readonly s: 'str'; readonly v: string }
  | { readonly s: 'raw'; readonly src: string }
  | { readonly s: 'num'; readonly src: string }
  | { readonly s: 'bool'; readonly v: boolean }
  | { readonly s: 'null' }
  | { readonly s: 'text'; readonly lines: readonly string[]; readonly header: string }
  | { readonly s: 'map'; readonly entries: readonly (readonly [string, SVal])[] }
  | { readonly s: 'seq'; readonly items: readonly SVal[] }
  | { readonly s: 'anchor'; readonly name: string; readonly v: SVal }
  | { readonly s: 'alias'; readonly name: string };

export const str = (v: string): SVal => ({ s: 'str', v });
export const num = (n: number | string): SVal => ({ s: 'num', src: String(n) });
export const map = (entries: readonly (readonly [string, SVal] | undefined | false)[]): SVal => ({
  s: 'map',
  entries: entries.filter((e): e is readonly [string, SVal] => Array.isArray(e)),
});
export const seq = (items: readonly SVal[]): SVal => ({ s: 'seq', items });

/** An optional entry: `[key, value]` or nothing. */
const opt = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> =>
  fc.option(arb, { freq, nil: undefined });
const entry = (key: string, v: SVal | undefined): readonly [string, SVal] | undefined =>
  v === undefined ? undefined : [key, v];

/** `arb` with probability `p`, else undefined. */
function sometimes<T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: Math.round(p * 100), arbitrary: arb },
    { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(undefined) },
  );
}

/** An object without its undefined fields. */
function defined<T extends Record<string, unknown>>(r: T): Partial<T> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---------------------------------------------------------------------------
// Scalars

/** Strings YAML 1.1 reads as something else when plain: booleans, octal, floats, null, sexagesimal, timestamps. */
export const AMBIGUOUS = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Yes',
  'NO',
  'On',
  'OFF',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '0755',
  '0o755',
  '0x1F',
  '1e3',
  '1E-3',
  '1_000',
  '12:30:00',
  '2001-12-14',
  '.inf',
  '-.Inf',
  '.NaN',
  '+12',
  '-0',
  '0',
  '3.14',
  '123456789012345678901234567890',
  '9007199254740993',
] as const;

/** Text that is tricky in other ways: non-ASCII, indicators in the middle, quotes, escapes. */
const TRICKY_TEXT = [
  'héllo wörld',
  '日本語のテキスト',
  'emoji 🚀✨',
  'עברית',
  'e\u0301 combining',
  'Ünïcødé',
  'a#b',
  'a: b',
  'a:b',
  'key=value',
  "it's",
  'say "hi"',
  'tab\there',
  'line\nbreak',
  'back\\slash',
  '- dash',
  '? question',
  '[not, a, list]',
  '{not: a map}',
  '*star',
  '&amp',
  '!bang',
  '%percent',
  '@at',
  '`tick`',
  '|pipe',
  '>gt',
  ' leading space',
  'trailing space ',
  '',
  '--- not a marker',
  '... not an end',
  '#not-a-comment',
  'http://example.com/a?b=c#frag',
  'C:\\Windows',
  '\u00a0nbsp',
  '\u2028line sep',
  'zero\u200bwidth',
  'x'.repeat(200),
] as const;

const WORD = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);

/** Any string, including the awkward ones. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: WORD },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY_TEXT) },
  { weight: 2, arbitrary: fc.constantFrom(...AMBIGUOUS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
);

/** Any scalar: strings, the same ambiguous text written plain, numbers, booleans, null. */
export const anyScalar: fc.Arbitrary<SVal> = fc.oneof(
  { weight: 4, arbitrary: anyString.map(str) },
  { weight: 2, arbitrary: fc.constantFrom(...AMBIGUOUS).map((src): SVal => ({ s: 'raw', src })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.integer({ min: -1000, max: 70000 }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
      )
      .map((n) => num(n)),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('123456789012345678901234567890', '-9223372036854775809', '18446744073709551616', '1e400')
      .map(num),
  },
  { weight: 1, arbitrary: fc.boolean().map((v): SVal => ({ s: 'bool', v })) },
  { weight: 1, arbitrary: fc.constant<SVal>({ s: 'null' }) },
);

const BLOCK_LINES = [
  'first line',
  'second: line',
  '- not an item',
  '# not a comment',
  '  more indented',
  '',
  '   ',
  '--- inside a block scalar',
  '... also inside',
  'ünïcødé 日本 🚀',
  '{"json": [1, 2]}',
  '%not-a-directive',
  'tab\tinside',
  'quote \' and "',
  'trailing spaces   ',
  'server { listen 9100; }',
  'key: "yes"',
];

/** Multi-line text written as a block scalar (`|`, `|-`, `|+`, `>`, `>-`, `>+`). */
export const blockText: fc.Arbitrary<SVal> = fc
  .record({
    lines: fc.array(fc.constantFrom(...BLOCK_LINES), { minLength: 1, maxLength: 6 }),
    header: fc.constantFrom('|', '|-', '|+', '>', '>-', '>+'),
  })
  .map(({ lines, header }): SVal => {
    // The first content line sets the indentation: it must not start with a space.
    // Leading blank lines must be empty, and the first content line must not start with a space.
    const first = lines.findIndex((l) => l.trim() !== '');
    const fixed = lines.map((l, i) => (first < 0 || i < first ? '' : i === first && /^\s/.test(l) ? `x${l}` : l));
    if (first < 0) fixed.push('last');
    return { s: 'text', lines: fixed, header };
  });

/** A generic value of bounded depth: what custom resources and unknown fields hold. */
export const anyValue: fc.Arbitrary<SVal> = fc.letrec<{ value: SVal }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: anyScalar },
    { weight: 1, arbitrary: blockText },
    {
      weight: 1,
      arbitrary: fc
        .array(
          fc.tuple(fc.oneof(WORD, fc.constantFrom('yes', 'on', '0755', 'ünï', 'a b', 'x.y/z', '1')), tie('value')),
          { maxLength: 4 },
        )
        .map(uniqueMap),
    },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map(seq) },
  ),
})).value;

function uniqueMap(entries: readonly (readonly [string, SVal])[]): SVal {
  const seen = new Set<string>();
  return map(entries.filter(([k]) => !seen.has(k) && seen.add(k) !== undefined));
}

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

const EKS = 'eks.tke.cloud.tencent.com/';

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

// ---------------------------------------------------------------------------
// Documents and streams

/** One document of a stream. */
export interface DocSpec {
  /** null: an empty or comment-only document. */
  readonly body: SVal | null;
  /** Write the `---` line (forced for every document after the first unless the previous ended with `...`). */
  readonly marker: boolean;
  /** End the document with a `...` line. */
  readonly end: boolean;
}

export const docSpec: fc.Arbitrary<DocSpec> = fc.record({
  body: fc.oneof(
    { weight: 12, arbitrary: k8sObject },
    { weight: 1, arbitrary: list },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(anyScalar, fc.array(anyScalar, { maxLength: 2 }).map(seq)) },
  ),
  marker: fc.boolean(),
  end: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
});

/** How a stream is written. */
export interface StreamStyle {
  /** Seed of every choice of spelling. */
  readonly seed: number;
  /** 0: block style, no comments; 4: comments and flow style almost everywhere. */
  readonly density: number;
  readonly unit: number;
  readonly indentSeq: boolean;
  readonly crlf: boolean;
  readonly bom: boolean;
  readonly finalNewline: boolean;
}

export const streamStyle: fc.Arbitrary<StreamStyle> = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  density: fc.integer({ min: 0, max: 4 }),
  unit: fc.constantFrom(2, 2, 4, 3),
  indentSeq: fc.boolean(),
  crlf: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  bom: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  finalNewline: fc.integer({ min: 0, max: 5 }).map((n) => n !== 0),
});

/** A stream: documents plus how to write them. */
export interface StreamSpec {
  readonly docs: readonly DocSpec[];
  readonly style: StreamStyle;
}

export const streamSpec: fc.Arbitrary<StreamSpec> = fc.record({
  docs: fc.array(docSpec, { minLength: 1, maxLength: 6 }),
  style: streamStyle,
});

/** A generated stream, as the text eksfit reads. */
export const stream: fc.Arbitrary<string> = streamSpec.map(renderStream);

// ---------------------------------------------------------------------------
// Rendering

/** A small deterministic PRNG (mulberry32). */
/** mulberry32: a small seeded PRNG, so a layout drawn from a seed is repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMENT_TEXT = [
  '',
  'note',
  'ünïcødé 注释 🚀',
  'key: value',
  '- not an item',
  '--- not a marker',
  '"quoted"',
  "it's",
  '#hash',
  `${EKS}ipvs-udp-timeout: "1s"`,
  '...',
];

/** Plain-scalar safety: `s` may be written plain and reads back as the same string. */
const plainCache = new Map<string, boolean>();
export function plainOk(s: string, flow: boolean): boolean {
  const key = `${flow ? 'f' : 'b'}${s}`;
  const hit = plainCache.get(key);
  if (hit !== undefined) return hit;
  let ok = s !== '' && s === s.trim() && !/[\n\r\t\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\u00a0\u200b]/.test(s);
  // (`--- x` and `... x` would end a document when a top-level scalar starts a line.)
  ok &&= !/^[-?:,[\]{}#&*!|>'"%@`]/.test(s) && !/: |:$| #/.test(s) && !/^\.\.\./.test(s);
  if (flow) ok &&= !/[,[\]{}]/.test(s) && !/:/.test(s);
  if (ok) {
    try {
      ok = (parse(`k: ${s}\n`, { version: '1.1' }) as { k?: unknown } | null)?.k === s;
    } catch {
      ok = false;
    }
  }
  plainCache.set(key, ok);
  return ok;
}

/** Writes YAML text for a stream spec. */
export function renderStream(spec: StreamSpec): string {
  const r = new Renderer(spec.style);
  const out: string[] = [];
  let prevEnded = false;
  spec.docs.forEach((doc, i) => {
    const needMarker = i > 0 && !prevEnded;
    if (r.chance(0.3)) out.push(...r.comments(0));
    if (doc.marker || needMarker || (doc.body === null && i > 0)) {
      if ((i === 0 || prevEnded) && r.chance(0.15)) out.push(r.pick(['%YAML 1.1', '%TAG !e! tag:example.com,2000:']));
      out.push(r.chance(0.4) ? `--- ${r.comment()}` : '---');
      if (r.chance(0.3)) out.push(`# Source: chart/templates/t${i}.yaml`);
    }
    if (doc.body !== null) out.push(...r.top(doc.body));
    else if (r.chance(0.5)) out.push(...r.comments(0, true));
    if (r.chance(0.2)) out.push(...r.comments(0));
    if (doc.end) {
      out.push(r.chance(0.3) ? `... ${r.comment()}` : '...');
      if (r.chance(0.3)) out.push(...r.comments(0, true));
    }
    prevEnded = doc.end;
  });
  const eol = spec.style.crlf ? '\r\n' : '\n';
  let text = out.join('\n') + (spec.style.finalNewline ? '\n' : '');
  if (spec.style.crlf) text = text.replace(/\n/g, eol);
  // The yaml library misreads a byte-order mark right before a top-level `- ` (a library bug, not eksfit's).
  return (spec.style.bom && !text.startsWith('-') ? '\uFEFF' : '') + text;
}

class Renderer {
  private readonly rnd: () => number;
  private n = 0;
  private readonly p: number;

  constructor(private readonly style: StreamStyle) {
    this.rnd = prng(style.seed);
    this.p = style.density / 4;
  }

  chance(x: number): boolean {
    return this.rnd() < x * this.p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)] as T;
  }

  comment(): string {
    const t = this.pick(COMMENT_TEXT);
    return `# c${this.n++}${t ? ` ${t}` : ''}`;
  }

  /** Comment lines at `col` (or sometimes at column 0). */
  comments(col: number, force = false): string[] {
    const k = force ? 1 + Math.floor(this.rnd() * 2) : 1;
    const out: string[] = [];
    for (let i = 0; i < k; i++) out.push(`${' '.repeat(this.rnd() < 0.2 ? 0 : col)}${this.comment()}`);
    if (this.chance(0.2)) out.push('');
    return out;
  }

  /** A trailing comment (with its separating whitespace), or nothing. */
  trail(): string {
    if (!this.chance(0.25)) return '';
    return `${this.rnd() < 0.1 ? '\t' : ' '.repeat(1 + Math.floor(this.rnd() * 2))}${this.comment()}`;
  }

  /** A whole document body. */
  top(v: SVal): string[] {
    if (v.s === 'map' && v.entries.length > 0 && this.chance(0.05)) return this.json(v, 0);
    if (v.s === 'map' && v.entries.length > 0 && !this.chance(0.08)) return this.mapLines(v, 0);
    if (v.s === 'seq' && v.items.length > 0 && !this.chance(0.1)) return this.seqLines(v, 0);
    return [this.flow(v)];
  }

  scalar(v: SVal, flow: boolean): string {
    switch (v.s) {
      case 'str': {
        const x = this.rnd();
        if (x < 0.6 && plainOk(v.v, flow)) return v.v;
        if (x < 0.8 && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(v.v))
          return `'${v.v.replace(/'/g, "''")}'`;
        return JSON.stringify(v.v);
      }
      case 'raw':
        return flow && /[,[\]{}:]/.test(v.src) ? JSON.stringify(v.src) : v.src;
      case 'num':
        return v.src;
      case 'bool':
        return this.pick(v.v ? ['true', 'True'] : ['false', 'FALSE']);
      case 'null':
        return this.pick(['null', '~', 'Null']);
      case 'text':
        return JSON.stringify(textValue(v));
      default:
        throw new Error('not a scalar');
    }
  }

  /** A value in flow style, on one line. */
  flow(v: SVal): string {
    if (v.s === 'anchor') return `&${v.name} ${this.flow(v.v)}`;
    if (v.s === 'alias') return `*${v.name}`;
    if (v.s === 'map') return `{${v.entries.map(([k, x]) => `${this.key(k, true)}: ${this.flow(x)}`).join(', ')}}`;
    if (v.s === 'seq') return `[${v.items.map((x) => this.flow(x)).join(', ')}]`;
    return this.scalar(v, true);
  }

  /** A document as pretty-printed JSON-like flow text (what kubectl -o json gives). */
  json(v: SVal, col: number): string[] {
    const pad = ' '.repeat(col + 2);
    if (v.s === 'map' && v.entries.length > 0) {
      const lines = [`${' '.repeat(col)}{`];
      v.entries.forEach(([k, x], i) => {
        const sub = this.json(x, col + 2);
        sub[0] = `${pad}${JSON.stringify(k)}: ${(sub[0] as string).trimStart()}`;
        if (i < v.entries.length - 1) sub[sub.length - 1] += ',';
        lines.push(...sub);
      });
      lines.push(`${' '.repeat(col)}}`);
      return lines;
    }
    if (v.s === 'seq' && v.items.length > 0) {
      const lines = [`${' '.repeat(col)}[`];
      v.items.forEach((x, i) => {
        const sub = this.json(x, col + 2);
        if (i < v.items.length - 1) sub[sub.length - 1] += ',';
        lines.push(...sub);
      });
      lines.push(`${' '.repeat(col)}]`);
      return lines;
    }
    const s = v.s === 'str' ? JSON.stringify(v.v) : this.flow(v);
    return [`${' '.repeat(col)}${s}`];
  }

  key(k: string, flow: boolean): string {
    return plainOk(k, flow) && !this.chance(0.1) ? k : JSON.stringify(k);
  }

  private isBlockCollection(v: SVal): boolean {
    return (v.s === 'map' && v.entries.length > 0) || (v.s === 'seq' && v.items.length > 0);
  }

  /** Lines of a block mapping at column `col`. */
  mapLines(v: Extract<SVal, { s: 'map' }>, col: number): string[] {
    const pad = ' '.repeat(col);
    const out: string[] = [];
    for (const [k, x] of v.entries) {
      if (this.chance(0.15)) out.push(...this.comments(col));
      const key = `${pad}${this.key(k, false)}:`;
      out.push(...this.valueAfter(key, x, col));
    }
    return out;
  }

  /** `prefix` (a `key:` or `-`) followed by a value whose parent sits at `col`. */
  private valueAfter(prefix: string, x: SVal, col: number): string[] {
    if (x.s === 'anchor') {
      if (!this.isBlockCollection(x.v)) return [`${prefix} ${this.flow(x)}${this.trail()}`];
      const lines = this.valueAfter(`${prefix} &${x.name}`, x.v, col);
      return lines;
    }
    if (x.s === 'text') {
      if (this.chance(0.1)) return [`${prefix} ${JSON.stringify(textValue(x))}${this.trail()}`];
      const inner = ' '.repeat(col + this.style.unit);
      return [`${prefix} ${x.header}${this.trail()}`, ...x.lines.map((l) => (l === '' ? '' : inner + l))];
    }
    if (this.isBlockCollection(x) && !this.chance(0.12)) {
      const head = `${prefix}${this.trail()}`;
      const between = this.chance(0.1) ? this.comments(col + this.style.unit) : [];
      if (x.s === 'map') return [head, ...between, ...this.mapLines(x, col + this.style.unit)];
      const seqCol = this.style.indentSeq || prefix.trimStart().startsWith('-') ? col + this.style.unit : col;
      return [head, ...between, ...this.seqLines(x as Extract<SVal, { s: 'seq' }>, seqCol)];
    }
    if (x.s === 'null' && this.rnd() < 0.3) return [`${prefix}${this.trail()}`];
    return [`${prefix} ${this.flow(x)}${this.trail()}`];
  }

  /** Lines of a block sequence whose dashes sit at column `col`. */
  seqLines(v: Extract<SVal, { s: 'seq' }>, col: number): string[] {
    const pad = ' '.repeat(col);
    const out: string[] = [];
    for (const x of v.items) {
      if (this.chance(0.15)) out.push(...this.comments(col));
      if (x.s === 'map' && x.entries.length > 0 && !this.chance(0.1)) {
        // Compact form: the first entry on the dash line.
        const lines = this.mapLines(x, col + 2);
        const first = lines.findIndex((l) => !/^\s*(#|$)/.test(l));
        out.push(...lines.slice(0, first));
        out.push(`${pad}- ${(lines[first] as string).slice(col + 2)}`, ...lines.slice(first + 1));
      } else if (x.s === 'seq' && x.items.length > 0 && !this.chance(0.3)) {
        const lines = this.seqLines(x, col + 2);
        const first = lines.findIndex((l) => !/^\s*(#|$)/.test(l));
        out.push(...lines.slice(0, first));
        out.push(`${pad}- ${(lines[first] as string).slice(col + 2)}`, ...lines.slice(first + 1));
      } else {
        out.push(...this.valueAfter(`${pad}-`, x, col));
      }
    }
    return out;
  }
}

/** The string a block scalar spec stands for (used when it is written quoted instead). */
export function textValue(v: Extract<SVal, { s: 'text' }>): string {
  return v.lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// Policies

/** A generated policy: the EksFitPolicy object, plus what the oracle needs to know. */
export interface PolicySpec {
  readonly doc: Record<string, unknown>;
}

const timeout = fc.integer({ min: 1, max: 86400 }).map((n) => `${n}s`);

const selectorField = {
  kinds: fc.subarray(['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'CronJob', 'Job', 'Rollout', 'Widget'], {
    minLength: 1,
  }),
  namespaces: fc.array(fc.constantFrom('prod', 'team-*', 'default', '*', 'istio-?ystem', 'nope'), {
    minLength: 1,
    maxLength: 2,
  }),
  names: fc.array(fc.constantFrom('api*', 'web', '*', 'db-?', 'nothing'), { minLength: 1, maxLength: 2 }),
  labelSelector: fc.oneof(
    fc.constantFrom('app=web', 'app in (web,api)', '!eksfit.dev/skip', 'tier!=front', 'app'),
    fc.constantFrom<Record<string, unknown>>(
      { matchLabels: { app: 'api' } },
      { matchExpressions: [{ key: 'tier', operator: 'In', values: ['back', 'yes'] }] },
      { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
    ),
  ),
};

/** A selector of mostly one or two fields (each narrows it). */
const selector = fc
  .record({
    kinds: sometimes(selectorField.kinds, 0.35),
    namespaces: sometimes(selectorField.namespaces, 0.25),
    names: sometimes(selectorField.names, 0.25),
    labelSelector: sometimes(selectorField.labelSelector, 0.25),
  })
  .map(defined);

const ANNOTATION_KEYS = [
  `${EKS}security-group-id`,
  'example.com/team',
  'ünïcødé/key',
  'with space',
  'yes',
  '123',
  'a:b',
  '#hash',
  '-dash',
  'x',
];

const rule = fc
  .record({
    match: sometimes(selector, 0.6),
    exclude: sometimes(selector, 0.2),
    ipvs: sometimes(fc.record({ udpTimeout: timeout, tcpTimeout: timeout }, { requiredKeys: [] }), 0.5),
    annotations: sometimes(
      fc.dictionary(fc.constantFrom(...ANNOTATION_KEYS), fc.oneof(anyString, fc.integer(), fc.boolean()), {
        minKeys: 1,
        maxKeys: 3,
      }),
      0.4,
    ),
    overwrite: sometimes(fc.boolean(), 0.5),
    ports: sometimes(
      fc.oneof(
        fc.record(
          {
            strategy: fc.constant('metricsPort'),
            metricsPort: fc.oneof(fc.constant('auto'), fc.constantFrom(9110, 9111, 8080, 50051)),
          },
          { requiredKeys: ['strategy'] },
        ),
        fc.record(
          {
            strategy: fc.constant('remap'),
            remapTo: fc.oneof(fc.constant('auto'), fc.constantFrom(9101, 9200, 8080)),
            env: fc.constantFrom('PORT', 'METRICS_PORT'),
          },
          { requiredKeys: ['strategy'] },
        ),
        fc.record({ strategy: fc.constant('none'), avoid: fc.constantFrom([9100], [9100, 8080]) }),
      ),
      0.4,
    ),
    placement: sometimes(fc.constantFrom('superNode', 'avoidSuperNode'), 0.3),
    egress: sometimes(
      fc.record(
        {
          eip: fc.constantFrom({}, { InternetMaxBandwidthOut: 50 }),
          claimDeletePolicy: fc.constantFrom('Never', 'Always'),
        },
        { requiredKeys: [] },
      ),
      0.2,
    ),
  })
  .map((r) => {
    const out = defined(r) as Record<string, unknown>;
    if (isEmpty(out.match)) delete out.match;
    if (isEmpty(out.exclude)) delete out.exclude;
    if (isEmpty(out.ipvs)) delete out.ipvs;
    if (isEmpty(out.egress)) delete out.egress;
    return out;
  });

function isEmpty(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** A valid EksFitPolicy. */
export const policy: fc.Arbitrary<PolicySpec> = fc
  .record({
    preset: fc.constantFrom('recommended', 'none', undefined),
    rules: fc.array(rule, { minLength: 1, maxLength: 3 }),
    rollout: fc.boolean(),
  })
  .map(({ preset, rules, rollout }) => ({
    doc: {
      apiVersion: 'eksfit.dev/v1alpha1',
      kind: 'EksFitPolicy',
      metadata: { name: 'generated' },
      spec: {
        ...(preset !== undefined ? { preset } : {}),
        rules: rules.map((r, i) => ({ name: `rule-${i}`, ...r })),
        ...(rollout
          ? { podTemplatePaths: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', path: 'spec.template' }] }
          : {}),
      },
    },
  }));

// ---------------------------------------------------------------------------
// ResourceLists (KRM functions)

/** A plain value (a policy object) as a semantic tree. */
export function fromJs(v: unknown): SVal {
  if (v === null || v === undefined) return { s: 'null' };
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') return num(v);
  if (typeof v === 'boolean') return { s: 'bool', v };
  if (Array.isArray(v)) return seq(v.map(fromJs));
  return map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJs(x)] as const));
}

/** A ResourceList: its items, its functionConfig, and the policy the oracle should assume. */
export interface ResourceListCase {
  readonly text: string;
  readonly items: number;
  /** The functionConfig as an EksFitPolicy (a ConfigMap's keys turned into one rule), or undefined. */
  readonly policy: Record<string, unknown> | undefined;
}

const configMapConfig = fc
  .record({
    preset: sometimes(fc.constantFrom('recommended', 'none'), 0.5),
    udpTimeout: sometimes(timeout, 0.5),
    tcpTimeout: sometimes(timeout, 0.5),
    metricsPort: sometimes(fc.constantFrom('auto', '9110', '9111'), 0.4),
    labelSelector: sometimes(fc.constantFrom('app=web', 'app in (web,api)'), 0.3),
  })
  .map(defined)
  .filter(
    (d) =>
      d.labelSelector === undefined ||
      d.udpTimeout !== undefined ||
      d.tcpTimeout !== undefined ||
      d.metricsPort !== undefined,
  );

/** The EksFitPolicy a kpt ConfigMap functionConfig stands for. */
function configMapPolicy(d: Record<string, string | undefined>): Record<string, unknown> {
  const rule = defined({
    name: 'function-input',
    ipvs: d.udpTimeout || d.tcpTimeout ? defined({ udpTimeout: d.udpTimeout, tcpTimeout: d.tcpTimeout }) : undefined,
    ports: d.metricsPort
      ? { strategy: 'metricsPort', metricsPort: d.metricsPort === 'auto' ? 'auto' : Number(d.metricsPort) }
      : undefined,
    match: d.labelSelector ? { labelSelector: d.labelSelector } : undefined,
  });
  return {
    apiVersion: 'eksfit.dev/v1alpha1',
    kind: 'EksFitPolicy',
    spec: defined({ preset: d.preset, rules: Object.keys(rule).length > 1 ? [rule] : [] }),
  };
}

export const resourceList: fc.Arbitrary<ResourceListCase> = fc
  .record({
    apiVersion: fc.constantFrom('config.kubernetes.io/v1', 'config.kubernetes.io/v1alpha1'),
    items: fc.array(k8sObject, { maxLength: 5 }),
    config: fc.oneof(
      fc.constant(undefined),
      policy.map((p) => ({ fc: p.doc, policy: p.doc })),
      configMapConfig.map((d) => ({
        fc: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data: d },
        policy: configMapPolicy(d),
      })),
    ),
    style: streamStyle,
  })
  .map(({ apiVersion, items, config, style }) => {
    const body = map([
      ['apiVersion', str(apiVersion)],
      ['kind', str('ResourceList')],
      ['items', seq(items)],
      config && ['functionConfig', fromJs(config.fc)],
    ]);
    return {
      text: renderStream({ docs: [{ body, marker: false, end: false }], style }),
      items: items.length,
      policy: config?.policy,
    };
  });
