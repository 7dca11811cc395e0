import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isMap, parseDocument, type YAMLMap } from 'yaml';
import { DocumentEditor, UneditableError } from '../src/edit.ts';
import { applyEdits, detectStyle, flowText, keyText, scalarText } from '../src/yamltext.ts';
import { propertyParams } from './helpers/property.ts';

function edit(text: string, fn: (ed: DocumentEditor, root: YAMLMap) => void): string {
  const doc = parseDocument(text, { version: '1.1' });
  const root = doc.contents;
  if (!isMap(root)) throw new Error('root is not a map');
  const ed = new DocumentEditor(text);
  fn(ed, root);
  return ed.apply();
}

const setEntries = suite('DocumentEditor.setEntries');

setEntries('adds a key to a block mapping after its last entry, at its indent', () => {
  const out = edit('a:\n  b: 1   # c\n  d: 2\ne: 3\n', (ed, r) => ed.setEntries(r, ['a'], [['x', 'y']]));
  assert.is(out, 'a:\n  b: 1   # c\n  d: 2\n  x: "y"\ne: 3\n');
});

setEntries('creates missing mappings along the path', () => {
  const out = edit('spec:\n  template:\n    spec: {}\n', (ed, r) =>
    ed.setEntries(r, ['spec', 'template', 'metadata', 'annotations'], [['k', '1']]),
  );
  assert.is(out, 'spec:\n  template:\n    spec: {}\n    metadata:\n      annotations:\n        k: "1"\n');
});

setEntries('replaces an existing scalar in place, keeping its comment', () => {
  const out = edit("a:\n  k: '5s' # old\n", (ed, r) => ed.setEntries(r, ['a'], [['k', '120s']]));
  assert.is(out, "a:\n  k: '120s' # old\n");
});

setEntries('a replaced scalar keeps its style when the value reads back the same', () => {
  const out = edit('a:\n  p: --listen=:9100\n  s: \'9100\'\n  d: "9100"\n  num: 9100\n  flag: on\n', (ed, r) =>
    ed.setEntries(
      r,
      ['a'],
      [
        ['p', '--listen=:9101'],
        ['s', '9101'],
        ['d', '9101'],
        ['num', 9101],
        ['flag', 'off'],
      ],
    ),
  );
  assert.is(out, 'a:\n  p: --listen=:9101\n  s: \'9101\'\n  d: "9101"\n  num: 9101\n  flag: "off"\n');
});

setEntries('inserts into a flow mapping, empty or not', () => {
  assert.is(
    edit('a: {}\n', (ed, r) => ed.setEntries(r, ['a'], [['k', 'v']])),
    'a: {k: "v"}\n',
  );
  assert.is(
    edit('a: {x: 1}\n', (ed, r) => ed.setEntries(r, ['a'], [['k', 'v']])),
    'a: {x: 1, k: "v"}\n',
  );
  assert.is(
    edit('a: {x: 1,}\n', (ed, r) => ed.setEntries(r, ['a'], [['k', 'v']])),
    'a: {x: 1, k: "v"}\n',
  );
});

setEntries('fills a null value: `key:` and `key: null`', () => {
  assert.is(
    edit('a:\nb: 1\n', (ed, r) => ed.setEntries(r, ['a'], [['k', 'v']])),
    'a:\n  k: "v"\nb: 1\n',
  );
  assert.is(
    edit('a: null\nb: 1\n', (ed, r) => ed.setEntries(r, ['a'], [['k', 'v']])),
    'a:\n  k: "v"\nb: 1\n',
  );
  assert.is(
    edit('a: {x: null}\n', (ed, r) => ed.setEntries(r, ['a', 'x'], [['k', 'v']])),
    'a: {x: {k: "v"}}\n',
  );
});

setEntries('keeps CRLF line ends', () => {
  const out = edit('a:\r\n  b: 1\r\n', (ed, r) => ed.setEntries(r, ['a'], [['k', 'v']]));
  assert.is(out, 'a:\r\n  b: 1\r\n  k: "v"\r\n');
});

setEntries('follows a four-space indent when creating mappings', () => {
  const out = edit('a:\n    b:\n        c: 1\n', (ed, r) => ed.setEntries(r, ['a', 'm'], [['k', 'v']]));
  assert.is(out, 'a:\n    b:\n        c: 1\n    m:\n        k: "v"\n');
});

setEntries('adds a newline when the document does not end with one', () => {
  assert.is(
    edit('a:\n  b: 1', (ed, r) => ed.setEntries(r, ['a'], [['k', 'v']])),
    'a:\n  b: 1\n  k: "v"\n',
  );
});

setEntries('refuses aliases and merge keys', () => {
  assert.throws(
    () => edit('x: &m {a: 1}\nz: *m\n', (ed, r) => ed.setEntries(r, ['z'], [['k', 'v']])),
    (e: unknown) => e instanceof UneditableError,
  );
  assert.throws(
    () => edit('x: &m {a: 1}\nz:\n  <<: *m\n  b: 2\n', (ed, r) => ed.setEntries(r, ['z'], [['k', 'v']])),
    (e: unknown) => e instanceof UneditableError,
  );
});

setEntries('refuses a path through a non-mapping', () => {
  assert.throws(
    () => edit('a: [1]\n', (ed, r) => ed.setEntries(r, ['a', 'b'], [['k', 'v']])),
    (e: unknown) => e instanceof UneditableError,
  );
});

setEntries.run();

const append = suite('DocumentEditor.appendItems');

append('appends to a block sequence at its column', () => {
  const out = edit('env:\n- name: A\n  value: "1"\nx: 1\n', (ed, r) =>
    ed.appendItems(r, 'env', [{ name: 'B', value: '2' }]),
  );
  assert.is(out, 'env:\n- name: A\n  value: "1"\n- name: "B"\n  value: "2"\nx: 1\n');
});

append('appends to an indented block sequence', () => {
  const out = edit('c:\n  env:\n    - name: A\n', (ed, r) =>
    ed.appendItems(r.get('c', true) as unknown as YAMLMap, 'env', [{ name: 'B' }]),
  );
  assert.is(out, 'c:\n  env:\n    - name: A\n    - name: "B"\n');
});

append('appends to a flow sequence', () => {
  assert.is(
    edit('t: [a]\n', (ed, r) => ed.appendItems(r, 't', ['b'])),
    't: [a, "b"]\n',
  );
  assert.is(
    edit('t: []\n', (ed, r) => ed.appendItems(r, 't', ['b'])),
    't: ["b"]\n',
  );
});

append('creates a missing sequence in the style of the document', () => {
  const indented = edit('a:\n  - x\nc:\n  k: 1\n', (ed, r) =>
    ed.appendItems(r.get('c', true) as unknown as YAMLMap, 'env', [{ name: 'B' }]),
  );
  assert.is(indented, 'a:\n  - x\nc:\n  k: 1\n  env:\n    - name: "B"\n');
  const compact = edit('a:\n- x\nc:\n  k: 1\n', (ed, r) =>
    ed.appendItems(r.get('c', true) as unknown as YAMLMap, 'env', [{ name: 'B' }]),
  );
  assert.is(compact, 'a:\n- x\nc:\n  k: 1\n  env:\n  - name: "B"\n');
});

append.run();

const text = suite('scalar and key text');

text('strings are double-quoted, numbers plain', () => {
  assert.is(scalarText('9110'), '"9110"');
  assert.is(scalarText('a"b\n'), '"a\\"b\\n"');
  assert.is(scalarText(9110), '9110');
});

text('keys are plain unless ambiguous', () => {
  assert.is(keyText('eks.tke.cloud.tencent.com/ipvs-udp-timeout'), 'eks.tke.cloud.tencent.com/ipvs-udp-timeout');
  assert.is(keyText('on'), '"on"');
  assert.is(keyText('a b'), '"a b"');
  assert.is(keyText('1x'), '"1x"');
});

text('flow text of nested values', () => {
  assert.is(flowText({ a: ['x', 1], b: {} }), '{a: ["x", 1], b: {}}');
});

text('applyEdits keeps the order of insertions at one offset and refuses overlaps', () => {
  assert.is(
    applyEdits('ab', [
      { start: 1, end: 1, insert: 'X' },
      { start: 1, end: 1, insert: 'Y' },
    ]),
    'aXYb',
  );
  assert.throws(() =>
    applyEdits('abc', [
      { start: 0, end: 2, insert: '' },
      { start: 1, end: 3, insert: '' },
    ]),
  );
});

const style = suite('detectStyle');

/** The former detectStyle, which split the first 400 lines at once: the one it must agree with. */
function splitStyle(text: string): { unit: number; indentSeq: boolean } {
  let unit = 0;
  let indentSeq: boolean | undefined;
  const lines = text.split('\n', 400);
  for (let i = 0; i + 1 < lines.length; i++) {
    const line = lines[i] as string;
    const m = /^( *)(- +)?[^\s#-][^:#]*:\s*(#.*)?\r?$/.exec(line);
    if (!m) continue;
    const col = (m[1] as string).length + (m[2]?.length ?? 0);
    const next = lines[i + 1] as string;
    const n = /^( *)(-( |$))?/.exec(next);
    if (!n || next.trim() === '' || next.trimStart().startsWith('#')) continue;
    const ncol = (n[1] as string).length;
    if (n[2] !== undefined) {
      if (indentSeq === undefined) indentSeq = ncol > col;
    } else if (ncol > col && unit === 0) {
      unit = ncol - col;
    }
    if (unit && indentSeq !== undefined) break;
  }
  return { unit: unit || 2, indentSeq: indentSeq ?? true };
}

style('reads the indent unit and the sequence style from the first nested collections', () => {
  assert.equal(detectStyle('a:\n    b: 1\nc:\n- x\n'), { unit: 4, indentSeq: false });
  assert.equal(detectStyle('a:\n  b:\n    - x\n'), { unit: 2, indentSeq: true });
  assert.equal(detectStyle('a: 1\n'), { unit: 2, indentSeq: true });
  // Only the first 400 lines count.
  assert.equal(detectStyle(`${'x: 1\n'.repeat(399)}a:\n    b: 1\n`), { unit: 2, indentSeq: true });
  assert.equal(detectStyle(`${'x: 1\n'.repeat(397)}a:\n    b: 1\n`), { unit: 4, indentSeq: true });
});

style('agrees with splitting the first 400 lines, for any text', () => {
  const { params } = propertyParams(300);
  const line = fc.oneof(
    fc.constantFrom('', ' ', '#', '  # c', '- ', '-', '\r', 'a:', 'a: 1', 'a: # c', '- a:', '- - b:', 'k:\r', ':'),
    fc
      .tuple(fc.nat(6), fc.constantFrom('', '- ', '- - '), fc.constantFrom('key:', 'k: v', 'x', '#', '-', 'k:  '))
      .map(([n, seq, rest]) => ' '.repeat(n) + seq + rest),
  );
  const text = fc.oneof(
    fc.array(line, { maxLength: 30 }).map((ls) => ls.join('\n')),
    fc
      .tuple(fc.array(line, { maxLength: 8 }), fc.integer({ min: 390, max: 402 }))
      .map(([ls, pad]) => 'x: 1\n'.repeat(pad) + ls.join('\n')),
  );
  fc.assert(
    fc.property(text, (t) => {
      assert.equal(detectStyle(t), splitStyle(t));
    }),
    params,
  );
});

style.run();
text.run();
