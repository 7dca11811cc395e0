/**
 * Admission plans the Pod as data (plan.ts), with no text: this holds it to
 * the render pipeline. For generated Pods and policies, the admission patch
 * applied to the Pod gives the annotations, node selector, tolerations and
 * node affinity that `transform()` writes for the same Pod as a one-document
 * stream, and the warnings are that run's findings.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { admitPod, MAX_WARNINGS, NOT_AT_ADMISSION, policyName, warning } from '../src/admission.ts';
import { defaultPolicy, loadPolicy, type Policy } from '../src/policy.ts';
import { transform } from '../src/transform.ts';
import { blockYaml } from './helpers/block-yaml.ts';
import { POD_KINDS, workload } from './helpers/k8s-objects.ts';
import { policy as policyArb } from './helpers/policies.ts';
import { renderStream } from './helpers/streams.ts';
import { propertyParams } from './helpers/property.ts';
import { applyPatch } from './helpers/json-patch.ts';

type Obj = Record<string, unknown>;

const { params } = propertyParams(300);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const PLACEMENT = ['nodeSelector', 'tolerations', 'affinity'] as const;

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const STYLE = { seed: 1, density: 0, unit: 2, indentSeq: false, crlf: false, bom: false, finalNewline: true };

/**
 * Pods as the API server sends them (JSON), made from the generated workloads
 * of every kind (their Pod template, with Istio, gRPC, port 9100, probes,
 * placement, awkward strings and extra fields): named or generated, with or
 * without an owner, with or without a namespace.
 */
const podArb = fc
  .record({
    w: workload,
    owner: fc.constantFrom('', 'ReplicaSet', 'Job', 'DaemonSet', 'StatefulSet'),
    generated: fc.boolean(),
    ns: fc.constantFrom('', 'default', 'prod', 'team-a'),
  })
  .map(({ w, owner, generated, ns }) => {
    const text = renderStream({ docs: [{ body: w, marker: false, end: false }], style: STYLE });
    const value = JSON.parse(JSON.stringify(parse(text, { version: '1.1' }) ?? null)) as Obj;
    const k = POD_KINDS.find((x) => x.kind === value.kind) ?? POD_KINDS[0];
    let template: unknown = value;
    for (const p of k.path) template = isObj(template) ? template[p] : undefined;
    const t = isObj(template) ? template : {};
    const objMd = isObj(value.metadata) ? value.metadata : {};
    const { name: _n, ...md } = k.path.length === 0 ? objMd : isObj(t.metadata) ? t.metadata : {};
    const name = typeof objMd.name === 'string' ? objMd.name : 'web';
    const ownerName = owner === 'ReplicaSet' ? `${name}-abc12` : owner === 'Job' ? `${name}-29000000` : name;
    const labels = isObj(md.labels) ? md.labels : {};
    const pod: Obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...md,
        ...(generated ? { generateName: `${ownerName}-` } : { name }),
        ...(owner === 'ReplicaSet' ? { labels: { ...labels, 'pod-template-hash': 'abc12' } } : {}),
        ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: owner, name: ownerName, controller: true }] } : {}),
        ...(typeof objMd.namespace === 'string' ? { namespace: objMd.namespace } : {}),
      },
      ...(t.spec !== undefined ? { spec: t.spec } : {}),
      ...(k.path.length === 0 && value.status !== undefined ? { status: value.status } : {}),
    };
    return { pod, ns };
  });

/** The render pipeline's answer for the Pod: `transform()` over it as a one-document stream. */
function byTransform(pod: Obj, policy: Policy, ns: string): { input: Obj; fitted: Obj; warnings: string[] } {
  const md = isObj(pod.metadata) ? pod.metadata : {};
  const namespace = ns || (typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default');
  const { managedFields: _m, ...metadata } = md;
  const { status: _s, ...rest } = pod;
  const input = { ...rest, apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: policyName(pod), namespace } };
  const out = transform([{ file: 'admission', text: blockYaml(input) }], { policy, namespace });
  const fitted = parse(out.output, { version: '1.1' }) as Obj;
  const warnings: string[] = [];
  for (const r of out.results) {
    if (r.severity === 'info' || (r.tags?.check && NOT_AT_ADMISSION.has(r.tags.check))) continue;
    const w = warning(r.message);
    if (!warnings.includes(w)) warnings.push(w);
  }
  return { input, fitted, warnings };
}

const ownerKind = (md: Obj): unknown => {
  const owners = Array.isArray(md.ownerReferences) ? md.ownerReferences.filter(isObj) : [];
  return (owners.find((o) => o.controller === true) ?? owners[0])?.kind;
};

/** Fields of `a` and `b` (below spec and metadata, and at the top) that differ, outside what a patch may change. */
function otherChanges(a: Obj, b: Obj): string[] {
  const out: string[] = [];
  for (const part of ['spec', 'metadata'] as const) {
    const x = isObj(a[part]) ? a[part] : {};
    const y = isObj(b[part]) ? b[part] : {};
    const skip: readonly string[] = part === 'spec' ? PLACEMENT : ['annotations'];
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)]))
      if (!skip.includes(k) && JSON.stringify(x[k]) !== JSON.stringify(y[k])) out.push(`${part}.${k}`);
  }
  return out;
}

const diff = suite('admission agrees with transform');

diff('for any Pod and policy: the patched Pod is what transform writes, the warnings its findings', () => {
  fc.assert(
    fc.property(podArb, fc.option(policyArb, { freq: 2, nil: undefined }), ({ pod, ns }, drawn) => {
      const policy = drawn ? loadPolicy(drawn.doc, 'generated') : defaultPolicy();
      const { input, fitted, warnings } = byTransform(pod, policy, ns);
      // Frozen: planning must not change the Pod it was sent.
      const a = admitPod(deepFreeze(structuredClone(pod)), policy, ns ? { namespace: ns } : {});
      assert.is.not(a.outcome, 'failedOpen', a.error);
      const patched = applyPatch(pod, a.patch);
      const annotations = (o: Obj): unknown => (isObj(o.metadata) ? o.metadata.annotations : undefined);
      assert.equal(annotations(patched), annotations(fitted), 'annotations');
      const spec = (o: Obj): Obj => (isObj(o.spec) ? o.spec : {});
      const placed = PLACEMENT.some((f) => JSON.stringify(spec(pod)[f]) !== JSON.stringify(spec(fitted)[f]));
      const daemonSet = placed && ownerKind(isObj(pod.metadata) ? pod.metadata : {}) === 'DaemonSet';
      for (const f of PLACEMENT) assert.equal(spec(patched)[f], spec(daemonSet ? pod : fitted)[f], `spec.${f}`);
      const expected = [...warnings];
      if (daemonSet) expected.push(warning('placement not applied to a DaemonSet Pod (each is pinned to its node)'));
      const other = otherChanges(input, fitted);
      if (other.length > 0)
        expected.push(warning(`not applied at admission (render time only): changes to ${other.join(', ')}`));
      if (expected.length <= MAX_WARNINGS) assert.equal(a.warnings, expected);
      else assert.equal(a.warnings.slice(0, -1), expected.slice(0, MAX_WARNINGS - 1));
      assert.is(a.outcome, a.patch.length > 0 ? 'patched' : 'unchanged');
    }),
    params,
  );
});

const yaml = suite('blockYaml (the test helper)');

yaml('reads back as the same JSON (quoted keys and strings, YAML 1.1 look-alikes stay strings)', () => {
  const value = {
    a: 'yes',
    on: 'off',
    '<<': { x: 1 },
    n: [
      1,
      -2.5,
      true,
      null,
      '0x10',
      '',
      'multi\nline "q" \\ \u0001',
      'breaks \u0085 \u2028 \u2029 del \u007f bom \ufeff \uffff',
    ],
    e: {},
    l: [],
    nested: [[1, 2], [{ k: 'v', w: [] }]],
  };
  assert.equal(parse(blockYaml(value), { version: '1.1' }), value);
});

diff.run();
yaml.run();
