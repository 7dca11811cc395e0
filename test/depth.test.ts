/**
 * src/depth.ts: the pre-check never counts more nesting than there is (every
 * fixture, example and tricky text below, against the depth the yaml library
 * reads), and it finds the nesting hostile input is made of.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isCollection, isPair, parseAllDocuments } from 'yaml';
import { excessiveNesting } from '../src/depth.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The deepest nesting of collections the yaml library reads in `text` (0 for scalars only). */
function depthOf(text: string): number {
  const walk = (node: unknown): number => {
    if (isPair(node)) return Math.max(walk(node.key), walk(node.value));
    if (!isCollection(node)) return 0;
    let h = 0;
    for (const item of node.items) h = Math.max(h, walk(item));
    return h + 1;
  };
  return Math.max(
    0,
    ...parseAllDocuments(text, { version: '1.1' }).map((d) => (Array.isArray(d) ? 0 : walk(d.contents))),
  );
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

const TRICKY = [
  'a: "[[[[[[[[[["\nb: \'{{{{{\'\n',
  'a: |\n  [[[[[[[[[[\n  {{{{{{\nb: [1, [2]]\n',
  '- |\n  [[[[[[\n- >-\n  {{{{\n',
  'a: plain [[[[ text\nb: x # [[[[[[\n# [[[[[[[\n',
  'a: [b, "c]", \'d]\', [e]]\n',
  'key: "multi\n  line [[[[[\n  end"\nb: [x]\n',
  'a: [ "it\'s", [b] ]\n',
  '--- [[a]]\n--- {b: [c]}\n',
  'a: &x [1]\nb: !!seq [2]\n',
  "a: 'it''s [[[['\n",
  '? [a]\n: [b, [c]]\n',
  '- - - x\n- - y\n',
  'a:\n  - [1, {b: [2]}]\n',
];

const Depth = suite('depth: the nesting pre-check');

Depth('never counts more nesting than the yaml library reads', () => {
  const texts = [
    ...TRICKY,
    ...yamlFiles(join(ROOT, 'test/fixtures')).map((p) => readFileSync(p, 'utf8')),
    ...yamlFiles(join(ROOT, 'examples')).map((p) => readFileSync(p, 'utf8')),
  ];
  let checked = 0;
  for (const text of texts) {
    let depth: number;
    try {
      depth = depthOf(text);
    } catch {
      continue;
    }
    assert.is(excessiveNesting(text, depth), -1, `over-counted:\n${text.slice(0, 300)}`);
    checked++;
  }
  assert.ok(checked > 100, `${checked} texts`);
});

Depth('finds deep flow collections and dash runs, at the level past the limit', () => {
  const flow = `a: ${'['.repeat(300)}${']'.repeat(300)}\n`;
  assert.is(excessiveNesting(flow, 256), 3 + 256);
  assert.is(excessiveNesting(`a: ${'{b: '.repeat(300)}1${'}'.repeat(300)}\n`, 256) > 0, true);
  assert.is(excessiveNesting(`a:\n  ${'- '.repeat(300)}x\n`, 256) > 0, true);
  assert.is(excessiveNesting(`a: ${'['.repeat(256)}${']'.repeat(256)}\n`, 256), -1);
  assert.is(excessiveNesting(`a: "${'['.repeat(300)}"\n`, 256), -1);
  assert.is(excessiveNesting(`a: |\n  ${'['.repeat(300)}\n`, 256), -1);
});

Depth.run();
