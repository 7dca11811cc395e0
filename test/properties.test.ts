/**
 * Fidelity as properties (issue 5). For now: the cases the property suite
 * found, kept as plain examples.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy, type Policy } from '../src/policy.ts';
import { transform, type TransformOutput } from '../src/transform.ts';
import { checkFidelity, ownership } from './helpers/fidelity.ts';

/** A policy as an object (an EksFitPolicy). */
interface PolicySpec {
  readonly doc: Record<string, unknown>;
}

function run(text: string, spec: PolicySpec | undefined, file = 'input.yaml'): TransformOutput {
  const policy: Policy | undefined = spec ? loadPolicy(spec.doc, 'generated') : undefined;
  return transform([{ file, text }], policy ? { policy } : {});
}

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
    if (warning) assert.ok(results.some((r) => r.severity === 'warning' && warning.test(r.message)), `a warning matching ${warning}`);
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
found('a node repeated by a YAML alias is left unchanged (the alias would change too)', repeated, undefined, repeated, /YAML alias \*ann/);
const repeatedNull = repeated.replace('annotations: &ann\n        team: a', 'annotations: &ann ~');
found('a null value repeated by a YAML alias is left unchanged', repeatedNull, undefined, repeatedNull, /YAML alias \*ann/);

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
found('%YAML and %TAG directives stay with the document they open', directives(''), undefined, directives('\n  annotations:\n    eks.tke.cloud.tencent.com/ipvs-udp-timeout: "120s"'));

Found.run();
