/** The orchestration: decisions made once (--strict, the joined input). */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
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

input('gives the output in pieces that join to the output', () => {
  const out = transform([
    { file: 'a.yaml', text: HOST_PORT },
    { file: 'b.yaml', text: HOST_PORT },
  ]);
  assert.ok(out.outputParts.length >= 3);
  assert.is(out.outputParts.join(''), out.output);
});

strict.run();
input.run();
