/**
 * Text-level edits of a parsed YAML document.
 *
 * eksfit never re-serialises a document. It finds the nodes it must change with
 * the `yaml` Document API, then writes the smallest text edits at their source
 * offsets: a replaced scalar, or new lines inserted after the last entry of a
 * block mapping (or before the `}` / `]` of a flow collection). Everything else
 * in the document, comments, key order, quoting, indentation and line ends,
 * stays exactly as it was.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

/** One replacement of `text[start, end)` by `insert`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly insert: string;
  /**
   * For lines inserted into a block collection: how deeply they nest (twice
   * the column, plus one for sequence items). Several insertions at one offset
   * go deepest first, so that an entry added to a nested mapping stays inside
   * it when its parent gets an entry at the same place.
   */
  readonly depth?: number;
}

/** A value eksfit writes: strings are always double-quoted, numbers plain. */
export type NewValue = string | number | boolean | NewMap | NewValue[];
/** A mapping to write, in key order. */
export interface NewMap {
  readonly [key: string]: NewValue;
}

/** Thrown when a node cannot be edited safely as text (aliases, tags, complex keys). */
export class UneditableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UneditableError';
  }
}

/**
 * Collects the text edits of one document. `text` is the document's source
 * (the offsets of the parsed nodes point into it).
 */
export class DocumentEditor {
  readonly edits: TextEdit[] = [];
  private readonly eol: string;
  private readonly unit: number;
  private readonly indentSeq: boolean;
  private repeated?: readonly (readonly [number, number, string])[];

  /** `aliasFree`: the caller knows the document has no YAML alias (the fast reader read it). */
  constructor(
    readonly text: string,
    options: { aliasFree?: boolean } = {},
  ) {
    if (options.aliasFree) this.repeated = [];
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
    const style = detectStyle(text);
    this.unit = style.unit;
    this.indentSeq = style.indentSeq;
  }

  /** True when at least one edit was recorded. */
  get changed(): boolean {
    return this.edits.length > 0;
  }

  /**
   * Replaces a scalar's source with `value`, in the scalar's own style when the
   * value reads back the same in it (plain stays plain, 'single' stays single),
   * else double-quoted.
   */
  replaceScalar(node: Node, value: string | number): void {
    if (!isScalar(node) || !node.range) throw new UneditableError('not a scalar');
    this.refuseRepeated(node);
    const src = this.text.slice(node.range[0], node.range[1]);
    // An explicit tag such as !!binary: do not rewrite what we do not understand.
    if (src.startsWith('!')) throw new UneditableError('scalar has an explicit tag');
    const [start, end] = node.range;
    let insert = styledScalar(value, node.type);
    if (start === end) {
      // An empty value (`value:`): keep the text apart from the `:` before it and a `#` comment after it.
      if (!/[ \t\n]/.test(this.text[start - 1] ?? ' ')) insert = ` ${insert}`;
      if (this.text[start] === '#') insert = `${insert} `;
    }
    this.edits.push({ start, end, insert });
  }

  /**
   * Makes `map` hold every entry of `entries` at `path` below it, creating the
   * missing mappings along the path. An existing scalar value is replaced; an
   * existing key keeps its place. Returns nothing: edits are recorded.
   */
  setEntries(map: YAMLMap, path: readonly string[], entries: readonly (readonly [string, NewValue])[]): void {
    if (entries.length === 0) return;
    let current: YAMLMap = map;
    for (let i = 0; i < path.length; i++) {
      const key = path[i] as string;
      const pair = findPair(current, key);
      if (!pair) {
        this.insertEntries(current, [[key, nested(path.slice(i + 1), entries)]]);
        return;
      }
      const v = pair.value as Node | null;
      if (v === null || (isScalar(v) && (v.value === null || v.value === undefined))) {
        // `annotations:` with no value, or `annotations: null`: replace the null.
        this.replaceNullValue(current, pair, nested(path.slice(i + 1), entries));
        return;
      }
      if (!isMap(v)) throw new UneditableError(`${path.slice(0, i + 1).join('.')} is not a mapping`);
      current = v;
    }
    const missing: [string, NewValue][] = [];
    for (const [key, value] of entries) {
      const pair = findPair(current, key);
      if (!pair) {
        missing.push([key, value]);
        continue;
      }
      const node = pair.value as Node | null;
      if (typeof value === 'object') throw new UneditableError(`cannot replace ${key} with a collection`);
      if (node && isScalar(node)) this.replaceScalar(node, typeof value === 'boolean' ? String(value) : value);
      else if (node === null) this.replaceNullValue(current, pair, value);
      else throw new UneditableError(`${key} is not a scalar`);
    }
    if (missing.length > 0) this.insertEntries(current, missing);
  }

  /** Appends `items` to the sequence at `key` of `map`, creating it when missing. */
  appendItems(map: YAMLMap, key: string, items: readonly NewValue[]): void {
    if (items.length === 0) return;
    const pair = findPair(map, key);
    const v = pair?.value as Node | null | undefined;
    if (!pair || v === null || v === undefined || (isScalar(v) && v.value === null)) {
      if (pair) this.replaceNullValue(map, pair, [...items]);
      else this.insertEntries(map, [[key, [...items]]]);
      return;
    }
    if (!isSeq(v)) throw new UneditableError(`${key} is not a sequence`);
    this.insertSeqItems(v, items);
  }

  /** Applies the recorded edits to the text. */
  apply(): string {
    return applyEdits(this.text, this.edits);
  }

  /**
   * Refuses to edit `target` when it lies inside a node that a YAML alias
   * repeats elsewhere in the document: the edit would show up there too.
   */
  private refuseRepeated(target: Node): void {
    const at = target.range?.[0];
    if (at === undefined) return;
    for (const [start, end, name] of this.repeatedNodes()) {
      if (at >= start && at < end)
        throw new UneditableError(`it is inside a node repeated by the YAML alias *${name}, which would change too`);
    }
  }

  /** Ranges of the anchored nodes some alias refers to (the document is parsed again, only when it may hold an alias). */
  private repeatedNodes(): readonly (readonly [number, number, string])[] {
    if (this.repeated) return this.repeated;
    const out: [number, number, string][] = [];
    if (/(?:^|[\s[{,])\*[^\s,[\]{}]/.test(this.text)) {
      const doc = parseDocument(this.text, { version: '1.1', logLevel: 'error' });
      const names = new Set<string>();
      visit(doc, { Alias: (_, alias) => void names.add(alias.source) });
      visit(doc, {
        Node: (_, node) => {
          const anchor = (node as { anchor?: string }).anchor;
          if (anchor !== undefined && names.has(anchor) && node.range)
            out.push([node.range[0], Math.max(node.range[1], node.range[0] + 1), anchor]);
        },
      });
    }
    this.repeated = out;
    return out;
  }

  private replaceNullValue(parent: YAMLMap, pair: Pair, value: NewValue): void {
    this.refuseRepeated(parent);
    if (pair.value) this.refuseRepeated(pair.value as Node);
    const keyNode = pair.key as Node;
    const v = pair.value as Node | null;
    if (!keyNode.range) throw new UneditableError('key without position');
    if (parent.flow || typeof value !== 'object') {
      const at = v?.range ? v.range[0] : keyNode.range[1];
      const end = v?.range ? v.range[1] : keyNode.range[1];
      const prefix = v?.range ? '' : this.afterColon(keyNode.range[1]);
      this.edits.push({ start: at, end, insert: prefix + flowText(value) });
      return;
    }
    // Block: `key:` or `key: null` followed by lines; write the collection below the key.
    const col = keyColumn(this.text, keyNode.range[0]);
    const start = v?.range && v.range[1] > v.range[0] ? v.range[0] : this.colonEnd(keyNode.range[1]);
    const end = v?.range && v.range[1] > v.range[0] ? v.range[1] : start;
    // Remove a trailing space before the value, then put the block on the next lines.
    let s = start;
    while (s > 0 && this.text[s - 1] === ' ') s--;
    const lines = this.blockLines(value, col + this.unit, col);
    this.edits.push({ start: s, end, insert: this.eol + lines.join(this.eol).replace(/\s+$/, '') });
  }

  /** Position right after the `:` that follows a key ending at `keyEnd`. */
  private colonEnd(keyEnd: number): number {
    const i = this.text.indexOf(':', keyEnd);
    if (i < 0) throw new UneditableError('no colon after key');
    return i + 1;
  }

  private afterColon(keyEnd: number): string {
    return this.text[this.colonEnd(keyEnd)] === ' ' ? '' : ' ';
  }

  private insertEntries(map: YAMLMap, entries: readonly (readonly [string, NewValue])[]): void {
    this.refuseRepeated(map);
    if (!map.range) throw new UneditableError('mapping without position');
    if (map.flow) {
      const close = this.text.lastIndexOf('}', map.range[1] - 1);
      if (close < map.range[0]) throw new UneditableError('flow mapping without }');
      const parts = entries.map(([k, v]) => `${keyText(k)}: ${flowText(v)}`);
      let at = close;
      while (at > map.range[0] + 1 && /[ \t\r\n]/.test(this.text[at - 1] as string)) at--;
      this.edits.push({ start: at, end: at, insert: this.flowSeparator(at, map.items.length > 0) + parts.join(', ') });
      return;
    }
    const last = map.items[map.items.length - 1];
    if (!last) throw new UneditableError('empty block mapping');
    const first = map.items[0] as Pair;
    const firstKey = first.key as Node;
    if (!firstKey?.range || !isScalar(firstKey)) throw new UneditableError('complex mapping key');
    const col = keyColumn(this.text, firstKey.range[0]);
    const at = lineStartAfter(this.text, textEnd(this.text, last));
    const lines: string[] = [];
    for (const [k, v] of entries) lines.push(...this.entryLines(k, v, col));
    const needsEol = at === this.text.length && !this.text.endsWith('\n');
    this.edits.push({
      start: at,
      end: at,
      insert: (needsEol ? this.eol : '') + lines.join(this.eol) + this.eol,
      depth: 2 * col,
    });
  }

  /**
   * Inserts entries as the first ones of a block mapping whose first key
   * starts its line (a ResourceList's `results` when the end of the document
   * cannot take new lines).
   */
  prependEntries(map: YAMLMap, entries: readonly (readonly [string, NewValue])[]): void {
    this.refuseRepeated(map);
    const firstKey = map.items[0]?.key as Node | undefined;
    if (map.flow || !firstKey?.range || !isScalar(firstKey))
      throw new UneditableError('not a block mapping with a plain first key');
    const start = firstKey.range[0];
    let lineStart = this.text.lastIndexOf('\n', start - 1) + 1;
    if (lineStart === 0 && this.text.startsWith('\uFEFF')) lineStart = 1; // the byte-order mark stays first
    if (!/^[ ]*$/.test(this.text.slice(lineStart, start)))
      throw new UneditableError('the first key does not start its line');
    const lines: string[] = [];
    for (const [k, v] of entries) lines.push(...this.entryLines(k, v, start - lineStart));
    this.edits.push({ start: lineStart, end: lineStart, insert: lines.join(this.eol) + this.eol });
  }

  /**
   * What goes before new items inserted at `at` in a flow collection: nothing in
   * an empty one, else a comma (a space after a trailing comma). An earlier
   * insertion at the same place counts as an item.
   */
  private flowSeparator(at: number, hasItems: boolean): string {
    if (this.edits.some((e) => e.start === at && e.end === at)) return ', ';
    if (!hasItems) return '';
    return this.text[at - 1] === ',' ? ' ' : ', ';
  }

  private insertSeqItems(seq: YAMLSeq, items: readonly NewValue[]): void {
    this.refuseRepeated(seq);
    if (!seq.range) throw new UneditableError('sequence without position');
    if (seq.flow) {
      const close = this.text.lastIndexOf(']', seq.range[1] - 1);
      if (close < seq.range[0]) throw new UneditableError('flow sequence without ]');
      let at = close;
      while (at > seq.range[0] + 1 && /[ \t\r\n]/.test(this.text[at - 1] as string)) at--;
      this.edits.push({
        start: at,
        end: at,
        insert: this.flowSeparator(at, seq.items.length > 0) + items.map(flowText).join(', '),
      });
      return;
    }
    const last = seq.items[seq.items.length - 1] as Node | undefined;
    if (!last?.range) throw new UneditableError('empty block sequence');
    const col = column(this.text, seq.range[0]);
    const at = lineStartAfter(this.text, textEnd(this.text, last));
    const lines: string[] = [];
    for (const item of items) lines.push(...this.seqItemLines(item, col));
    const needsEol = at === this.text.length && !this.text.endsWith('\n');
    this.edits.push({
      start: at,
      end: at,
      insert: (needsEol ? this.eol : '') + lines.join(this.eol) + this.eol,
      depth: 2 * col + 1,
    });
  }

  /** Lines of `key: value` at column `col` (block style below it for collections). */
  private entryLines(key: string, value: NewValue, col: number): string[] {
    const pad = ' '.repeat(col);
    if (typeof value !== 'object' || isEmptyCollection(value)) return [`${pad}${keyText(key)}: ${flowText(value)}`];
    return [`${pad}${keyText(key)}:`, ...this.blockLines(value, col + this.unit, col)];
  }

  /** The block lines of a collection value whose key sits at `keyCol`. */
  private blockLines(value: NewValue, mapCol: number, keyCol: number): string[] {
    if (Array.isArray(value)) {
      const itemCol = this.indentSeq ? keyCol + this.unit : keyCol;
      return value.flatMap((item) => this.seqItemLines(item, itemCol));
    }
    if (typeof value === 'object') {
      return Object.entries(value).flatMap(([k, v]) => this.entryLines(k, v, mapCol));
    }
    return [' '.repeat(mapCol) + flowText(value)];
  }

  /** Lines of one `- item` whose dash sits at column `col`. */
  private seqItemLines(item: NewValue, col: number): string[] {
    const pad = ' '.repeat(col);
    if (typeof item !== 'object' || isEmptyCollection(item) || Array.isArray(item))
      return [`${pad}- ${flowText(item)}`];
    const lines = Object.entries(item).flatMap(([k, v]) => this.entryLines(k, v, col + 2));
    if (lines[0] !== undefined) lines[0] = `${pad}- ${lines[0].slice(col + 2)}`;
    return lines;
  }
}

/** `entries` as a mapping, wrapped in one mapping per key of `path` (outermost first). */
function nested(path: readonly string[], entries: readonly (readonly [string, NewValue])[]): NewValue {
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
function textEnd(text: string, last: Pair | Node): number {
  let node: unknown = last;
  for (;;) {
    if (isPair(node)) {
      const v = node.value as Node | null;
      if (v?.range && !(isScalar(v) && v.range[0] === v.range[1] && v.value === null)) {
        node = v;
        continue;
      }
      // An empty value: the line of its key (or of its comment) ends the entry.
      const k = node.key as Node | null;
      if (v?.range) return v.range[1];
      if (k?.range) return k.range[1];
      throw new UneditableError('entry without position');
    }
    if ((isMap(node) || isSeq(node)) && !node.flow) {
      const items = node.items as unknown[];
      if (items.length === 0) break;
      node = items[items.length - 1];
      continue;
    }
    break;
  }
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

/** Offset of the start of the line after offset `end` (or `end` when it already is one). */
function lineStartAfter(text: string, end: number): number {
  if (end > 0 && text[end - 1] === '\n') return end;
  const nl = text.indexOf('\n', end);
  return nl < 0 ? text.length : nl + 1;
}

/**
 * Column of the entry whose key starts at `offset`, counting its properties
 * and indicator: in `&a key: v`, `!!str key: v` or `? key` the entry starts
 * where the anchor, the tag or the `?` does.
 */
function keyColumn(text: string, offset: number): number {
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

function isEmptyCollection(v: NewValue): boolean {
  return typeof v === 'object' && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
}

/** A key, plain when that is unambiguous, else double-quoted. */
export function keyText(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(key) && !RESERVED.has(key.toLowerCase()) ? key : JSON.stringify(key);
}

const RESERVED = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~']);

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
function isSafePlain(text: string): boolean {
  if (!/^[A-Za-z0-9_./=:@+-][A-Za-z0-9_./=:@+ -]*$/.test(text) || text.endsWith(' ')) return false;
  if (/: |:$| #/.test(text) || /^[-?:](?: |$)/.test(text)) return false;
  const doc = parseDocument(`x: ${text}\n`, { version: '1.1' });
  return doc.errors.length === 0 && doc.get('x') === text;
}

/** A value in flow style. */
export function flowText(value: NewValue): string {
  if (Array.isArray(value)) return `[${value.map(flowText).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${keyText(k)}: ${flowText(v)}`)
      .join(', ')}}`;
  }
  return scalarText(value);
}

/** Indent unit and sequence style of a document, read from its first nested block collections. */
function detectStyle(text: string): { unit: number; indentSeq: boolean } {
  let unit = 0;
  let indentSeq: boolean | undefined;
  const lines = text.split('\n', 400);
  for (let i = 0; i + 1 < lines.length; i++) {
    const line = lines[i] as string;
    const m = /^( *)(- +)?[^\s#-][^:#]*:\s*(#.*)?\r?$/.exec(line);
    if (!m) continue;
    const col = (m[1] as string).length + (m[2]?.length ?? 0);
    const next = lines[i + 1] as string;
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
