/**
 * The documents of the input: cutting a multi-document YAML text into
 * documents without losing a byte, decoding it, and reading each one.
 *
 * A stream is cut into segments at its document-start lines (`---` at column 0
 * followed by a space, a tab or the line end; `%YAML`/`%TAG` directives just
 * before it stay with it) and after `...` end lines. YAML forbids such lines
 * inside scalars, so the cut never falls inside a value. The
 * concatenation of all segments is the input, exactly: a segment nobody edits
 * is written back as it came.
 */
import { excessiveNesting } from './depth.ts';
import {
  isAlias,
  isCollection,
  isPair,
  isScalar,
  Parser,
  parseDocument,
  type Alias,
  type Document,
  type Node,
  type YAMLError,
  visit,
} from 'yaml';
import { InputError, type SourcePosition } from './errors.ts';
import { fastParse, fastValue, MAX_DEPTH } from './fastyaml.ts';
import { continuationsInside, indentContinuations } from './lenient.ts';
import { MAX_ALIAS_COUNT } from './values.ts';

/** One document's text, with where it came from. */
export interface Segment {
  /** The exact source text, including its `---` line and trailing comments. */
  readonly text: string;
  /** The file it came from (`<stdin>` for standard input). */
  readonly file: string;
  /** Zero-based line of `text`'s first character within `file`. */
  readonly line: number;
  /** Zero-based index of this document within `file`. */
  readonly index: number;
}

/** Cuts `text` into segments. Joining their texts gives `text` back exactly. */
export function splitSegments(text: string, file = '<stdin>'): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  let startLine = 0;
  let line = 0;
  let pos = 0;
  let afterEnd = false;
  // `%YAML` / `%TAG` directives (at the start of the stream or after a `...`) belong with the `---` that follows them.
  let inPrefix = true;
  let directives = false;
  const push = (end: number, nextLine: number): void => {
    if (end > start) segments.push({ text: text.slice(start, end), file, line: startLine, index: segments.length });
    start = end;
    startLine = nextLine;
  };
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl < 0 ? text.length : nl + 1;
    const c = text.charCodeAt(pos);
    const bom = pos === 0 && c === 0xfeff ? 1 : 0;
    if (isMarker(text, pos + bom, '-')) {
      if (pos > start && !directives) push(pos, line);
      afterEnd = false;
      inPrefix = false;
      directives = false;
    } else if (isMarker(text, pos + bom, '.')) {
      push(lineEnd, line + 1);
      afterEnd = true;
      inPrefix = true;
      directives = false;
    } else if (inPrefix && text.charCodeAt(pos + bom) === 0x25 /* % */) {
      // A directive: only before a document's content starts (at the stream's start or after `...`).
      if (afterEnd && pos > start) push(pos, line);
      afterEnd = false;
      directives = true;
    } else if (inPrefix && !/^\uFEFF?[ \t]*(?:#|\r?\n|$)/.test(text.slice(pos, Math.min(lineEnd, pos + 200)))) {
      // Content: from here on a `%` line is text of this document (`a` / `...` / `b` / `%x` is valid).
      inPrefix = false;
      afterEnd = false;
    }
    pos = lineEnd;
    line++;
  }
  push(text.length, line);
  return segments;
}

function isMarker(text: string, at: number, ch: string): boolean {
  if (text[at] !== ch || text[at + 1] !== ch || text[at + 2] !== ch) return false;
  const next = text[at + 3];
  return next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r';
}

/** A key that occurs more than once in one mapping. */
export interface DuplicateKey {
  readonly key: string;
  /** The occurrence Kubernetes uses: the last. */
  readonly position: SourcePosition;
  /** The occurrences it ignores. */
  readonly shadowed: readonly SourcePosition[];
}

/** A parsed segment. `doc` offsets point into `segment.text`. */
export interface ParsedSegment {
  readonly segment: Segment;
  readonly doc: Document.Parsed;
  /** Where the yaml library found duplicate keys (an error in a policy file; see `duplicates` for manifests). */
  readonly duplicateKeys: readonly SourcePosition[];
  /**
   * Duplicated keys, read as Kubernetes reads them: the last occurrence counts,
   * and the earlier ones are taken out of `doc` (so that every reader and editor
   * of `doc` sees, and edits, the occurrence Kubernetes uses).
   */
  readonly duplicates?: readonly DuplicateKey[];
  /** True when the fast reader read it: then it has no alias, anchor or tag. */
  readonly fast?: boolean;
  /**
   * The document's plain value, when the fast reader read it: what
   * `doc.toJS()` gives, read without a tree (`doc` reads the tree when asked).
   */
  readonly value?: unknown;
  /**
   * Why eksfit must not edit this document although it read it (a document
   * Kubernetes reads but the yaml library reads only once normalised, see
   * lenient.ts: its node offsets point into that normalised text).
   */
  readonly readOnly?: string;
}

/**
 * Parses one segment as YAML 1.1 (what Kubernetes' decoders speak). Syntax
 * errors throw an InputError with file, line and column; duplicate keys are
 * returned, since a document that is passed through untouched may keep them.
 */
export function parseSegment(segment: Segment): ParsedSegment {
  checkSeparators(segment);
  // The fast reader reads the very value parseDocument would give, for the plain
  // block YAML that manifests are made of, and the same tree when asked; it has no
  // aliases, no errors and at most MAX_DEPTH levels, so none of the checks below can fire on it.
  const fast = segment.text.includes('\n\uFEFF') ? undefined : fastValue(segment.text);
  if (fast) return new FastParsed(segment, fast.value);
  return parseSlowly(segment);
}

/**
 * A document the fast reader read: its plain value, read without a tree (most
 * documents are never edited, and the trees of a large stream were most of
 * eksfit's memory and a fifth of its time). The tree is read when asked for,
 * from the same text, by the same reader in tree mode, which reads whatever
 * values mode reads (test/fastyaml.test.ts); it can be let go again (`releaseTree`).
 */
class FastParsed implements ParsedSegment {
  readonly duplicateKeys: readonly SourcePosition[] = [];
  readonly fast = true;
  private tree: Document.Parsed | undefined;
  constructor(
    readonly segment: Segment,
    readonly value: unknown,
  ) {}

  get doc(): Document.Parsed {
    if (this.tree === undefined) {
      const again = fastParse(this.segment.text, { prettyErrors: false });
      if (!again)
        throw new Error(
          `internal: the fast reader read the value of ${this.segment.file} document ${this.segment.index}, not its tree`,
        );
      this.tree = again;
    }
    return this.tree;
  }

  release(): void {
    this.tree = undefined;
  }
}

/** Lets go of a fast-read document's tree; `parsed.doc` reads it again when asked. Others keep theirs. */
export function releaseTree(parsed: ParsedSegment): void {
  if (parsed instanceof FastParsed) parsed.release();
}

/**
 * Throws the InputError parseSegment would throw, for a document that passes
 * through untouched; returns the library's reading when the fast reader could
 * not read it (for its duplicated keys), else undefined.
 */
export function checkSyntax(segment: Segment): ParsedSegment | undefined {
  checkSeparators(segment);
  if (!segment.text.includes('\n\uFEFF') && fastValue(segment.text)) return undefined;
  return parseSlowly(segment);
}

/**
 * Refuses a line that starts with `---` and goes on with anything but a
 * comment (`--- |`, `--- text`, `---word`): Kubernetes' document reader
 * (apimachinery) cuts documents at such lines and refuses them ("invalid Yaml
 * document separator"), whatever YAML would make of them.
 */
function checkSeparators(segment: Segment): void {
  const text = segment.text;
  if (!text.startsWith('---') && !text.includes('\n---')) return;
  BAD_SEPARATOR.lastIndex = 0;
  const m = BAD_SEPARATOR.exec(text);
  if (!m) return;
  const at = m.index + (m[0].length - (m[1] as string).length);
  throw new InputError(
    `invalid document separator: Kubernetes reads a --- line with nothing after it but a comment`,
    positionOf(segment, at),
  );
}

const BAD_SEPARATOR = /^---[ \t]*([^ \t\r\n#][^\r\n]*)/gm;

/** parseSegment with the yaml library: anything the fast reader leaves. */
/** How the yaml library reads a document: YAML 1.1, as Kubernetes' decoders do. */
const LIBRARY_OPTIONS = {
  version: '1.1',
  keepSourceTokens: false,
  prettyErrors: false,
  // Errors are ours to report; the library must not print warnings (e.g. collection keys) itself.
  logLevel: 'error',
} as const;

/**
 * Reads one document's text: the fast reader when it can, else the yaml
 * library. The one place that chooses the reader (render.ts reads edited text
 * back with it too).
 */
export function readYaml(text: string): Document.Parsed {
  const fast = text.includes('\n\uFEFF') ? undefined : fastParse(text, { prettyErrors: false });
  return fast ?? readYamlWithLibrary(text);
}

/**
 * `readYaml` without the fast reader: the yaml library, read as Kubernetes reads
 * (YAML 1.1 whatever `%YAML` says, the last of duplicated keys). render.ts reads
 * every edited document back with it, never with the reader that planned the edit.
 */
export function readYamlWithLibrary(text: string): Document.Parsed {
  const doc = readWithLibrary(text);
  // Duplicated keys read as Kubernetes reads them: the last one counts.
  dropLongKeyErrors(doc, text);
  if (doc.errors.length > 0 && doc.errors.every((e) => e.code === 'DUPLICATE_KEY')) {
    keepLastKeys(doc, { text, file: '', line: 0, index: 0 });
    doc.errors.length = 0;
  }
  return doc;
}

/**
 * The text the yaml library reads: with `%YAML 1.2` directives made `%YAML 1.1`
 * (same length, so every offset stays), for Kubernetes reads every document as YAML
 * 1.1 whatever it declares (its reader cuts a directive off from its `---`):
 * `%YAML 1.2` must not make `containerPort: 021614` anything but 9100.
 */
function readWithLibrary(text: string): Document.Parsed {
  const boms = lineStartBoms(text);
  if (!boms) return parseDocument(libraryText(text), LIBRARY_OPTIONS);
  // The library drops a byte-order mark at the start of some lines and keeps others;
  // Kubernetes (goyaml) drops it only where its document starts (the line after `---`):
  // elsewhere it is text, part of the key or value it starts (`\n` BOM `apiVersion: v1`
  // has the key "\uFEFFapiVersion"). Each is read as a stand-in character, then put back.
  const units = libraryText(text).split('');
  for (const at of boms.inner) units[at] = BOM_STAND_IN;
  if (boms.dropped !== undefined) units[boms.dropped] = BOM_STAND_IN;
  const doc = parseDocument(units.join(''), LIBRARY_OPTIONS);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes(BOM_STAND_IN)) return;
      let v = node.value;
      if (node.range?.[0] === boms.dropped && v.startsWith(BOM_STAND_IN)) v = v.slice(1);
      node.value = v.replaceAll(BOM_STAND_IN, '\uFEFF');
    },
  });
  return doc;
}

/**
 * Why a document with a byte-order mark inside is never edited: the mark belongs
 * to the key it starts, for Kubernetes, and an entry added next to that key
 * could not be indented as the key reads.
 */
const INNER_BOM = 'a byte-order mark inside the document (Kubernetes reads it as part of the key or value it starts)';

/**
 * Drops the library's "at most 1024 chars" errors for keys of at most 1,024
 * characters. The library measures an implicit key from where the previous
 * node ended (after `s:` and its line break, say), Kubernetes' reader (goyaml)
 * and the fast reader from the key's first character: a 1,024-character key
 * is read, a 1,025-character one refused.
 */
function dropLongKeyErrors(doc: Document.Parsed, text: string): void {
  if (!doc.errors.some((e) => e.code === 'KEY_OVER_1024_CHARS')) return;
  const kept = doc.errors.filter((e) => {
    if (e.code !== 'KEY_OVER_1024_CHARS') return true;
    // the key's first character: past white space, line breaks and comment lines
    let start = e.pos[0];
    while (start < e.pos[1]) {
      const c = text[start];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') start++;
      else if (c === '#') start = text.indexOf('\n', start) < 0 ? e.pos[1] : text.indexOf('\n', start);
      else break;
    }
    return e.pos[1] - start > MAX_KEY_LENGTH;
  });
  doc.errors.splice(0, doc.errors.length, ...kept);
}

/** The longest implicit key Kubernetes' reader reads, in characters. */
const MAX_KEY_LENGTH = 1024;

/** Stands in for a byte-order mark inside a document while the library reads it (a private-use character). */
const BOM_STAND_IN = '\uE000';

/**
 * The byte-order marks that start a line after the first: `inner`, those
 * Kubernetes reads as text, and `dropped`, the one on the line right after the
 * document's own `---` line, where Kubernetes' document starts and the mark is
 * dropped. Undefined when there is none, or when the text holds the stand-in
 * character itself (then the library's reading stands).
 */
export function lineStartBoms(text: string): { inner: number[]; dropped?: number } | undefined {
  let at = text.indexOf('\n\uFEFF');
  if (at < 0 || text.includes(BOM_STAND_IN)) return undefined;
  const inner: number[] = [];
  let dropped: number | undefined;
  while (at >= 0) {
    const bom = at + 1;
    if (text.lastIndexOf('\n', at - 1) < 0 && /^\uFEFF?---(?:[ \t\r]|$)/.test(text.slice(0, at))) dropped = bom;
    else inner.push(bom);
    at = text.indexOf('\n\uFEFF', bom);
  }
  return dropped === undefined ? { inner } : { inner, dropped };
}

function libraryText(text: string): string {
  if (!text.includes('%YAML')) return text;
  return text.replace(DIRECTIVE_PREFIX, (prefix) =>
    prefix.replace(/^(\uFEFF?%YAML[ \t]+)1\.2(?=[ \t\r\n#]|$)/gm, (_m, head: string) => `${head}1.1`),
  );
}

/** The lines before a document's content: blank lines, comments and directives. */
const DIRECTIVE_PREFIX = /^(?:\uFEFF?(?:[ \t]*(?:#[^\n]*)?|%[^\n]*)(?:\n|$))+/;

/**
 * parseSegment with the yaml library alone, for a document the fast reader
 * does not read (parseSegment and checkSyntax try the fast reader first).
 */
export function parseSlowly(segment: Segment): ParsedSegment {
  // Refused before the library builds (recursively, and large) what is nested too deep to keep.
  const deep = excessiveNesting(segment.text, MAX_NESTING);
  if (deep >= 0) throw new InputError(`nested more than ${MAX_NESTING} levels deep`, positionOf(segment, deep));
  try {
    const doc = readWithLibrary(segment.text);
    dropLongKeyErrors(doc, segment.text);
    const duplicateKeys: SourcePosition[] = [];
    for (const err of doc.errors) {
      const pos = positionOf(segment, err.pos[0]);
      if (err.code === 'DUPLICATE_KEY') {
        duplicateKeys.push(pos);
        continue;
      }
      // What Kubernetes reads although the library does not: continuation lines at column 0.
      const lenient = readLeniently(segment);
      if (lenient) return lenient;
      throw yamlError(segment, err);
    }
    checkShape(segment, doc);
    const readOnly = segment.text.includes('\n\uFEFF') ? INNER_BOM : undefined;
    return {
      segment,
      doc,
      duplicateKeys,
      ...(duplicateKeys.length > 0 ? { duplicates: keepLastKeys(doc, segment) } : {}),
      ...(readOnly ? { readOnly } : {}),
    };
  } catch (e) {
    // The yaml library recurses once per nesting level: a deep enough document overflows the
    // stack (a RangeError, or a SyntaxError when the overflow hits while a regular expression compiles).
    if (e instanceof Error && !(e instanceof InputError) && /Maximum call stack size exceeded/.test(e.message)) {
      throw new InputError(
        `nested more than ${MAX_NESTING} levels deep`,
        positionOf(segment, deepestPoint(segment.text)),
      );
    }
    // The library throws on a few inputs instead of reporting them ("\U00110000" is no code point).
    if (e instanceof RangeError && /code point/i.test(e.message)) {
      const at = /\\U[0-9A-Fa-f]{8}/.exec(segment.text)?.index ?? 0;
      throw new InputError(`invalid escape: ${e.message}`, positionOf(segment, at));
    }
    throw e;
  }
}

/**
 * Takes the earlier occurrences of every duplicated key out of its mapping, as
 * Kubernetes' reader keeps the last value (goyaml v2; sigs.k8s.io/yaml), and
 * says which keys were duplicated where. Merge keys (`<<`) are left alone.
 */
function keepLastKeys(doc: Document.Parsed, segment: Segment): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  visit(doc, {
    Map(_key, map) {
      const last = new Map<string, number>();
      map.items.forEach((pair, i) => {
        const k = pair.key;
        if (isScalar(k) && k.value !== '<<' && typeof k.value !== 'symbol') last.set(String(k.value), i);
      });
      if (last.size === map.items.length) return;
      const shadowed = new Map<string, SourcePosition[]>();
      map.items = map.items.filter((pair, i) => {
        const k = pair.key;
        if (!isScalar(k) || k.value === '<<' || typeof k.value === 'symbol') return true;
        const name = String(k.value);
        if (last.get(name) === i) return true;
        const list = shadowed.get(name) ?? [];
        list.push(positionOf(segment, k.range?.[0] ?? 0));
        shadowed.set(name, list);
        return false;
      });
      for (const [key, list] of shadowed) {
        const kept = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
        const at = isScalar(kept?.key) ? (kept.key.range?.[0] ?? 0) : 0;
        found.push({ key, position: positionOf(segment, at), shadowed: list });
      }
    },
  });
  return found;
}

/**
 * Reads a document whose quoted scalars or flow collections continue at or
 * left of their parent's indentation (lenient.ts), or returns undefined. The
 * document is read-only: its offsets point into the normalised text.
 */
function readLeniently(segment: Segment): ParsedSegment | undefined {
  const normalised = indentContinuations(segment.text);
  if (!normalised) return undefined;
  const doc = readWithLibrary(normalised.text);
  dropLongKeyErrors(doc, normalised.text);
  const duplicateKeys: SourcePosition[] = [];
  for (const err of doc.errors) {
    if (err.code !== 'DUPLICATE_KEY') return undefined;
    duplicateKeys.push(positionOf({ ...segment, text: normalised.text }, err.pos[0]));
  }
  if (!continuationsInside(doc, normalised.indented)) return undefined;
  checkShape({ ...segment, text: normalised.text }, doc);
  return {
    segment,
    doc,
    duplicateKeys,
    ...(duplicateKeys.length > 0 ? { duplicates: keepLastKeys(doc, { ...segment, text: normalised.text }) } : {}),
    readOnly: 'a quoted or flow value continues at or left of its indentation, which only some YAML readers accept',
  };
}

/**
 * How deeply collections may nest, aliases expanded. Kubernetes objects rarely
 * go past 30 (CRD schemas reach about 60); the limit keeps every recursive
 * walk of a document (the yaml library's, eksfit's) far from the stack's end.
 */
export const MAX_NESTING = 256;
if (MAX_DEPTH >= MAX_NESTING) throw new Error('internal: the fast reader must stop below MAX_NESTING');

/** Alias expansions allowed per document, as counted by the yaml library (its own default). */
export { MAX_ALIAS_COUNT };

/**
 * Refuses documents that would exhaust the stack or the memory of whatever
 * reads them next: nesting deeper than MAX_NESTING (aliases expanded), an
 * alias that repeats a node containing itself or names no anchor, alias
 * expansion beyond MAX_ALIAS_COUNT (a "billion laughs" bomb), and a merge key
 * (<<) that merges something other than mappings.
 */
function checkShape(segment: Segment, doc: Document.Parsed): void {
  const heights = new Map<Node, number>();
  const open = new Set<Node>();
  let firstAlias: Alias | undefined;
  let firstMerge: Node | undefined;
  const tooDeep = (at: Node | undefined): InputError =>
    new InputError(`nested more than ${MAX_NESTING} levels deep`, positionOf(segment, at?.range?.[0] ?? 0));
  // Height of `node` (1 for a scalar) when it sits at `depth`; `via` is the alias being expanded, if any.
  const height = (node: unknown, depth: number, via: Alias | undefined): number => {
    if (isAlias(node)) {
      firstAlias ??= node;
      const target = node.resolve(doc);
      // (The yaml library reports no error for it, and would throw when reading the value.)
      if (!target)
        throw new InputError(
          `alias *${node.source} has no anchor &${node.source} before it`,
          positionOf(segment, node.range?.[0] ?? 0),
        );
      if (open.has(target))
        throw new InputError(
          `alias *${node.source} repeats a node that contains it (a cycle)`,
          positionOf(segment, node.range?.[0] ?? 0),
        );
      return height(target, depth, via ?? node);
    }
    if (isPair(node)) {
      if (isScalar(node.key) && (node.key.value === '<<' || typeof node.key.value === 'symbol'))
        firstMerge ??= node.key;
      return Math.max(height(node.key, depth, via), height(node.value, depth, via));
    }
    if (!isCollection(node)) return 1;
    if (depth > MAX_NESTING) throw tooDeep(via ?? node);
    const known = heights.get(node);
    if (known !== undefined) {
      if (depth + known - 1 > MAX_NESTING) throw tooDeep(via ?? node);
      return known;
    }
    open.add(node);
    let h = 0;
    for (const item of node.items) h = Math.max(h, height(item, depth + 1, via));
    open.delete(node);
    heights.set(node, h + 1);
    return h + 1;
  };
  height(doc.contents, 1, undefined);
  if (!firstAlias && !firstMerge) return;
  // Reading the value is what expands aliases and applies merge keys: do it once here.
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof Error) || e instanceof InputError) throw e;
    if (/Excessive alias count/.test(e.message)) {
      throw new InputError(
        `aliases expand too much (more than ${MAX_ALIAS_COUNT} times per node: an alias bomb?)`,
        positionOf(segment, firstAlias?.range?.[0] ?? 0),
      );
    }
    // A merge key (<<) whose value is not a mapping, or an alias of one.
    throw new InputError(firstLine(e.message), positionOf(segment, (firstMerge ?? firstAlias)?.range?.[0] ?? 0));
  }
}

/** Where a document nests deepest, roughly (flow brackets and indentation): for an error that has no node to point at. */
function deepestPoint(text: string): number {
  let best = 0;
  let bestAt = 0;
  let flow = 0;
  let quote = '';
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart && (c === ' ' || c === '-' || c === '?' || c === ':')) {
      indent++;
    } else {
      lineStart = false;
      if (c === '[' || c === '{') flow++;
      else if (c === ']' || c === '}') flow = Math.max(0, flow - 1);
      else if (c === '"' || c === "'") quote = c;
      else if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) {
        const nl = text.indexOf('\n', i);
        i = (nl < 0 ? text.length : nl) - 1;
      }
    }
    if (flow + indent > best) {
      best = flow + indent;
      bestAt = i;
    }
  }
  return bestAt;
}

/** An InputError for a YAML syntax error: its first line, where it is (an unclosed quote: where it opens). */
export function yamlError(segment: Segment, err: YAMLError): InputError {
  const at =
    err.code === 'MISSING_CHAR' && /quote/.test(err.message)
      ? unclosedQuoteStart(segment.text, err.pos[0])
      : err.pos[0];
  return new InputError(firstLine(err.message), positionOf(segment, at));
}

/** Where the quoted scalar that never closes begins (the error is reported at its end). */
function unclosedQuoteStart(text: string, fallback: number): number {
  let found = fallback;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    const t = v as { type?: string; offset?: number; source?: string };
    if (
      (t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar') &&
      typeof t.offset === 'number' &&
      typeof t.source === 'string'
    ) {
      const q = t.source[0];
      if (t.source.length < 2 || t.source[t.source.length - 1] !== q) found = Math.min(found, t.offset);
    }
    for (const x of Object.values(v)) if (typeof x === 'object') visit(x);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return found;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** File, 1-based line and column of `offset` within a segment. */
export function positionOf(segment: Segment, offset: number): SourcePosition {
  const before = segment.text.slice(0, offset);
  const lines = before.split('\n');
  const last = lines[lines.length - 1] ?? '';
  return { file: segment.file, line: segment.line + lines.length, column: last.length + 1 };
}

/**
 * Decodes bytes as UTF-8, refusing invalid sequences (never silently replaced).
 * Binary input is refused too: a NUL, or any other character YAML does not
 * allow in a stream (C0 and C1 controls but tab, line feed, carriage return
 * and next line; DEL; U+FFFE and U+FFFF), as Kubernetes' own decoders do.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new InputError(`invalid UTF-8 at byte ${at}`, { file, ...lineColumnAtByte(bytes, at) });
  }
  const bad = NON_PRINTABLE.exec(text);
  if (bad) {
    const before = text.slice(0, bad.index).split('\n');
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    throw new InputError(
      `binary input: ${code === '0000' ? 'a NUL character' : `character U+${code}`} is not allowed in YAML`,
      {
        file,
        line: before.length,
        column: (before[before.length - 1] ?? '').length + 1,
      },
    );
  }
  return text;
}

const NON_PRINTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]/;

function lineColumnAtByte(bytes: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1 };
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  // A streaming decode only throws on bytes that can never become valid: bisect for the first.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  // Nothing threw: the input ends inside a sequence; point at its lead byte.
  if (lo === bytes.length) {
    while (lo > 0 && ((bytes[lo - 1] as number) & 0xc0) === 0x80) lo--;
    if (lo > 0 && (bytes[lo - 1] as number) >= 0xc0) lo--;
  }
  return lo;
}
