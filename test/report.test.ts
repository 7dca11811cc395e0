import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { changeLabel, formatJson, formatReport, isChange, totalLine } from '../src/report.ts';
import { result, type Subject } from '../src/results.ts';

const web: Subject = {
  ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
  file: { path: 'app.yaml', index: 1 },
};
const svc: Subject = { ref: { apiVersion: 'v1', kind: 'Service', name: 'web' } };
const ann = 'spec.template.metadata.annotations["eks.tke.cloud.tencent.com/metrics-port"]';

const set = result('info', web, 'set Pod annotation eks.tke.cloud.tencent.com/metrics-port: "9110"', {
  field: { path: ann, proposedValue: '9110' },
  tags: { rule: 'r' },
});
const kept = result(
  'info',
  web,
  'kept existing Pod annotation x: "1" (rule "r" wants "2"; set overwrite: true to replace it)',
  { field: { path: ann, currentValue: '1' }, tags: { rule: 'r' } },
);
const override = result('info', web, 'rule "b" overrides x="1" of rule "a" with "2"', {
  field: { path: ann, currentValue: '1' },
  tags: { rule: 'b' },
});
const warn = result('warning', web, 'hostNetwork is true: remove it', { tags: { check: 'hostNetwork' } });
const err = result('error', svc, 'Service type is NodePort: use ClusterIP', { tags: { check: 'nodePort' } });
const quota = result('warning', undefined, 'the input runs up to 300 Pods', { tags: { check: 'podsPerCluster' } });
const unmatched = result('warning', undefined, 'rule "x" matched no workload', {
  tags: { rule: 'x', check: 'unmatchedRule' },
});

const change = suite('isChange');

change('an info result proposing a value is a change; kept annotations and rule overrides are not', () => {
  assert.ok(isChange(set));
  assert.not.ok(isChange(kept));
  assert.not.ok(isChange(override));
  assert.not.ok(isChange(warn));
  assert.not.ok(isChange(result('info', web, 'skipped')));
});

const label = suite('changeLabel');

label('names an annotation without its prefix, or the field', () => {
  assert.is(changeLabel(ann), 'metrics-port');
  assert.is(changeLabel('spec.template.spec.nodeSelector["node.kubernetes.io/instance-type"]'), 'nodeSelector');
  assert.is(
    changeLabel('spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution'),
    'nodeAffinity',
  );
  assert.is(changeLabel('spec.template.spec.tolerations'), 'tolerations');
  assert.is(changeLabel('spec.template.spec.containers[0].ports[1].containerPort'), 'containerPort');
  assert.is(changeLabel('spec.ports[0].targetPort'), 'targetPort');
  assert.is(changeLabel(undefined), 'change');
});

const report = suite('formatReport');

report('a table, then errors, warnings, changes and notes, then the total', () => {
  const text = formatReport([set, kept, warn, err, quota, unmatched], { changed: true });
  assert.fixture(
    text,
    `RESOURCE             CHANGED       FOUND
Deployment/shop/web  metrics-port  1 warning (hostNetwork), 1 note
Service/web          -             1 error (nodePort)
(input)              -             1 warning (podsPerCluster)
(policy)             -             1 warning (unmatchedRule)

Errors:
  Service/web
    Service type is NodePort: use ClusterIP [nodePort]

Warnings:
  Deployment/shop/web (app.yaml#1)
    hostNetwork is true: remove it [hostNetwork]
  (input)
    the input runs up to 300 Pods [podsPerCluster]
  (policy)
    rule "x" matched no workload [unmatchedRule]

Changes:
  Deployment/shop/web (app.yaml#1)
    set Pod annotation eks.tke.cloud.tencent.com/metrics-port: "9110" [r]

Notes:
  Deployment/shop/web (app.yaml#1)
    kept existing Pod annotation x: "1" (rule "r" wants "2"; set overwrite: true to replace it) [r]

eksfit: changed; 1 change, 3 warnings, 1 error
`,
  );
});

report('nothing to say: only the total', () => {
  assert.is(formatReport([], { changed: false }), 'eksfit: nothing changed; 0 changes, 0 warnings, 0 errors\n');
});

const total = suite('totalLine');

total('says what happened, or with --check what would', () => {
  assert.is(totalLine([set], true, false), 'eksfit: changed; 1 change, 0 warnings, 0 errors');
  assert.is(totalLine([set, warn, warn], true, true), 'eksfit: would change; 1 change, 2 warnings, 0 errors');
  assert.is(totalLine([], false, true), 'eksfit: no change needed; 0 changes, 0 warnings, 0 errors');
});

const json = suite('formatJson');

json('the results in KRM shape with a summary', () => {
  const out = JSON.parse(formatJson([set, kept, warn], true)) as {
    changed: boolean;
    summary: Record<string, number>;
    results: unknown[];
  };
  assert.is(out.changed, true);
  assert.equal(out.summary, { changes: 1, error: 0, warning: 1, info: 2 });
  assert.equal(out.results, JSON.parse(JSON.stringify([set, kept, warn])));
});

change.run();
label.run();
report.run();
total.run();
json.run();
