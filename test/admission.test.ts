import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  admitPod,
  Admitter,
  BadReview,
  escapePointer,
  MAX_WARNINGS,
  policyName,
  review,
  WARNING_LENGTH,
} from '../src/admission.ts';
import { defaultPolicy, loadPolicy, type Policy } from '../src/policy.ts';
import fc from 'fast-check';
import { policy as policyArb } from './helpers/policies.ts';
import { propertyParams } from './helpers/property.ts';
import { applyPatch } from './helpers/json-patch.ts';

const UDP = 'eks.tke.cloud.tencent.com/ipvs-udp-timeout';
const TCP = 'eks.tke.cloud.tencent.com/ipvs-tcp-timeout';
const METRICS = 'eks.tke.cloud.tencent.com/metrics-port';

type Obj = Record<string, unknown>;

function pod(over: { metadata?: Obj; spec?: Obj } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', ...over.metadata },
    spec: { containers: [{ name: 'app', image: 'app:1' }], ...over.spec },
  };
}

function policy(rules: Obj[], preset: 'none' | 'recommended' = 'none'): Policy {
  return loadPolicy(
    { apiVersion: 'eksfit.dev/v1alpha1', kind: 'EksFitPolicy', metadata: { name: 't' }, spec: { preset, rules } },
    't',
  );
}

function annotationsOf(o: Obj): Obj {
  return ((o.metadata as Obj).annotations ?? {}) as Obj;
}

const admit = suite('admitPod');

admit('a Pod with no annotations gets one add of the whole map', () => {
  const p = pod({ metadata: { labels: { 'sidecar.istio.io/inject': 'true' } } });
  const a = admitPod(p, defaultPolicy(), { namespace: 'ns' });
  assert.is(a.outcome, 'patched');
  assert.equal(a.patch, [{ op: 'add', path: '/metadata/annotations', value: { [UDP]: '120s' } }]);
  assert.equal(a.warnings, []);
});

admit('keys are escaped in patch paths: / as ~1, ~ as ~0', () => {
  assert.is(escapePointer('a/b~c'), 'a~1b~0c');
  const pol = policy([{ name: 'sg', annotations: { 'example.com/a~b': 'x', [TCP]: '60s' } }]);
  const a = admitPod(pod({ metadata: { annotations: { keep: 'me' } } }), pol);
  assert.equal(a.patch, [
    { op: 'add', path: '/metadata/annotations/example.com~1a~0b', value: 'x' },
    { op: 'add', path: '/metadata/annotations/eks.tke.cloud.tencent.com~1ipvs-tcp-timeout', value: '60s' },
  ]);
  assert.equal(annotationsOf(applyPatch(pod({ metadata: { annotations: { keep: 'me' } } }), a.patch)), {
    keep: 'me',
    'example.com/a~b': 'x',
    [TCP]: '60s',
  });
});

admit('existing annotations with any characters are never touched by the patch', () => {
  const odd = { note: 'line\u2028sep \u0085 \u007f "q" \\ \ttab\nnl', y: 'on', n: '0x10' };
  const a = admitPod(pod({ metadata: { annotations: odd } }), policy([{ name: 'r', ipvs: { tcpTimeout: '60s' } }]));
  assert.equal(a.patch, [
    { op: 'add', path: '/metadata/annotations/eks.tke.cloud.tencent.com~1ipvs-tcp-timeout', value: '60s' },
  ]);
});

admit('an existing value stays with overwrite: false and is replaced with overwrite: true', () => {
  const p = pod({ metadata: { annotations: { [TCP]: '900s' }, labels: { app: 'api' } } });
  const keep = admitPod(p, policy([{ name: 'r', match: { labelSelector: 'app=api' }, ipvs: { tcpTimeout: '1800s' } }]));
  assert.is(keep.outcome, 'unchanged');
  assert.equal(keep.patch, []);
  const over = admitPod(
    p,
    policy([{ name: 'r', match: { labelSelector: 'app=api' }, ipvs: { tcpTimeout: '1800s' }, overwrite: true }]),
  );
  assert.equal(over.patch, [
    { op: 'replace', path: '/metadata/annotations/eks.tke.cloud.tencent.com~1ipvs-tcp-timeout', value: '1800s' },
  ]);
});

admit('a Pod labelled or annotated eksfit.dev/skip: "true" is left alone', () => {
  const pol = policy([{ name: 'all', ipvs: { tcpTimeout: '60s' } }]);
  for (const where of ['labels', 'annotations']) {
    const a = admitPod(pod({ metadata: { [where]: { 'eksfit.dev/skip': 'true' } } }), pol);
    assert.is(a.outcome, 'unchanged', where);
    assert.equal(a.patch, []);
  }
});

admit(
  'the recommended preset at admission: OTLP client env, Istio containers, 9100 (no Services, no Namespaces)',
  () => {
    const p = pod({
      spec: {
        containers: [
          {
            name: 'app',
            image: 'a',
            ports: [{ name: 'grpc-api', containerPort: 8080 }, { containerPort: 9100 }],
            env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://collector.observability:4317' }],
          },
          { name: 'istio-proxy', image: 'proxyv2' },
        ],
      },
    });
    const a = admitPod(p, defaultPolicy());
    assert.equal(annotationsOf(applyPatch(p, a.patch)), { [UDP]: '120s', [TCP]: '1800s', [METRICS]: '9110' });
    // A gRPC server (its own port named grpc-api) is no client by itself: no TCP timeout without a client signal.
    const server = pod({
      spec: { containers: [{ name: 'app', image: 'a', ports: [{ name: 'grpc', containerPort: 50051 }] }] },
    });
    assert.equal(admitPod(server, defaultPolicy()).patch, []);
    // 9100 bound by an argument, without a containerPort, moves EKS's metrics port too.
    const bound = pod({ spec: { containers: [{ name: 'app', image: 'a', args: ['--web.listen-address=:9100'] }] } });
    assert.equal(annotationsOf(applyPatch(bound, admitPod(bound, defaultPolicy()).patch)), { [METRICS]: '9110' });
    // The metrics move is a warning: admission warnings carry it, bounded in length.
    assert.ok(a.warnings.some((w) => w.includes('9110')));
    for (const w of a.warnings) assert.ok(w.length <= WARNING_LENGTH && w.startsWith('eksfit: '), w);
    // A second evaluation of the patched Pod (reinvocation) changes nothing.
    assert.equal(admitPod(applyPatch(p, a.patch), defaultPolicy()).patch, []);
  },
);

admit('checks become warnings; whole-input checks (unmatched rules, quotas) do not', () => {
  const p = pod({ spec: { containers: [{ name: 'a', image: 'a', ports: [{ containerPort: 80, hostPort: 80 }] }] } });
  const a = admitPod(p, policy([{ name: 'nothing', match: { names: ['other'] }, ipvs: { tcpTimeout: '60s' } }]));
  assert.is(a.outcome, 'unchanged');
  assert.ok(
    a.warnings.some((w) => /hostPort/i.test(w)),
    a.warnings.join('\n'),
  );
  assert.not.ok(a.warnings.some((w) => w.includes('matched no')));
});

admit('warnings are bounded in number', () => {
  const ports = Array.from({ length: 12 }, (_, i) => ({ containerPort: 80 + i, hostPort: 80 + i }));
  const volumes = Array.from({ length: 12 }, (_, i) => ({ name: `v${i}`, hostPath: { path: `/x${i}` } }));
  const a = admitPod(pod({ spec: { containers: [{ name: 'a', image: 'a', ports }], volumes } }), defaultPolicy());
  assert.is(a.warnings.length, MAX_WARNINGS);
  assert.is(a.warnings[MAX_WARNINGS - 1], 'eksfit: 17 more findings');
});

admit('placement: node selector and toleration, tolerations appended with /-', () => {
  const pol = policy([{ name: 'super', placement: 'superNode' }]);
  const existing = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }];
  const p = pod({ spec: { containers: [{ name: 'a', image: 'a' }], tolerations: existing } });
  const a = admitPod(p, pol);
  assert.equal(a.patch, [
    { op: 'add', path: '/spec/nodeSelector', value: { 'node.kubernetes.io/instance-type': 'eklet' } },
    {
      op: 'add',
      path: '/spec/tolerations/-',
      value: { key: 'eks.tke.cloud.tencent.com/eklet', operator: 'Exists', effect: 'NoSchedule' },
    },
  ]);
  const avoid = admitPod(pod(), policy([{ name: 'off', placement: 'avoidSuperNode' }]));
  assert.equal(
    avoid.patch.map((o) => `${o.op} ${o.path}`),
    ['add /spec/affinity'],
  );
});

admit('placement is not applied to a DaemonSet Pod (pinned to its node), with a warning', () => {
  const p = pod({
    metadata: {
      name: '',
      generateName: 'agent-',
      ownerReferences: [{ kind: 'DaemonSet', name: 'agent', controller: true }],
    },
  });
  const a = admitPod(p, policy([{ name: 'super', placement: 'superNode' }]));
  assert.equal(a.patch, []);
  assert.ok(a.warnings.some((w) => w.includes('DaemonSet')));
});

admit('ports.strategy remap is render-time only: warned, not patched', () => {
  const p = pod({ spec: { containers: [{ name: 'a', image: 'a', ports: [{ containerPort: 9100 }] }] } });
  const a = admitPod(p, policy([{ name: 'move', ports: { strategy: 'remap' } }]));
  assert.ok(a.patch.every((o) => o.path.startsWith('/metadata/annotations')));
  assert.ok(
    a.warnings.some((w) => w.includes('not applied at admission')),
    a.warnings.join('\n'),
  );
});

admit('anything eksfit cannot evaluate is allowed unchanged, with a warning saying why', () => {
  const none = admitPod(undefined, defaultPolicy());
  assert.is(none.outcome, 'failedOpen');
  assert.equal(none.patch, []);
  assert.match(none.warnings[0] ?? '', /^eksfit: Pod not evaluated, allowed unchanged: /);
  // An exception inside eksfit (here a broken policy object) is caught the same way.
  const broken = { ...defaultPolicy(), rules: null } as unknown as Policy;
  const a = admitPod(pod(), broken);
  assert.is(a.outcome, 'failedOpen');
  assert.ok(a.error);
});

const names = suite('policyName');

names('a Pod with a name keeps it; generateName without owner loses its trailing -', () => {
  assert.is(policyName({ metadata: { name: 'p', generateName: 'x-' } }), 'p');
  assert.is(policyName({ metadata: { generateName: 'runner-' } }), 'runner');
  assert.is(policyName({ metadata: {} }), '');
});

names('ReplicaSet Pods: the Deployment name (pod-template-hash stripped)', () => {
  const md = {
    generateName: 'web-api-5d8f7c9b4-',
    labels: { 'pod-template-hash': '5d8f7c9b4' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-api-5d8f7c9b4', controller: true }],
  };
  assert.is(policyName({ metadata: md }), 'web-api');
  // A bare ReplicaSet (no hash label, or a name without it) is matched as itself.
  assert.is(policyName({ metadata: { ...md, labels: {} } }), 'web-api-5d8f7c9b4');
});

names('Job Pods: the CronJob name when the Job carries its -<minutes> suffix, else the Job', () => {
  const job = (name: string): Obj => ({
    metadata: { generateName: `${name}-`, ownerReferences: [{ kind: 'Job', name, controller: true }] },
  });
  assert.is(policyName(job('backup-29411520')), 'backup');
  assert.is(policyName(job('migrate-2')), 'migrate-2');
  assert.is(policyName(job('report')), 'report');
});

names('rules match names against the derived name at admission', () => {
  const pol = policy([{ name: 'web', match: { names: ['web-api'], kinds: ['Pod'] }, ipvs: { tcpTimeout: '60s' } }]);
  const p = pod({
    metadata: {
      name: undefined,
      generateName: 'web-api-5d8f7c9b4-',
      labels: { 'pod-template-hash': '5d8f7c9b4' },
      ownerReferences: [{ kind: 'ReplicaSet', name: 'web-api-5d8f7c9b4', controller: true }],
    },
  });
  const a = admitPod(p, pol);
  assert.is(a.name, 'web-api');
  assert.equal(a.patch, [{ op: 'add', path: '/metadata/annotations', value: { [TCP]: '60s' } }]);
  // A rule for the Deployment kind does not apply: at admission every object is a Pod.
  const byKind = policy([{ name: 'dep', match: { kinds: ['Deployment'] }, ipvs: { tcpTimeout: '60s' } }]);
  assert.equal(admitPod(p, byKind).patch, []);
});

const rev = suite('review');

function reviewOf(request: Obj): Obj {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

rev('answers an AdmissionReview with the uid, allowed, and a base64 JSONPatch', () => {
  const body = reviewOf({
    uid: 'u-1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'team',
    dryRun: true,
    object: pod({ metadata: { name: '', namespace: undefined, labels: { 'sidecar.istio.io/inject': 'true' } } }),
  });
  const { response } = review(body, defaultPolicy());
  const r = response.response as Obj;
  assert.is(response.apiVersion, 'admission.k8s.io/v1');
  assert.is(response.kind, 'AdmissionReview');
  assert.is(r.uid, 'u-1');
  assert.is(r.allowed, true);
  assert.is(r.patchType, 'JSONPatch');
  assert.equal(JSON.parse(Buffer.from(r.patch as string, 'base64').toString()), [
    { op: 'add', path: '/metadata/annotations', value: { [UDP]: '120s' } },
  ]);
  assert.is(r.warnings, undefined);
});

rev('anything but a Pod CREATE is allowed unchanged', () => {
  for (const req of [
    { operation: 'UPDATE', kind: { group: '', version: 'v1', kind: 'Pod' } },
    { operation: 'CREATE', kind: { group: 'apps', version: 'v1', kind: 'Deployment' } },
    { operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' }, subResource: 'binding' },
  ]) {
    const { response } = review(
      reviewOf({ uid: 'u', object: pod({ metadata: { labels: { 'sidecar.istio.io/inject': 'true' } } }), ...req }),
      defaultPolicy(),
    );
    assert.equal(response.response, { uid: 'u', allowed: true });
  }
});

rev('a body that is not an AdmissionReview is a BadReview', () => {
  for (const body of [
    null,
    [],
    'x',
    { kind: 'Pod' },
    { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'u' } },
    reviewOf({}),
    { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
  ]) {
    assert.throws(
      () => review(body, defaultPolicy()),
      (e: unknown) => e instanceof BadReview,
    );
  }
});

/** An AdmissionReview's text as the API server writes it (kind first, no spaces). */
const apiServerText = (uid: string, object: unknown, namespace = 'ns', extra = ''): string =>
  `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":${JSON.stringify(uid)},"kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":${JSON.stringify(namespace)},"object":${JSON.stringify(object)}${extra}}}`;

rev('an Admitter answers requests that differ only in their uid from its memo', () => {
  const admitter = new Admitter(defaultPolicy(), 2);
  const p = pod({ metadata: { labels: { 'sidecar.istio.io/inject': 'true' } } });
  const first = admitter.answer(apiServerText('u1', p));
  const second = admitter.answer(apiServerText('u2', structuredClone(p)));
  assert.is(first.admission.cached, false);
  assert.is(second.admission.cached, true);
  assert.equal(second.admission.patch, first.admission.patch);
  assert.ok(first.admission.patch.length > 0);
  // The memo's answer is the one a full evaluation gives, for its own uid.
  assert.equal(JSON.parse(second.response), review(JSON.parse(apiServerText('u2', p)), defaultPolicy()).response);
  assert.equal(second.request, { uid: 'u2', namespace: 'ns', operation: 'CREATE' });
  // Another namespace is another answer (rules select namespaces).
  assert.is(admitter.answer(apiServerText('u3', p, 'other')).admission.cached, false);
  // Bounded: the least recently used entry goes.
  admitter.answer(apiServerText('u4', pod()));
  assert.is(admitter.answer(apiServerText('u5', p)).admission.cached, false);
  // Bounded in memory too: a request longer than maxRequestChars is evaluated every time.
  const small = new Admitter(defaultPolicy(), 10, 50);
  small.answer(apiServerText('u6', p));
  assert.is(small.answer(apiServerText('u7', p)).admission.cached, false);
});

rev('an Admitter keeps only what it can key by the uid alone', () => {
  const p = pod({ metadata: { labels: { 'sidecar.istio.io/inject': 'true' } } });
  const twice = (a: string, b: string): boolean => {
    const admitter = new Admitter(defaultPolicy());
    admitter.answer(a);
    return admitter.answer(b).admission.cached;
  };
  // The same request but for its uid, and kind/apiVersion in either order: from the memo.
  const other = (uid: string) =>
    apiServerText(uid, p).replace(
      '"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"',
      '"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"',
    );
  assert.ok(twice(other('a'), other('b')));
  // A replica created a second later: its managedFields carry another time, still the same Pod.
  const managed = (time: string, note = 'x') =>
    pod({
      metadata: {
        labels: { 'sidecar.istio.io/inject': 'true' },
        annotations: { note },
        managedFields: [{ manager: 'kube-controller-manager', time, fieldsV1: { 'f:metadata': { 'f:labels': {} } } }],
      },
    });
  assert.ok(
    twice(apiServerText('a', managed('2026-12-07T10:00:00Z')), apiServerText('b', managed('2026-12-07T10:00:01Z'))),
  );
  // Text that only looks like managedFields inside a string is not cut: another annotation is another Pod.
  const fake = '"managedFields":[1]';
  assert.not.ok(
    twice(
      apiServerText('a', managed('2026-12-07T10:00:00Z', fake)),
      apiServerText('b', managed('2026-12-07T10:00:01Z', 'y')),
    ),
  );
  // Anything else differing is evaluated again: a field after the uid, spaces, a uid with an escape.
  assert.not.ok(twice(apiServerText('a', p), apiServerText('b', p, 'ns', ',"dryRun":true')));
  assert.not.ok(twice(apiServerText('a', p), apiServerText('a', pod())));
  assert.not.ok(
    twice(
      JSON.stringify(JSON.parse(apiServerText('a', p)), null, 1),
      JSON.stringify(JSON.parse(apiServerText('b', p)), null, 1),
    ),
  );
  assert.not.ok(twice(apiServerText('a\\"', p), apiServerText('b\\"', p)));
  // A Pod not evaluated (failedOpen) is not kept.
  assert.not.ok(twice(apiServerText('a', 'not a pod'), apiServerText('b', 'not a pod')));
  // Text that is not JSON is a BadReview.
  assert.throws(
    () =>
      new Admitter(defaultPolicy()).answer(
        '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"x"',
      ),
    (e: unknown) => e instanceof BadReview,
  );
});

const { params } = propertyParams(100);

const key = fc.constantFrom('app', 'tier', 'example.com/a~b', 'x/y', UDP, TCP, METRICS, 'sidecar.istio.io/inject');
const value = fc.constantFrom('true', 'false', 'web', '120s', '60s', '9110', '', 'a\u2028b', 'on');
const port = fc.record(
  {
    name: fc.constantFrom('grpc', 'grpc-api', 'http', 'metrics'),
    containerPort: fc.constantFrom(80, 8080, 9100, 9110, 50051),
    hostPort: fc.constantFrom(80, 9100),
    appProtocol: fc.constantFrom('grpc', 'http'),
  },
  { requiredKeys: ['containerPort'] },
);
const container = fc.record({
  name: fc.constantFrom('app', 'istio-proxy', 'sidecar'),
  image: fc.constant('img'),
  ports: fc.array(port, { maxLength: 3 }),
});
/** Pods as the API server sends them: named or generated, with owners, annotations, placement fields. */
const podArb = fc
  .record(
    {
      name: fc.constantFrom('web', 'api-v2', 'worker', ''),
      owner: fc.constantFrom('ReplicaSet', 'Job', 'DaemonSet', 'StatefulSet'),
      labels: fc.dictionary(key, value, { maxKeys: 3 }),
      annotations: fc.dictionary(key, value, { maxKeys: 3 }),
      containers: fc.array(container, { minLength: 1, maxLength: 3 }),
      nodeSelector: fc.dictionary(fc.constantFrom('node.kubernetes.io/instance-type', 'zone'), value, { maxKeys: 2 }),
      tolerations: fc.array(
        fc.record({ key: fc.constantFrom('a', 'eks.tke.cloud.tencent.com/eklet'), operator: fc.constant('Exists') }),
        { maxLength: 2 },
      ),
      ns: fc.constantFrom('default', 'prod', 'team-a'),
    },
    { requiredKeys: ['name', 'labels', 'containers', 'ns'] },
  )
  .map((p) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(p.name ? { name: p.name } : { generateName: 'web-abc12-' }),
      labels: { ...p.labels, 'pod-template-hash': 'abc12' },
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.owner ? { ownerReferences: [{ kind: p.owner, name: 'web-abc12', controller: true }] } : {}),
    },
    spec: {
      containers: p.containers,
      ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
      ...(p.tolerations ? { tolerations: p.tolerations } : {}),
    },
    ns: p.ns,
  }));

const ALLOWED = /^\/(metadata\/annotations|spec\/nodeSelector|spec\/tolerations|spec\/affinity|spec$)/;

const props = suite('admitPod properties');

props(
  'for any Pod and policy: evaluated, only allowed paths, existing annotations kept, a second call changes nothing',
  () => {
    fc.assert(
      fc.property(podArb, fc.option(policyArb, { freq: 3, nil: undefined }), ({ ns, ...pod }, spec) => {
        const pol = spec ? loadPolicy(spec.doc, 'generated') : defaultPolicy();
        const a = admitPod(pod, pol, { namespace: ns });
        assert.is.not(a.outcome, 'failedOpen', a.error);
        for (const op of a.patch) assert.match(op.path, ALLOWED);
        for (const w of a.warnings) assert.ok(w.length <= WARNING_LENGTH, w);
        const patched = applyPatch(pod, a.patch);
        const before = annotationsOf(pod);
        const after = annotationsOf(patched);
        const overwrites = pol.rules.some((r) => r.overwrite);
        for (const [k, v] of Object.entries(before)) {
          if (!overwrites) assert.is(after[k], v, `annotation ${k} kept`);
          else assert.ok(k in after);
        }
        const again = admitPod(patched, pol, { namespace: ns });
        assert.equal(again.patch, [], 'reinvocation changes nothing');
      }),
      params,
    );
  },
);

admit.run();
names.run();
rev.run();
props.run();
