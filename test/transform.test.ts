/** The orchestration: decisions made once (--strict, the joined input). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { transform } from '../src/transform.ts';

const HOST_PORT = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: a, ports: [{containerPort: 80, hostPort: 80}]}
`;

const RESOURCE_LIST = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
${HOST_PORT.split('\n')
  .filter(Boolean)
  .map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`))
  .join('\n')}
`;

const strict = suite('transform: --strict');

strict("turns warnings into errors once, in the results returned and in a ResourceList's results alike", () => {
  const out = transform([{ file: 'rl.yaml', text: RESOURCE_LIST }], { strict: true });
  const written = (parse(out.output) as { results: { severity: string; tags?: { check?: string } }[] }).results;
  assert.equal(
    out.results.map((r) => [r.severity, r.tags?.check]),
    [['error', 'hostPort']],
  );
  assert.equal(
    written.map((r) => [r.severity, r.tags?.check]),
    [['error', 'hostPort']],
  );
});

strict('leaves warnings alone without it', () => {
  const out = transform([{ file: 'pod.yaml', text: HOST_PORT }]);
  assert.equal(
    out.results.map((r) => r.severity),
    ['warning'],
  );
});

const input = suite('transform: the joined input (for --diff)');

input('is built only when read, and then once', () => {
  const out = transform([
    { file: 'a.yaml', text: HOST_PORT },
    { file: 'b.yaml', text: HOST_PORT },
  ]);
  const descriptor = Object.getOwnPropertyDescriptor(out, 'input');
  assert.type(descriptor?.get, 'function');
  assert.is(out.input, `${HOST_PORT}---\n${HOST_PORT}`);
  assert.is(out.input, out.input);
});

strict.run();
input.run();
