/**
 * The read-back check (src/readback.ts). It reads back only the regions the
 * edits are in when it can; that shortcut may only ever say "reads back as
 * intended" when reading the whole document says so too. So:
 *
 * 1. hand-written edits, right and wrong, through `readBack` (the verdict);
 * 2. a property over generated documents (helpers/fastyaml-arbitraries.ts, and
 *    the manifest streams of helpers/streams.ts, document by document)
 *    and random edits inside a random block mapping (hostile fragments: quotes,
 *    flow brackets, comments, block scalar headers, line breaks, indentation):
 *    whenever a region reads on its own (`readRegion`), the whole edited
 *    document reads, with the yaml library, as the original with that
 *    mapping's value replaced by the region's value.
 *
 * The check, whole or in regions, reads with the yaml library; that the
 * library and Kubernetes' reader agree on what eksfit writes is
 * k8s-reader.test.ts's part. (Over these hostile fragments they often do not,
 * whole or alone: goyaml reads `key:!!str "k": v` or a comment line at the
 * wrong column in its own way, so this property does not ask Kubernetes.)
 *
 * `npm test` runs PROPERTY_RUNS cases (default 1500, about 3 s); longer:
 *   PROPERTY_RUNS=20000 npx uvu test -r tsx -i fixtures -i helpers readback
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isMap, isSeq, type Document, type Node } from 'yaml';
import { readYamlWithLibrary, splitSegments } from '../src/documents.ts';
import type { TextEdit } from '../src/edit.ts';
import { fastParse } from '../src/fastyaml.ts';
import type { ReadDoc } from '../src/input.ts';
import { readAdded, readBack, readRegion, regionOf, type Region } from '../src/readback.ts';
import type { Change } from '../src/changes.ts';
import type { KObject } from '../src/workload.ts';
import { applyEdits } from '../src/yamltext.ts';
import { fyDocument, INSERTS } from './helpers/fastyaml-arbitraries.ts';
import { stream } from './helpers/streams.ts';
import { propertyParams, quietly } from './helpers/property.ts';

const { runs: RUNS, params } = propertyParams(1500);

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      labels:
        app: web
      annotations:
        a: "1"
    spec:
      containers:
        - name: web
          image: nginx
`;

/** A document as input.ts hands it to render, read by the fast reader. */
function readDoc(text: string): ReadDoc {
  const doc = fastParse(text);
  if (!doc) throw new Error('test document must be read by the fast reader');
  return { segment: { text, file: 'test', line: 0, index: 0 }, parsed: { doc, fast: true } } as unknown as ReadDoc;
}

/** An annotation set on the Pod template, as planning asks for it. */
function setAnnotation(d: ReadDoc, key: string, value: string): Change {
  const obj = { docIndex: 0, path: [], node: d.parsed.doc.contents } as unknown as KObject;
  return { op: 'entries', obj, path: ['spec', 'template', 'metadata', 'annotations'], entries: [[key, value]] };
}

/** The intended value: the document's value with the annotation. */
function intended(text: string, key: string, value: string): unknown {
  const v = readYamlWithLibrary(text).toJS() as { spec: { template: { metadata: { annotations: object } } } };
  v.spec.template.metadata.annotations = { ...v.spec.template.metadata.annotations, [key]: value };
  return v;
}

const verdict = suite('read-back: the verdict');

verdict('a right edit reads back (in its region)', () => {
  const d = readDoc(DEPLOYMENT);
  const at = DEPLOYMENT.indexOf('    spec:\n      containers');
  const edits: TextEdit[] = [{ start: at, end: at, insert: '        b: "2"\n' }];
  const text = applyEdits(DEPLOYMENT, edits);
  assert.is(readBack(d, text, edits, [setAnnotation(d, 'b', '2')], intended(DEPLOYMENT, 'b', '2')), undefined);
  assert.is(readBack(d, text, edits, [setAnnotation(d, 'b', '2')], undefined), undefined);
  const region = regionOf(d.parsed.doc, DEPLOYMENT, ['spec', 'template', 'metadata', 'annotations']);
  assert.equal(region?.path, ['spec', 'template', 'metadata', 'annotations']);
  assert.ok(region && readRegion(DEPLOYMENT, region, edits), 'checked in the annotations mapping alone');
});

verdict('an entry added at the end of a mapping is checked by its own lines', () => {
  const d = readDoc(DEPLOYMENT);
  const at = DEPLOYMENT.indexOf('    spec:\n      containers');
  const edits: TextEdit[] = [{ start: at, end: at, insert: '        b: "2"\n' }];
  const region = regionOf(d.parsed.doc, DEPLOYMENT, ['spec', 'template', 'metadata', 'annotations']);
  assert.ok(region);
  assert.equal(readAdded(DEPLOYMENT, region, edits)?.toJS(), { b: '2' });
  // Not for an edit elsewhere in the mapping, nor for a key the mapping has.
  const inside = DEPLOYMENT.indexOf('a: "1"');
  assert.is(readAdded(DEPLOYMENT, region, [{ start: inside, end: inside, insert: 'b: "2"\n        ' }]), undefined);
  assert.is(readAdded(DEPLOYMENT, region, [{ start: at, end: at, insert: '        a: "2"\n' }]), undefined);
});

verdict('an entry added at the end does not vouch for another edit in its mapping', () => {
  const d = readDoc(DEPLOYMENT);
  const at = DEPLOYMENT.indexOf('    spec:\n      containers');
  const one = DEPLOYMENT.indexOf('"1"') + 1;
  // The value of `a` changed in place (same length), besides the right new entry.
  const edits: TextEdit[] = [
    { start: one, end: one + 1, insert: '9' },
    { start: at, end: at, insert: '        b: "2"\n' },
  ];
  const text = applyEdits(DEPLOYMENT, edits);
  assert.ok(readBack(d, text, edits, [setAnnotation(d, 'b', '2')], intended(DEPLOYMENT, 'b', '2')));
  assert.ok(readBack(d, text, edits, [setAnnotation(d, 'b', '2')], undefined));
});

verdict('an entry added at the end does not stand for a change planning intended elsewhere in its mapping', () => {
  const d = readDoc(DEPLOYMENT);
  const at = DEPLOYMENT.indexOf('    spec:\n      containers');
  const edits: TextEdit[] = [{ start: at, end: at, insert: '        b: "2"\n' }];
  const text = applyEdits(DEPLOYMENT, edits);
  // Planning meant `a` to change as well; the text does not change it.
  const meant = intended(DEPLOYMENT, 'b', '2') as { spec: { template: { metadata: { annotations: object } } } };
  meant.spec.template.metadata.annotations = { ...meant.spec.template.metadata.annotations, a: '5' };
  assert.ok(readBack(d, text, edits, [setAnnotation(d, 'b', '2')], meant));
});

const WRONG: readonly (readonly [string, string])[] = [
  ['less indented: an entry of metadata, not of annotations', '      b: "2"\n'],
  ['more indented: part of the value above', '          b: "2"\n'],
  ['an unterminated quote swallows what follows', "        b: '2\n"],
  ['a flow mapping left open', '        b: {c: 2\n'],
  ['a block scalar takes the next lines', '        b: |\n'],
  ['in a comment', '        # b: "2"\n'],
  ['no line break: joins the next line', '        b: "2"'],
  ['a second document', '---\n        b: "2"\n'],
  ['a merge key of a scalar (parses, has no value)', '        <<: x\n        b: "2"\n'],
  ['an alias with no anchor', '        b: *x\n'],
];

for (const [what, insert] of WRONG) {
  verdict(`a wrong edit is refused: ${what}`, () => {
    const d = readDoc(DEPLOYMENT);
    const at = DEPLOYMENT.indexOf('    spec:\n      containers');
    const edits: TextEdit[] = [{ start: at, end: at, insert }];
    const text = applyEdits(DEPLOYMENT, edits);
    const why = readBack(d, text, edits, [setAnnotation(d, 'b', '2')], intended(DEPLOYMENT, 'b', '2'));
    assert.ok(why, `${what}: must not read back as intended`);
  });
}

verdict('an edit outside the mapping of its change is decided on the whole document', () => {
  const d = readDoc(DEPLOYMENT);
  const at = DEPLOYMENT.indexOf('spec:\n  template');
  // The right annotation, plus a stray line at the top level that planning never asked for.
  const inside = DEPLOYMENT.indexOf('    spec:\n      containers');
  const edits: TextEdit[] = [
    { start: inside, end: inside, insert: '        b: "2"\n' },
    { start: at, end: at, insert: 'stray: 1\n' },
  ];
  const text = applyEdits(DEPLOYMENT, edits);
  assert.is(
    readBack(d, text, edits, [setAnnotation(d, 'b', '2')], intended(DEPLOYMENT, 'b', '2')),
    'the edited document would not read back as intended',
  );
});

verdict('a region is never the top-level mapping, nor a flow mapping', () => {
  const d = readDoc('a: 1\nb: {c: 1}\n');
  assert.is(regionOf(d.parsed.doc, 'a: 1\nb: {c: 1}\n', []), undefined);
  assert.is(regionOf(d.parsed.doc, 'a: 1\nb: {c: 1}\n', ['b']), undefined);
});

verdict('a region followed by a line as indented as its keys is not taken', () => {
  // `- a: 1` item mapping at column 2, and a comment-free line at column 2 after it cannot follow it;
  // a sequence flush with its key: the next key is at the column of the sequence, less than the item's.
  const text = 'x:\n- a: 1\n  b: 2\ny: 3\n';
  const d = readDoc(text);
  const r = regionOf(d.parsed.doc, text, ['x', 0]);
  assert.equal(r && [r.lineStart, r.end, r.column], [3, 17, 2]);
});

verdict('a line after the mapping that looks like a comment may be text of its block scalar: no region', () => {
  // Found by the property below: `# not a comment` is the last line of the `|+` scalar, outside the mapping's range.
  const text = 'a:\n  b:\n    -\n      c: |+\n          deeper\n        # not a comment';
  const d = readDoc(text);
  assert.is(regionOf(d.parsed.doc, text, ['a', 'b', 0]), undefined);
});

verdict('blank lines after a mapping with a block scalar that keeps them (`|+`): read whole', () => {
  // The library's range of a mapping ending in `|+` takes the blank lines in; an edit that writes one must not count on it.
  const text = 'a:\n  b:\n    c: x\n\n\nd: 1\n';
  const region = regionOf(readDoc(text).parsed.doc, text, ['a', 'b']);
  assert.ok(region?.blanksAfter);
  const at = text.indexOf('\n\n') + 1;
  assert.is(readRegion(text, region, [{ start: at, end: at, insert: '    e: |+\n      y\n' }]), undefined);
  assert.ok(readRegion(text, region, [{ start: at, end: at, insert: '    e: "1"\n' }]), 'no `+`: the region decides');
});

verdict.run();

// ---------------------------------------------------------------------------
// The property: a region that reads on its own reads the same in its document

const FRAGMENTS = [
  ...INSERTS,
  '\n    ',
  '\n      ',
  ' # c',
  '|-\n',
  '---',
  '...',
  '\r\n',
  // broken entries
  'k: v',
  'k: "v"',
  "k: 'v",
  'k: [1,',
  'k: {a: b,',
  'k: |',
  // whole entries at the columns generated documents use, as edits write them
  '\n  k: v',
  '\n    k: v',
  '\n      k: v',
  '\n        k: "v"',
  '  k: v\n',
  '    k: [a, b]\n',
  '      k: {a: b}\n',
  '\n    k:\n      a: b',
] as const;

/** Every block mapping below the top of `doc`, with its path. */
function blockMaps(doc: Document): { node: Node; path: (string | number)[] }[] {
  const out: { node: Node; path: (string | number)[] }[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      if (path.length > 0 && !node.flow) out.push({ node, path });
      for (const pair of node.items) {
        const k = (pair.key as { value?: unknown } | null)?.value;
        if (typeof k === 'string') walk(pair.value, [...path, k]);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
  };
  walk(doc.contents, []);
  return out;
}

/** The value at `path`. */
function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let cur = value;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[p] : undefined;
  return cur;
}

/** The value with the one at `path` replaced. */
function replaced(value: unknown, path: readonly (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = Array.isArray(value) ? [...(value as unknown[])] : { ...(value as Record<string, unknown>) };
  (copy as Record<string | number, unknown>)[head] = replaced(
    (value as Record<string | number, unknown>)[head],
    rest,
    by,
  );
  return copy;
}

/** One document of the stream that the fast reader reads (render reads back only those in regions), and a region of it. */
function pickRegion(
  source: string,
  which: number,
  pick: number,
): { text: string; doc: Document.Parsed; region: Region } | undefined {
  const texts = splitSegments(source).map((seg) => seg.text);
  const text = texts[which % texts.length] as string;
  const doc = fastParse(text);
  if (!doc) return undefined;
  const maps = blockMaps(doc);
  if (maps.length === 0) return undefined;
  const { path } = maps[pick % maps.length] as { path: (string | number)[] };
  const region = regionOf(doc, text, path);
  return region ? { text, doc, region } : undefined;
}

/**
 * The document with `edits` made reads, with the yaml library, as the
 * original with the region's value replaced by `value(the region's value
 * before)`.
 */
function assertReadsAs(
  text: string,
  doc: Document.Parsed,
  region: Region,
  edits: readonly TextEdit[],
  value: (before: unknown) => unknown,
): void {
  const edited = applyEdits(text, edits);
  const whole = readYamlWithLibrary(edited);
  assert.equal(whole.errors, [], `the region read alone but the document does not:\n${edited}`);
  const original = quietly(() => readYamlWithLibrary(text).toJS() as unknown);
  const before = quietly(() => region.node.toJS(doc) as unknown);
  // A path that does not name the mapping in the plain value (a `null:` key is "" as `"":` is): not comparable.
  if (!isDeepStrictEqual(valueAt(original, region.path), before)) return;
  assert.ok(
    isDeepStrictEqual(
      quietly(() => whole.toJS() as unknown),
      replaced(original, region.path, value(before)),
    ),
    `the document reads differently:\n${edited}`,
  );
}

const property = suite('read-back: a region read on its own reads the same in its document');

property('random edits inside a block mapping of a generated document', () => {
  let checked = 0;
  let read = 0;
  fc.assert(
    fc.property(
      fc.oneof(fyDocument, stream),
      fc.nat(),
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...FRAGMENTS), fc.nat(3)), { minLength: 1, maxLength: 3 }),
      (source, which, pick, raw) => {
        const picked = pickRegion(source, which, pick);
        if (!picked) return;
        const { text, doc, region } = picked;
        const [start, end] = region.node.range as [number, number, number];
        // Non-overlapping edits at sorted offsets inside the mapping (an insertion right after it too).
        const offsets = raw.map(([at]) => start + (at % (end - start + 1))).sort((a, b) => a - b);
        const edits: TextEdit[] = [];
        let prev = start;
        raw.forEach(([, , insert, del], i) => {
          const at = Math.max(offsets[i] as number, prev);
          const cut = Math.min(at + del, end);
          edits.push({ start: at, end: cut, insert });
          prev = cut;
        });
        checked++;
        const alone = readRegion(text, region, edits);
        if (!alone) return;
        read++;
        assertReadsAs(text, doc, region, edits, () => quietly(() => alone.toJS() as unknown));
      },
    ),
    params,
  );
  assert.ok(checked > RUNS / 8, `too few cases with a region (${checked} of ${RUNS})`);
  assert.ok(read > 0, 'no region read on its own: the property checked nothing');
  console.log(`  read-back property: ${checked} regions edited, ${read} read on their own and checked whole`);
});

/** Lines that an edit adds at the end of a mapping (K: a key of its own), as edits write them. */
const ADDED = ['K: "v"', 'K: v', "'K': v", 'K: {a: b}', 'K: [a, b]', 'K:\n  a: "b"', 'K:\n- x', 'K: v # c'] as const;

/** Hostile lines to add: broken or reaching outside, at the mapping's column or not. */
const HOSTILE = [
  '  a: "b"',
  '- x',
  '# c',
  '',
  ' ',
  "K: 'v",
  'K: "v',
  'K: [1,',
  'K: {a: b,',
  'K: |',
  'K: |+',
  'K: >-',
  '  text',
  'K: &a 1',
  'K: *a',
  '<<: {a: 1}',
  '? K',
  ': v',
  'K: !!str 1',
  'K: 2001-01-01',
  'K: v\r',
  '---',
  '...',
] as const;

property('lines added at the end of a block mapping, when they read on their own, extend it', () => {
  let checked = 0;
  let read = 0;
  fc.assert(
    fc.property(
      fc.oneof(fyDocument, stream),
      fc.nat(),
      fc.nat(),
      fc.array(
        fc.tuple(
          fc.constantFrom(0, 0, 0, 0, 0, 2, -2),
          fc.oneof(
            { arbitrary: fc.constantFrom(...ADDED), weight: 6 },
            { arbitrary: fc.constantFrom(...HOSTILE), weight: 1 },
          ),
          fc.boolean(),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      fc.nat(3),
      (source, which, pick, lines, own) => {
        const picked = pickRegion(source, which, pick);
        if (!picked) return;
        const { text, doc, region } = picked;
        // Now and then a key the mapping already has.
        const ownKey = (region.node.items[own % region.node.items.length]?.key as { value?: unknown } | null)?.value;
        const insert = lines
          .map(([shift, line, dup], i) => {
            const body = dup && own === 0 && typeof ownKey === 'string' ? `${ownKey}: 1` : line.replace('K', `k${i}`);
            const indent = ' '.repeat(Math.max(0, region.column + shift));
            return `${body
              .split('\n')
              .map((l) => indent + l)
              .join('\n')}\n`;
          })
          .join('');
        const edits: TextEdit[] = [{ start: region.end, end: region.end, insert }];
        checked++;
        const added = readAdded(text, region, edits);
        if (!added) return;
        read++;
        assertReadsAs(text, doc, region, edits, (before) => ({
          ...(before as Record<string, unknown>),
          ...(quietly(() => added.toJS() as unknown) as Record<string, unknown>),
        }));
      },
    ),
    params,
  );
  assert.ok(checked > RUNS / 8, `too few cases with a region (${checked} of ${RUNS})`);
  assert.ok(read > checked / 10, `too few added lines read on their own (${read} of ${checked})`);
  console.log(`  added-lines property: ${checked} regions, ${read} additions read on their own and checked whole`);
});

property.run();
