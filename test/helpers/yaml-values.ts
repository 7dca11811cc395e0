/**
 * The semantic tree the generators build (`SVal`: maps, sequences, typed
 * scalars, multi-line text) and generators of awkward scalars and values:
 * strings YAML 1.1 would read as something else, huge numbers, block text.
 * streams.ts writes the tree as YAML text.
 */
import fc from 'fast-check';

// ---------------------------------------------------------------------------
// The semantic tree

/** A node of the semantic tree. `raw` is a plain scalar written exactly as given (`yes`, `0755`). */
export type SVal =
  | { readonly s: 'str'; readonly v: string }
  | { readonly s: 'raw'; readonly src: string }
  | { readonly s: 'num'; readonly src: string }
  | { readonly s: 'bool'; readonly v: boolean }
  | { readonly s: 'null' }
  | { readonly s: 'text'; readonly lines: readonly string[]; readonly header: string }
  | { readonly s: 'map'; readonly entries: readonly (readonly [string, SVal])[] }
  | { readonly s: 'seq'; readonly items: readonly SVal[] }
  | { readonly s: 'anchor'; readonly name: string; readonly v: SVal }
  | { readonly s: 'alias'; readonly name: string };

export const str = (v: string): SVal => ({ s: 'str', v });
export const num = (n: number | string): SVal => ({ s: 'num', src: String(n) });
export const map = (entries: readonly (readonly [string, SVal] | undefined | false)[]): SVal => ({
  s: 'map',
  entries: entries.filter((e): e is readonly [string, SVal] => Array.isArray(e)),
});
export const seq = (items: readonly SVal[]): SVal => ({ s: 'seq', items });

/** An optional entry: `[key, value]` or nothing. */
export const opt = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> =>
  fc.option(arb, { freq, nil: undefined });
export const entry = (key: string, v: SVal | undefined): readonly [string, SVal] | undefined =>
  v === undefined ? undefined : [key, v];

/** `arb` with probability `p`, else undefined. */
export function sometimes<T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: Math.round(p * 100), arbitrary: arb },
    { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(undefined) },
  );
}

/** An object without its undefined fields. */
export function defined<T extends Record<string, unknown>>(r: T): Partial<T> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---------------------------------------------------------------------------
// Scalars

/** Strings YAML 1.1 reads as something else when plain: booleans, octal, floats, null, sexagesimal, timestamps. */
export const AMBIGUOUS = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Yes',
  'NO',
  'On',
  'OFF',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '0755',
  '0o755',
  '0x1F',
  '1e3',
  '1E-3',
  '1_000',
  '12:30:00',
  '2001-12-14',
  '.inf',
  '-.Inf',
  '.NaN',
  '+12',
  '-0',
  '0',
  '3.14',
  '123456789012345678901234567890',
  '9007199254740993',
] as const;

/** Text that is tricky in other ways: non-ASCII, indicators in the middle, quotes, escapes. */
const TRICKY_TEXT = [
  'héllo wörld',
  '日本語のテキスト',
  'emoji 🚀✨',
  'עברית',
  'e\u0301 combining',
  'Ünïcødé',
  'a#b',
  'a: b',
  'a:b',
  'key=value',
  "it's",
  'say "hi"',
  'tab\there',
  'line\nbreak',
  'back\\slash',
  '- dash',
  '? question',
  '[not, a, list]',
  '{not: a map}',
  '*star',
  '&amp',
  '!bang',
  '%percent',
  '@at',
  '`tick`',
  '|pipe',
  '>gt',
  ' leading space',
  'trailing space ',
  '',
  '--- not a marker',
  '... not an end',
  '#not-a-comment',
  'http://example.com/a?b=c#frag',
  'C:\\Windows',
  '\u00a0nbsp',
  '\u2028line sep',
  'zero\u200bwidth',
  'x'.repeat(200),
] as const;

export const WORD = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);

/** Any string, including the awkward ones. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: WORD },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY_TEXT) },
  { weight: 2, arbitrary: fc.constantFrom(...AMBIGUOUS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
);

/** Any scalar: strings, the same ambiguous text written plain, numbers, booleans, null. */
export const anyScalar: fc.Arbitrary<SVal> = fc.oneof(
  { weight: 4, arbitrary: anyString.map(str) },
  { weight: 2, arbitrary: fc.constantFrom(...AMBIGUOUS).map((src): SVal => ({ s: 'raw', src })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.integer({ min: -1000, max: 70000 }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
      )
      .map((n) => num(n)),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('123456789012345678901234567890', '-9223372036854775809', '18446744073709551616', '1e400')
      .map(num),
  },
  { weight: 1, arbitrary: fc.boolean().map((v): SVal => ({ s: 'bool', v })) },
  { weight: 1, arbitrary: fc.constant<SVal>({ s: 'null' }) },
);

const BLOCK_LINES = [
  'first line',
  'second: line',
  '- not an item',
  '# not a comment',
  '  more indented',
  '',
  '   ',
  '--- inside a block scalar',
  '... also inside',
  'ünïcødé 日本 🚀',
  '{"json": [1, 2]}',
  '%not-a-directive',
  'tab\tinside',
  'quote \' and "',
  'trailing spaces   ',
  'server { listen 9100; }',
  'key: "yes"',
];

/** Multi-line text written as a block scalar (`|`, `|-`, `|+`, `>`, `>-`, `>+`). */
export const blockText: fc.Arbitrary<SVal> = fc
  .record({
    lines: fc.array(fc.constantFrom(...BLOCK_LINES), { minLength: 1, maxLength: 6 }),
    header: fc.constantFrom('|', '|-', '|+', '>', '>-', '>+'),
  })
  .map(({ lines, header }): SVal => {
    // The first content line sets the indentation: it must not start with a space.
    // Leading blank lines must be empty, and the first content line must not start with a space.
    const first = lines.findIndex((l) => l.trim() !== '');
    const fixed = lines.map((l, i) => (first < 0 || i < first ? '' : i === first && /^\s/.test(l) ? `x${l}` : l));
    if (first < 0) fixed.push('last');
    return { s: 'text', lines: fixed, header };
  });

/** A generic value of bounded depth: what custom resources and unknown fields hold. */
export const anyValue: fc.Arbitrary<SVal> = fc.letrec<{ value: SVal }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: anyScalar },
    { weight: 1, arbitrary: blockText },
    {
      weight: 1,
      arbitrary: fc
        .array(
          fc.tuple(fc.oneof(WORD, fc.constantFrom('yes', 'on', '0755', 'ünï', 'a b', 'x.y/z', '1')), tie('value')),
          { maxLength: 4 },
        )
        .map(uniqueMap),
    },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map(seq) },
  ),
})).value;

export function uniqueMap(entries: readonly (readonly [string, SVal])[]): SVal {
  const seen = new Set<string>();
  return map(entries.filter(([k]) => !seen.has(k) && seen.add(k) !== undefined));
}
