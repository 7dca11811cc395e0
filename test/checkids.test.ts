/**
 * The check-id registry (src/checkids.ts) is the one list of check ids: the
 * check table, the schema's enum and the README's table say the same.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import { parse } from 'yaml';
import * as assert from 'uvu/assert';
import { CHECK_IDS, isCheckId } from '../src/checkids.ts';
import { CHECKS } from '../src/checks.ts';
import { loadPolicy } from '../src/policy.ts';
import { transform } from '../src/transform.ts';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const schema = JSON.parse(read('../schema/eksfit-policy.schema.json')) as {
  definitions: { checkId: { enum: string[]; description: string } };
};

const ids = suite('check ids');

ids('the check table has one row per id, in the registry order', () => {
  assert.equal(
    CHECKS.map((c) => c.id),
    [...CHECK_IDS],
  );
});

ids("the schema's checkId enum is the registry, and its description names every id", () => {
  assert.equal(schema.definitions.checkId.enum, [...CHECK_IDS]);
  for (const id of CHECK_IDS) assert.ok(schema.definitions.checkId.description.includes(id), id);
});

ids("the README's checks table lists exactly the registry's ids", () => {
  const readme = read('../README.md');
  const section = readme.slice(readme.indexOf('## Checks'), readme.indexOf('## Fixes a rule can ask for'));
  const listed = [...section.matchAll(/^\| ([A-Za-z0-9, ]+) \| (?:warning|error|info) \|/gm)].flatMap((m) =>
    (m[1] as string).split(',').map((s) => s.trim()),
  );
  assert.equal([...listed].sort(), [...CHECK_IDS].sort());
});

ids('isCheckId knows the ids and nothing else', () => {
  for (const id of CHECK_IDS) assert.ok(isCheckId(id), id);
  for (const id of ['skip', 'hostport', '', 'remap']) assert.not.ok(isCheckId(id), id);
});

const remapReference = suite('remapReference is a check like any other');

const POLICY = (checks: string): string => `apiVersion: eksfit.dev/v1alpha1
kind: EksFitPolicy
spec:
  preset: none
  rules: [{name: remap, ports: {strategy: remap, env: PORT}}]
${checks}`;

const INPUT = (annotation: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: exporter}
spec:
  template:
    metadata:
      labels: {app: exporter}${annotation}
    spec:
      containers:
        - {name: exporter, image: e, ports: [{containerPort: 9100}]}
        - {name: proxy, image: p, args: ["--upstream=http://127.0.0.1:9100/"]}
`;

const checksOf = (policyText: string, input: string): (string | undefined)[] => {
  const policy = loadPolicy(parse(policyText), 'test');
  return transform([{ file: 'in.yaml', text: input }], { policy }).results.map((r) => r.tags?.check);
};

remapReference('is reported by default', () => {
  assert.ok(checksOf(POLICY(''), INPUT('')).includes('remapReference'));
});

remapReference('checks: {remapReference: off} is a valid policy and silences it', () => {
  assert.not.ok(checksOf(POLICY('  checks: {remapReference: off}\n'), INPUT('')).includes('remapReference'));
});

remapReference('eksfit.dev/ignore-checks: remapReference silences it, with no "unknown check" warning', () => {
  const found = checksOf(POLICY(''), INPUT('\n      annotations: {eksfit.dev/ignore-checks: remapReference}'));
  assert.not.ok(found.includes('remapReference'));
  assert.equal(
    found.filter((c) => c !== undefined),
    [],
  );
});

ids.run();
remapReference.run();
