/**
 * A fast reader for the YAML that Kubernetes manifests are written in.
 *
 * `fastParse(text)` reads one document in a single pass over the text and
 * builds the same `Document` the `yaml` library's `parseDocument(text,
 * { version: '1.1' })` builds, from the library's own node classes: the same
 * YAMLMap / YAMLSeq / Pair / Scalar tree, the same values (plain scalars are
 * resolved by the library's own YAML 1.1 tags), scalar `type`, `source` and
 * `format`, `flow` flags, and the same `range` triples, down to where the
 * library ends a node after trailing comments and blank lines. `doc.toJS()`
 * and `node.toJS(doc)` therefore give the same values, and text edits made at
 * node offsets land where they would have landed.
 *
 * Comments are not attached to nodes (`comment`, `commentBefore`,
 * `spaceBefore` stay unset), so do not stringify a fast-read Document: edit
 * its text at node offsets, as eksfit does.
 *
 * The subset: block mappings and sequences (compact `- key: v` items,
 * sequences flush with their key, a value on the line after its `key:` or
 * `-`), single-line flow collections, plain and quoted scalars on one line,
 * block scalars (`|`, `>`, chomping and indentation indicators), comments,
 * blank lines, CRLF, a leading BOM, a `---` line (with a comment) and a final
 * `...` line. Anything else - anchors, aliases, tags, directives, complex or
 * merge keys, multi-line plain, quoted or flow scalars, tabs, duplicate keys,
 * empty values next to comments, empty sequence items, nesting deeper than
 * MAX_DEPTH, any syntax error - makes it return `undefined`: call
 * `parseDocument` then. That fallback is always safe; a wrong tree never is,
 * so in doubt it bails. A Document it returns has no errors or warnings (the
 * library would have reported none), no aliases and at most MAX_DEPTH levels.
 */
import { appendFileSync } from 'node:fs';
import * as yaml from 'yaml';
import type { Document, Pair, Scalar, ScalarTag, YAMLMap, YAMLSeq } from 'yaml';
import yamlPackage from 'yaml/package.json' with { type: 'json' };

/**
 * The one version of the yaml library this reader was written against and is
 * tested with (package.json pins it exactly). Under any other version the
 * reader turns itself off and every document is read by the library.
 */
export const SUPPORTED_YAML_VERSION = '2.8.2';

// The classes, read once: a bundle reaches a CommonJS module's exports through getters.
const DocumentClass = yaml.Document;
const LibraryScalar = yaml.Scalar;
const LibraryPair = yaml.Pair;
const MapClass = yaml.YAMLMap;
const SeqClass = yaml.YAMLSeq;
const isScalarNode = yaml.isScalar;
const PLAIN = yaml.Scalar.PLAIN;
const QUOTE_SINGLE = yaml.Scalar.QUOTE_SINGLE;
const QUOTE_DOUBLE = yaml.Scalar.QUOTE_DOUBLE;
const BLOCK_LITERAL = yaml.Scalar.BLOCK_LITERAL;
const BLOCK_FOLDED = yaml.Scalar.BLOCK_FOLDED;

/**
 * Scalars and pairs made without their classes' constructors, which spend most
 * of their time defining the node-type symbol with Object.defineProperty (a
 * tenth of a large run went there): the same prototype, the same string-keyed
 * properties in the same order, and the node type as an ordinary property,
 * which the library reads (`isScalar`, `isPair`) like its own. Checked once
 * below: if the library does not take them for its own, its constructors are used.
 */
const NODE_TYPE = Symbol.for('yaml.node.type');
const SCALAR_TYPE = (new LibraryScalar(null) as unknown as Record<symbol, unknown>)[NODE_TYPE];
const PAIR_TYPE = (new LibraryPair(null) as unknown as Record<symbol, unknown>)[NODE_TYPE];
const LightScalar = function (this: Record<string | symbol, unknown>, value: unknown) {
  this[NODE_TYPE] = SCALAR_TYPE;
  this.value = value;
} as unknown as typeof LibraryScalar;
LightScalar.prototype = LibraryScalar.prototype;
const LightPair = function (this: Record<string | symbol, unknown>, key: unknown, value: unknown = null) {
  this[NODE_TYPE] = PAIR_TYPE;
  this.key = key;
  this.value = value;
} as unknown as typeof LibraryPair;
LightPair.prototype = LibraryPair.prototype;
const lightOk = ((): boolean => {
  const s = new LightScalar(1);
  const p = new LightPair(s, s);
  return (
    yaml.isScalar(s) &&
    yaml.isNode(s) &&
    !yaml.isCollection(s) &&
    yaml.isPair(p) &&
    !yaml.isNode(p) &&
    s instanceof LibraryScalar &&
    p instanceof LibraryPair &&
    Object.keys(s).join() === Object.keys(new LibraryScalar(1)).join() &&
    Object.keys(p).join() === Object.keys(new LibraryPair(s, s)).join()
  );
})();
const ScalarClass = lightOk ? LightScalar : LibraryScalar;
const PairClass = lightOk ? LightPair : LibraryPair;

/** Options passed through to the Document, as `parseDocument` would keep them. */
export interface FastParseOptions {
  prettyErrors?: boolean;
  /** Not supported: `true` makes fastParse return undefined. */
  keepSourceTokens?: boolean;
}

type Range3 = [number, number, number];
type FastNode = Scalar | YAMLMap | YAMLSeq;
/**
 * What the reader makes of a value: its node (a FastNode) when it builds a
 * tree, its plain value when it reads values only (`fastValue`).
 */
type Made = unknown;

/** Thrown (never escapes) when the input leaves the subset. Not an Error: no stack to capture. */
class Bail {
  constructor(readonly reason: string) {}
}
function bail(reason: string): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a Bail is control flow, caught in this module
  throw new Bail(reason);
}

/**
 * Reads `text` as one YAML 1.1 document, or returns undefined when it is not
 * certain to read it exactly as `parseDocument(text, { version: '1.1', ...options })`.
 */
export function fastParse(text: string, options?: FastParseOptions): Document.Parsed | undefined {
  try {
    return read(text, options) as Document.Parsed;
  } catch (e) {
    if (e instanceof Bail) noteBail(e.reason, text.length);
    return undefined;
  }
}

/**
 * The bench's record of why the reader bailed (and of other slow paths, such
 * as a read-back of a whole document, readback.ts): with
 * EKSFIT_FASTYAML_BAILS=FILE in the environment, a line
 * `count<TAB>characters<TAB>reason` per reason is appended to FILE at exit.
 * Read only when a slow path is taken (never at load: a start-up snapshot
 * would keep the build's environment), so it costs nothing otherwise.
 */
let bails: Map<string, [number, number]> | undefined;
export function noteBail(reason: string, chars: number): void {
  if (!bails) {
    const file = process.env.EKSFIT_FASTYAML_BAILS;
    if (!file) return;
    bails = new Map();
    process.once('exit', () => writeBails(file));
  }
  const seen = bails.get(reason) ?? [0, 0];
  seen[0]++;
  seen[1] += chars;
  bails.set(reason, seen);
}
function writeBails(file: string): void {
  let out = '';
  for (const [reason, [count, chars]] of bails ?? []) out += `${count}\t${chars}\t${reason}\n`;
  try {
    appendFileSync(file, out);
  } catch {
    // a statistic, never a reason to fail
  }
}

/**
 * fastParse with the reason it bailed (for tests and statistics). Internal
 * errors are rethrown. `libraryVersion` stands in for the installed yaml
 * library's version (tests show the reader refusing any other).
 */
export function fastParseExplained(
  text: string,
  options?: FastParseOptions,
  libraryVersion: string = yamlPackage.version,
): { doc: Document.Parsed; reason?: undefined } | { doc?: undefined; reason: string } {
  try {
    return { doc: read(text, options, libraryVersion) as Document.Parsed };
  } catch (e) {
    if (e instanceof Bail) return { reason: e.reason };
    throw e;
  }
}

/**
 * The plain value of `text` read as one YAML 1.1 document, exactly as
 * `parseDocument(text, { version: '1.1' }).toJS()` gives it, read without
 * building a tree; undefined when it is not certain to. It bails wherever
 * fastParse bails (the same reader, in values mode), and also on two keys of
 * a mapping with one name as a string (`1` and `"1"`) and on a key whose value
 * is an object (a date): so when it reads a text, fastParse reads it too, and
 * the library reads it without an error. Held to the library by the
 * differential tests (test/fastyaml.test.ts).
 */
export function fastValue(text: string): { value: unknown } | undefined {
  const r = fastValueExplained(text);
  if (r.reason === undefined) return r;
  noteBail(r.reason, text.length);
  return undefined;
}

/** fastValue with the reason it bailed (for tests and statistics). Internal errors are rethrown. */
export function fastValueExplained(text: string): { value: unknown; reason?: undefined } | { reason: string } {
  try {
    return { value: read(text, undefined, yamlPackage.version, true) };
  } catch (e) {
    if (e instanceof Bail) return { reason: e.reason };
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Mapping keys, shared by block and flow mappings

/** Tree mode: bails when `key` has the value of a key already in `items`, as the library reports a duplicate. */
function noDuplicate(items: readonly Pair<Scalar>[], key: Scalar): void {
  const v = key.value;
  for (let j = 0; j < items.length; j++) if ((items[j] as Pair<Scalar>).key.value === v) bail('duplicate key');
}

/** Values mode: the name the library's toJS gives a key's value; a key whose value is an object (a date) bails. */
function keyName(key: unknown): string {
  if (key !== null && typeof key === 'object') bail('a key whose value is not a string, number or boolean');
  return key === null ? '' : String(key);
}

/** Values mode: sets a key as the library does for a key already `in` the object: `__proto__` is a key, not the prototype. */
function setKey(out: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(out, name, { value, writable: true, enumerable: true, configurable: true });
  else out[name] = value;
}

/**
 * Values mode: the mapping made of `pairs` keys, or a bail when two of them
 * had one name (duplicates, or `1` and "1", which YAML tells apart). Counted,
 * not looked up per key: a lookup of a key not (yet) there was a fifth of reading.
 */
function distinct(out: Record<string, unknown>, pairs: number): Record<string, unknown> {
  return Object.keys(out).length === pairs ? out : bail('duplicate key, or two keys of one name');
}

/** The options a values-mode reader resolves scalars with: those of a Document made with FastParseOptions. */
const VALUE_OPTIONS = { intAsBigInt: false };

/** The reader's run, in tree mode (a Document) or in values mode (`values`: the plain value). */
function read(
  text: string,
  options: FastParseOptions | undefined,
  libraryVersion: string = yamlPackage.version,
  values = false,
): Made {
  const lib = libraryVersion === SUPPORTED_YAML_VERSION ? library() : undefined;
  if (!lib) bail('unknown yaml library version');
  if (options?.keepSourceTokens) bail('keepSourceTokens');
  // Characters whose handling is not worth mimicking: tabs, control characters, a CR without LF,
  // a byte order mark after the first character (the lexer skips one at the start of any line between documents).
  if (FORBIDDEN.test(text)) bail('tab, control character, lone CR or inner BOM');
  return new Reader(text, lib, options, values).document();
}

const FORBIDDEN = /[\x00-\x09\x0b\x0c\x0e-\x1f]|\r(?!\n)|[^]\uFEFF/;

// ---------------------------------------------------------------------------
// What we take from the yaml library, checked once against what this file was written for

interface Library {
  /** The YAML 1.1 schema's tags that resolve plain scalars by test, in the order the composer tries them. */
  readonly defaultTags: readonly ScalarTag[];
  /** `<<`: a merge key when plain and in key position. */
  readonly keyTags: readonly ScalarTag[];
  readonly Directives: new (yaml: { version: '1.1' }) => unknown;
}

/**
 * The default tags of yaml 2.x's YAML 1.1 schema, as [tag, default, test, format].
 * If the library's differ, fastParse turns itself off rather than guess.
 */
const EXPECTED_TAGS: readonly (readonly [string, boolean | string, string | undefined, string | undefined])[] = [
  ['tag:yaml.org,2002:map', true, undefined, undefined],
  ['tag:yaml.org,2002:seq', true, undefined, undefined],
  ['tag:yaml.org,2002:str', true, undefined, undefined],
  ['tag:yaml.org,2002:null', true, '^(?:~|[Nn]ull|NULL)?$', undefined],
  ['tag:yaml.org,2002:bool', true, '^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$', undefined],
  ['tag:yaml.org,2002:bool', true, '^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$', undefined],
  ['tag:yaml.org,2002:int', true, '^[-+]?0b[0-1_]+$', 'BIN'],
  ['tag:yaml.org,2002:int', true, '^[-+]?0[0-7_]+$', 'OCT'],
  ['tag:yaml.org,2002:int', true, '^[-+]?[0-9][0-9_]*$', undefined],
  ['tag:yaml.org,2002:int', true, '^[-+]?0x[0-9a-fA-F_]+$', 'HEX'],
  ['tag:yaml.org,2002:float', true, '^(?:[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)$', undefined],
  ['tag:yaml.org,2002:float', true, '^[-+]?(?:[0-9][0-9_]*)?(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$', 'EXP'],
  ['tag:yaml.org,2002:float', true, '^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*$', undefined],
  ['tag:yaml.org,2002:binary', false, undefined, undefined],
  ['tag:yaml.org,2002:merge', 'key', '^<<$', undefined],
  ['tag:yaml.org,2002:omap', false, undefined, undefined],
  ['tag:yaml.org,2002:pairs', false, undefined, undefined],
  ['tag:yaml.org,2002:set', false, undefined, undefined],
  ['tag:yaml.org,2002:int', true, '^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$', 'TIME'],
  ['tag:yaml.org,2002:float', true, '^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*$', 'TIME'],
  [
    'tag:yaml.org,2002:timestamp',
    true,
    '^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \\t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\\.[0-9]+)?)(?:[ \\t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$',
    undefined,
  ],
];

let libraryChecked = false;
let libraryState: Library | undefined;

function library(): Library | undefined {
  if (libraryChecked) return libraryState;
  libraryChecked = true;
  const ref = new DocumentClass(undefined, { version: '1.1' });
  const tags = ref.schema.tags as unknown as (ScalarTag & { collection?: string })[];
  const ok =
    ref.schema.name === 'yaml-1.1' &&
    !ref.schema.compat &&
    tags.length === EXPECTED_TAGS.length &&
    tags.every((t, i) => {
      const [tag, def, test, format] = EXPECTED_TAGS[i] as (typeof EXPECTED_TAGS)[number];
      return t.tag === tag && t.default === def && t.test?.source === test && t.format === format;
    });
  const str = tags[2];
  if (!ok || !str || str.resolve('x', () => {}, {}) !== 'x') return undefined;
  libraryState = {
    defaultTags: tags.filter((t) => t.default === true && t.test && !t.collection),
    keyTags: tags.filter((t) => (t.default === true || t.default === 'key') && t.test && !t.collection),
    Directives: (ref.directives as object).constructor as Library['Directives'],
  };
  return libraryState;
}

// ---------------------------------------------------------------------------
// Characters

const SPACE = 32;
const LF = 10;
const CR = 13;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DOT = 46;
const DQUOTE = 34;
const SQUOTE = 39;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const PIPE = 124;
const GT = 62;
const QUESTION = 63;

/** The lexer's isEmpty: end of input, space, line break (tabs never get here). */
function isBlank(c: number): boolean {
  return c !== c || c === SPACE || c === LF || c === CR;
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

/**
 * First characters a plain scalar can have without some YAML 1.1 tag's test
 * possibly matching it: anything but ~ n N y Y t T f F o O e E - + . digits <.
 * (floatExp matches `e5`.)
 */
const MAYBE_TYPED = new Uint8Array(128);
for (const ch of '~nNyYtTfFoOeE-+.0123456789<') MAYBE_TYPED[ch.charCodeAt(0)] = 1;

/** Characters a plain scalar cannot start with (indicators, or errors in the library). */
const NOT_PLAIN_START = new Uint8Array(128);
for (const ch of '#&*!|>\'"%@`[]{},') NOT_PLAIN_START[ch.charCodeAt(0)] = 1;

// ---------------------------------------------------------------------------
// The reader

/**
 * Collections nested deeper than this are left to the library: a Document
 * fastParse returns has no aliases and at most this depth, far below what
 * eksfit's stream checks refuse (src/stream.ts MAX_NESTING).
 */
export const MAX_DEPTH = 100;

const CONTENT = 0;
const EOF = 1;
const MARKER = 2;

class Reader {
  private readonly s: string;
  private readonly n: number;
  private readonly lib: Library;
  /** Reading values only: no Document, no nodes, no ranges. */
  private readonly values: boolean;
  private readonly doc: Document.Parsed | undefined;
  private readonly options: { intAsBigInt: boolean };

  // The next content line, found by trivia().
  private kind = CONTENT;
  private lineStart = 0;
  private indent = 0;
  private at = 0;

  /**
   * Trailing comments and blank lines the library keeps as an item of the
   * innermost collection (not attached to a value): the greatest indentation
   * of a comment among them (-1: none), and where they end.
   */
  private sComment = -1;
  private sEnd = 0;
  /** trivia() saw a comment it did not attach to the previous value. */
  private sawComment = false;

  /** Collections open around the current position. */
  private depth = 0;

  /** Scratch results of the token readers. */
  private p = 0;
  private stop = 0;
  /**
   * Where the value made last ends, trailing comments it takes included: the
   * third number of its node's range. Set by every maker as its last step.
   */
  private vEnd = 0;

  constructor(text: string, lib: Library, options: FastParseOptions | undefined, values: boolean) {
    this.s = text;
    this.n = text.length;
    this.lib = lib;
    this.values = values;
    if (values) {
      this.doc = undefined;
      this.options = VALUE_OPTIONS;
    } else {
      const directives = new lib.Directives({ version: '1.1' });
      this.doc = new DocumentClass(undefined, {
        _directives: directives,
        version: '1.1',
        ...options,
      } as never) as unknown as Document.Parsed;
      this.options = this.doc.options;
    }
  }

  /** The Document (a tree), or in values mode the document's plain value. */
  document(): Made {
    const s = this.s;
    const pos0 = s.charCodeAt(0) === 0xfeff ? 1 : 0;
    let pos = pos0;
    // Stream-level blank and comment lines, then an optional `---` line.
    this.trivia(pos, -1, false);
    let docStart = -1;
    if (this.kind === CONTENT && this.indent === 0 && s.charCodeAt(this.at) === PERCENT) bail('directive');
    if (this.kind === MARKER) {
      if (s.charCodeAt(this.at) !== DASH) bail('... before any document');
      docStart = this.at;
      pos = this.lineRest(this.at + 3);
      this.trivia(pos, -1, false);
    }
    if (this.kind !== CONTENT) bail('empty document');
    if (this.indent !== 0) bail('indented top-level node');
    const at = this.at;
    // After a BOM the library does not count the first line's indentation: `- key: v` would nest differently.
    if (at === 1 && pos0 === 1 && this.isSeqIndicator(at)) bail('sequence right after a byte order mark');
    const root = this.isSeqIndicator(at) ? this.parseSeq(0, at) : this.parseMap(0, at);
    const rootEnd = this.vEnd;
    let end = this.sEnd;
    if (this.kind === CONTENT) bail('content after the top-level node');
    let docEnd = false;
    if (this.kind === MARKER) {
      if (s.charCodeAt(this.at) !== DOT) bail('a second document');
      end = this.lineRest(this.at + 3);
      this.trivia(end, -1, false);
      if (this.kind !== EOF) bail('content after ...');
      docEnd = true;
    }
    const doc = this.doc;
    if (doc === undefined) return root;
    if (docEnd) doc.directives.docEnd = true;
    if (docStart >= 0) doc.directives.docStart = true;
    doc.contents = root as never;
    doc.range = [docStart >= 0 ? docStart : at, rootEnd, end];
    return doc;
  }

  // -------------------------------------------------------------------------
  // Lines

  /**
   * Skips blank and comment lines from `pos` (a line start) to the next
   * content line, a document marker or the end, as the library's parser
   * would place them after a value of a collection indented `k`:
   * comments indented more than `k` right after a flow value (`absorb`: the
   * value made last) end that value (`vEnd` grows over them); the rest form a
   * trailing item.
   */
  private trivia(pos: number, k: number, absorb: boolean): void {
    const s = this.s;
    const n = this.n;
    let absorbing = absorb;
    let sComment = -1;
    let sawComment = false;
    for (;;) {
      if (pos >= n) {
        this.kind = EOF;
        this.at = n;
        break;
      }
      let i = pos;
      let c = s.charCodeAt(i);
      while (c === SPACE) c = s.charCodeAt(++i);
      const ind = i - pos;
      if (i >= n) {
        this.kind = EOF;
        this.at = n;
        break;
      }
      if (c === LF) {
        pos = i + 1;
        continue;
      }
      if (c === CR) {
        pos = i + 2; // always CRLF (checked up front)
        continue;
      }
      if (c === HASH) {
        const nl = s.indexOf('\n', i);
        const lineEnd = nl < 0 ? n : nl + 1;
        if (absorbing && ind > k) {
          this.vEnd = lineEnd;
        } else {
          absorbing = false;
          sawComment = true;
          if (ind > sComment) sComment = ind;
        }
        pos = lineEnd;
        continue;
      }
      if (
        ind === 0 &&
        (c === DASH || c === DOT) &&
        s.charCodeAt(i + 1) === c &&
        s.charCodeAt(i + 2) === c &&
        isBlank(s.charCodeAt(i + 3))
      ) {
        this.kind = MARKER;
        this.lineStart = pos;
        this.indent = 0;
        this.at = i;
        break;
      }
      this.kind = CONTENT;
      this.lineStart = pos;
      this.indent = ind;
      this.at = i;
      break;
    }
    this.sComment = sComment;
    this.sawComment = sawComment;
    this.sEnd = this.at;
  }

  /**
   * The rest of a line after a token ending at `i`: spaces, a comment (after
   * a space), the line break. Returns the start of the next line (or the
   * end of the text). Anything else bails.
   */
  private lineRest(i: number): number {
    const s = this.s;
    let c = s.charCodeAt(i);
    while (c === SPACE) c = s.charCodeAt(++i);
    if (c === HASH) {
      if (s.charCodeAt(i - 1) !== SPACE) bail('comment without a space before it');
      const nl = s.indexOf('\n', i);
      return nl < 0 ? this.n : nl + 1;
    }
    if (c === LF) return i + 1;
    if (c === CR) return i + 2;
    if (i >= this.n) return this.n;
    return bail('unexpected text after a value');
  }

  private isSeqIndicator(i: number): boolean {
    return this.s.charCodeAt(i) === DASH && isBlank(this.s.charCodeAt(i + 1));
  }

  // -------------------------------------------------------------------------
  // Block collections

  /** A block mapping at column `k` whose first key starts at `keyAt`. */
  private parseMap(k: number, keyAt: number): Made {
    const s = this.s;
    if (++this.depth > MAX_DEPTH) bail('nested too deep');
    const values = this.values;
    const map = values ? undefined : new MapClass((this.doc as Document.Parsed).schema);
    const items = map?.items as Pair<Scalar, Made>[];
    const out: Record<string, unknown> = {};
    let pairs = 0;
    let at = keyAt;
    let end: number;
    for (;;) {
      const key = this.readKey(at);
      let name = '';
      if (values) {
        name = keyName(key);
        pairs++;
      } else noDuplicate(items, key as Scalar);
      let p = this.p; // after the `:`
      let c = s.charCodeAt(p);
      while (c === SPACE) c = s.charCodeAt(++p);
      let value: Made;
      if (c === LF || c === CR || c === HASH || p >= this.n) {
        // The value starts on a later line, or is empty.
        const commentHere = c === HASH;
        const nextLine = this.lineRest(p);
        this.trivia(nextLine, k, false);
        const ind = this.indent;
        if (this.kind === CONTENT && (ind > k || (ind === k && this.isSeqIndicator(this.at)))) {
          value = this.nextLineValue(k, nextLine);
        } else {
          // The library keeps these lines with the `:`; a comment there would end the empty value.
          if (commentHere || this.sawComment) bail('empty value next to a comment');
          value = this.plainScalar('', p, p, p, false);
          // No trailing item: nothing after the empty value belongs to an enclosing node.
          this.sComment = -1;
          this.sEnd = p;
        }
      } else {
        value = this.inlineValue(p, k);
      }
      end = this.vEnd;
      if (!values) items.push(new PairClass(key as Scalar, value));
      else setKey(out, name, value);
      if (this.kind !== CONTENT || this.indent < k) break;
      if (this.indent > k) bail('unexpected indentation after a value');
      if (this.isSeqIndicator(this.at)) bail('sequence item at mapping indentation');
      at = this.at;
    }
    const after = this.closeEnd(end, k);
    this.depth--;
    this.vEnd = after;
    if (!map) return distinct(out, pairs);
    map.range = [keyAt, end, after];
    return map;
  }

  /** A block sequence at column `k` whose first `-` is at `dashAt`. */
  private parseSeq(k: number, dashAt: number): Made {
    const s = this.s;
    if (++this.depth > MAX_DEPTH) bail('nested too deep');
    const seq = this.values ? undefined : new SeqClass((this.doc as Document.Parsed).schema);
    const items: Made[] = seq ? seq.items : [];
    let at = dashAt;
    let end: number;
    for (;;) {
      let p = at + 1;
      let c = s.charCodeAt(p);
      while (c === SPACE) c = s.charCodeAt(++p);
      let value: Made;
      if (c === LF || c === CR || c === HASH || p >= this.n) {
        // `-` alone: a collection on the next lines (these lines stay with the `-`), or an empty item.
        const nextLine = this.lineRest(p);
        this.trivia(nextLine, k, false);
        if (this.kind !== CONTENT || this.indent <= k) bail('empty sequence item');
        value = this.nextLineValue(k, nextLine);
      } else {
        const col = p - this.lineStart;
        if (c === DASH && isBlank(s.charCodeAt(p + 1))) value = this.parseSeq(col, p);
        else if (this.startsKey(p)) value = this.parseMap(col, p);
        else value = this.inlineValue(p, k);
      }
      items.push(value);
      end = this.vEnd;
      if (this.kind !== CONTENT || this.indent < k) break;
      if (this.indent > k) bail('unexpected indentation after a sequence item');
      if (!this.isSeqIndicator(this.at)) break;
      at = this.at;
    }
    const after = this.closeEnd(end, k);
    this.depth--;
    this.vEnd = after;
    if (!seq) return items;
    seq.range = [dashAt, end, after];
    return seq;
  }

  /**
   * The value of a `key:` or `-` that ends its line, starting on the current
   * content line (indented more than `k`, or a sequence at `k`): a block
   * collection, or a scalar or flow collection (`{}` as Helm's toYaml writes it).
   * `nextLine`: where the line after the `:` or `-` starts.
   */
  private nextLineValue(k: number, nextLine: number): Made {
    const at = this.at;
    if (this.isSeqIndicator(at)) return this.parseSeq(this.indent, at);
    const c = this.s.charCodeAt(at);
    if (c === PIPE || c === GT) bail('block scalar on the line after its key');
    if (this.startsKey(at)) return this.parseMap(this.indent, at);
    // The lexer lowers the indentation a plain scalar continues at on some
    // comment and blank lines (`#c` at column 1): only take one right below its key.
    if (c !== DQUOTE && c !== SQUOTE && c !== LBRACKET && c !== LBRACE && this.lineStart !== nextLine)
      bail('plain scalar after blank or comment lines');
    return this.inlineValue(at, k, false);
  }

  /**
   * Where the range of a block collection that ends at `end` ends. Trailing
   * comments stay in it (and its range ends where the next content starts)
   * when one of them is indented at least as much as the collection (not at
   * column 0); otherwise they move on to the parent.
   */
  private closeEnd(end: number, k: number): number {
    if (k > 0 && this.sComment >= k) {
      this.sComment = -1;
      return this.sEnd;
    }
    return end;
  }

  /** Whether a mapping key (a scalar followed by `: `) starts at `p`. */
  private startsKey(p: number): boolean {
    const s = this.s;
    const c = s.charCodeAt(p);
    let q: number;
    if (c === DQUOTE || c === SQUOTE) {
      q = this.quotedEnd(p);
      let d = s.charCodeAt(q);
      while (d === SPACE) d = s.charCodeAt(++q);
    } else if (c < 128 && NOT_PLAIN_START[c] === 1) {
      return false;
    } else {
      this.plainEnd(p, false);
      if (this.stop !== STOP_COLON) return false;
      q = this.p;
    }
    return s.charCodeAt(q) === COLON && isBlank(s.charCodeAt(q + 1));
  }

  /** A block mapping key at `at` (a Scalar, or its value); sets `this.p` after its `:`. */
  private readKey(at: number): Made {
    const s = this.s;
    const c = s.charCodeAt(at);
    let key: Made;
    let colon: number;
    if (c === DQUOTE || c === SQUOTE) {
      key = this.quoted(at);
      colon = this.p;
      let d = s.charCodeAt(colon);
      while (d === SPACE) d = s.charCodeAt(++colon);
      if (d !== COLON || !isBlank(s.charCodeAt(colon + 1))) bail('quoted scalar is not a key');
    } else {
      this.checkPlainStart(at, false);
      const end = this.plainEnd(at, false);
      if (this.stop !== STOP_COLON) bail('implicit key without a value');
      colon = this.p;
      key = this.plainScalar(s.slice(at, end), at, end, end, true);
    }
    if (colon - at > 1024) bail('key over 1024 characters');
    this.p = colon + 1;
    return key;
  }

  /**
   * A value on the same line as its key or `-` (a block scalar, flow
   * collection, quoted or plain scalar), then the blank and comment lines
   * after it. `k`: the indentation of the collection holding it.
   */
  private inlineValue(p: number, k: number, sameLine = true): Made {
    const s = this.s;
    const c = s.charCodeAt(p);
    if (c === PIPE || c === GT) {
      const node = this.blockScalar(p, k);
      const end = this.vEnd;
      this.trivia(end, k, false);
      this.vEnd = end;
      return node;
    }
    let node: Made;
    let next: number;
    if (c === LBRACKET || c === LBRACE) {
      node = this.flowCollection(p);
      next = this.lineRest(this.p);
    } else if (c === DQUOTE || c === SQUOTE) {
      node = this.quoted(p);
      next = this.lineRest(this.p);
    } else {
      this.checkPlainStart(p, false);
      const end = this.plainEnd(p, false);
      if (this.stop === STOP_COLON) bail('mapping on the same line as a key');
      const folded = sameLine && this.stop === STOP_EOL ? this.plainContinued(p, end, k) : undefined;
      if (folded !== undefined) {
        next = this.lineRest(this.p);
        node = this.plainScalar(folded, p, this.p, next, false);
      } else {
        next = this.lineRest(end);
        node = this.plainScalar(s.slice(p, end), p, end, next, false);
      }
    }
    this.vEnd = next;
    this.trivia(next, k, true);
    if (!this.values) ((node as FastNode).range as Range3)[2] = this.vEnd;
    return node;
  }

  // -------------------------------------------------------------------------
  // Scalars

  private checkPlainStart(p: number, flow: boolean): void {
    const c = this.s.charCodeAt(p);
    if (c < 128 && NOT_PLAIN_START[c] === 1) bail('anchor, alias, tag, reserved or misplaced indicator');
    if (c === DASH || c === QUESTION || c === COLON) {
      const d = this.s.charCodeAt(p + 1);
      if (isBlank(d) || (flow && isFlowIndicator(d))) bail('indicator where a scalar was expected');
    }
  }

  /**
   * Where the plain scalar starting at `p` ends (after its last non-space
   * character), as the library's lexer cuts it on one line; `this.stop` says
   * why it stopped and `this.p` where.
   */
  private plainEnd(p: number, flow: boolean): number {
    const s = this.s;
    let end = p;
    let i = p;
    for (; ; i++) {
      const c = s.charCodeAt(i);
      if (c !== c || c === LF || c === CR) {
        this.stop = STOP_EOL;
        break;
      }
      if (c === COLON) {
        const d = s.charCodeAt(i + 1);
        if (isBlank(d) || (flow && isFlowIndicator(d))) {
          this.stop = STOP_COLON;
          break;
        }
        end = i + 1;
      } else if (c === SPACE) {
        const d = s.charCodeAt(i + 1);
        if (d === HASH) {
          this.stop = STOP_COMMENT;
          break;
        }
        if (flow && isFlowIndicator(d)) {
          this.stop = STOP_FLOW;
          break;
        }
      } else if (flow && isFlowIndicator(c)) {
        this.stop = STOP_FLOW;
        break;
      } else {
        end = i + 1;
      }
    }
    this.p = i;
    return end;
  }

  /**
   * A plain scalar that goes on over the next lines, as controller-gen wraps
   * CRD descriptions: the first line of a plain value on the line of its key
   * or `-` ends at `end` (its line break follows); the lines after it that
   * are indented more than the collection (`k`) continue it. Returns the
   * folded value (lines trimmed, joined by one space, as the library's
   * foldLines) and sets `this.p` after the last line's last non-space
   * character; undefined when the next line does not continue it. Only the
   * plain case is taken: a blank or comment line ends it (what follows is
   * then left to the callers, which bail on more indented content), CRLF
   * line ends are left to them too, and a continuation with `: `, a final
   * `:` or ` #` bails.
   */
  private plainContinued(p: number, end: number, k: number): string | undefined {
    const s = this.s;
    const n = this.n;
    let eol = this.p;
    if (s.charCodeAt(eol) !== LF) return undefined;
    let folded: string | undefined;
    let last = end;
    for (;;) {
      const line = eol + 1;
      let i = line;
      let c = s.charCodeAt(i);
      while (c === SPACE) c = s.charCodeAt(++i);
      if (i - line <= k || i >= n || c === LF || c === CR || c === HASH) break;
      const lineEnd = this.plainEnd(i, false);
      if (this.stop !== STOP_EOL) bail('unexpected indentation: a line with `: ` or ` #` continues a plain scalar');
      folded = `${folded ?? s.slice(p, end)} ${s.slice(i, lineEnd)}`;
      last = lineEnd;
      eol = this.p;
      if (s.charCodeAt(eol) !== LF) break;
    }
    this.p = last;
    return folded;
  }

  /** A plain scalar resolved as the library's YAML 1.1 schema does (values mode: its value). */
  private plainScalar(source: string, start: number, end: number, after: number, atKey: boolean): Made {
    this.vEnd = after;
    let scalar: Scalar;
    let format: string | undefined;
    const c = source.charCodeAt(0);
    if (c >= 128 || (source.length > 0 && MAYBE_TYPED[c] === 0)) {
      if (this.values) return source;
      scalar = new ScalarClass(source);
    } else {
      const tags = atKey ? this.lib.keyTags : this.lib.defaultTags;
      let tag: ScalarTag | undefined;
      for (let i = 0; i < tags.length; i++) {
        const t = tags[i] as ScalarTag;
        if ((t.test as RegExp).test(source)) {
          tag = t;
          break;
        }
      }
      if (!tag) {
        if (this.values) return source;
        scalar = new ScalarClass(source);
      } else {
        if (tag.default === 'key') bail('merge key');
        let res: unknown;
        try {
          res = tag.resolve(source, () => bail('tag resolve error'), this.options);
        } catch (e) {
          if (e instanceof Bail) throw e;
          bail('tag resolve threw');
        }
        if (this.values) return isScalarNode(res) ? res.value : res;
        scalar = isScalarNode(res) ? res : new ScalarClass(res);
        format = tag.format;
      }
    }
    scalar.range = [start, end, after];
    scalar.source = source;
    scalar.type = PLAIN;
    if (format) scalar.format = format;
    return scalar;
  }

  /** Where the quoted scalar at `p` ends (after its closing quote). Bails if not on this line. */
  private quotedEnd(p: number): number {
    const s = this.s;
    const q = s.charCodeAt(p);
    let i = p + 1;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c !== c || c === LF || c === CR) bail('quoted scalar over more than one line');
      if (c === q) {
        if (q === SQUOTE && s.charCodeAt(i + 1) === SQUOTE) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      if (c === 92 /* \ */ && q === DQUOTE) {
        const d = s.charCodeAt(i + 1);
        if (d !== d || d === LF || d === CR) bail('quoted scalar over more than one line');
        i += 2;
      } else {
        i++;
      }
    }
  }

  /** A quoted scalar on one line (values mode: its value); `this.p` is set after its closing quote. */
  private quoted(p: number): Made {
    const s = this.s;
    const end = this.quotedEnd(p);
    const inner = s.slice(p + 1, end - 1);
    let value: string;
    let type: Scalar.Type;
    if (s.charCodeAt(p) === SQUOTE) {
      value = inner.indexOf("'") < 0 ? inner : inner.replace(/''/g, "'");
      type = QUOTE_SINGLE;
    } else {
      value = inner.indexOf('\\') < 0 ? inner : unescapeDoubleQuoted(inner);
      type = QUOTE_DOUBLE;
    }
    this.p = end;
    this.vEnd = end;
    if (this.values) return value;
    const scalar = new ScalarClass(value);
    scalar.range = [p, end, end];
    scalar.source = value;
    scalar.type = type;
    return scalar;
  }

  /**
   * A block scalar whose header is at `p`, in a collection indented `k`:
   * where the lexer ends it, and its value as the composer folds it.
   */
  private blockScalar(p: number, k: number): Made {
    const s = this.s;
    const n = this.n;
    const literal = s.charCodeAt(p) === PIPE;
    // Header: up to white space or `#`; then at most one chomping and one indentation indicator.
    let h = p + 1;
    let chomp = '';
    let explicit = 0;
    for (;;) {
      const c = s.charCodeAt(h);
      if (isBlank(c) || c === HASH) break;
      if (!chomp && (c === DASH || c === 43) /* + */) chomp = c === DASH ? '-' : '+';
      else if (!explicit && c >= 49 && c <= 57) explicit = c - 48;
      else bail('bad block scalar header');
      h++;
    }
    if (s.charCodeAt(h) === HASH) bail('comment right after a block scalar header');
    const contentStart = this.lineRest(h);
    if (contentStart >= n) bail('block scalar without content');
    const headerLength = contentStart - p;

    // The lexer: the first non-empty line sets the indentation...
    let nl = contentStart - 1;
    let indent = 0;
    let i = contentStart;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === SPACE) indent++;
      else if (c === LF) {
        nl = i;
        indent = 0;
      } else if (c !== CR) break;
    }
    if (i >= n || indent < k + 1) bail('empty block scalar');
    const indentNext = explicit ? explicit - 1 + (k + 1) : indent;
    // ...and the scalar goes on while lines are empty or indented that much.
    for (;;) {
      const cs = continueScalar(s, nl + 1, indentNext);
      if (cs === -1) break;
      nl = s.indexOf('\n', cs);
      if (nl === -1) break;
    }
    if (nl === -1) nl = n;
    if (chomp !== '+') {
      // Trailing lines of spaces no deeper than the first line's indentation are not part of it.
      for (;;) {
        let j = nl - 1;
        let c = s.charCodeAt(j);
        if (c === CR) c = s.charCodeAt(--j);
        const lastChar = j;
        while (c === SPACE) c = s.charCodeAt(--j);
        if (c === LF && j >= contentStart && j + 1 + indent > lastChar) nl = j;
        else break;
      }
    }
    const sourceEnd = Math.min(nl + 1, n);
    const value = blockScalarValue(s.slice(contentStart, sourceEnd), literal, explicit, chomp, k);
    const end = p + headerLength + (sourceEnd - contentStart);
    this.vEnd = end;
    if (this.values) return value;
    const scalar = new ScalarClass(value);
    scalar.range = [p, end, end];
    scalar.source = value;
    scalar.type = literal ? BLOCK_LITERAL : BLOCK_FOLDED;
    return scalar;
  }

  // -------------------------------------------------------------------------
  // Flow collections (on one line)

  /** The flow collection at `p`; `this.p` is set after its closing bracket. */
  private flowCollection(p: number): Made {
    const s = this.s;
    if (++this.depth > MAX_DEPTH) bail('nested too deep');
    const values = this.values;
    const isMap = s.charCodeAt(p) === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    let coll: YAMLMap | YAMLSeq | undefined;
    let out: Record<string, unknown> | Made[] | undefined;
    let pairs = 0;
    if (values) out = isMap ? {} : [];
    else {
      const schema = (this.doc as Document.Parsed).schema;
      coll = isMap ? new MapClass(schema) : new SeqClass(schema);
      coll.flow = true;
    }
    let i = p + 1;
    let c = s.charCodeAt(i);
    while (c === SPACE) c = s.charCodeAt(++i);
    if (c !== close) {
      for (;;) {
        if (isMap) {
          const key = this.flowScalar(i, true);
          let j = this.p;
          let d = s.charCodeAt(j);
          while (d === SPACE) d = s.charCodeAt(++j);
          if (d !== COLON) bail('flow mapping key without a value');
          if (j - i > 1024) bail('key over 1024 characters');
          let name = '';
          if (values) {
            name = keyName(key);
            pairs++;
          } else noDuplicate((coll as YAMLMap).items as Pair<Scalar>[], key as Scalar);
          j++;
          d = s.charCodeAt(j);
          while (d === SPACE) d = s.charCodeAt(++j);
          const value = this.flowValue(j);
          if (!values) ((coll as YAMLMap).items as Pair<Scalar, Made>[]).push(new PairClass(key as Scalar, value));
          else setKey(out as Record<string, unknown>, name, value);
        } else {
          const value = this.flowValue(i);
          ((values ? out : (coll as YAMLSeq).items) as Made[]).push(value);
        }
        // flowValue left this.p after the value's trailing spaces.
        i = this.p;
        c = s.charCodeAt(i);
        if (c === close) break;
        if (c !== COMMA) bail('unexpected character in a flow collection');
        c = s.charCodeAt(++i);
        while (c === SPACE) c = s.charCodeAt(++i);
        if (c === close || c === COMMA) bail('empty item in a flow collection');
      }
    }
    this.p = i + 1;
    this.vEnd = i + 1;
    this.depth--;
    if (coll === undefined) return isMap ? distinct(out as Record<string, unknown>, pairs) : out;
    coll.range = [p, i + 1, i + 1];
    return coll;
  }

  /** A value inside a flow collection; its range and `this.p` end after the spaces following it. */
  private flowValue(i: number): Made {
    const s = this.s;
    const c = s.charCodeAt(i);
    let node: Made;
    if (c === LBRACKET || c === LBRACE) node = this.flowCollection(i);
    else node = this.flowScalar(i, false);
    let j = this.p;
    let d = s.charCodeAt(j);
    while (d === SPACE) d = s.charCodeAt(++j);
    if (d === COLON) bail('pair inside a flow sequence, or ambiguous :');
    if (!this.values) ((node as FastNode).range as Range3)[2] = j;
    this.vEnd = j;
    this.p = j;
    return node;
  }

  /** A quoted or plain scalar inside a flow collection (values mode: its value); `this.p` after it. */
  private flowScalar(i: number, atKey: boolean): Made {
    const s = this.s;
    const c = s.charCodeAt(i);
    if (c === DQUOTE || c === SQUOTE) return this.quoted(i);
    if (
      c === COMMA ||
      c === RBRACKET ||
      c === RBRACE ||
      c !== c ||
      c === LF ||
      c === CR ||
      c === LBRACKET ||
      c === LBRACE
    )
      bail('empty or complex flow item');
    if (c === HASH) bail('comment in a flow collection');
    this.checkPlainStart(i, true);
    const end = this.plainEnd(i, true);
    if (this.stop === STOP_EOL || this.stop === STOP_COMMENT)
      bail('flow collection over more than one line, or a comment in it');
    const scalar = this.plainScalar(s.slice(i, end), i, end, end, atKey);
    this.p = end;
    return scalar;
  }
}

const PERCENT = 37;
const STOP_EOL = 0;
const STOP_COLON = 1;
const STOP_COMMENT = 2;
const STOP_FLOW = 3;

/** The lexer's continueScalar() for a positive indentation: where the next line's content starts, or -1. */
function continueScalar(s: string, offset: number, indentNext: number): number {
  let j = offset;
  let c = s.charCodeAt(j);
  while (c === SPACE) c = s.charCodeAt(++j);
  if (c === CR && s.charCodeAt(j + 1) === LF) return j + 1;
  return c === LF || j - offset >= indentNext ? j : -1;
}

// ---------------------------------------------------------------------------
// Scalar values, as the library's composer computes them

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

/** The value of a one-line double-quoted scalar's content (between the quotes). */
function unescapeDoubleQuoted(inner: string): string {
  let res = '';
  for (let i = 0; i < inner.length; ++i) {
    const ch = inner[i] as string;
    if (ch !== '\\') {
      res += ch;
      continue;
    }
    const next = inner[++i];
    const cc = next === undefined ? undefined : ESCAPES[next];
    if (cc !== undefined) {
      res += cc;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = inner.substr(i + 1, length);
      if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) bail('bad escape');
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) bail('bad escape');
      res += String.fromCodePoint(code);
      i += length;
    } else {
      bail('bad escape');
    }
  }
  return res;
}

/** The library's split of a block scalar's source into [indentation, content] lines. */
function splitLines(source: string): [string, string][] {
  const split = source.split(/\n( *)/);
  const first = split[0] as string;
  const m = first.match(/^( *)/);
  const line0: [string, string] = m?.[1] ? [m[1], first.slice(m[1].length)] : ['', first];
  const lines = [line0];
  for (let i = 1; i < split.length; i += 2) lines.push([split[i] as string, split[i + 1] as string]);
  return lines;
}

/** resolveBlockScalar() of the library, for a source the lexer cut; bails where it reports an error. */
function blockScalarValue(
  source: string,
  literal: boolean,
  explicit: number,
  chomp: string,
  parentIndent: number,
): string {
  const lines = splitLines(source);
  let chompStart = lines.length;
  for (let i = lines.length - 1; i >= 0; --i) {
    const content = (lines[i] as [string, string])[1];
    if (content === '' || content === '\r') chompStart = i;
    else break;
  }
  if (chompStart === 0) bail('empty block scalar');
  let trimIndent = parentIndent + explicit;
  let contentStart = 0;
  for (let i = 0; i < chompStart; ++i) {
    const [indent, content] = lines[i] as [string, string];
    if (content === '' || content === '\r') {
      if (explicit === 0 && indent.length > trimIndent) trimIndent = indent.length;
    } else {
      if (indent.length < trimIndent) bail('block scalar with more-indented leading empty lines');
      if (explicit === 0) trimIndent = indent.length;
      contentStart = i;
      if (trimIndent === 0) bail('block scalar not indented');
      break;
    }
  }
  for (let i = lines.length - 1; i >= chompStart; --i) {
    if ((lines[i] as [string, string])[0].length > trimIndent) chompStart = i + 1;
  }
  let value = '';
  let sep = '';
  let prevMoreIndented = false;
  for (let i = 0; i < contentStart; ++i) value += (lines[i] as [string, string])[0].slice(trimIndent) + '\n';
  for (let i = contentStart; i < chompStart; ++i) {
    const line = lines[i] as [string, string];
    const indent = line[0];
    let content = line[1];
    if (content[content.length - 1] === '\r') content = content.slice(0, -1);
    if (content && indent.length < trimIndent) bail('block scalar line less indented than its first line');
    if (literal) {
      value += sep + indent.slice(trimIndent) + content;
      sep = '\n';
    } else if (indent.length > trimIndent || content[0] === '\t') {
      if (sep === ' ') sep = '\n';
      else if (!prevMoreIndented && sep === '\n') sep = '\n\n';
      value += sep + indent.slice(trimIndent) + content;
      sep = '\n';
      prevMoreIndented = true;
    } else if (content === '') {
      if (sep === '\n') value += '\n';
      else sep = '\n';
    } else {
      value += sep + content;
      sep = ' ';
      prevMoreIndented = false;
    }
  }
  switch (chomp) {
    case '-':
      break;
    case '+':
      for (let i = chompStart; i < lines.length; ++i)
        value += '\n' + (lines[i] as [string, string])[0].slice(trimIndent);
      if (value[value.length - 1] !== '\n') value += '\n';
      break;
    default:
      value += '\n';
  }
  return value;
}
