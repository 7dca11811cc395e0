/**
 * Fidelity as properties over generated input. Each test states one
 * guarantee of the README's "Guarantees" section and checks it on streams and
 * policies from test/helpers/ (streams.ts, policies.ts, resource-lists.ts), with test/helpers/fidelity.ts as
 * the oracle.
 *
 * `npm test` runs PROPERTY_RUNS cases per property (default 100, about 7 s on 2 cores); a longer run:
 *   PROPERTY_RUNS=2000 npx uvu test -r tsx -i fixtures -i helpers properties
 * A failure prints the seed and path to replay it: PROPERTY_SEED=<seed> PROPERTY_PATH=<path>.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.ts';
import { loadPolicy, type Policy } from '../src/policy.ts';
import { transform, type TransformOutput } from '../src/transform.ts';
import { policy as policyArb, type PolicySpec } from './helpers/policies.ts';
import { resourceList } from './helpers/resource-lists.ts';
import { stream } from './helpers/streams.ts';
import {
  checkFidelity,
  commentMarks,
  identity,
  ownership,
  splitDocs,
  valueOf,
  withoutOwned,
} from './helpers/fidelity.ts';
import { runCli } from './helpers/run.ts';
import { k8sRead } from './helpers/k8syaml.ts';
import { propertyParams } from './helpers/property.ts';

const { runs: RUNS, params } = propertyParams(200);

const POD_A = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n';

/** A generated policy, or none (the recommended preset). */
const maybePolicy = fc.option(policyArb, { freq: 3, nil: undefined });

function run(text: string, spec: PolicySpec | undefined, file = 'input.yaml'): TransformOutput {
  const policy: Policy | undefined = spec ? loadPolicy(spec.doc, 'generated') : undefined;
  return transform([{ file, text }], policy ? { policy } : {});
}

/** Every leaf of a value, by its path (JSON of the keys). */
function flatten(
  v: unknown,
  path: (string | number)[] = [],
  out = new Map<string, { path: (string | number)[]; v: unknown }>(),
): Map<string, { path: (string | number)[]; v: unknown }> {
  if (Array.isArray(v)) v.forEach((x, i) => flatten(x, [...path, i], out));
  else if (typeof v === 'object' && v !== null && !(v instanceof Date))
    for (const [k, x] of Object.entries(v)) flatten(x, [...path, k], out);
  else out.set(JSON.stringify(path), { path, v });
  return out;
}

const Fidelity = suite('fidelity properties');

Fidelity('the same documents come out, in the same order, none added, none removed (count and identity)', () => {
  fc.assert(
    fc.property(stream, maybePolicy, (text, spec) => {
      const out = run(text, spec).output;
      const ins = splitDocs(text).map((d) => valueOf(d.replace(/^\uFEFF/, '')));
      const outs = splitDocs(out).map((d) => valueOf(d.replace(/^\uFEFF/, '')));
      assert.is(outs.length, ins.length, 'document count');
      checkFidelity(ownership(spec?.doc), text, out);
    }),
    params,
  );
});

Fidelity(
  'every document the policy does not select is byte-identical; selected ones keep every other value and every comment',
  () => {
    fc.assert(
      fc.property(stream, maybePolicy, (text, spec) => {
        checkFidelity(ownership(spec?.doc), text, run(text, spec).output);
      }),
      params,
    );
  },
);

Fidelity('a stream nobody needs to change comes out byte for byte (preset none, no rules)', () => {
  const none: PolicySpec = {
    doc: { apiVersion: 'eksfit.dev/v1alpha1', kind: 'EksFitPolicy', spec: { preset: 'none' } },
  };
  fc.assert(
    fc.property(stream, (text) => {
      assert.is(run(text, none).output, text);
    }),
    params,
  );
});

Fidelity('the output parses, and gives the same values apart from the intended edits, which are strings', () => {
  fc.assert(
    fc.property(stream, maybePolicy, (text, spec) => {
      const out = run(text, spec).output;
      const o = ownership(spec?.doc);
      const ins = splitDocs(text);
      splitDocs(out).forEach((doc, i) => {
        const after = flatten(valueOf(doc.replace(/^\uFEFF/, ''), 'output document'));
        const before = flatten(valueOf((ins[i] ?? '').replace(/^\uFEFF/, ''), 'input document'));
        // Every annotation eksfit writes is a string (Kubernetes rejects anything else).
        for (const [at, { path, v }] of after) {
          const key = String(path[path.length - 1]);
          if (o.annotations.has(key) && path.includes('annotations') && !isDeepStrictEqual(before.get(at)?.v, v)) {
            assert.type(v, 'string', `${path.join('.')} written as ${String(v)}`);
          }
        }
      });
      checkFidelity(o, text, out);
    }),
    params,
  );
});

Fidelity('eksfit(eksfit(x)) == eksfit(x), byte for byte', () => {
  fc.assert(
    fc.property(stream, maybePolicy, (text, spec) => {
      const once = run(text, spec).output;
      const twice = run(once, spec).output;
      assert.fixture(twice, once, 'second run changed the output');
    }),
    params,
  );
});

Fidelity('the same input gives the same bytes and the same results on every run', () => {
  fc.assert(
    fc.property(stream, maybePolicy, (text, spec) => {
      const a = run(text, spec);
      const b = run(text, spec);
      assert.is(b.output, a.output);
      assert.equal(b.results, a.results);
    }),
    params,
  );
});

Fidelity('several files: each keeps its documents, in order, joined by ---', () => {
  fc.assert(
    fc.property(fc.array(stream, { minLength: 2, maxLength: 3 }), maybePolicy, (texts, spec) => {
      const policy = spec ? loadPolicy(spec.doc, 'generated') : undefined;
      const out = transform(
        texts.map((text, i) => ({ file: `f${i}.yaml`, text })),
        policy ? { policy } : {},
      ).output;
      const ids = (t: string): unknown[] =>
        splitDocs(t)
          .map((d) => valueOf(d.replace(/^\uFEFF/, '')))
          .filter((v) => v !== null)
          .map(identity);
      assert.equal(ids(out), texts.flatMap(ids), 'identities of the non-empty documents');
      assert.equal(commentMarks(out), texts.flatMap(commentMarks), 'comments');
    }),
    { ...params, numRuns: Math.max(10, Math.floor(RUNS / 3)) },
  );
});

Fidelity(
  'a ResourceList: the same items in the same order, each unchanged outside the owned paths, every comment kept, results appended',
  () => {
    fc.assert(
      fc.property(resourceList, (rl) => {
        const out = transform([{ file: '<stdin>', text: rl.text }]);
        assert.is(out.mode, 'krm');
        const docs = splitDocs(out.output);
        assert.is(docs.length, 1, 'one document out');
        const before = valueOf(rl.text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
        const after = valueOf((docs[0] as string).replace(/^\uFEFF/, '')) as Record<string, unknown>;
        const o = ownership(rl.policy);
        const items = (v: Record<string, unknown>): unknown[] => (Array.isArray(v.items) ? v.items : []);
        assert.is(items(after).length, rl.items, 'item count');
        assert.equal(items(after).map(identity), items(before).map(identity), 'item identities');
        items(before).forEach((item, i) => {
          assert.ok(
            isDeepStrictEqual(withoutOwned(o, item), withoutOwned(o, items(after)[i])),
            `item ${i} changed outside the owned paths`,
          );
        });
        const { items: _a, results: r0, ...restBefore } = before;
        const { items: _b, results, ...restAfter } = after;
        assert.ok(isDeepStrictEqual(restBefore, restAfter), 'apiVersion, kind and functionConfig unchanged');
        assert.is(r0, undefined);
        assert.is(Array.isArray(results) ? results.length : 0, out.results.length, 'one entry in results per result');
        assert.equal(commentMarks(out.output), commentMarks(rl.text), 'comments');
      }),
      params,
    );
  },
);

Fidelity('Kubernetes reads every document eksfit edited (the Kubernetes YAML reader as the judge)', async () => {
  await fc.assert(
    fc.asyncProperty(stream, maybePolicy, async (text, spec) => {
      const out = run(text, spec);
      if (!out.changed) return;
      const ins = splitDocs(text);
      const outs = splitDocs(out.output);
      for (const [i, doc] of outs.entries()) {
        if (doc === ins[i]) continue;
        // What Kubernetes cannot read in the input (a .inf it cannot make JSON) is no edit's fault.
        if ((await k8sRead(ins[i] ?? '')).some((r) => 'error' in r)) continue;
        for (const r of await k8sRead(doc))
          assert.ok(
            !('error' in r),
            `Kubernetes cannot read an edited document: ${'error' in r ? r.error : ''}\n${doc}`,
          );
      }
    }),
    { ...params, numRuns: Math.max(10, Math.floor(RUNS / 2)) },
  );
});

Fidelity('a ResourceList run again on its own output gives the same bytes (results are not piled up)', async () => {
  await fc.assert(
    fc.asyncProperty(resourceList, async (rl) => {
      const once = transform([{ file: '<stdin>', text: rl.text }]);
      if (once.policyError) return;
      const twice = transform([{ file: '<stdin>', text: once.output }]);
      assert.fixture(twice.output, once.output, 'second run changed the ResourceList');
      if (!(await k8sRead(rl.text)).some((r) => 'error' in r))
        for (const r of await k8sRead(once.output)) assert.ok(!('error' in r), 'Kubernetes reads the ResourceList');
    }),
    params,
  );
});

/** A plain value continued below a comment line (`name:` / `#c` / `  v`), last in the Pod template's metadata or in a ResourceList. */
const commentedPlain = fc.record({
  commentCol: fc.integer({ min: 0, max: 6 }),
  extra: fc.integer({ min: 1, max: 3 }),
  blank: fc.boolean(),
  krm: fc.boolean(),
});

Fidelity('a comment line between a key and its continued plain value: the edit reads back (#14 defect 1)', async () => {
  await fc.assert(
    fc.asyncProperty(commentedPlain, async ({ commentCol, extra, blank, krm }) => {
      const col = krm ? 0 : 6;
      const value = `${' '.repeat(col + extra)}v`;
      const comment = `${' '.repeat(Math.min(commentCol, col))}#c`;
      const tail = `${' '.repeat(col)}name:\n${comment}\n${blank ? '\n' : ''}${value}\n`;
      const pod =
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    metadata:\n' +
        (krm ? '      name: y\n' : tail) +
        '    spec:\n      containers:\n      - {name: a, image: b, ports: [{containerPort: 9100}]}\n';
      const text = krm
        ? `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${pod
            .trimEnd()
            .replace(/^/gm, '  ')
            .replace(/^ {2}apiVersion/, '- apiVersion')}\n${tail}`
        : pod;
      let out;
      try {
        out = transform([{ file: '<stdin>', text }]);
      } catch (e) {
        // A shape eksfit's reader refuses (a comment left of the key) is the reader's concern, not the editor's.
        if (e instanceof InputError) return;
        throw e;
      }
      assert.ok(out.changed || krm, 'the annotation is written');
      const docs = await k8sRead(out.output);
      assert.ok(!docs.some((d) => 'error' in d), 'Kubernetes reads the output');
      const v = (docs[0] as { json: Record<string, unknown> }).json;
      assert.is(v.name ?? (v.spec as { template: { metadata: { name: string } } }).template.metadata.name, 'v');
    }),
    params,
  );
});

Fidelity(
  'the CLI: exit 0 prints exactly the transform output; otherwise nothing on stdout; never a stack trace',
  async () => {
    await fc.assert(
      fc.asyncProperty(stream, (text) => {
        return runCli([], text).then((r) => {
          const expected = run(text, undefined, '<stdin>');
          const errors = expected.results.some((x) => x.severity === 'error');
          assert.is(r.code, errors ? 1 : 0, r.stderr);
          assert.is(r.stdout, errors ? '' : expected.output);
          assert.not.match(r.stderr, /\n\s+at /, 'stack trace on stderr');
        });
      }),
      { ...params, numRuns: Math.max(10, Math.floor(RUNS / 3)) },
    );
  },
);

Fidelity.run();

/**
 * Cases the properties found, kept as plain examples: each must transform
 * without an internal error, keep fidelity, and give `expected`.
 */
const Found = suite('regressions found by the properties');

function policyOf(spec: Record<string, unknown>): PolicySpec {
  return { doc: { apiVersion: 'eksfit.dev/v1alpha1', kind: 'EksFitPolicy', metadata: { name: 'p' }, spec } };
}

function found(name: string, input: string, spec: PolicySpec | undefined, expected: string, warning?: RegExp): void {
  Found(name, () => {
    const { output: out, results } = run(input, spec);
    assert.fixture(out, expected);
    if (warning)
      assert.ok(
        results.some((r) => r.severity === 'warning' && warning.test(r.message)),
        `a warning matching ${warning}`,
      );
    checkFidelity(ownership(spec?.doc), input, out);
    assert.is(run(out, spec).output, out, 'idempotent');
  });
}

found(
  'entries added to a nested mapping and to its parent at the same place stay at their own levels',
  `apiVersion: v1
kind: PodTemplate
metadata:
  name: web
template:
  spec:
    containers:
    - name: app
`,
  policyOf({ preset: 'none', rules: [{ name: 'r', placement: 'superNode', egress: { eip: {} } }] }),
  `apiVersion: v1
kind: PodTemplate
metadata:
  name: web
template:
  spec:
    containers:
    - name: app
    nodeSelector:
      node.kubernetes.io/instance-type: "eklet"
    tolerations:
    - key: "eks.tke.cloud.tencent.com/eklet"
      operator: "Exists"
      effect: "NoSchedule"
  metadata:
    annotations:
      eks.tke.cloud.tencent.com/eip-attributes: "{}"
`,
);

found(
  'an entry added after an empty value with a trailing comment lands in the same mapping',
  `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        prometheus.io/port:  # no value
    spec:
# a comment at column 0
      containers:
      - name: app
        ports:
        - containerPort: 9100
`,
  undefined,
  `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        prometheus.io/port:  # no value
        eks.tke.cloud.tencent.com/metrics-port: "9110"
    spec:
# a comment at column 0
      containers:
      - name: app
        ports:
        - containerPort: 9100
`,
);

const repeated = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations: &ann
        team: a
    spec:
      containers:
      - name: app
  x-copy: *ann
`;
found(
  'a node repeated by a YAML alias is left unchanged (the alias would change too)',
  repeated,
  undefined,
  repeated,
  /YAML alias \*ann/,
);
const repeatedNull = repeated.replace('annotations: &ann\n        team: a', 'annotations: &ann ~');
found(
  'a null value repeated by a YAML alias is left unchanged',
  repeatedNull,
  undefined,
  repeatedNull,
  /YAML alias \*ann/,
);

const emptyEnv = (value: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    ports:
    - containerPort: 9100
    env:
    - name: PORT
      value:${value}
    - name: OTHER
`;
found(
  'a value written over an empty one is kept apart from its key',
  emptyEnv(''),
  policyOf({ preset: 'none', rules: [{ name: 'r', ports: { strategy: 'remap', env: 'PORT' } }] }),
  emptyEnv(' "9101"').replace('9100', '9101'),
);
found(
  'a value written over an empty one is kept apart from its comment',
  emptyEnv('  # empty'),
  policyOf({ preset: 'none', rules: [{ name: 'r', ports: { strategy: 'remap', env: 'PORT' } }] }),
  emptyEnv('  "9101" # empty').replace('9100', '9101'),
);

found(
  'an entry added after a block scalar whose last line is only spaces keeps that line in the scalar',
  'apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n      x-extra: |\n        first line\n           ',
  policyOf({ preset: 'none', rules: [{ name: 'r', ipvs: { tcpTimeout: '1s' } }] }),
  'apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n      x-extra: |\n        first line\n           \n    metadata:\n      annotations:\n        eks.tke.cloud.tencent.com/ipvs-tcp-timeout: "1s"\n',
);

found(
  'entries added at the top level of a document that opens with a byte-order mark start at column 0',
  '\uFEFFapiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: istio-proxy\n',
  undefined,
  '\uFEFFapiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: istio-proxy\nmetadata:\n  annotations:\n    eks.tke.cloud.tencent.com/ipvs-udp-timeout: "120s"\n',
);

found(
  'an entry added to the last mapping of a List item stays in that item when comments and a blank line follow it',
  `apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
            - name: app
              ports: [{containerPort: 9100}]
          x-extra:
    # a comment

  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web
`,
  undefined,
  `apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
            - name: app
              ports: [{containerPort: 9100}]
          x-extra:
        metadata:
          annotations:
            eks.tke.cloud.tencent.com/metrics-port: "9110"
    # a comment

  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web
`,
);

const directives = (ann: string): string => `%YAML 1.1
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {sidecar.istio.io/inject: "true"}${ann}
spec:
  containers: []
...
# between
%TAG !e! tag:example.com,2000:
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: !e!name web
`;
found(
  '%YAML and %TAG directives stay with the document they open',
  directives(''),
  undefined,
  directives('\n  annotations:\n    eks.tke.cloud.tencent.com/ipvs-udp-timeout: "120s"'),
);

found(
  'entries added after keys with an anchor or a tag start where those properties start',
  '&a apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - !!str name: istio-proxy\n',
  undefined,
  '&a apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - !!str name: istio-proxy\nmetadata:\n  annotations:\n    eks.tke.cloud.tencent.com/ipvs-udp-timeout: "120s"\n',
);

const keptTail =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: istio-proxy\n  x-extra:\n    a: >+\n      first line\n      ';
found(
  'a document that ends inside a block scalar keeping its line breaks, with no line break of its own, is left unchanged',
  keptTail,
  policyOf({ preset: 'none', rules: [{ name: 'r', placement: 'superNode' }] }),
  keptTail,
  /keeps its last line breaks/,
);

found(
  'entries added to a mapping whose first key is explicit (`? key`) start at the `?`',
  '?  a\nkind: Pod\nspec:\n  containers: [{name: istio-proxy}]\n',
  undefined,
  '?  a\nkind: Pod\nspec:\n  containers: [{name: istio-proxy}]\nmetadata:\n  annotations:\n    eks.tke.cloud.tencent.com/ipvs-udp-timeout: "120s"\n',
);

const flowSpec = (spec: string): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: ${spec}\n`;
const placed =
  'nodeSelector: {node.kubernetes.io/instance-type: "eklet"}, tolerations: [{key: "eks.tke.cloud.tencent.com/eklet", operator: "Exists", effect: "NoSchedule"}]';
found(
  'two entries added to one empty flow mapping are separated by a comma',
  flowSpec('{}'),
  policyOf({ preset: 'none', rules: [{ name: 'r', placement: 'superNode' }] }),
  flowSpec(`{${placed}}`),
);
found(
  'two entries added to a flow mapping with a trailing comma are separated by a comma',
  flowSpec('{containers: [],}'),
  policyOf({ preset: 'none', rules: [{ name: 'r', placement: 'superNode' }] }),
  flowSpec(`{containers: [], ${placed}}`),
);

Found.run();

/** Joining files (render.ts): files stay apart, a BOM or a directive after the first file stays valid. */
const Join = suite('joining files');

Join(
  'a later file that starts with a byte-order mark keeps its first key (the BOM is dropped when files are joined)',
  () => {
    const out = transform([
      { file: 'a.yaml', text: POD_A },
      { file: 'b.yaml', text: `\uFEFF${POD_A}` },
    ]).output;
    assert.equal(
      splitDocs(out).map((d) => identity(valueOf(d.replace(/^\uFEFF/, '')))),
      [identity(valueOf(POD_A)), identity(valueOf(POD_A))],
    );
  },
);

Join(
  'a later file that starts with %YAML is joined with ... (a directive cannot follow a document without one)',
  () => {
    const out = transform([
      { file: 'a.yaml', text: POD_A },
      { file: 'b.yaml', text: `%YAML 1.1\n---\n${POD_A}` },
    ]).output;
    assert.equal(
      splitDocs(out).map((d) => identity(valueOf(d))),
      [identity(valueOf(POD_A)), identity(valueOf(POD_A))],
    );
  },
);

Join('a later file whose %YAML directive follows comments is joined with ... too', () => {
  const out = transform([
    { file: 'a.yaml', text: POD_A },
    { file: 'b.yaml', text: `# a comment\n\n%YAML 1.1\n---\n${POD_A}` },
  ]).output;
  const docs = splitDocs(out)
    .map((d) => valueOf(d))
    .filter((v) => v !== null);
  assert.equal(docs.map(identity), [identity(valueOf(POD_A)), identity(valueOf(POD_A))]);
  assert.match(out, /# a comment\n/);
});

Join.run();
