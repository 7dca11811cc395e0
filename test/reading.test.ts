/**
 * eksfit's reader against the Kubernetes reader (k8syaml oracle) on minimal documents of
 * issues #11 (item 1: continuations at column 0; item 5: duplicate keys) and #14 (defects
 * 3, 4, 5): the value eksfit reads is the value Kubernetes reads, and what Kubernetes
 * refuses is refused with a position.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSegment, splitSegments } from '../src/documents.ts';
import { readInput, unreadConfigMaps } from '../src/input.ts';
import { KindTable } from '../src/kinds.ts';
import { InputError } from '../src/errors.ts';
import { fastParse } from '../src/fastyaml.ts';
import { indentContinuations } from '../src/lenient.ts';
import { hostTest } from './helpers/hosts.ts';
import { K8SYAML, k8sError, k8sRead } from './helpers/k8syaml.ts';

/** What eksfit reads in a stream: each document's value (null documents dropped), or the error. */
function eksfitRead(text: string): { values: unknown[] } | { error: InputError } {
  try {
    const values = splitSegments(text)
      .map((s) => parseSegment(s).doc.toJS() as unknown)
      .filter((v) => v !== null && v !== undefined);
    return { values };
  } catch (e) {
    if (e instanceof InputError) return { error: e };
    throw e;
  }
}

/** Documents Kubernetes reads (and eksfit must read the same). */
const READ: Record<string, string> = {
  'single-quoted, closing quote at column 0': "a:\n  description: 'line one.\n\n    line two.\n\n'\nb: 1\n",
  'single-quoted with an escaped quote, continued at column 0': "a:\n  b: 'it''s\nthere'\nc: 2\n",
  'double-quoted continued at column 0': 'a:\n  m: "one\ntwo"\nb: 1\n',
  'double-quoted with escapes and an escaped line break at column 0': 'a:\n  m: "x\\"y\\\n z\\n\nw"\nb: 1\n',
  'flow mapping continued at column 0': 'metadata:\n  labels: {a: b,\nc: d}\nb: 1\n',
  'flow sequence continued at column 0': 'k: [a,\nb]\n',
  'nested flow with a comment, continued at column 0': 'k:\n  m: {a: [1,\n2], # note\nb: "x\ny"}\nz: 0\n',
  'a sequence item with a quoted value at column 0': "l:\n- name: 'a\nb'\n  v: 1\n",
  'a block scalar with quotes before a continued flow': "s: |\n  '{\n  x\nk: [1,\n2]\n",
  'a quoted key is no continuation': "'a b': 'c\nd'\n",
  // issue #11, item 5: the last occurrence of a duplicated key counts
  'a duplicated key': 'a: 1\nb: 2\na: 3\n',
  'a key duplicated three times, nested': 'm:\n  x: 1\n  y: 0\n  x: 2\n  x: 3\n',
  'a duplicated key in a flow mapping': 'm: {a: 1, a: 2}\n',
  'a duplicated key whose values are mappings': 'm:\n  a: {p: 1}\n  a:\n    q: 2\n',
  // issue #14, defect 3: a BOM after a leading blank or comment line is part of the key
  'a byte-order mark after a blank line': '\n\uFEFFapiVersion: v1\nkind: Pod\n',
  'a byte-order mark after a comment line': '# c\n\uFEFFa: 1\nb: 2\n',
  'a byte-order mark right after ---: dropped': 'a: 1\n---\n\uFEFFb: 2\n',
  'a byte-order mark inside a nested key and a value': 'a:\n  \uFEFFb: x\uFEFFy\n',
  // issue #14, defect 5: keys of 1,024 characters are read (the library alone refuses the first)
  'a 1,024-character key after an empty value': `s:\n${'k'.repeat(1024)}: v\n`,
  'a 1,024-character key after an empty value, with an anchor': `a: &x 1\ns:\n${'k'.repeat(1024)}: v\n`,
  'a 1,024-character key after a comment line': `s:\n# c\n${'k'.repeat(1024)}: v\n`,
};

/** Documents Kubernetes refuses (and eksfit must refuse, with a position). */
const REFUSED: Record<string, string> = {
  'plain scalar continued below its key': 'a:\n  b: one\ntwo\n',
  'unclosed single quote': "a: 'one\nb: 2\n",
  'unclosed flow mapping': 'a: {b: c\n',
  'a 1,025-character key after an empty value': `s:\n${'k'.repeat(1025)}: v\n`,
  'a 1,025-character key with an anchor': `a: &x 1\n${'k'.repeat(1025)}: v\n`,
  // apimachinery's document reader refuses content on a --- line
  'content on the --- line': 'a: 1\n--- b: 2\n',
};

const S = suite('reading as Kubernetes does');

S('indentContinuations changes nothing in ordinary YAML', () => {
  for (const text of ['a: 1\n', "a: 'x'\nb: [1, 2]\n", 'a: |\n  x\n', 'a:\n  b: "c\n    d"\n'])
    assert.is(indentContinuations(text), undefined, text);
});

S('a continued quoted value is read, line numbers kept', () => {
  const [seg] = splitSegments(READ['single-quoted, closing quote at column 0'] as string);
  const parsed = parseSegment(seg as never);
  assert.ok(parsed.readOnly, 'a normalised document is read-only');
  assert.equal(parsed.doc.toJS(), { a: { description: 'line one.\nline two.\n' }, b: 1 });
});

hostTest(S, 'continuations at column 0: the values Kubernetes reads', [K8SYAML], ['k8syaml'], async () => {
  for (const [name, text] of Object.entries(READ)) {
    const k8s = await k8sRead(text);
    assert.is(k8sError(k8s), undefined, `${name}: Kubernetes reads it`);
    const got = eksfitRead(text);
    assert.ok('values' in got, `${name}: eksfit refuses it: ${'error' in got ? got.error.message : ''}`);
    const want = k8s.map((d) => (d as { json: unknown }).json).filter((v) => v !== null);
    assert.equal(got.values, want, name);
  }
});

hostTest(S, 'what Kubernetes refuses stays refused, with a position', [K8SYAML], ['k8syaml'], async () => {
  for (const [name, text] of Object.entries(REFUSED)) {
    assert.ok(k8sError(await k8sRead(text)) !== undefined, `${name}: Kubernetes refuses it`);
    const got = eksfitRead(text);
    assert.ok('error' in got, `${name}: eksfit reads it`);
    if ('error' in got) assert.ok(got.error.position && got.error.position.line > 0, `${name}: no position`);
  }
});

S('a duplicated key: the document keeps the last occurrence only, and says where each was', () => {
  const [seg] = splitSegments('a: 1\nb: 2\na: 3\n');
  const parsed = parseSegment(seg as never);
  assert.equal(parsed.doc.toJS(), { b: 2, a: 3 });
  assert.equal(
    parsed.duplicates?.map((d) => [d.key, d.position.line, d.shadowed.map((p) => p.line)]),
    [['a', 3, [1]]],
  );
});

S('found by fuzzing: a column-0 continuation before an explicit key without a value reads, no crash', () => {
  // (the key is a mapping, which Kubernetes cannot convert to JSON: the known "collection key"
  // difference of test/yaml-suite.test.ts; lenient.ts crashed on its null value)
  const got = eksfitRead("description: 'line one.\n\n  line two.\n\n'\n? apiVersion: v1\nkind: Pod\n");
  assert.ok('values' in got);
});

S('a document with a byte-order mark inside is read-only, and its first key keeps the mark', () => {
  const [seg] = splitSegments('\n\uFEFFapiVersion: v1\nkind: Pod\n');
  const parsed = parseSegment(seg as never);
  assert.ok(parsed.readOnly);
  assert.equal(parsed.doc.toJS(), { '\uFEFFapiVersion': 'v1', kind: 'Pod' });
});

S('keys of 1,024 characters: the fast reader and the library agree (read), 1,025: both refuse', () => {
  for (const [n, ok] of [
    [1024, true],
    [1025, false],
  ] as const) {
    const plain = `s:\n${'k'.repeat(n)}: v\n`;
    // an anchor elsewhere sends the document to the library
    const library = `a: &x 1\n${plain}`;
    assert.is(fastParse(plain) !== undefined, ok, `fast reader, ${n}`);
    for (const text of [plain, library]) {
      const got = eksfitRead(text);
      assert.is('values' in got, ok, `${n}: ${text.slice(0, 12)}`);
    }
  }
});

S.run();

const C = suite('the ConfigMaps passed through as text, found by name when a Pod asks');

C('a name is found whole, quoted or plain, in its namespace, by a previous name; a longer run is another name', () => {
  const text = [
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config-2\ndata:\n  k: "two"\n',
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'web-config'\n  namespace: prod\ndata:\n  k: prod\n",
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "web-config"}\ndata:\n  k: default\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p-old\n  annotations:\n    internal.config.kubernetes.io/previousNames: old, older\ndata:\n  k: renamed\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "odd name"\ndata:\n  k: spaced\n',
  ].join('---\n');
  const input = readInput([{ file: 'cm.yaml', text }], new KindTable([]));
  assert.ok(
    input.docs.every((d) => d.parsed === undefined),
    'ConfigMaps are passed through unread',
  );
  const find = unreadConfigMaps(input, 'default');
  assert.equal(find('default', 'web-config'), { k: 'default' });
  assert.equal(find('prod', 'web-config'), { k: 'prod' });
  assert.equal(find('default', 'web-config-2'), { k: 'two' });
  assert.equal(find('default', 'web'), undefined);
  assert.equal(find('default', 'older'), { k: 'renamed' });
  assert.equal(find('default', 'odd name'), { k: 'spaced' });
  assert.equal(find('default', 'config'), undefined);
});

C('read by the fast reader or by the library (a tab), the first of a namespace and name in input order', () => {
  const cm = (name: string, k: string, tab = false): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${k}\n${tab ? '  script: "a\tb"\n' : ''}`;
  const text = [
    cm('"web\\x2dconfig"', 'escaped'), // the fast reader reads the escape: web-config
    cm('slow-one', 'slow', true),
    cm('slow-one', 'later'),
    cm('fast-one', 'fast'),
    cm('fast-one', 'later', true),
    cm('"odd name"', 'odd', true),
  ].join('---\n');
  const input = readInput([{ file: 'cm.yaml', text }], new KindTable([]));
  assert.ok(input.docs.every((d) => d.parsed === undefined));
  const find = unreadConfigMaps(input, 'default');
  assert.equal(find('default', 'web-config'), { k: 'escaped' });
  assert.equal(find('default', 'slow-one'), { k: 'slow', script: 'a\tb' });
  assert.equal(find('default', 'fast-one'), { k: 'fast' });
  assert.equal(find('default', 'odd name'), { k: 'odd', script: 'a\tb' });
  assert.equal(find('default', 'missing'), undefined);
});

C.run();
