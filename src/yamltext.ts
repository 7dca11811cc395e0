/**
 * How YAML text is located and written for an edit: where a mapping's text
 * ends, the column of a key, a scalar or key written so that it reads back as
 * the same value, flow text for a new value, the indentation style of a
 * document, and applying a list of text edits. edit.ts uses them.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import type { NewValue, TextEdit } from './edit.ts';

/** Thrown when a node cannot be edited safely as text (aliases, tags, complex keys). */
export class UneditableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UneditableError';
  }
}

/** `entries` as a mapping, wrapped in one mapping per key of `path` (outermost first). */
export function nested(path: readonly string[], entries: readonly (readonly [string, NewValue])[]): NewValue {
  let value: NewValue = Object.fromEntries<NewValue>(entries);
  for (let j = path.length - 1; j >= 0; j--) value = { [path[j] as string]: value };
  return value;
}

/**
 * Applies non-overlapping edits. Edits at the same offset go deepest first
 * (see TextEdit.depth; replacements count as deepest), then in their order.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return text;
  const depth = (e: TextEdit): number => e.depth ?? Number.POSITIVE_INFINITY;
  const sorted = edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.start - b.e.start || (depth(a.e) === depth(b.e) ? a.i - b.i : depth(b.e) - depth(a.e)));
  let out = '';
  let pos = 0;
  for (const { e } of sorted) {
    if (e.start < pos) throw new Error(`internal: overlapping edits at ${e.start}`);
    out += text.slice(pos, e.start) + e.insert;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** The pair of `map` whose key is the plain string `key`. Aliased maps are refused. */
export function findPair(map: YAMLMap, key: string): Pair | undefined {
  for (const pair of map.items) {
    const k = pair.key as Node | null;
    if (k && isScalar(k) && String(k.value) === key) {
      if (isAlias(pair.value)) throw new UneditableError(`${key} is a YAML alias`);
      return pair;
    }
    if (isScalar(k) && (k.value === '<<' || typeof k.value === 'symbol'))
      throw new UneditableError('mapping uses a YAML merge key');
  }
  return undefined;
}

/**
 * Where the text of the last entry of a block collection ends: the end of its
 * deepest last scalar, alias or flow collection, before any comment. (The yaml
 * library's node ends, range[2] and, for block collections, range[1], run on
 * over trailing comments, blank lines and even the next line's indentation.)
 */
export function textEnd(text: string, last: Pair | Node): number {
  const deepest = descend(last);
  if (deepest.kind === 'empty value') {
    // An empty value: the line of its key (or of its comment) ends the entry.
    const v = deepest.pair.value as Node | null;
    const k = deepest.pair.key as Node | null;
    if (v?.range) return v.range[1];
    if (k?.range) return k.range[1];
    throw new UneditableError('entry without position');
  }
  const node = deepest.node;
  const range = (node as Node | null)?.range;
  if (!range) throw new UneditableError('node without position');
  const end = range[1];
  // A block scalar that keeps its final line breaks (`|+`, `>+`) at the very end of a text
  // with no line break of its own: a line added after it would add an empty line to it.
  if (
    isScalar(node) &&
    (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') &&
    end === text.length &&
    !text.endsWith('\n')
  ) {
    if (/^[|>][0-9-]*\+/.test(text.slice(range[0], range[0] + 4)))
      throw new UneditableError('the document ends inside a block scalar that keeps its last line breaks');
  }
  return end;
}

/**
 * Down an entry to its deepest last part: through pair values that have text
 * and through the last items of block collections, to a scalar, alias or flow
 * collection (`node`), an empty block collection (`empty collection`), or a
 * pair whose value is empty (`empty value`).
 */
function descend(
  last: Pair | Node,
): { kind: 'node' | 'empty collection'; node: Node } | { kind: 'empty value'; pair: Pair } {
  let node: unknown = last;
  for (;;) {
    if (isPair(node)) {
      const v = node.value as Node | null;
      if (v?.range && !(isScalar(v) && v.range[0] === v.range[1] && v.value === null)) {
        node = v;
        continue;
      }
      return { kind: 'empty value', pair: node };
    }
    if ((isMap(node) || isSeq(node)) && !node.flow) {
      const items = node.items as unknown[];
      if (items.length === 0) return { kind: 'empty collection', node };
      node = items[items.length - 1];
      continue;
    }
    return { kind: 'node', node: node as Node };
  }
}

/** Offset of the start of the line after offset `end` (or `end` when it already is one). */
export function lineStartAfter(text: string, end: number): number {
  if (end > 0 && text[end - 1] === '\n') return end;
  const nl = text.indexOf('\n', end);
  return nl < 0 ? text.length : nl + 1;
}

/**
 * Column of the entry whose key starts at `offset`, counting its properties
 * and indicator: in `&a key: v`, `!!str key: v` or `? key` the entry starts
 * where the anchor, the tag or the `?` does.
 */
export function keyColumn(text: string, offset: number): number {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset).replace(/(?:[&!]\S*[ \t]+|\?[ \t]+)+$/, '');
  return column(text, lineStart + before.length);
}

/** Column of `offset` on its line. */
export function column(text: string, offset: number): number {
  const nl = text.lastIndexOf('\n', offset - 1);
  // A byte-order mark opening the text takes no column.
  const bom = nl < 0 && text.charCodeAt(0) === 0xfeff && offset > 0 ? 1 : 0;
  return offset - (nl + 1) - bom;
}

export function isEmptyCollection(v: NewValue): boolean {
  return typeof v === 'object' && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
}

/** A key, plain when that is unambiguous, else double-quoted. */
export function keyText(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(key) && !RESERVED.has(key.toLowerCase()) ? key : JSON.stringify(key);
}

export const RESERVED = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~']);

/** A scalar as eksfit writes it: strings double-quoted (JSON escapes are valid YAML), numbers plain. */
export function scalarText(value: string | number | boolean): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** `value` written in `style` when it reads back as the same value there, else as scalarText. */
export function styledScalar(value: string | number, style: string | undefined): string {
  if (typeof value === 'number')
    return style === 'QUOTE_SINGLE' ? `'${value}'` : style === 'QUOTE_DOUBLE' ? `"${value}"` : String(value);
  if (style === 'QUOTE_SINGLE' && /^[\x20-\x7e\u00a0-\uffff]*$/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (style === 'PLAIN' && isSafePlain(value)) return value;
  return scalarText(value);
}

/** True when `text`, written plain in block or flow context, reads back (YAML 1.1) as that string. */
export function isSafePlain(text: string): boolean {
  if (!/^[A-Za-z0-9_./=:@+-][A-Za-z0-9_./=:@+ -]*$/.test(text) || text.endsWith(' ')) return false;
  if (/: |:$| #/.test(text) || /^[-?:](?: |$)/.test(text)) return false;
  const doc = parseDocument(`x: ${text}\n`, { version: '1.1' });
  return doc.errors.length === 0 && doc.get('x') === text;
}

/**
 * A value in flow style. `json`: as JSON (every key quoted), `compact` without
 * spaces after `:` and `,` (a JSON document written on one line).
 */
export function flowText(value: NewValue, json = false, compact = false): string {
  const comma = compact ? ',' : ', ';
  const colon = compact ? ':' : ': ';
  if (Array.isArray(value)) return `[${value.map((v) => flowText(v, json, compact)).join(comma)}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${json ? JSON.stringify(k) : keyText(k)}${colon}${flowText(v, json, compact)}`)
      .join(comma)}}`;
  }
  return scalarText(value);
}

/**
 * True when the plain scalar `node` starts its line below a comment line (with
 * only blank lines between): the yaml library then takes a key written right
 * after it at the comment's column as part of the scalar, so nothing may be
 * inserted after it (`name:` / `#c` / `  v`).
 */
export function followsComment(text: string, node: Node): boolean {
  if (!isScalar(node) || node.type !== 'PLAIN' || !node.range) return false;
  let lineStart = text.lastIndexOf('\n', node.range[0] - 1) + 1;
  if (!/^[ \t]*$/.test(text.slice(lineStart, node.range[0]))) return false;
  while (lineStart > 0) {
    const prev = text.lastIndexOf('\n', lineStart - 2) + 1;
    const line = text.slice(prev, lineStart - 1).trim();
    if (line.startsWith('#')) return true;
    if (line !== '') return false;
    lineStart = prev;
  }
  return false;
}

/** The node whose text ends a block collection's last entry (what textEnd measures), unless that is empty. */
export function lastNode(last: Pair | Node): Node | undefined {
  const deepest = descend(last);
  return deepest.kind === 'node' ? deepest.node : undefined;
}

/**
 * Indent unit and sequence style of a document, read from its first nested
 * block collections (within its first 400 lines). Lines are cut one pair at a
 * time, and only until both are known: most documents show both in their
 * first lines, and an edited document of hundreds of lines is not split whole.
 */
export function detectStyle(text: string): { unit: number; indentSeq: boolean } {
  let unit = 0;
  let indentSeq: boolean | undefined;
  let start = 0;
  let end = text.indexOf('\n');
  for (let i = 0; end >= 0 && i + 1 < 400; i++) {
    const nextStart = end + 1;
    const nextEnd = text.indexOf('\n', nextStart);
    const m = /^( *)(- +)?[^\s#-][^:#]*:\s*(#.*)?\r?$/.exec(text.slice(start, end));
    start = nextStart;
    end = nextEnd;
    if (!m) continue;
    const col = (m[1] as string).length + (m[2]?.length ?? 0);
    const next = text.slice(nextStart, nextEnd < 0 ? text.length : nextEnd);
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
