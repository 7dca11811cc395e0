/**
 * The README's "Use it with ..." sections are copies of examples/README.md,
 * whose commands the host tests run: this keeps the copies from rotting. And
 * the README's first commands are the ones package.json and .ci/run implement.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { loadPolicy } from '../src/policy.ts';
import { str } from './helpers/json.ts';

const read = (p: string): string => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');

function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = text.split(/^(?=## )/m);
  for (const part of parts) {
    const m = /^## (Use it (?:with|on) .*)\n/.exec(part);
    if (m) out.set(m[1] as string, part.trimEnd());
  }
  return out;
}

test('every "Use it with" section of examples/README.md is in README.md, links rebased', () => {
  const examples = sections(read('examples/README.md'));
  const readme = sections(read('README.md'));
  assert.ok(examples.size >= 6, 'examples/README.md has the host sections');
  for (const [title, body] of examples) {
    const rebased = body.replace(/\]\(([\w-]+\/README\.md)\)/g, '](examples/$1)');
    assert.fixture(readme.get(title) ?? '(missing)', rebased, title);
  }
});

test('the README starts with the set-up-and-run command and the test command', () => {
  const head = read('README.md').split('\n').slice(0, 6).join('\n');
  assert.match(head, 'npm install && npm start');
  assert.match(head, 'npm test');
  assert.match(str(JSON.parse(read('package.json')) as unknown, 'scripts', 'start'), 'bin/eksfit examples/');
  assert.match(read('.ci/run'), 'npm test');
});

test('the policy reference in the README is a valid policy', () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## The policy'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'a yaml block under "## The policy"');
  const policy = loadPolicy(parse(block, { version: '1.1' }), 'README');
  assert.ok(policy.rules.some((r) => r.name === 'grpc-long-idle'));
});

test.run();
