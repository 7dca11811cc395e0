/** The orchestration: decisions made once (--strict, the joined input). */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { main } from '../src/cli.ts';
import { joinedParts, joinFiles } from '../src/render.ts';
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

/** joinFiles as it was written before it made pieces: one string, built by appending. */
function joinedBefore(texts: readonly string[], firstOfFile: ReadonlySet<number>): string {
  let out = '';
  texts.forEach((text, i) => {
    let t = text;
    if (i > 0 && firstOfFile.has(i)) {
      t = t.replace(/^\uFEFF/, '');
      if (!out.endsWith('\n')) out += '\n';
      if (/^(?:[ \t]*(?:#[^\n]*)?\r?\n)*%/.test(t)) {
        if (!/(?:^|\n)\.\.\.[ \t]*(?:#[^\n]*)?\r?\n$/.test(out)) out += '...\n';
      } else if (!/^---(?:[ \t]|\r?\n|$)/.test(t)) out += '---\n';
    }
    out += t;
  });
  return out;
}

input('the output in pieces joins to what one string made of the files would be', () => {
  // Texts made of the lines that decide what goes between files: ends with or without a line break, `...` lines, directives.
  const line = fc.constantFrom(
    '',
    '\n',
    'a: 1\n',
    'a: 1',
    '...\n',
    '... # end\n',
    '...',
    '%YAML 1.1\n',
    '---\n',
    '--- x\n',
    '# c\n',
    '\uFEFF',
    '\r\n',
    ' ...\n',
  );
  const text = fc.array(line, { maxLength: 4 }).map((ls) => ls.join(''));
  fc.assert(
    fc.property(fc.array(fc.tuple(text, fc.boolean()), { maxLength: 6 }), (files) => {
      const texts = files.map(([t]) => t);
      const first = new Set(files.flatMap(([, f], i) => (f || i === 0 ? [i] : [])));
      const parts = joinedParts(texts, first);
      assert.is(parts.join(''), joinedBefore(texts, first));
      assert.is(joinFiles(texts, first), joinedBefore(texts, first));
    }),
    { numRuns: 2000, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
  );
});

input('the shell writes a large output in pieces of about 64 KiB that join to the whole output', async () => {
  // About 800 KB: a Deployment with port 9100 (changed by the preset) and a ConfigMap (passed through), 3,000 times.
  const doc = (i: number): string =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d${i}}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: a, ports: [{containerPort: 9100}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\ndata: {k: v}\n`;
  const text = Array.from({ length: 3000 }, (_, i) => doc(i)).join('---\n');
  const writes: string[] = [];
  const code = await main(['-q'], {
    stdin: async () => new TextEncoder().encode(text),
    stdout: (t) => void writes.push(t),
    stderr: () => {},
    env: {},
    cwd: process.cwd(),
  });
  assert.is(code, 0);
  const whole = transform([{ file: '<stdin>', text }]).output;
  assert.ok(whole.length > 500_000 && whole !== text, 'a large, changed output');
  assert.is(writes.join(''), whole);
  assert.ok(writes.length >= whole.length / (128 * 1024), `${writes.length} writes`);
  for (const w of writes.slice(0, -1))
    assert.ok(w.length >= 64 * 1024 && w.length < 128 * 1024, `a piece of ${w.length}`);
});

strict.run();
input.run();
