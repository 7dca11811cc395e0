/**
 * fast-check generators for the differential tests of src/fastyaml.ts.
 *
 * They write manifest-like YAML documents that stay mostly inside the subset
 * fastParse reads (so most cases compare two trees rather than one bail), with
 * what makes ranges hard: comments and blank lines at every indentation
 * between, after and around entries, indentation widths of 1 to 4, flush
 * sequences, compact `- key: v` items, block scalars with every header and
 * leading, inner and trailing blank lines, flow collections with odd
 * spacing, scalars of every YAML 1.1 type, quoting and escaping, empty values,
 * `---` / `...` lines, a BOM, CRLF and no final newline. `mutated` then breaks
 * such documents in small ways (an inserted indicator, a tab, a dropped
 * character, a shifted line) to probe that fastParse bails rather than guess.
 *
 * The tree shrinks; the layout is drawn from a seed so a failing case keeps
 * its shape while it shrinks.
 */
import fc from 'fast-check';
import { prng } from './streams.ts';

// ---------------------------------------------------------------------------
// The tree

export type FyNode =
  | { readonly t: 'scalar'; readonly text: string }
  | { readonly t: 'block'; readonly header: string; readonly lines: readonly string[] }
  | { readonly t: 'flow'; readonly text: string }
  | { readonly t: 'empty' }
  | { readonly t: 'map'; readonly entries: readonly (readonly [string, FyNode])[] }
  | { readonly t: 'seq'; readonly items: readonly FyNode[] }
  /** A plain scalar over several lines (CRD descriptions as controller-gen wraps them). */
  | { readonly t: 'multi'; readonly lines: readonly string[] };

/** Plain scalars: every YAML 1.1 type the library resolves, near misses, and text with indicators inside. */
export const PLAINS = [
  'web',
  'nginx:1.27',
  'a b c',
  'IfNotPresent',
  '50m',
  '256Mi',
  '/healthz',
  'http://x.example/a?b=c#frag',
  'a#b',
  'a:b',
  'key=value',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Y',
  'N',
  'Yes',
  'NO',
  'On',
  'OFF',
  'oN',
  'yES',
  'true',
  'False',
  'TRUE',
  'tRUE',
  'null',
  'Null',
  'NULL',
  '~',
  'nULL',
  '0755',
  '0o755',
  '08',
  '0x1F',
  '0x_ff',
  '0xg',
  '0b101',
  '0b2',
  '1e3',
  'e5',
  'E1',
  '1E-3',
  '1.0e+5',
  '1_000',
  '1__2',
  '12:30:00',
  '1:20',
  '1:60',
  '190:20:30.15',
  '-1:30',
  '2001-12-14',
  '2001-1-1',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '2001-12-14T21:59:43Z',
  '2001-12-14 21:59:43.10',
  '.inf',
  '-.Inf',
  '+.INF',
  '.NaN',
  '.nan',
  '.NAN',
  '.Nan',
  '+12',
  '-0',
  '0',
  '3.14',
  '3.140',
  '.5',
  '5.',
  '-.5',
  '+',
  '-',
  '--x',
  '-1',
  '?x',
  ':x',
  '.',
  '..',
  '...x',
  '---x',
  '<<',
  '<',
  '=',
  '123456789012345678901234567890',
  '9007199254740993',
  '0.0000001',
  '1.5e-300',
  'ünïcødé',
  '日本語',
  '🚀',
  'a,b',
  'a[0]',
  'a]',
  'a}',
  'x!',
  'x&y',
  'x*',
  'x|y',
  'x>y',
  "it's",
  'say "hi"',
  'back\\slash',
  'C:\\Windows',
  '\u00a0nbsp',
  '\u2028sep',
  'zero\u200bwidth',
  '@at',
  '%pct',
  '`tick`',
  'o',
  'f',
  't',
  'no!',
  'true1',
  'nulls',
] as const;

/** Text for quoted scalars. */
const QUOTED_TEXT = [
  '',
  ' ',
  'web',
  'a: b',
  'a #b',
  '#x',
  '- x',
  '[a]',
  '{a: 1}',
  "it's",
  '"',
  '\\',
  'ünï',
  '🚀',
  'yes',
  '0755',
  'null',
  '  padded  ',
  '&a',
  '*a',
  '!t',
] as const;

const DQ_ESCAPES = [
  '\\n',
  '\\t',
  '\\\\',
  '\\"',
  '\\/',
  '\\ ',
  '\\0',
  '\\a',
  '\\b',
  '\\e',
  '\\f',
  '\\r',
  '\\v',
  '\\N',
  '\\_',
  '\\L',
  '\\P',
  '\\x41',
  '\\u00e9',
  '\\U0001F600',
  '\\uD83D',
] as const;
/** Escapes the library reports as errors. */
const BAD_ESCAPES = ['\\q', '\\x4', '\\u12'] as const;

const KEYS = [
  'name',
  'image',
  'app.kubernetes.io/name',
  'a b',
  'k-1',
  '1',
  '1.0',
  'true',
  'null',
  '~',
  'y',
  'e5',
  '0x1F',
  '2001-12-14',
  '-x',
  '?x',
  'a:b',
  'a#b',
  '"quoted key"',
  "'single key'",
  '"a\\tb"',
  "'it''s'",
  '""',
  '"<<"',
  'ünï',
  'x'.repeat(40),
] as const;

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);

const plain: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PLAINS) },
  { weight: 2, arbitrary: word },
);

const singleQuoted = fc.oneof(fc.constantFrom(...QUOTED_TEXT), word).map((s) => `'${s.replace(/'/g, "''")}'`);
const doubleQuoted = fc
  .array(
    fc.oneof(
      {
        weight: 60,
        arbitrary: fc.constantFrom(...QUOTED_TEXT, 'x').map((t) => t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')),
      },
      { weight: 40, arbitrary: fc.constantFrom(...DQ_ESCAPES) },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_ESCAPES) },
    ),
    { maxLength: 4 },
  )
  .map((parts) => `"${parts.join('')}"`);

export const scalarToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: plain },
  { weight: 2, arbitrary: singleQuoted },
  { weight: 2, arbitrary: doubleQuoted },
);

export const keyToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 150, arbitrary: word },
  { weight: 75, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.constantFrom('<<', '2001-12-14') },
);

/** Flow collections on one line, with irregular spacing. */
const flowPlain = fc.constantFrom(
  'a',
  'b c',
  '1',
  '0x1F',
  'yes',
  'null',
  '~',
  '3.14',
  'a:b',
  'ALL',
  'NET_ADMIN',
  '-1',
  'x/y',
  '.inf',
);
export const flowToken: fc.Arbitrary<string> = fc.letrec<{ flow: string; item: string }>((tie) => ({
  item: fc.oneof(
    { weight: 4, arbitrary: fc.oneof(flowPlain, singleQuoted, doubleQuoted) },
    { weight: 1, arbitrary: tie('flow') },
  ),
  flow: fc
    .tuple(
      fc.boolean(),
      fc.array(fc.tuple(fc.oneof(word, flowPlain, doubleQuoted, singleQuoted), tie('item')), { maxLength: 3 }),
      fc.constantFrom('', ' ', '  '),
      fc.constantFrom(', ', ',', ' , ', ',  '),
      fc.constantFrom(': ', ':  ', ' : ', ':'),
    )
    .map(([isMap, pairs, pad, comma, colon]) =>
      isMap
        ? `{${pad}${pairs.map(([k, v]) => `${k}${/^["']/.test(k) || colon.endsWith(' ') ? colon : ': '}${v}`).join(comma)}${pad}}`
        : `[${pad}${pairs.map(([, v]) => v).join(comma)}${pad}]`,
    ),
})).flow;

const BLOCK_LINES = [
  'text',
  'more text here',
  '  indented more',
  '    deeper',
  '# not a comment',
  '--- not a marker',
  'key: value',
  '- item',
  '"q"',
  '',
  '',
  ' ',
  '   ',
  '      ',
] as const;
const HEADERS = [
  '|',
  '|-',
  '|+',
  '>',
  '>-',
  '>+',
  '|',
  '>',
  '|-',
  '>-',
  '|2',
  '|1',
  '>2-',
  '|+2',
  '|-1',
  '>3',
  '|9',
  '|',
  '>',
  '|-',
] as const;
/** Headers the library reports as errors. */
const BAD_HEADERS = ['|0', '|--', '>+-', '|12'] as const;

export const blockScalar: fc.Arbitrary<FyNode> = fc
  .tuple(
    fc.oneof(
      { weight: 30, arbitrary: fc.constantFrom(...HEADERS) },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_HEADERS) },
    ),
    fc.array(fc.constantFrom(...BLOCK_LINES), { minLength: 1, maxLength: 6 }),
  )
  .map(([header, lines]) => ({ t: 'block', header, lines: lines.some((l) => l.trim()) ? lines : [...lines, 'text'] }));

/** Lines of multi-line plain scalars: words, typed values, and lines that start or contain indicators. */
const MULTI_FIRST = [
  'Description',
  'a',
  'true',
  '1',
  '0x1F',
  '~',
  'null',
  'web server',
  'https://example.com/a',
  'x:y',
  "it's",
] as const;
const MULTI_LINES = [
  'of the field.',
  'b c',
  '2',
  'true',
  'null',
  '- item',
  '-',
  '? q',
  ': x',
  'x: y',
  'x:',
  'a #b',
  '#c',
  '"quoted"',
  "'quoted'",
  '`kubectl`',
  '[a]',
  '{b}',
  '&a',
  '*a',
  '!t',
  '|',
  '>',
  '%p',
  '@x',
  '---',
  '...',
  'trailing  ',
  'https://git.k8s.io/community#types',
  'e.g. "Always"',
  'x\ty',
] as const;
export const multiLinePlain: fc.Arbitrary<FyNode> = fc
  .tuple(fc.constantFrom(...MULTI_FIRST), fc.array(fc.constantFrom(...MULTI_LINES), { minLength: 1, maxLength: 5 }))
  .map(([first, rest]) => ({ t: 'multi', lines: [first, ...rest] }));

export const fyNode: fc.Arbitrary<FyNode> = fc.letrec<{ node: FyNode; map: FyNode; seq: FyNode; leaf: FyNode }>(
  (tie) => ({
    leaf: fc.oneof(
      { weight: 6, arbitrary: scalarToken.map((text): FyNode => ({ t: 'scalar', text })) },
      { weight: 1, arbitrary: flowToken.map((text): FyNode => ({ t: 'flow', text })) },
      { weight: 1, arbitrary: blockScalar },
      { weight: 1, arbitrary: fc.constant<FyNode>({ t: 'empty' }) },
      { weight: 1, arbitrary: multiLinePlain },
    ),
    map: fc
      .array(fc.tuple(keyToken, tie('node')), { minLength: 1, maxLength: 5 })
      .map((entries): FyNode => ({ t: 'map', entries })),
    seq: fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((items): FyNode => ({ t: 'seq', items })),
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('map'), tie('seq')),
  }),
).node;

/** A manifest-shaped root: a mapping with apiVersion/kind first. */
export const fyRoot: fc.Arbitrary<FyNode> = fc
  .tuple(
    fc.constantFrom('Deployment', 'Service', 'CronJob', 'ConfigMap'),
    fc.array(fc.tuple(keyToken, fyNode), { maxLength: 5 }),
  )
  .map(([kind, rest]): FyNode => ({
    t: 'map',
    entries: [['apiVersion', { t: 'scalar', text: 'v1' }], ['kind', { t: 'scalar', text: kind }], ...rest],
  }));

// ---------------------------------------------------------------------------
// Layout

export interface Layout {
  readonly seed: number;
  /** 0: no comments or blank lines; 1: a few; 2: many. */
  readonly trivia: 0 | 1 | 2;
  readonly bom: boolean;
  readonly docStart: 'none' | 'plain' | 'comment';
  readonly docEnd: boolean;
  readonly crlf: boolean;
  readonly finalNewline: boolean;
}

export const layout: fc.Arbitrary<Layout> = fc.record({
  seed: fc.integer(),
  trivia: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
  bom: fc.boolean(),
  docStart: fc.constantFrom<'none' | 'plain' | 'comment'>('none', 'plain', 'comment'),
  docEnd: fc.boolean(),
  crlf: fc.boolean(),
  finalNewline: fc.boolean(),
});

const COMMENTS = ['#', '# c', '#c', '# key: value', '# - item', '#   spaced', '# ---', '# ...'] as const;

/** Writes a tree as YAML text. */
export function render(root: FyNode, lay: Layout): string {
  const r = prng(lay.seed);
  const chance = (p: number): boolean => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const pad = (n: number): string => ' '.repeat(n);
  const out: string[] = [];
  const triviaP = lay.trivia === 0 ? 0 : lay.trivia === 1 ? 0.15 : 0.45;

  /** Blank and comment lines around `indent`. */
  const trivia = (indent: number): void => {
    while (chance(triviaP)) {
      if (chance(0.4)) out.push(chance(0.7) ? '' : pad(Math.floor(r() * (indent + 6))));
      else out.push(pad(Math.max(0, indent + Math.floor(r() * 7) - 3)) + pick(COMMENTS));
    }
  };
  const sameLineComment = (): string =>
    chance(triviaP / 2) ? pad(1 + Math.floor(r() * 2)) + pick(COMMENTS) : chance(0.05) ? '  ' : '';
  const step = (): number => 1 + Math.floor(r() * 4);

  /** Writes `node` as the value of a line `head` (ending in `:` or `- `-ish), in a collection at `indent`. */
  function value(head: string, node: FyNode, indent: number, inSeq: boolean): void {
    switch (node.t) {
      case 'scalar':
      case 'flow':
        if (chance(0.08)) {
          // on the next line, as Helm's `toYaml | nindent` writes `{}`
          out.push(`${head.replace(/ +$/, '')}${sameLineComment()}`);
          trivia(indent);
          out.push(`${pad(indent + step())}${node.text}${sameLineComment()}`);
        } else {
          out.push(`${head}${pad(1 + (chance(0.1) ? 1 : 0))}${node.text}${sameLineComment()}`);
        }
        trivia(indent);
        return;
      case 'empty':
        // An empty sequence item is outside the subset: write few of them.
        if (inSeq && chance(0.9)) return value(head, { t: 'scalar', text: pick(['null', '~', '""']) }, indent, inSeq);
        out.push(`${head}${chance(0.1) ? ' ' : ''}${chance(triviaP / 3) ? ' ' + pick(COMMENTS) : ''}`);
        trivia(indent);
        return;
      case 'multi': {
        // mostly as wrapped descriptions are: every later line at one deeper column; sometimes
        // less indented lines, blank or comment lines in between, a comment after the first line
        out.push(`${head}${pad(1 + (chance(0.1) ? 1 : 0))}${node.lines[0]}${chance(0.05) ? sameLineComment() : ''}`);
        const deeper = indent + step();
        for (const line of node.lines.slice(1)) {
          if (chance(0.05)) trivia(indent);
          const at = chance(0.9) ? deeper : chance(0.5) ? indent + 1 + Math.floor(r() * 4) : indent;
          out.push(`${pad(at)}${line}`);
        }
        trivia(indent);
        return;
      }
      case 'block': {
        out.push(`${head} ${node.header}${sameLineComment()}`);
        const m = /\d/.exec(node.header);
        const inner = indent + (m ? Number(m[0]) || 1 : step());
        for (const line of node.lines) out.push(line === '' ? '' : /^ +$/.test(line) ? line : pad(inner) + line);
        trivia(indent);
        return;
      }
      case 'map': {
        if (inSeq && chance(0.8)) {
          // compact: `- key: v`, the rest aligned with the first key
          const col = head.length + 1 + (chance(0.2) ? 1 : 0);
          block(node, col, head + pad(col - head.length));
          return;
        }
        out.push(`${head}${sameLineComment()}`);
        trivia(indent);
        block(node, indent + step(), undefined);
        return;
      }
      case 'seq': {
        if (inSeq && chance(0.4)) {
          const col = head.length + 1;
          block(node, col, head + ' ');
          return;
        }
        out.push(`${head}${sameLineComment()}`);
        trivia(indent);
        // Under a key a sequence may be flush with it.
        block(node, inSeq ? indent + step() : chance(0.4) ? indent : indent + step(), undefined);
        return;
      }
    }
  }

  /** A block collection at column `indent`; `first` is the text before its first entry when it starts mid-line. */
  function block(node: FyNode, indent: number, first: string | undefined): void {
    if (node.t === 'map') {
      node.entries.forEach(([k, v], i) => {
        const lead = i === 0 && first !== undefined ? first : pad(indent);
        if (i > 0 || first === undefined) trivia(indent);
        value(`${lead}${k}${chance(0.05) ? ' ' : ''}:`, v, indent, false);
      });
    } else if (node.t === 'seq') {
      node.items.forEach((v, i) => {
        const lead = i === 0 && first !== undefined ? first : pad(indent);
        if (i > 0 || first === undefined) trivia(indent);
        value(`${lead}-${chance(0.15) ? ' ' : ''}`, v, indent, true);
      });
    } else {
      value(`${first ?? pad(indent)}x:`, node, indent, false);
    }
  }

  if (chance(0.5)) trivia(0);
  if (lay.docStart !== 'none') {
    out.push(lay.docStart === 'plain' ? '---' : `--- ${pick(COMMENTS)}`);
    if (chance(0.5)) trivia(0);
  }
  block(root, 0, undefined);
  trivia(0);
  if (lay.docEnd) {
    out.push(chance(0.3) ? `... ${pick(COMMENTS)}` : '...');
    if (chance(0.3)) out.push(pick(COMMENTS));
  }
  let text = out.join('\n') + (lay.finalNewline ? '\n' : '');
  if (lay.crlf) text = text.replace(/\n/g, '\r\n');
  return (lay.bom ? '\uFEFF' : '') + text;
}

/** A manifest-like document: root mapping, any layout. */
export const fyDocument: fc.Arbitrary<string> = fc.tuple(fyRoot, layout).map(([root, lay]) => render(root, lay));

/** Any block node at the root (mapping or sequence; scalars too, which fastParse refuses). */
export const fyAnyDocument: fc.Arbitrary<string> = fc.tuple(fyNode, layout).map(([root, lay]) => render(root, lay));

// ---------------------------------------------------------------------------
// Mutations

/** Fragments that break YAML where they land (quotes, indicators, line breaks, tabs). */
export const INSERTS = [
  '&a ',
  '*a',
  '!!str ',
  '! ',
  '? ',
  ': ',
  ':',
  '- ',
  '-',
  '#',
  ' #',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  ',',
  '\t',
  ' ',
  '  ',
  '|',
  '>',
  '%',
  '@',
  '\\',
  '\r',
  '\n',
  '\n  ',
  '---\n',
  '...\n',
  '<<: ',
  'x',
] as const;

export interface Mutation {
  readonly kind: 'insert' | 'delete' | 'indent' | 'dedent' | 'duplicate' | 'swap';
  readonly at: number;
  readonly what: number;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('insert', 'insert', 'delete', 'indent', 'dedent', 'duplicate', 'swap'),
  at: fc.nat(),
  what: fc.nat(),
});

/** Applies small breakages: the result may or may not be valid YAML. */
export function mutate(text: string, mutations: readonly Mutation[]): string {
  let t = text;
  for (const m of mutations) {
    if (t.length === 0) break;
    const at = m.at % (t.length + 1);
    const lines = t.split('\n');
    const li = m.at % lines.length;
    switch (m.kind) {
      case 'insert':
        t = t.slice(0, at) + INSERTS[m.what % INSERTS.length] + t.slice(at);
        break;
      case 'delete':
        t = t.slice(0, at) + t.slice(at + 1 + (m.what % 3));
        break;
      case 'indent':
        lines[li] = ' '.repeat(1 + (m.what % 3)) + lines[li];
        t = lines.join('\n');
        break;
      case 'dedent':
        lines[li] = (lines[li] as string).replace(/^ {1,2}/, '');
        t = lines.join('\n');
        break;
      case 'duplicate':
        lines.splice(li, 0, lines[m.what % lines.length] as string);
        t = lines.join('\n');
        break;
      case 'swap': {
        const lj = m.what % lines.length;
        const a = lines[li] as string;
        lines[li] = lines[lj] as string;
        lines[lj] = a;
        t = lines.join('\n');
        break;
      }
    }
  }
  return t;
}

/** A generated document broken by one to three mutations. */
export const fyMutated: fc.Arbitrary<string> = fc
  .tuple(fc.oneof(fyDocument, fyAnyDocument), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([text, ms]) => mutate(text, ms));
