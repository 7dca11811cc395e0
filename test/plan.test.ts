/**
 * Planning without text: rule precedence, the placement and egress fixes, a
 * fix added through the list, and one Pod planned the way an admission
 * webhook would (a plain object in, changes as data out).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { editValue } from '../src/changes.ts';
import { EKLET_TAINT, EKS_ANNOTATIONS, INSTANCE_TYPE } from '../src/eks.ts';
import { FIXES, type Fix } from '../src/fix.ts';
import { planObjects } from '../src/plan.ts';
import { defaultPolicy, loadPolicy, type Policy } from '../src/policy.ts';
import type { Result } from '../src/results.ts';
import { objectOfValue, type KObject } from '../src/workload.ts';

const policy = (spec: string): Policy =>
  loadPolicy(parse(`apiVersion: eksfit.dev/v1alpha1\nkind: EksFitPolicy\nspec:\n${spec}`), 'test');

const deployment = (name: string, template: Record<string, unknown>, kind = 'Deployment'): KObject =>
  objectOfValue({ apiVersion: 'apps/v1', kind, metadata: { name }, spec: { template } });

const web = (annotations: Record<string, string> = {}, spec: Record<string, unknown> = {}): KObject =>
  deployment('web', {
    metadata: { labels: { app: 'web' }, annotations },
    spec: { containers: [{ name: 'web', image: 'nginx' }], ...spec },
  });

/** The plain value of the object after its planned changes. */
function after(obj: KObject, p: Policy): Record<string, unknown> {
  const plan = planObjects([obj], p);
  let value: unknown = structuredClone(obj.value);
  for (const c of plan.changes) value = editValue(value, c.change);
  return value as Record<string, unknown>;
}

const templateOf = (v: Record<string, unknown>): Record<string, Record<string, unknown>> =>
  (v.spec as Record<string, unknown>).template as Record<string, Record<string, unknown>>;

const messages = (rs: readonly Result[]): string[] => rs.map((r) => r.message);

const precedence = suite('planObjects: rule precedence');

precedence('a later rule wins an annotation both want, and says so', () => {
  const p = policy(`  preset: none
  rules:
    - {name: first, annotations: {a.example/x: "1"}}
    - {name: second, annotations: {a.example/x: "2"}}
`);
  const obj = web();
  const plan = planObjects([obj], p);
  assert.equal(templateOf(after(obj, p)).metadata?.annotations, { 'a.example/x': '2' });
  assert.ok(
    messages(plan.results).some((m) => m.startsWith('rule "second" overrides a.example/x="1" of rule "first"')),
  );
});

precedence('an annotation already in the input is kept unless the rule overwrites', () => {
  const keep = policy(`  preset: none\n  rules: [{name: r, annotations: {a.example/x: new}}]\n`);
  const replace = policy(`  preset: none\n  rules: [{name: r, annotations: {a.example/x: new}, overwrite: true}]\n`);
  assert.equal(templateOf(after(web({ 'a.example/x': 'old' }), keep)).metadata?.annotations, { 'a.example/x': 'old' });
  assert.equal(templateOf(after(web({ 'a.example/x': 'old' }), replace)).metadata?.annotations, {
    'a.example/x': 'new',
  });
});

precedence('a skipped workload gets nothing and a note without a check id', () => {
  const plan = planObjects([web({ 'eksfit.dev/skip': 'true', 'sidecar.istio.io/inject': 'true' })], defaultPolicy());
  assert.is(plan.changes.length, 0);
  assert.equal(
    plan.results.map((r) => [r.severity, r.tags]),
    [['info', undefined]],
  );
});

precedence('a rule that matched no workload is reported', () => {
  const plan = planObjects(
    [web()],
    policy(`  rules: [{name: nobody, match: {names: [other]}, ipvs: {udpTimeout: 60s}}]\n`),
  );
  assert.equal(
    plan.results.map((r) => r.tags),
    [{ rule: 'nobody', check: 'unmatchedRule' }],
  );
});

const placement = suite('planObjects: placement');
const superNode = policy(`  preset: none\n  rules: [{name: eks, placement: superNode}]\n`);

placement('superNode adds the eklet node selector and toleration', () => {
  const spec = templateOf(after(web(), superNode)).spec as Record<string, unknown>;
  assert.equal(spec.nodeSelector, { [INSTANCE_TYPE]: 'eklet' });
  assert.equal(spec.tolerations, [{ key: EKLET_TAINT, operator: 'Exists', effect: 'NoSchedule' }]);
});

placement('a toleration of every taint (no key, operator Exists) needs no eklet toleration', () => {
  for (const key of [null, undefined, '']) {
    const tol = key === undefined ? { operator: 'Exists' } : { key, operator: 'Exists' };
    const spec = templateOf(after(web({}, { tolerations: [tol] }), superNode)).spec as Record<string, unknown>;
    assert.equal(spec.tolerations, [tol], String(key));
  }
});

placement('DaemonSets are placed only when the rule names the kind', () => {
  const ds = deployment('agent', { spec: { containers: [{ name: 'a', image: 'a' }] } }, 'DaemonSet');
  assert.is(planObjects([ds], superNode).changes.length, 0);
  const named = policy(`  preset: none\n  rules: [{name: eks, placement: superNode, match: {kinds: [DaemonSet]}}]\n`);
  assert.is(planObjects([ds], named).changes.length, 2);
});

placement('avoidSuperNode adds a NotIn node affinity', () => {
  const p = policy(`  preset: none\n  rules: [{name: off, placement: avoidSuperNode}]\n`);
  const spec = templateOf(after(web(), p)).spec as Record<string, Record<string, unknown>>;
  assert.equal(spec.affinity?.nodeAffinity, {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: INSTANCE_TYPE, operator: 'NotIn', values: ['eklet'] }] }],
    },
  });
});

const egress = suite('planObjects: egress');

egress('eip becomes eip-attributes JSON, claimDeletePolicy its annotation', () => {
  const p = policy(
    `  preset: none\n  rules: [{name: out, egress: {eip: {InternetMaxBandwidthOut: 50}, claimDeletePolicy: Never}}]\n`,
  );
  assert.equal(templateOf(after(web(), p)).metadata?.annotations, {
    [EKS_ANNOTATIONS.eipAttributes]: '{"InternetMaxBandwidthOut":50}',
    [EKS_ANNOTATIONS.eipClaimDeletePolicy]: 'Never',
  });
});

egress('an existing eip-id-list blocks eip-attributes (eipConflict) and so the delete policy', () => {
  const p = policy(`  preset: none\n  rules: [{name: out, egress: {eip: {}, claimDeletePolicy: Never}}]\n`);
  const obj = web({ [EKS_ANNOTATIONS.eipIdList]: 'eip-1' });
  const plan = planObjects([obj], p);
  assert.is(plan.changes.length, 0);
  assert.equal(
    plan.results.map((r) => [r.severity, r.tags?.check]),
    [
      ['warning', 'eipConflict'],
      ['warning', undefined],
    ],
  );
});

const fixes = suite('planObjects: the list of fixes');

fixes('a fix added to the list is planned for every rule that applies, with no other change', () => {
  const marker: Fix = {
    name: 'marker',
    plan: (ctx, rule) => ({ annotations: [[`marker.example/${rule.name}`, ctx.namespace]] }),
  };
  const p = policy(`  preset: none\n  rules: [{name: r, match: {names: [web]}}]\n`);
  const obj = web();
  const plan = planObjects([obj], p, { fixes: [...FIXES, marker] });
  let value: unknown = structuredClone(obj.value);
  for (const c of plan.changes) value = editValue(value, c.change);
  assert.equal(templateOf(value as Record<string, unknown>).metadata?.annotations, { 'marker.example/r': 'default' });
});

const webhook = suite('planObjects: one Pod, no text (what an admission webhook does)');

webhook('a Pod object is planned and its changes applied to the plain object', () => {
  const pod = objectOfValue({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'shop', labels: { 'sidecar.istio.io/inject': 'true' } },
    spec: { containers: [{ name: 'exporter', image: 'e', ports: [{ containerPort: 9100 }] }] },
  });
  const plan = planObjects([pod], defaultPolicy());
  // Every change is data: an op, a path below the object, values.
  assert.equal(
    plan.changes.map((c) => [c.change.op, c.change.path]),
    [['entries', ['metadata', 'annotations']]],
  );
  let value: unknown = structuredClone(pod.value);
  for (const c of plan.changes) value = editValue(value, c.change);
  assert.equal((value as { metadata: { annotations: unknown } }).metadata.annotations, {
    [EKS_ANNOTATIONS.udpTimeout]: '120s',
    [EKS_ANNOTATIONS.metricsPort]: '9110',
  });
  assert.equal(plan.planned.get(pod), value);
});

precedence.run();
placement.run();
egress.run();
fixes.run();
webhook.run();
