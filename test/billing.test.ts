/**
 * Pod sizing in the pipeline (src/billing.ts): spec.sizing in the policy, the
 * workloads' bills (replicas as the quota checks count them, costs only with
 * prices), the `sizing: pin | rightsize` fix, and sizing at admission.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { admitPod } from '../src/admission.ts';
import { SIZING_ANNOTATIONS as A } from '../src/eks.ts';
import { ConfigError } from '../src/errors.ts';
import { planObjects } from '../src/plan.ts';
import { DEFAULT_SIZING, loadPolicy, type Policy } from '../src/policy.ts';
import { formatJson, formatReport } from '../src/report.ts';
import { transform } from '../src/transform.ts';
import { objectOfValue } from '../src/workload.ts';

type Obj = Record<string, unknown>;

const POLICY = (spec: Obj): Policy =>
  loadPolicy({ apiVersion: 'eksfit.dev/v1alpha1', kind: 'EksFitPolicy', metadata: { name: 't' }, spec }, 'test');

const PRICING = { currency: 'USD', cpuCoreSecond: 0.000004976, memoryGiBSecond: 0.000002073, spot: 0.2 };

function problems(spec: Obj): readonly string[] {
  try {
    POLICY(spec);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

const policy = suite('spec.sizing in the policy');

policy('defaults when absent', () => {
  assert.equal(POLICY({}).sizing, DEFAULT_SIZING);
  assert.equal(DEFAULT_SIZING, { initRule: 'largest', table: 'auto', wasteThreshold: 1.5 });
});

policy('read and typed', () => {
  const p = POLICY({ sizing: { initRule: 'group', table: 'amd', wasteThreshold: 2, pricing: PRICING } });
  assert.equal(p.sizing, { initRule: 'group', table: 'amd', wasteThreshold: 2, pricing: PRICING });
  const r = POLICY({ rules: [{ name: 'p', sizing: 'pin' }] }).rules.find((x) => x.name === 'p');
  assert.is(r?.sizing, 'pin');
});

policy('refused with a field path', () => {
  assert.match(problems({ sizing: { wasteThreshold: 1 } }).join('\n'), 'spec.sizing.wasteThreshold');
  assert.match(problems({ sizing: { initRule: 'sum' } }).join('\n'), 'spec.sizing.initRule');
  assert.match(problems({ sizing: { pricing: { ...PRICING, currency: 'usd' } } }).join('\n'), 'currency');
  assert.match(problems({ sizing: { pricing: { ...PRICING, spot: 2 } } }).join('\n'), 'spot');
  assert.match(problems({ sizing: { pricing: { currency: 'USD', cpuCoreSecond: 1 } } }).join('\n'), 'memoryGiBSecond');
  assert.match(problems({ rules: [{ name: 'x', sizing: 'shrink' }] }).join('\n'), 'spec.rules[0].sizing');
});

policy("the README's pricing block is a valid policy", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## What EKS will bill'), readme.indexOf('## Modes'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'a yaml block under "## What EKS will bill"');
  const p = loadPolicy(parse(block), 'README');
  assert.is(p.sizing.pricing?.currency, 'CNY');
  assert.is(p.sizing.pricing?.gpuCardSecond?.V100, 0.003193);
});

policy.run();

const bills = suite('workloads and costs');

const INPUT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - {name: app, image: nginx, resources: {requests: {cpu: 1500m, memory: 3Gi}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      parallelism: 3
      completions: 2
      template:
        spec:
          containers: [{name: r, image: busybox}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      containers: [{name: a, image: agent}]
---
apiVersion: v1
kind: Pod
metadata:
  name: spot
  labels: {eksfit.dev/skip: "true"}
  annotations: {${A.spotPod}: "true"}
spec:
  containers: [{name: a, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  containers: [{name: a, image: nginx, resources: {requests: {cpu: "64"}}}]
`;

bills('one entry per pod-bearing object, in input order, replicas as the quota checks count them', () => {
  const out = transform([{ file: 'in.yaml', text: INPUT }], { policy: POLICY({}) });
  assert.equal(
    out.billing.workloads.map((w) => [
      w.kind,
      w.namespace,
      w.name,
      w.replicas,
      w.podSpec && `${w.podSpec.cpu}/${w.podSpec.memoryGiB}/${w.podSpec.source}`,
    ]),
    [
      ['Deployment', 'shop', 'web', 5, '2/4/requests'], // HPA maxReplicas over replicas
      ['CronJob', 'default', 'report', 2, '1/2/default'], // parallelism, capped by completions
      ['DaemonSet', 'default', 'agent', 0, '1/2/default'], // not on super nodes
      ['Pod', 'default', 'spot', 1, '1/2/default'], // skipped, still billed
      ['Pod', 'default', 'huge', 1, null],
    ],
  );
  assert.is(out.billing.total, undefined, 'no prices, no cost');
  assert.ok(out.billing.workloads.every((w) => w.cost === undefined));
  const json = JSON.parse(formatJson(out.results, out.changed, out.billing)) as Obj;
  assert.equal(Object.keys(json), ['changed', 'summary', 'workloads', 'results']);
  assert.not.ok('cost' in (json.summary as Obj));
  assert.not.ok('ref' in ((json.workloads as Obj[])[0] as Obj));
});

bills('with prices: each cost, the spot factor, the total', () => {
  const out = transform([{ file: 'in.yaml', text: INPUT }], { policy: POLICY({ sizing: { pricing: PRICING } }) });
  const month = 730 * 3600;
  const per = (cpu: number, gib: number): number =>
    (cpu * PRICING.cpuCoreSecond + gib * PRICING.memoryGiBSecond) * month;
  const cents = (n: number): number => Math.round(n * 100) / 100;
  const costs = out.billing.workloads.map((w) => w.cost?.perMonth);
  assert.equal(costs, [cents(5 * per(2, 4)), cents(2 * per(1, 2)), 0, cents(0.2 * per(1, 2)), undefined]);
  const total = 5 * per(2, 4) + 2 * per(1, 2) + 0.2 * per(1, 2);
  assert.equal(out.billing.total, { perMonth: cents(total), currency: 'USD' });
  const text = formatReport(out.results, { changed: out.changed, billing: out.billing });
  assert.match(text, /^RESOURCE\s+SPEC\s+COST\/MONTH\s+CHANGED\s+FOUND$/m);
  assert.match(text, /^Deployment\/shop\/web\s+2C4G ×5\s+\d+\.\d\d USD\s+-\s+-$/m, 'every workload has a row');
  assert.match(text, /^Pod\/huge\s+\?\s+-\s+-\s+1 error \(podSpec\)$/m);
  assert.match(
    text,
    `Total: ${cents(total).toFixed(2)} USD per month (730 hours, the Pods of the table; 1 without a cost: no spec, or no price for their GPU type)`,
  );
});

bills('without workloads the table has no SPEC column', () => {
  const text = `apiVersion: v1
kind: Service
metadata: {name: s}
spec: {type: NodePort, ports: [{port: 80}]}
`;
  const out = transform([{ file: 'in.yaml', text }], { policy: POLICY({}) });
  assert.equal(out.billing.workloads, []);
  const report = formatReport(out.results, { changed: out.changed, billing: out.billing });
  assert.match(report, /^RESOURCE\s+CHANGED\s+FOUND$/m);
});

bills.run();

const pin = suite('sizing: pin and rightsize');

const deployment = (annotations: Obj = {}, resources: Obj = { requests: { cpu: '1500m', memory: '3Gi' } }): string =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { template: { metadata: { annotations }, spec: { containers: [{ name: 'a', image: 'x', resources }] } } },
  });

function planOne(text: string, rule: Obj): ReturnType<typeof planObjects> {
  const obj = objectOfValue(JSON.parse(text) as Obj);
  return planObjects([obj], POLICY({ preset: 'none', rules: [{ name: 'r', ...rule }] }));
}

const entries = (plan: ReturnType<typeof planObjects>): unknown[] =>
  plan.changes.flatMap((c) => (c.change.op === 'entries' ? c.change.entries : []));

pin('pin writes cpu and mem of the computed spec, and the spec then comes from them', () => {
  const plan = planOne(deployment(), { sizing: 'pin' });
  assert.equal(entries(plan), [
    [A.cpu, '2'],
    [A.mem, '4Gi'],
  ]);
  assert.equal(plan.billing.workloads[0]?.podSpec, { cpu: 2, memoryGiB: 4, source: 'annotations' });
});

pin('pin keeps an existing different value, and then writes neither (unless overwrite)', () => {
  const kept = planOne(deployment({ [A.cpu]: '4' }), { sizing: 'pin' });
  assert.equal(entries(kept), []);
  assert.ok(kept.results.some((r) => r.message.startsWith('sizing pin: not pinned to 2C4G')));
  const replaced = planOne(deployment({ [A.cpu]: '4' }), { sizing: 'pin', overwrite: true });
  assert.equal(entries(replaced), [
    [A.cpu, '2'],
    [A.mem, '4Gi'],
  ]);
});

pin('pin of an annotated spec changes nothing; no spec, nothing pinned', () => {
  assert.equal(entries(planOne(deployment({ [A.cpu]: '2', [A.mem]: '4Gi' }), { sizing: 'pin' })), []);
  const huge = planOne(deployment({}, { requests: { cpu: '64' } }), { sizing: 'pin' });
  assert.equal(entries(huge), []);
  assert.ok(huge.results.some((r) => r.tags?.check === 'podSpec' && r.severity === 'error'));
});

pin('pin leaves a GPU Pod with several gpu-type entries alone (its spec depends on the type EKS finds)', () => {
  const gpu = { limits: { 'nvidia.com/gpu': 1 } };
  const several = planOne(deployment({ [A.gpuType]: 'V100,T4' }, gpu), { sizing: 'pin' });
  assert.equal(entries(several), []);
  assert.ok(several.results.some((r) => r.message.startsWith('sizing pin: not pinned')));
  assert.equal(entries(planOne(deployment({ [A.gpuType]: 'V100' }, gpu), { sizing: 'pin' })), [
    [A.cpu, '8'],
    [A.mem, '40Gi'],
  ]);
});

pin('rightsize writes nothing and names the nearest spec', () => {
  const plan = planOne(deployment({}, { requests: { cpu: '1', memory: '12Gi' } }), { sizing: 'rightsize' });
  assert.equal(plan.changes, []);
  const note = plan.results.find((r) => r.message.startsWith('rightsize:'));
  assert.ok(note && note.severity === 'info' && note.field?.proposedValue === undefined);
  assert.match(note.message, 'billed as 2C12G for 1 core / 12 GiB asked; the nearest spec is 1C8G');
  assert.equal(planOne(deployment({}, { requests: { cpu: '2', memory: '4Gi' } }), { sizing: 'rightsize' }).results, []);
});

pin.run();

const admission = suite('sizing at admission');

admission('sizing findings are admission warnings (never a denial); pin is patched', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '64' } } }] },
  };
  const huge = admitPod(pod, POLICY({ preset: 'none' }));
  assert.ok(huge.warnings.some((w) => w.includes('more than the largest spec')));
  assert.equal(huge.patch, []);
  const small = structuredClone(pod);
  small.spec.containers[0]!.resources.requests.cpu = '1500m';
  const pinned = admitPod(small, POLICY({ preset: 'none', rules: [{ name: 'pin', sizing: 'pin' }] }));
  assert.is(pinned.outcome, 'patched');
  assert.match(JSON.stringify(pinned.patch), `"${A.cpu}":"2"`);
});

admission.run();
