import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IGNORE_CHECKS, ignoredChecks, withoutIgnored } from '../src/audit.ts';
import { CHECKS } from '../src/checks.ts';
import { KindTable } from '../src/kinds.ts';
import { loadPolicy, type Policy } from '../src/policy.ts';
import { result, type Result } from '../src/results.ts';
import { transform } from '../src/transform.ts';
import { objectOf } from '../src/workload.ts';
import { isMap, parseDocument } from 'yaml';

const schema = JSON.parse(readFileSync(new URL('../schema/eksfit-policy.schema.json', import.meta.url), 'utf8')) as {
  definitions: { checkId: { enum: string[] } };
};

function policy(spec: Record<string, unknown> = {}): Policy {
  return loadPolicy(
    {
      apiVersion: 'eksfit.dev/v1alpha1',
      kind: 'EksFitPolicy',
      metadata: { name: 't' },
      spec: { preset: 'none', ...spec },
    },
    'test',
  );
}

/** The results of one check for a YAML stream. */
function found(check: string, text: string, spec: Record<string, unknown> = {}): Result[] {
  return transform([{ file: 'in.yaml', text }], { policy: policy(spec) }).results.filter(
    (r) => r.tags?.check === check,
  );
}

const deployment = (
  name: string,
  podSpec: string,
  opts: { replicas?: number; annotations?: string; meta?: string } = {},
): string =>
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${opts.meta ?? ''}spec:
${opts.replicas !== undefined ? `  replicas: ${opts.replicas}\n` : ''}  template:
    metadata:
      annotations: {${opts.annotations ?? ''}}
    spec:
${podSpec
  .split('\n')
  .map((l) => (l ? `      ${l}` : l))
  .join('\n')}
`;

const table = suite('CHECKS');

table('has one row per checkId of the schema, in no particular order', () => {
  const ids = CHECKS.map((c) => c.id);
  assert.equal([...ids].sort(), [...schema.definitions.checkId.enum].sort());
  assert.is(new Set(ids).size, ids.length, 'ids are unique');
});

table('every row says what to do and either finds or names its emitter', () => {
  for (const c of CHECKS) {
    assert.ok(c.message.length > 20, `${c.id} has a message`);
    assert.ok(['error', 'warning', 'info'].includes(c.severity), `${c.id} severity`);
    assert.ok((c.find !== undefined) !== (c.emittedBy !== undefined), `${c.id}: find xor emittedBy`);
  }
});

table('eipConflict and podSpec are errors by default, the rest warnings', () => {
  for (const c of CHECKS)
    assert.is(c.severity, c.id === 'eipConflict' || c.id === 'podSpec' ? 'error' : 'warning', c.id);
});

const run = suite('runChecks');

run('results keep the KRM shape: severity, resourceRef, field, file, tags.check', () => {
  const [r] = found('hostNetwork', deployment('web', 'hostNetwork: true\ncontainers: [{name: web, image: nginx}]'));
  assert.ok(r);
  assert.is(r.severity, 'warning');
  assert.equal(r.resourceRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
  assert.equal(r.field, { path: 'spec.template.spec.hostNetwork', currentValue: 'true' });
  assert.equal(r.file, { path: 'in.yaml', index: 0 });
  assert.equal(r.tags, { check: 'hostNetwork' });
  assert.match(r.message, /^hostNetwork is true: /);
});

run('hostPort: every container port with a hostPort other than 0', () => {
  const rs = found(
    'hostPort',
    deployment(
      'a',
      'containers:\n  - name: a\n    ports: [{containerPort: 1, hostPort: 80}, {containerPort: 2, hostPort: 0}, {containerPort: 3}]',
    ),
  );
  assert.equal(
    rs.map((r) => r.field?.path),
    ['spec.template.spec.containers[0].ports[0].hostPort'],
  );
});

run('sysctls: net.* passes, others and a malformed annotation are reported', () => {
  const ok = deployment(
    'a',
    'securityContext: {sysctls: [{name: net.core.somaxconn, value: "1"}]}\ncontainers: [{name: a}]',
    {
      annotations: `eks.tke.cloud.tencent.com/host-sysctls: '[{"name":"net.ipv4.tcp_syncookies","value":"1"}]'`,
    },
  );
  assert.equal(found('sysctls', ok), []);
  const bad = deployment(
    'a',
    'securityContext: {sysctls: [{name: kernel.msgmax, value: "1"}]}\ncontainers: [{name: a}]',
    {
      annotations: `eks.tke.cloud.tencent.com/host-sysctls: '{"name":"net.core.somaxconn"}'`,
    },
  );
  const msgs = found('sysctls', bad).map((r) => r.message);
  assert.is(msgs.length, 2);
  assert.match(msgs[0] ?? '', /^sysctl kernel\.msgmax in securityContext\.sysctls/);
  assert.match(msgs[1] ?? '', /is not a JSON list/);
});

run('gpuType: any *gpu* resource above zero, unless gpu-type is set', () => {
  const pod = (res: string, ann = ''): string =>
    deployment('g', `containers:\n  - name: g\n    resources: ${res}`, { annotations: ann });
  assert.is(found('gpuType', pod('{limits: {nvidia.com/gpu: 1}}')).length, 1);
  assert.is(found('gpuType', pod('{requests: {amd.com/gpu: "2"}}')).length, 1);
  assert.is(found('gpuType', pod('{limits: {nvidia.com/gpu: 0}}')).length, 0);
  assert.is(found('gpuType', pod('{limits: {nvidia.com/gpu: 1}}', 'eks.tke.cloud.tencent.com/gpu-type: T4')).length, 0);
});

run('checks see the manifest as eksfit writes it: a rule adding gpu-type silences gpuType', () => {
  const text = deployment('g', 'containers:\n  - name: g\n    resources: {limits: {nvidia.com/gpu: 1}}');
  assert.is(found('gpuType', text).length, 1);
  assert.is(
    found('gpuType', text, { rules: [{ name: 'gpu', annotations: { 'eks.tke.cloud.tencent.com/gpu-type': 'T4' } }] })
      .length,
    0,
  );
});

run('checks see the manifest as eksfit writes it: egress on a Pod with eip-id-list is refused, not combined', () => {
  const text = deployment('e', 'containers: [{name: e}]', {
    annotations: 'eks.tke.cloud.tencent.com/eip-id-list: eip-1',
  });
  const out = transform([{ file: 'in.yaml', text }], {
    policy: policy({ rules: [{ name: 'eip', egress: { eip: {} } }] }),
  });
  assert.is(out.changed, false);
  const rs = out.results.filter((r) => r.tags?.check === 'eipConflict');
  assert.is(rs.length, 1);
  // Nothing broken is written, so a warning (the check's own default is error).
  assert.is(rs[0]?.severity, 'warning');
  assert.match(rs[0]?.message ?? '', /not set, because the Pod already binds existing EIPs/);
});

run('retainIp: only StatefulSets and bare Pods; "false" is not reported', () => {
  const ann = 'eks.tke.cloud.tencent.com/retain-ip: "true"';
  assert.is(found('retainIp', deployment('d', 'containers: [{name: d}]', { annotations: ann })).length, 1);
  assert.is(
    found(
      'retainIp',
      deployment('d', 'containers: [{name: d}]', { annotations: 'eks.tke.cloud.tencent.com/retain-ip: "false"' }),
    ).length,
    0,
  );
  const sts = deployment('s', 'containers: [{name: s}]', { annotations: ann }).replace(
    'kind: Deployment',
    'kind: StatefulSet',
  );
  assert.is(found('retainIp', sts).length, 0);
});

run('daemonSet: silenced by ds-injection plus a toleration of every taint', () => {
  const ds = (ann: string, tol: string): string =>
    deployment('d', `${tol}containers: [{name: d}]`, { annotations: ann }).replace(
      'kind: Deployment',
      'kind: DaemonSet',
    );
  assert.is(found('daemonSet', ds('', '')).length, 1);
  assert.is(
    found('daemonSet', ds('eks.tke.cloud.tencent.com/ds-injection: "true"', 'tolerations: [{operator: Exists}]\n'))
      .length,
    0,
  );
  const [r] = found('daemonSet', ds('eks.tke.cloud.tencent.com/ds-injection: "true"', ''));
  assert.match(r?.message ?? '', /no toleration/);
});

run('skipped workloads are not checked', () => {
  const text = deployment('s', 'hostNetwork: true\ncontainers: [{name: s}]', {
    meta: '  labels: {eksfit.dev/skip: "true"}\n',
  });
  assert.equal(found('hostNetwork', text), []);
});

run('podsPerCluster: missing replicas count 1; a skipped workload still counts', () => {
  const text = [
    deployment('a', 'containers: [{name: a}]', { replicas: 2 }),
    deployment('b', 'containers: [{name: b}]'),
    deployment('c', 'containers: [{name: c}]', { replicas: 1, meta: '  annotations: {eksfit.dev/skip: "true"}\n' }),
  ].join('---\n');
  assert.equal(found('podsPerCluster', text, { limits: { podsPerCluster: 4 } }), []);
  const [r] = found('podsPerCluster', text, { limits: { podsPerCluster: 3 } });
  assert.ok(r);
  assert.is(r.resourceRef, undefined);
  assert.match(
    r.message,
    /^the input runs up to 4 Pods, over the limit of 3 \(Deployment\/a 2, Deployment\/b 1, Deployment\/c 1\)/,
  );
});

run('podsPerCluster: figures list the five largest and how many more', () => {
  const text = Array.from({ length: 7 }, (_, i) =>
    deployment(`w${i}`, `containers: [{name: w}]`, { replicas: i + 1 }),
  ).join('---\n');
  const [r] = found('podsPerCluster', text, { limits: { podsPerCluster: 10 } });
  assert.match(
    r?.message ?? '',
    /\(Deployment\/w6 7, Deployment\/w5 6, Deployment\/w4 5, Deployment\/w3 4, Deployment\/w2 3, and 2 more\)/,
  );
});

run('replicasPerWorkload: an HPA in the same namespace raises the count', () => {
  const text = `${deployment('web', 'containers: [{name: w}]', { replicas: 2 })}---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  maxReplicas: 150
`;
  const [r] = found('replicasPerWorkload', text);
  assert.match(r?.message ?? '', /^HPA maxReplicas 150, over the limit of 100: /);
});

run('instancesPerSecurityGroup: a Pod in several groups counts in each', () => {
  const ann = 'eks.tke.cloud.tencent.com/security-group-id: "sg-1, sg-2"';
  const text = [
    deployment('a', 'containers: [{name: a}]', { replicas: 3, annotations: ann }),
    deployment('b', 'containers: [{name: b}]', { replicas: 3 }),
  ].join('---\n');
  const msgs = found('instancesPerSecurityGroup', text, { limits: { instancesPerSecurityGroup: 2 } }).map(
    (r) => r.message.split(':')[0],
  );
  assert.equal(msgs, [
    'security group sg-1 would hold up to 3 Pods, over the limit of 2 (Deployment/a 3)',
    'security group sg-2 would hold up to 3 Pods, over the limit of 2 (Deployment/a 3)',
    "the project's default security group (no eks.tke.cloud.tencent.com/security-group-id) would hold up to 3 Pods, over the limit of 2 (Deployment/b 3)",
  ]);
});

run('policy checks: off drops, a severity replaces (an unquoted YAML off arrives as false)', () => {
  const text = deployment('h', 'hostNetwork: true\ncontainers: [{name: h, ports: [{containerPort: 1, hostPort: 1}]}]');
  const rs = transform([{ file: 'in.yaml', text }], {
    policy: policy({ checks: { hostPort: false, hostNetwork: 'error' } }),
  }).results;
  assert.equal(
    rs.filter((r) => r.tags?.check).map((r) => [r.tags?.check, r.severity]),
    [['hostNetwork', 'error']],
  );
});

const ignore = suite('ignoredChecks / withoutIgnored');

function obj(text: string) {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) throw new Error('not a map');
  return objectOf(doc, doc.contents, 0, [], undefined);
}

ignore('reads the annotation from the metadata and the Pod template, trims, keeps unknown ids apart', () => {
  const o = obj(
    deployment('d', 'containers: [{name: d}]', {
      annotations: `${IGNORE_CHECKS}: "hostPort"`,
      meta: `  annotations: {${IGNORE_CHECKS}: " daemonSet ,typo,"}\n`,
    }),
  );
  const { ids, unknown } = ignoredChecks(o, new KindTable());
  assert.equal([...ids].sort(), ['daemonSet', 'hostPort']);
  assert.equal(unknown, ['typo']);
});

ignore('drops only results about that resource and naming an ignored check', () => {
  const o = obj(`apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {${IGNORE_CHECKS}: nodePort}\n`);
  const other = obj('apiVersion: v1\nkind: Service\nmetadata: {name: t}\n');
  const rs = [
    result('warning', o.subject, 'a', { tags: { check: 'nodePort' } }),
    result('warning', o.subject, 'b', { tags: { check: 'externalTrafficPolicy' } }),
    result('info', o.subject, 'c'),
    result('warning', other.subject, 'd', { tags: { check: 'nodePort' } }),
  ];
  assert.equal(
    withoutIgnored(rs, [o, other], new KindTable()).map((r) => r.message),
    ['b', 'c', 'd'],
  );
});

ignore('a transform-emitted check (port9100) is ignored too, and a typo is reported', () => {
  const text = deployment('p', 'containers: [{name: p, ports: [{containerPort: 9100}]}]', {
    meta: `  annotations: {${IGNORE_CHECKS}: "port9100,hostport"}\n`,
  });
  const rs = transform([{ file: 'in.yaml', text }], { policy: policy() }).results;
  assert.equal(
    rs.filter((r) => r.tags?.check === 'port9100'),
    [],
  );
  assert.equal(
    rs.map((r) => r.message.split(' (known')[0]),
    [`${IGNORE_CHECKS} names unknown check "hostport"`],
  );
});

table.run();
run.run();
ignore.run();
