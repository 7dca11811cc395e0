import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError } from '../src/errors.ts';
import { decodeUtf8, parseSegment, splitSegments } from '../src/documents.ts';

const split = suite('splitSegments');

function texts(input: string): string[] {
  return splitSegments(input).map((s) => s.text);
}

split('cuts at --- lines and joins back to the exact input', () => {
  const input = '# head\na: 1\n---\nb: 2\n--- # c\nc: 3\n';
  assert.equal(texts(input), ['# head\na: 1\n', '---\nb: 2\n', '--- # c\nc: 3\n']);
  assert.is(texts(input).join(''), input);
});

split('a --- inside a word or indented is not a separator', () => {
  assert.equal(texts('a: |\n  ---x\n  ---\nb: ----\n'), ['a: |\n  ---x\n  ---\nb: ----\n']);
});

split('... ends a document; what follows starts the next', () => {
  assert.equal(texts('a: 1\n...\n# next\nb: 2\n'), ['a: 1\n...\n', '# next\nb: 2\n']);
});

split('keeps a BOM, CRLF and a missing final newline', () => {
  const input = '\uFEFF---\r\na: 1\r\n---\r\nb: 2';
  assert.equal(texts(input), ['\uFEFF---\r\na: 1\r\n', '---\r\nb: 2']);
});

split('records file, line and index', () => {
  const segs = splitSegments('a: 1\n---\nb: 2\n', 'f.yaml');
  assert.equal(
    segs.map((s) => [s.file, s.line, s.index]),
    [
      ['f.yaml', 0, 0],
      ['f.yaml', 1, 1],
    ],
  );
});

split('empty input gives no segment', () => {
  assert.equal(texts(''), []);
});

split("% lines are directives only before a document's content starts (issue #14, defect 4)", () => {
  // `a` / `...` / `b` / `%x`: the `%x` line belongs to the document `b` (a plain scalar `b %x`).
  assert.equal(texts('a\n...\nb\n%x\n'), ['a\n...\n', 'b\n%x\n']);
  assert.equal(
    splitSegments('a\n...\nb\n%x\n').map((s) => parseSegment(s).doc.toJS() as unknown),
    ['a', 'b %x'],
  );
  // after `...` and comments, a directive opens the next document
  assert.equal(texts('a\n...\n# c\n%YAML 1.1\n---\nb\n'), ['a\n...\n', '# c\n', '%YAML 1.1\n---\nb\n']);
});

split('a %YAML 1.2 directive never changes how a document is read: YAML 1.1, as Kubernetes', () => {
  const [, second] = splitSegments('a: 1\n...\n%YAML 1.2\n---\nb: 021614\nc: yes\n');
  assert.equal(parseSegment(second as never).doc.toJS(), { b: 9100, c: true });
});

split.run();

const parse = suite('parseSegment');

parse('reports syntax errors with file, line and column of the whole stream', () => {
  const seg = splitSegments('a: 1\n---\nb:\n\tc: 1\n', 'x.yaml')[1];
  try {
    parseSegment(seg!);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.equal((e as InputError).position, { file: 'x.yaml', line: 4, column: 1 });
  }
});

parse('an escape beyond Unicode is an input error with its position, not a crash', () => {
  try {
    parseSegment(splitSegments('a: 1\nb: "\\U00110000"\n', 'x.yaml')[0]!);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.equal((e as InputError).position, { file: 'x.yaml', line: 2, column: 5 });
  }
});

parse('duplicate keys are returned, not thrown', () => {
  const p = parseSegment(splitSegments('a: 1\na: 2\n')[0]!);
  assert.is(p.duplicateKeys.length, 1);
  assert.is(p.duplicateKeys[0]!.line, 2);
});

parse.run();

const decode = suite('decodeUtf8');

decode('refuses invalid UTF-8 with its position', () => {
  const bytes = new Uint8Array([0x61, 0x3a, 0x0a, 0x62, 0xff, 0x0a]);
  try {
    decodeUtf8(bytes, 'in.yaml');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.match(String(e), 'in.yaml:2:2: invalid UTF-8 at byte 4');
  }
});

decode('refuses binary input', () => {
  assert.throws(
    () => decodeUtf8(new Uint8Array([0x61, 0, 0x62]), 'b'),
    (e: unknown) => e instanceof InputError,
  );
});

decode('keeps a BOM', () => {
  assert.is(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'f'), '\uFEFFa');
});

decode.run();
