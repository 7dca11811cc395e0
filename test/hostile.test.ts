/**
 * Hostile and broken input (issue 5). For now: the stream reader on its own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeUtf8, parseSegment, splitSegments } from '../src/stream.ts';

const INPUTS = fileURLToPath(new URL('./fixtures/hostile-input', import.meta.url));

const Stream = suite('stream: hostile segments');

Stream('parseSegment refuses what would exhaust the next reader, with positions', () => {
  const fail = (text: string, message: RegExp): void => {
    const [seg] = splitSegments(text, 'x.yaml');
    assert.throws(() => parseSegment(seg as never), (e: Error) => message.test(String(e)));
  };
  fail('a: &a [*a]\n', /x\.yaml:1:8: alias \*a repeats a node that contains it/);
  fail(`a: ${'['.repeat(300)}${']'.repeat(300)}\n`, /x\.yaml:1:\d+: nested more than 256 levels deep/);
  fail(`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, /x\.yaml:1:\d+: nested more than 256 levels deep/);
  fail(`a:\n  ${'- '.repeat(20_000)}x\n`, /x\.yaml:2:\d+: nested more than 256 levels deep/);
  fail(`a: &a [${'['.repeat(200)}x${']'.repeat(200)}]\nb: [*a, [*a, [*a]]]\nc: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n`, /x\.yaml:3:\d+: nested more than 256 levels deep/);
  fail(readFileSync(join(INPUTS, 'alias-bomb.yaml'), 'utf8'), /x\.yaml:8:12: aliases expand too much/);
  fail(readFileSync(join(INPUTS, 'cyclic-alias.yaml'), 'utf8'), /x\.yaml:9:10: alias \*spec repeats a node that contains it/);
  const ok = parseSegment(splitSegments('a: &a {b: 1}\nc: *a\nd: [*a, *a]\n')[0] as never).doc.toJS() as { d: { b: number }[] };
  assert.is(ok.d[1]?.b, 1, 'ordinary aliases are fine');
  assert.ok(parseSegment(splitSegments(`a: ${'['.repeat(250)}${']'.repeat(250)}\n`)[0] as never), '250 levels are fine');
});

Stream('decodeUtf8 refuses characters YAML does not allow, and points at a cut-short sequence where it starts', () => {
  const fail = (bytes: Uint8Array, message: string): void => {
    assert.throws(() => decodeUtf8(bytes, 'x.yaml'), (e: Error) => String(e) === message);
  };
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  fail(utf8('a: "x\u0007"\n'), 'x.yaml:1:6: binary input: character U+0007 is not allowed in YAML');
  fail(utf8('a: 1\nb: "\u0090"\n'), 'x.yaml:2:5: binary input: character U+0090 is not allowed in YAML');
  fail(utf8('a: "\u007f"\n'), 'x.yaml:1:5: binary input: character U+007F is not allowed in YAML');
  fail(utf8('a: "\uffff"\n'), 'x.yaml:1:5: binary input: character U+FFFF is not allowed in YAML');
  fail(utf8('a: "\0"\n'), 'x.yaml:1:5: binary input: a NUL character is not allowed in YAML');
  fail(Uint8Array.from([...utf8('a: é'), 0xe2, 0x82]), 'x.yaml:1:6: invalid UTF-8 at byte 5');
  assert.is(decodeUtf8(utf8('\ufeffa: "\t\u0085\u00a0é🚀"\r\n'), 'x.yaml'), '\ufeffa: "\t\u0085\u00a0é🚀"\r\n', 'tab, NEL, NBSP, CRLF and a BOM are fine');
});

Stream.run();
