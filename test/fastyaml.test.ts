/**
 * Differential tests of src/fastyaml.ts against the yaml library: whenever
 * fastParse returns a Document, it must be the one parseDocument(text,
 * { version: '1.1' }) builds - every node's class, range, type, flow flag,
 * value, source, format and key order, the document's range, directives and
 * options, and toJS() of the document and of every node. Otherwise it must
 * bail (return undefined).
 *
 * 1. hand-written cases for each construct of the subset and each bail-out;
 * 2. fast-check properties over generated documents (helpers/fastyaml-arbitraries.ts,
 *    and the manifest streams of helpers/streams.ts), intact and mutated;
 * 3. every document of the bench streams (8,000 resources; the CRD stream), of test/fixtures/ and of examples/.
 *
 * `npm test` runs PROPERTY_RUNS cases per property (default 300, a few seconds); longer:
 *   PROPERTY_RUNS=20000 npx uvu test -r tsx -i fixtures -i helpers fastyaml
 * A failure prints the seed and path to replay it: PROPERTY_SEED=<seed> PROPERTY_PATH=<path>.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { fastParse, fastParseExplained, fastValueExplained, SUPPORTED_YAML_VERSION } from '../src/fastyaml.ts';
import yamlPackage from 'yaml/package.json' with { type: 'json' };
import { splitSegments } from '../src/documents.ts';
import { stream } from './helpers/streams.ts';
import { fyAnyDocument, fyDocument, fyMutated, PLAINS } from './helpers/fastyaml-arbitraries.ts';
import { propertyParams, quietly } from './helpers/property.ts';

const { params } = propertyParams(600);

/**
 * `toJS` of both documents. toJS() of a mapping with a Date or collection key
 * logs a warning through process.emitWarning, not ours to show: it is held
 * back for the duration of this call only, so no other test sees the change.
 */
function plainOf(fast: { toJS(): unknown }, real: { toJS(): unknown }): [unknown, unknown] {
  return quietly(() => [fast.toJS(), real.toJS()]);
}

// ---------------------------------------------------------------------------
// The oracle

/** Comments are not reproduced (see src/fastyaml.ts). */
const NOT_COMPARED = new Set(['comment', 'commentBefore', 'spaceBefore']);

/** The first difference between two values (own enumerable properties, prototypes, Object.is for leaves), or undefined. */
function difference(a: unknown, b: unknown, path: string): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return `${path}: ${show(a)} (fast) vs ${show(b)} (yaml)`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b))
    return `${path}: ${a.constructor.name} (fast) vs ${b.constructor.name} (yaml)`;
  if (a instanceof Date)
    return a.getTime() === (b as Date).getTime() || (isNaN(a.getTime()) && isNaN((b as Date).getTime()))
      ? undefined
      : `${path}: dates differ`;
  const ka = Object.keys(a).filter((k) => !NOT_COMPARED.has(k));
  const kb = Object.keys(b).filter((k) => !NOT_COMPARED.has(k));
  if (ka.join() !== kb.join() && [...ka].sort().join() !== [...kb].sort().join())
    return `${path}: properties [${ka}] (fast) vs [${kb}] (yaml)`;
  for (const k of ka) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v);
}

/** Every node of a document with its path, parents before children. */
function nodes(doc: Document.Parsed): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (n: unknown, path: string): void => {
    out.push([path, n]);
    if (isMap(n) || isSeq(n)) (n.items as unknown[]).forEach((it, i) => walk(it, `${path}[${i}]`));
    else if (isPair(n)) {
      walk(n.key, `${path}.key`);
      walk(n.value, `${path}.value`);
    }
  };
  walk(doc.contents, '$');
  return out;
}

/** Why fast and real differ, or undefined when they are the same document. */
function documentDifference(fast: Document.Parsed, real: Document.Parsed, eachNode = true): string | undefined {
  if (real.errors.length > 0) return `yaml reports ${real.errors.map((e) => e.code)}, fastParse did not bail`;
  if (real.warnings.length > 0) return `yaml warns ${real.warnings.map((e) => e.code)}, fastParse did not bail`;
  const d =
    difference(fast.contents, real.contents, '$') ??
    difference(fast.range, real.range, 'doc.range') ??
    difference({ ...fast.directives }, { ...real.directives }, 'doc.directives') ??
    difference(fast.options, real.options, 'doc.options') ??
    difference(fast.errors, real.errors, 'doc.errors') ??
    difference(fast.warnings, real.warnings, 'doc.warnings') ??
    (fast.schema.name === real.schema.name && fast.schema.tags.length === real.schema.tags.length
      ? undefined
      : 'doc.schema');
  if (d) return d;
  const fn = nodes(fast);
  const rn = nodes(real);
  for (let i = 0; i < fn.length; i++) {
    const [path, f] = fn[i] as [string, unknown];
    const r = (rn[i] as [string, unknown])[1];
    if (isMap(f) !== isMap(r) || isSeq(f) !== isSeq(r) || isScalar(f) !== isScalar(r) || isPair(f) !== isPair(r))
      return `${path}: node kind`;
    if (
      (isMap(f) || isSeq(f)) &&
      ((f as { schema?: unknown }).schema !== fast.schema || (r as { schema?: unknown }).schema !== real.schema)
    )
      return `${path}: schema`;
    if (
      eachNode &&
      (isMap(f) || isSeq(f) || isScalar(f)) &&
      !isDeepStrictEqual(
        ...plainOf({ toJS: (): unknown => f.toJS(fast) }, { toJS: (): unknown => (r as typeof f).toJS(real) }),
      )
    )
      return `${path}: node.toJS(doc)`;
  }
  if (!isDeepStrictEqual(...plainOf(fast, real))) return 'doc.toJS()';
  return undefined;
}

type Outcome = { kind: 'same' } | { kind: 'bail'; reason: string } | { kind: 'different'; why: string };

/** Runs both parsers on `text`; `eachNode`: compare node.toJS(doc) of every node too (slower). */
function compare(text: string, eachNode = true): Outcome {
  let real: Document.Parsed | undefined;
  let threw: unknown;
  try {
    real = parseDocument(text, { version: '1.1' });
  } catch (e) {
    threw = e;
  }
  const r = fastParseExplained(text);
  const v = fastValueExplained(text);
  if (!r.doc) {
    if (v.reason === undefined) return { kind: 'different', why: `fastValue read it, fastParse bailed (${r.reason})` };
    return { kind: 'bail', reason: r.reason };
  }
  if (!real) return { kind: 'different', why: `yaml threw ${String(threw)}, fastParse did not bail` };
  const why = documentDifference(r.doc, real, eachNode) ?? valueDifference(v, real);
  return why ? { kind: 'different', why } : { kind: 'same' };
}

/**
 * fastValue on a text fastParse read: the library's toJS, or a bail for a
 * reason only values mode has (two keys of one name, a key that is a date).
 */
function valueDifference(
  v: { value: unknown; reason?: undefined } | { reason: string },
  real: Document.Parsed,
): string | undefined {
  if (v.reason !== undefined)
    return VALUES_ONLY_BAILS.test(v.reason) ? undefined : `fastValue bailed (${v.reason}), fastParse did not`;
  return isDeepStrictEqual(
    v.value,
    quietly((): unknown => real.toJS()),
  )
    ? undefined
    : 'fastValue';
}
const VALUES_ONLY_BAILS =
  /^(?:duplicate key, or two keys of one name|a key whose value is not a string, number or boolean)$/;

function assertSame(text: string): void {
  const o = compare(text);
  if (o.kind === 'bail') assert.unreachable(`fastParse bailed (${o.reason}) on ${JSON.stringify(text)}`);
  if (o.kind === 'different') assert.unreachable(`${o.why}\n  in ${JSON.stringify(text)}`);
}

function assertBail(text: string, reason?: RegExp): void {
  const o = compare(text);
  if (o.kind === 'different') assert.unreachable(`${o.why}\n  in ${JSON.stringify(text)}`);
  if (o.kind === 'same') assert.unreachable(`fastParse read ${JSON.stringify(text)}; it should bail`);
  if (reason && o.kind === 'bail' && !reason.test(o.reason))
    assert.unreachable(`bailed for "${o.reason}", expected ${reason} on ${JSON.stringify(text)}`);
}

/** Bails or matches: for inputs where either is acceptable. */
function assertSafe(text: string, eachNode = true): Outcome {
  const o = compare(text, eachNode);
  if (o.kind === 'different') assert.unreachable(`${o.why}\n  in ${JSON.stringify(text)}`);
  return o;
}

// ---------------------------------------------------------------------------
// 1. Hand-written cases

const Subset = suite('fastParse: the subset, read exactly as yaml reads it');

const DEPLOYMENT = `# Source: chart/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
    app.kubernetes.io/version: "1.19.0"
  annotations:
    checksum/config: 5759a9526e7544c726c01b8e59f51ec1804a4508dcadd0dccbfee5a4c26b6c16
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: "registry.example.com/web:v1.19.0"
          args: ["--config=/etc/app/config.yaml", "--grpc-listen=:50051"]
          ports:
            - name: metrics
              containerPort: 9100
              protocol: TCP
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          resources:
            limits:
              cpu: "1"
              memory: 1Gi
          securityContext:
            capabilities:
              drop: ["ALL"]
      tolerations: []
      nodeSelector: {}
`;

const SUBSET_CASES: Record<string, string> = {
  'a Deployment': DEPLOYMENT,
  'a Service, flush sequences':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - name: http\n    port: 80\n    targetPort: http\n  - port: 9100\n  selector:\n    app: web\n',
  'a CronJob with a script':
    'kind: CronJob\nspec:\n  schedule: "*/15 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: job\n              command:\n                - /bin/sh\n                - -c\n                - |\n                  set -e\n                  echo "start" # not a comment\n\n                  run --flag\n          restartPolicy: OnFailure\n',
  'multi-line plain scalars (CRD descriptions as controller-gen wraps them)':
    'description: APIVersion defines the versioned schema of this representation\n  of an object.  \n  Servers should convert recognized schemas, e.g. `v1`\n  "quoted" - [x] {y} &a *b !t | > % @ --- ... not#comment? a:b\nkind: 1\n  2\nb: true\n   x\n',
  'a multi-line plain item, and one in a compact mapping': '- b\n  c\n- k: d\n   e\n  z: 1\n- - f\n    g\n',
  'a multi-line plain scalar, then comments and blank lines': 'a:\n  b: c\n    d\n    # e\n\n  # f\ng: h\n  i',
  'indentation of 1 to 4': 'a:\n b:\n   c:\n       d: 1\n   e: 2\n f: 3\ng: 4\n',
  'a root sequence': '- a\n- b: 1\n  c: 2\n- - x\n  - y\n-   z: 1\n    w: 2\n',
  'a dash alone, then the collection': 'a:\n  -\n    b: 1\n  - # c\n    - x\n  -\n\n    c: 3\n',
  'sequences of sequences': 'a:\n- - - x\n    - y\n  - z\n- w\n',
  'keys: quoted, spaced, colons, numbers':
    '"a b": 1\n\'c\'\'d\': 2\nkey : 3\na:b: 4\nk:: 5\n1: x\n"1": y\n1.5: z\ntrue: t\nnull: n\n?x: 6\n-y: 7\n',
  'plain scalars of every YAML 1.1 type': PLAINS.filter((p) => !/^[@%`]|^[-?:]$|^<<$/.test(p))
    .map((p, i) => `k${i}: ${p}`)
    .join('\n'),
  '<< as a value, not a key': 'a: <<\nb: [<<]\n',
  'single-quoted': "a: 'x'\nb: ''\nc: 'it''s'\nd: '  # not a comment  '\ne: 'a: b'\n",
  'double-quoted escapes':
    'a: "x\\ty\\n\\"q\\" \\\\ \\/ \\0\\a\\b\\e\\f\\r\\v\\N\\_\\L\\P\\ "\nb: "\\x41\\u00e9\\U0001F600\\uD83D"\nc: ""\nd: "#x" # c\n',
  'quoted keys with the colon right after': 'm: {"a":1, \'b\':2, "c" : 3}\n',
  'flow collections':
    'a: []\nb: {}\nc: [ ]\nd: { }\ne: [a, "b", \'c\', [d, [e]], {f: g}]\nf: {a: 1, b: [x, y], c: {d: e}}\ng: [ a , b ]   # c\nh: {a:[1], b: ~}\ni: [a:b, http://x, -1, .5]\n',
  'flow collections in sequences': '- [a, b]\n- {a: 1}\n- []\n',
  'empty values': 'a:\nb:   \nc:\n  d:\ne: 1\nf:\n',
  'an empty value at the end, CRLF': 'a: 1\r\nb:\r\n',
  'an empty value before blank lines': 'a:\n  b:\n\n\nc:\n\n',
  'block scalars: every header':
    'a: |\n  x\nb: |-\n  x\nc: |+\n  x\n\nd: >\n  x\n  y\ne: >-\n  x\n\n  y\nf: >+\n  x\n\ng: |2\n    x\n  y\nh: >1-\n  x\ni: |+2\n   x\n\n',
  'block scalars: leading, inner and trailing blank lines':
    'a: |\n\n  x\n\n  y\n   \n\nb: >\n\n  x\n\n    more\n  back\n\n\nc: |+\n  x\n\n   \n\nd: 1\n',
  'block scalars: trailing lines of spaces deeper than the text': 'a: |\n  x\n     \n    \nb: |-\n  x\n  \n \nc: 1\n',
  'block scalars: comment after the header, content that looks like YAML':
    'a: | # c\n  # not a comment\n  --- not a marker\n  key: value\n  - item\nb: >- # c\n  x\n',
  'block scalars in sequences and at the end without a newline': '- |\n  x\n- key: >\n    y\n- |-\n  z',
  'block scalar with keep and trailing blank lines at the end': 'a: |+\n  x\n\n\n',
  'block scalars, CRLF': 'a: |\r\n  x\r\n\r\n  y\r\nb: >-\r\n  p\r\n  q\r\n\r\n',
  'comments after values on the same line':
    'a: 1 # c\nb: "x"  # c\nc: [a] # c\nd: {a: 1}\t# c'.replace('\t', ' ') + '\n',
  'indented comments after values end them':
    'a:\n  b: 1\n     # deeper: part of 1\n\n       # still\n  c: x\n   # deeper than c\n# at 0\n   # after one at 0: not part of x\n  d: [1]\n    # part of [1]\n',
  'trailing comments stay in the collection when indented like it':
    'a:\n  b:\n    c: 1\n    # four\n  d: 2\n  e:\n    - x\n    # four\n    - y\n    # four, then dedent\n  f: 3\n',
  'trailing comments move up when less indented': 'a:\n  b:\n    c: 1\n  # two\n# zero\n  d: 2\n',
  'trailing comments of a flush sequence': 'a:\n  b:\n  - x\n  # two\n  c: 1\nd:\n- y\n# zero\ne: 2\n',
  'comments between a key and its collection': 'a: # c\n  # c\n\n  b: 1\nc:\n# c\n- x\n',
  'comments after a block scalar':
    'a: |\n  x\n # less than the text\n    # more\nb: 1\nc:\n  d: |\n    x\n  # at two\ne: 1\n',
  'blank lines and lines of spaces everywhere': '\n  \na: 1\n\n   \nb:\n\n  c: 2\n  \n\nd: 3\n\n\n',
  'document markers': '--- # c\n# c\na: 1\n... # c\n# c\n',
  'leading comments, no marker': '# c\n\n# c\na: 1\n',
  '--- then content': '---\na: 1\n',
  '... right after content': 'a: 1\n...\n',
  '... without a newline': 'a: 1\n...',
  'a BOM': '\uFEFFa: 1\n',
  'a BOM and a marker': '\uFEFF---\n- a\n',
  'a BOM, comments, CRLF': '\uFEFF# c\r\n---\r\na: 1 # c\r\nb:\r\n  - x\r\n  # c\r\nc: |\r\n  t\r\n',
  'no final newline': 'a:\n  b: 1',
  'no final newline after a comment': 'a:\n  b: 1\n    # c',
  'trailing spaces at the end': 'a: 1\n   ',
  'a key of 1024 characters': `${'k'.repeat(1024)}: 1\n`,
  'a duplicate-looking key that is not one': '1: a\n"1": b\n.nan: c\n.NaN: d\n',
  'keys that are dates': '2001-12-14: a\n2001-12-15: b\n',
  'values on the line after their key (Helm: toYaml | nindent)':
    'securityContext:\n  {}\nresources:\n    {}   # c\n      # d\ntolerations:\n  []\nname:\n  web\nq:\n  # c\n\n  "x"\nseq:\n-\n  [a]\n-\n  b\n',
  'a root sequence with trailing comments and indented ones':
    '- a\n   # part of a\n- b: 1\n  # two: stays in the mapping\n- - c\n  # two: stays in the inner sequence\n- d\n# zero\n',
  'comments and blank lines only after the document': 'a:\n  b: 1\n\n# c\n    # c\n\n',
  'nesting at the depth limit': `${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`,
  'plain scalars with indicators inside': 'a: x&y *z !w\nb: a,b[c]{d}\nc: -x\nd: ?y\ne: :z\nf: a#b\ng: 50%\nh: x|y>z\n',
};

for (const [name, text] of Object.entries(SUBSET_CASES)) Subset(name, () => assertSame(text));

Subset('fastValue: the library toJS, and a bail where keys share a name or a key is a date', () => {
  const text = 'a:\n  - 1\n  - {b: "x", c: 0x10}\nd: |\n  e\n__proto__: 1\n';
  const read = fastValueExplained(text);
  assert.ok('value' in read && isDeepStrictEqual(read.value, parseDocument(text, { version: '1.1' }).toJS()));
  for (const text of ['1: a\n"1": b\n', '~: a\n"": b\n', 'k: {1: a, "1": b}\n', '2001-01-01: a\n']) {
    assertSame(text); // fastParse reads it
    assert.match(fastValueExplained(text).reason ?? 'read', VALUES_ONLY_BAILS, text);
  }
});

Subset('every one- and two-character plain value and key', () => {
  const chars: string[] = [];
  for (let c = 0x20; c < 0x7f; c++) chars.push(String.fromCharCode(c));
  chars.push('é', '日', '\u00a0');
  const read: string[] = [];
  for (const a of chars) {
    for (const b of ['', ...chars]) {
      const v = a + b;
      for (const text of [`k: ${v}\n`, `${v}: k\n`, `- ${v}\n`, `k: [${v}]\n`]) {
        if (assertSafe(text).kind === 'same') read.push(text);
      }
    }
  }
  // Most of them are read, not bailed on: the comparison means something.
  assert.ok(read.length > 25000, `only ${read.length} read`);
});

Subset('the options are kept as parseDocument keeps them', () => {
  const fast = fastParse('a: 1\n', { prettyErrors: false, keepSourceTokens: false });
  const real = parseDocument('a: 1\n', { version: '1.1', prettyErrors: false, keepSourceTokens: false });
  assert.ok(fast);
  assert.is(documentDifference(fast, real), undefined);
});

Subset.run();

const Bails = suite('fastParse: bails outside the subset');

const BAIL_CASES: [string, string, RegExp][] = [
  ['an anchor', 'a: &x 1\n', /anchor/],
  ['an alias', 'a: *x\n', /alias/],
  ['a tag', 'a: !!str 1\n', /tag/],
  ['a local tag', 'a: !foo 1\n', /tag/],
  ['an anchor on a key', '&a k: 1\n', /anchor/],
  ['a merge key', '<<: {a: 1}\nb: 2\n', /merge/],
  ['a merge key in a flow mapping', 'a: {<<: {b: 1}}\n', /merge/],
  ['a complex key', '? a\n: b\n', /indicator|implicit/],
  ['a flow key', '[a]: b\n', /indicator|anchor/],
  ['a directive', '%YAML 1.1\n---\na: 1\n', /directive/],
  ['a multi-line plain scalar after blank lines', 'a: b\n\n  c\n', /indentation/],
  ['a multi-line plain scalar with a key on a later line', 'a: b\n  c: d\n', /indentation/],
  ['a multi-line plain scalar with a comment on a later line', 'a: b\n  c # d\n', /indentation/],
  ['a multi-line plain scalar with CRLF', 'a: b\r\n  c\r\n', /indentation/],
  ['a multi-line plain scalar on the line after its key', 'a:\n  b\n  c\n', /indentation/],
  ['a multi-line single-quoted scalar', "a: 'b\n  c'\n", /more than one line/],
  ['a multi-line double-quoted scalar', 'a: "b\n  c"\n', /more than one line/],
  ['an escaped line break', 'a: "b\\\n  c"\n', /more than one line/],
  ['a multi-line flow sequence', 'a: [b,\n  c]\n', /flow/],
  ['a multi-line flow mapping', 'a: {b: 1,\n  c: 2}\n', /flow/],
  ['a tab in indentation', 'a:\n\tb: 1\n', /tab/],
  ['a tab before a comment', 'a: 1\t# c\n', /tab/],
  ['a tab in a block scalar', 'a: |\n  x\ty\n', /tab/],
  ['a duplicate key', 'a: 1\na: 2\n', /duplicate/],
  ['a duplicate key of another spelling', '1: a\n0x1: b\n', /duplicate/],
  ['a duplicate key in a flow mapping', 'm: {a: 1, a: 2}\n', /duplicate/],
  ['a mapping on the same line as a key', 'a: b: c\n', /same line/],
  ['a sequence on the same line as a key', 'a: - b\n', /indicator/],
  ['an unclosed double quote', 'a: "b\n', /more than one line/],
  ['an unclosed single quote at the end', "a: 'b", /more than one line/],
  ['text after a quoted scalar', 'a: "b" c\n', /after a value/],
  ['a comment without a space after a quoted scalar', 'a: "b"#c\n', /space/],
  ['a comment without a space after a flow collection', 'a: [b]#c\n', /space/],
  ['an unclosed flow sequence', 'a: [b, c\n', /flow/],
  ['a flow mapping entry without a value', 'a: {b}\n', /without a value/],
  ['an empty flow mapping value', 'a: {b: }\n', /empty/],
  ['a pair in a flow sequence', 'a: [b: 1]\n', /pair/],
  ['a trailing comma', 'a: [b,]\n', /empty item/],
  ['a comment inside a flow collection', 'a: [b, # c\n  d]\n', /comment|flow/],
  ['a bad escape', 'a: "\\q"\n', /escape/],
  ['a short hex escape', 'a: "\\x4"\n', /escape/],
  ['a code point past U+10FFFF (yaml throws)', 'a: "\\U00110000"\n', /escape/],
  ['a block scalar header with 0', 'a: |0\n  x\n', /header/],
  ['a block scalar header with two chomping indicators', 'a: |--\n  x\n', /header/],
  ['a block scalar header with a comment without space', 'a: |#c\n  x\n', /comment/],
  ['an empty block scalar', 'a: |\nb: 1\n', /empty/],
  ['a block scalar at the end of the text', 'a: |', /content/],
  ['a block scalar with a more-indented leading blank line', 'a: |\n     \n  x\n', /more-indented/],
  ['a block scalar less indented than its indicator says', 'a: |3\n  x\n', /empty|indentation/],
  ['an empty document', '# only a comment\n', /empty/],
  ['an empty document with a marker', '---\n', /empty/],
  ['two documents', 'a: 1\n---\nb: 2\n', /second/],
  ['content after ...', 'a: 1\n...\nb: 2\n', /after/],
  ['... first', '...\na: 1\n', /\.\.\./],
  ['a scalar document', 'hello\n', /key/],
  ['a flow document', '{a: 1}\n', /anchor|indicator/],
  ['content on the --- line', '--- a: 1\n', /after a value/],
  ['a block scalar on the --- line', '--- |\n  x\n', /after a value/],
  ['an indented document', '  a: 1\n', /indented/],
  ['an empty sequence item', '- \n- a\n', /empty/],
  ['an empty last sequence item', 'a:\n- b\n-\n', /empty/],
  ['an empty value next to a comment', 'a: # c\nb: 1\n', /comment/],
  ['an empty value before a comment line', 'a:\n# c\nb: 1\n', /comment/],
  ['a lone CR', 'a: 1\rb: 2\n', /CR/],
  ['a control character', 'a: "\x01"\n', /control/],
  ['a BOM inside', 'a: \uFEFFb\n', /BOM/],
  ['a BOM before a sequence', '\uFEFF- a: 1\n  b: 2\n', /byte order mark/],
  ['a key over 1024 characters', `${'k'.repeat(1025)}: 1\n`, /1024/],
  ['a sequence item at mapping indentation after a value', 'a: 1\n- b\n', /sequence/],
  ['a less indented key', 'a:\n    b: 1\n  c: 2\n', /indentation/],
  ['a more indented key', 'a:\n  b: 1\n    c: 2\n', /indentation/],
  ['a reserved character', 'a: @x\n', /reserved/],
  ['a backtick', 'a: `x`\n', /reserved/],
  ['a percent sign', 'a: %x\n', /reserved/],
  ['a comma', 'a: ,x\n', /reserved/],
  ['a closing bracket', 'a: ]\n', /reserved/],
  ['a key without a colon', 'a: 1\nb\n', /implicit/],
  // `#c` at column 1 lowers the indentation the next plain scalar continues at: `a\n  a` is one key.
  [
    'a plain value after a comment line, on the line after its key',
    'n:\n  name:\n #c\n    a\n  a: ""\n',
    /plain scalar after/,
  ],
  ['a block scalar on the line after its key', 'a:\n  |\n  x\n', /block scalar on the line/],
  ['a quoted scalar that is not a key', '"a"\n', /key/],
  [
    'block collections nested too deep',
    `${Array.from({ length: 101 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`,
    /deep/,
  ],
  ['flow collections nested too deep', `a: ${'['.repeat(100)}${']'.repeat(100)}\n`, /deep/],
];

for (const [name, text, reason] of BAIL_CASES) Bails(name, () => assertBail(text, reason));

Bails('keepSourceTokens is not supported', () => {
  assert.is(fastParse('a: 1\n', { keepSourceTokens: true }), undefined);
});

Bails.run();

// ---------------------------------------------------------------------------
// 2. Properties

const Properties = suite('fastParse: properties (bails, or reads exactly what yaml reads)');

/** Counts outcomes of a property, so the properties can check they compared more than they bailed. */
function counting(
  arb: fc.Arbitrary<string>,
  split = false,
): { run: () => void; same: () => number; total: () => number } {
  let same = 0;
  let total = 0;
  return {
    run: () =>
      fc.assert(
        fc.property(arb, (text) => {
          for (const t of split ? splitSegments(text).map((s) => s.text) : [text]) {
            total++;
            if (assertSafe(t).kind === 'same') same++;
          }
        }),
        params,
      ),
    same: () => same,
    total: () => total,
  };
}

Properties('manifest-like documents', () => {
  const c = counting(fyDocument);
  c.run();
  assert.ok(c.same() > c.total() * 0.3, `read ${c.same()} of ${c.total()}`);
});

Properties('any block node at the root', () => {
  const c = counting(fyAnyDocument);
  c.run();
  assert.ok(c.same() > c.total() * 0.2, `read ${c.same()} of ${c.total()}`);
});

Properties('broken documents', () => {
  const c = counting(fyMutated);
  c.run();
  assert.ok(c.same() > 0, `read ${c.same()} of ${c.total()}`);
});

Properties('the manifest streams of the fidelity properties, document by document', () => {
  const c = counting(stream, true);
  c.run();
  assert.ok(c.same() > c.total() * 0.2, `read ${c.same()} of ${c.total()}`);
});

Properties.run();

// ---------------------------------------------------------------------------
// 3. Real documents

const Corpus = suite('fastParse: every document of the bench stream, fixtures and examples');

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' ? [] : yamlFiles(p);
    return /\.ya?ml$/.test(f) ? [p] : [];
  });
}

function tally(texts: Iterable<string>): { docs: number; same: number; bails: Map<string, number> } {
  const bails = new Map<string, number>();
  let docs = 0;
  let same = 0;
  for (const text of texts) {
    docs++;
    const o = assertSafe(text, false);
    if (o.kind === 'same') same++;
    else if (o.kind === 'bail') bails.set(o.reason, (bails.get(o.reason) ?? 0) + 1);
  }
  return { docs, same, bails };
}

function* documentsOf(files: readonly string[]): Generator<string> {
  for (const f of files) for (const seg of splitSegments(readFileSync(f, 'utf8'), f)) yield seg.text;
}

Corpus('the bench stream of 8,000 resources: read, not bailed on', async () => {
  const file = 'bench/out/stream-8000.yaml';
  const generator = '../bench/generate.mjs';
  const text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : ((await import(generator)) as { generateStream: (n: number) => { text: string } }).generateStream(8000).text;
  const t = tally(splitSegments(text).map((s) => s.text));
  const rate = (t.docs - t.same) / t.docs;
  console.log(
    `  bench stream: ${t.docs} documents, ${t.same} read, bail-out rate ${(rate * 100).toFixed(2)}%${t.bails.size ? ` ${JSON.stringify(Object.fromEntries(t.bails))}` : ''}`,
  );
  assert.is(t.docs, 8000);
  assert.ok(rate < 0.01, `bail-out rate ${rate}`);
});

Corpus('the bench CRD stream (descriptions as multi-line plain scalars): every document read', async () => {
  const generator = '../bench/generate.mjs';
  const { text } = ((await import(generator)) as { generateCrdStream: () => { text: string } }).generateCrdStream();
  const t = tally(splitSegments(text).map((s) => s.text));
  console.log(
    `  CRD stream: ${t.docs} documents, ${t.same} read${t.bails.size ? ` ${JSON.stringify(Object.fromEntries(t.bails))}` : ''}`,
  );
  assert.ok(t.docs > 50);
  assert.is(t.same, t.docs);
});

Corpus('test/fixtures/**/*.yaml (inputs, expectations, policies, hostile input) and examples/**/*.yaml', () => {
  const files = [...yamlFiles('test/fixtures'), ...yamlFiles('examples')];
  const t = tally(documentsOf(files));
  console.log(
    `  fixtures and examples: ${files.length} files, ${t.docs} documents, ${t.same} read; bailed: ${JSON.stringify(Object.fromEntries(t.bails))}`,
  );
  assert.ok(t.same > t.docs / 2);
});

Corpus.run();

// ---------------------------------------------------------------------------
// 4. Speed: skipped (and reported as skipped) unless FASTYAML_SPEED=1, since
// the machine may be busy:
//   FASTYAML_SPEED=1 npx uvu test -r tsx -i fixtures -i helpers fastyaml

const Version = suite('fastParse: the yaml library version');

Version('package.json pins yaml to the version the reader supports, and that version is installed', () => {
  // The bundle (dist/eksfit.mjs) carries yaml, so it is a devDependency, pinned exactly.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  assert.is(pkg.devDependencies?.yaml, SUPPORTED_YAML_VERSION);
  assert.is(pkg.dependencies?.yaml, undefined, 'not also a runtime dependency');
  assert.is(yamlPackage.version, SUPPORTED_YAML_VERSION);
});

Version('under any other version the reader refuses, and the library reads the document', () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';
  assert.ok(fastParseExplained(text, {}, SUPPORTED_YAML_VERSION).doc);
  for (const other of ['2.8.3', '2.9.0', '3.0.0', '2.8.1']) {
    assert.equal(fastParseExplained(text, {}, other), { reason: 'unknown yaml library version' }, other);
  }
});

Version.run();

const Speed = suite('fastParse: speed against parseDocument');
const speedTest = process.env.FASTYAML_SPEED ? Speed : Speed.skip;

speedTest('Deployments, Services and CronJobs of the bench stream: at least 2.5x faster', async () => {
  const file = 'bench/out/stream-8000.yaml';
  const generator = '../bench/generate.mjs';
  const text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : ((await import(generator)) as { generateStream: (n: number) => { text: string } }).generateStream(8000).text;
  const docs = splitSegments(text)
    .map((s) => s.text)
    .filter((t) => /^kind: (Deployment|Service|CronJob)\b/m.test(t));
  const time = (f: (t: string) => unknown): number => {
    const t0 = process.hrtime.bigint();
    for (const d of docs) f(d);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const slow = (t: string): unknown =>
    parseDocument(t, { version: '1.1', keepSourceTokens: false, prettyErrors: false });
  const fast = (t: string): unknown => fastParse(t, { keepSourceTokens: false, prettyErrors: false });
  const ratios: number[] = [];
  for (let round = 0; round < 7; round++) {
    const a = round % 2 ? time(fast) : time(slow);
    const b = round % 2 ? time(slow) : time(fast);
    const [s, f] = round % 2 ? [b, a] : [a, b];
    ratios.push(s / f);
    console.log(
      `  round ${round}: parseDocument ${((s / docs.length) * 1000).toFixed(0)} us/doc, fastParse ${((f / docs.length) * 1000).toFixed(0)} us/doc, ${(s / f).toFixed(2)}x`,
    );
  }
  const median = [...ratios].sort((x, y) => x - y)[ratios.length >> 1] as number;
  console.log(`  ${docs.length} documents, median ratio ${median.toFixed(2)}x`);
  assert.ok(median >= 2.5, `only ${median.toFixed(2)}x`);
});

Speed.run();
