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
import {
  UneditableError,
  applyEdits,
  column,
  detectStyle,
  findPair,
  flowText,
  followsComment,
  isEmptyCollection,
  lastNode,
  keyColumn,
  keyText,
  lineStartAfter,
  nested,
  styledScalar,
  textEnd,
} from './yamltext.ts';

export { UneditableError };

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

/**
 * Collects the text edits of one document. `text` is the document's source
 * (the offsets of the parsed nodes point into it).
 */
export class DocumentEditor {
  readonly edits: TextEdit[] = [];
  private readonly eol: string;
  private readonly unit: number;
  private readonly indentSeq: boolean;
  /** The document is JSON: what is written must stay JSON (quoted keys), `compact` on one line. */
  private readonly json: boolean;
  private readonly compact: boolean;
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
    this.json = isJsonText(text);
    this.compact = this.json && !/[:,][ \t\r\n]/.test(text);
  }

  /** A value in flow style, as this document writes it (JSON in a JSON document). */
  private flow(value: NewValue): string {
    return flowText(value, this.json, this.compact);
  }

  /** `key: value` entries in flow style, joined as this document joins them. */
  private flowEntries(entries: readonly (readonly [string, NewValue])[]): string[] {
    const colon = this.compact ? ':' : ': ';
    return entries.map(([k, v]) => `${this.json ? JSON.stringify(k) : keyText(k)}${colon}${this.flow(v)}`);
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
    let insert = this.json && typeof value === 'string' ? JSON.stringify(value) : styledScalar(value, node.type);
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

  /**
   * Appends `items` to the sequence at `key` of `map`, creating it when
   * missing; items for which `drop` is true are removed first (each must be a
   * block sequence item that starts its line).
   */
  appendItems(map: YAMLMap, key: string, items: readonly NewValue[], drop?: (item: unknown) => boolean): void {
    const pair = findPair(map, key);
    const v = pair?.value as Node | null | undefined;
    if (!pair || v === null || v === undefined || (isScalar(v) && v.value === null)) {
      if (items.length === 0) return;
      if (pair) this.replaceNullValue(map, pair, [...items]);
      else this.insertEntries(map, [[key, [...items]]]);
      return;
    }
    if (!isSeq(v)) throw new UneditableError(`${key} is not a sequence`);
    const dropped = drop ? v.items.filter((i) => drop(plainOf(i as Node))) : [];
    if (dropped.length === 0) {
      if (items.length > 0) this.insertSeqItems(v, items);
      return;
    }
    this.refuseRepeated(v);
    if (v.flow) {
      // A flow sequence is written again: the kept items as they were, then the new ones.
      const [open, close] = v.range ?? [0, 0];
      if (this.text[open] !== '[' || this.text[close - 1] !== ']') throw new UneditableError(`${key} without brackets`);
      const kept = v.items.filter((i) => !dropped.includes(i)) as Node[];
      const parts = kept.map((i) => {
        if (!i.range) throw new UneditableError('item without position');
        return this.text.slice(i.range[0], i.range[1]);
      });
      parts.push(...items.map((i) => this.flow(i)));
      this.edits.push({ start: open, end: close, insert: `[${parts.join(this.compact ? ',' : ', ')}]` });
      return;
    }
    const all = v.items as Node[];
    const starts = all.map((i) => this.itemLineStart(i));
    const end = lineStartAfter(this.text, textEnd(this.text, all[all.length - 1] as Node));
    all.forEach((item, i) => {
      if (dropped.includes(item))
        this.edits.push({ start: starts[i] as number, end: starts[i + 1] ?? end, insert: '' });
    });
    if (items.length > 0) this.insertSeqItems(v, items);
    else if (dropped.length === all.length) {
      // Nothing left: an empty list, on the key's line.
      const keyNode = pair.key as Node;
      if (!keyNode.range) throw new UneditableError('key without position');
      const colon = this.colonEnd(keyNode.range[1]);
      this.edits.push({ start: colon, end: colon, insert: ' []' });
    }
  }

  /** Start of the line of a block sequence item, whose `- ` must start that line. */
  private itemLineStart(item: Node): number {
    if (!item.range) throw new UneditableError('item without position');
    let dash = item.range[0] - 1;
    while (dash >= 0 && (this.text[dash] === ' ' || this.text[dash] === '\t')) dash--;
    if (this.text[dash] !== '-') throw new UneditableError('sequence item not on its own line');
    const lineStart = this.text.lastIndexOf('\n', dash - 1) + 1;
    if (!/^ *$/.test(this.text.slice(lineStart, dash))) throw new UneditableError('sequence item not on its own line');
    return lineStart;
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
    const hasText = v?.range ? v.range[1] > v.range[0] : false;
    if (parent.flow || typeof value !== 'object') {
      if (hasText && v?.range) {
        this.edits.push({ start: v.range[0], end: v.range[1], insert: this.flow(value) });
        return;
      }
      // No value: after the `:` (a space when none follows it), or `: value` after a key without one (`{a, b}`).
      let i = keyNode.range[1];
      while (this.text[i] === ' ' || this.text[i] === '\t') i++;
      if (this.text[i] === ':') {
        const at = i + 1;
        const space = /[ \t\r\n]/.test(this.text[at] ?? '') ? '' : ' ';
        this.edits.push({ start: at, end: at, insert: space + this.flow(value) });
      } else {
        if (!parent.flow) throw new UneditableError('key without a colon');
        const at = keyNode.range[1];
        this.edits.push({ start: at, end: at, insert: `${this.compact ? ':' : ': '}${this.flow(value)}` });
      }
      return;
    }
    // Block: `key:` or `key: null`, perhaps with a comment: the collection goes on the next lines,
    // the key's line keeps its comment and spacing (only the `null` goes).
    const col = keyColumn(this.text, keyNode.range[0]);
    const colon = this.colonEnd(keyNode.range[1]);
    const valueEnd = hasText && v?.range ? v.range[1] : colon;
    let lineEnd = this.text.indexOf('\n', valueEnd);
    if (lineEnd < 0) lineEnd = this.text.length;
    if (this.text[lineEnd - 1] === '\r') lineEnd--;
    if (!/^[ \t]*(?:#.*)?$/.test(this.text.slice(valueEnd, lineEnd)))
      throw new UneditableError('more text after an empty value');
    if (hasText) this.edits.push({ start: colon, end: valueEnd, insert: '' });
    const lines = this.blockLines(value, col + this.unit, col);
    this.edits.push({ start: lineEnd, end: lineEnd, insert: this.eol + lines.join(this.eol).replace(/\s+$/, '') });
  }

  /** Position right after the `:` that follows a key ending at `keyEnd`. */
  private colonEnd(keyEnd: number): number {
    const i = this.text.indexOf(':', keyEnd);
    if (i < 0) throw new UneditableError('no colon after key');
    return i + 1;
  }

  private insertEntries(map: YAMLMap, entries: readonly (readonly [string, NewValue])[]): void {
    this.refuseRepeated(map);
    if (!map.range) throw new UneditableError('mapping without position');
    if (map.flow) {
      this.insertFlow(map, this.flowEntries(entries));
      return;
    }
    const last = map.items[map.items.length - 1];
    if (!last) throw new UneditableError('empty block mapping');
    const first = map.items[0] as Pair;
    const firstKey = first.key as Node;
    if (!firstKey?.range || !isScalar(firstKey)) throw new UneditableError('complex mapping key');
    const col = keyColumn(this.text, firstKey.range[0]);
    let at = lineStartAfter(this.text, textEnd(this.text, last));
    const tail = lastNode(last);
    if (tail && followsComment(this.text, tail)) {
      // A line after a plain scalar that follows a comment line would continue it
      // (for the yaml library): the new entries go before the last one instead.
      const lastKey = last.key as Node | null;
      if (!lastKey?.range) throw new UneditableError('complex mapping key');
      const lineStart = this.text.lastIndexOf('\n', lastKey.range[0] - 1) + 1;
      if (keyColumn(this.text, lastKey.range[0]) !== col || !/^ *$/.test(this.text.slice(lineStart, lineStart + col)))
        throw new UneditableError('the last entry does not start its line');
      at = lineStart;
    }
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
   * Inserts `parts` (written entries or items) into a flow collection, right
   * after its last item (before a trailing comma and any comment), or after
   * the opening bracket of an empty one. When the last item starts its own
   * line and the closing bracket is on a later line, the parts go on new lines
   * with the same indentation (comments stay on their lines).
   */
  private insertFlow(coll: YAMLMap | YAMLSeq, parts: readonly string[]): void {
    if (!coll.range) throw new UneditableError('flow collection without position');
    const open = coll.range[0];
    const end0 = coll.range[1];
    if (this.text[open] !== '{' && this.text[open] !== '[')
      throw new UneditableError('flow collection without bracket');
    const comma = this.compact ? ',' : ', ';
    const last = coll.items[coll.items.length - 1] as Pair | Node | undefined;
    if (!last) {
      const again = this.edits.some((e) => e.start === open + 1 && e.end === open + 1);
      this.edits.push({ start: open + 1, end: open + 1, insert: (again ? comma : '') + parts.join(comma), depth: -1 });
      return;
    }
    const [start, end] = flowItemRange(last);
    const lineStart = this.text.lastIndexOf('\n', start - 1) + 1;
    let lineEnd = this.text.indexOf('\n', end);
    const close = end0 - 1;
    if (lineEnd >= 0 && lineEnd < close && /^[ \t]*$/.test(this.text.slice(lineStart, start))) {
      const cr = this.text[lineEnd - 1] === '\r' ? 1 : 0;
      const rest = this.text.slice(end, lineEnd - cr);
      if (/^[ \t]*,?[ \t]*(?:#.*)?$/.test(rest)) {
        const indent = this.text.slice(lineStart, start);
        const trailing = /^[ \t]*,/.test(rest);
        if (!trailing) this.edits.push({ start: end, end, insert: ',' });
        lineEnd++;
        const lines = parts.map((p, i) => indent + p + (i < parts.length - 1 || trailing ? ',' : ''));
        const insert = lines.join(this.eol) + this.eol;
        // A second insertion at the same place continues the first one's lines.
        const i = this.edits.findIndex((e) => e.start === lineEnd && e.end === lineEnd && e.depth === -2);
        const prev = this.edits[i];
        if (prev)
          this.edits[i] = {
            ...prev,
            insert: trailing ? prev.insert + insert : `${prev.insert.slice(0, -this.eol.length)},${this.eol}${insert}`,
          };
        else this.edits.push({ start: lineEnd, end: lineEnd, insert, depth: -2 });
        return;
      }
    }
    // After a trailing comma when there is one (`{x: 1,}`), else after the item.
    const after = /^[ \t]*,/.exec(this.text.slice(end, end + 64));
    const at = after ? end + after[0].length : end;
    const again = this.edits.some((e) => e.start === at && e.end === at);
    const sep = after && !again ? (this.compact ? '' : ' ') : comma;
    this.edits.push({ start: at, end: at, insert: sep + parts.join(comma), depth: -1 });
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

  private insertSeqItems(seq: YAMLSeq, items: readonly NewValue[]): void {
    this.refuseRepeated(seq);
    if (!seq.range) throw new UneditableError('sequence without position');
    if (seq.flow) {
      this.insertFlow(
        seq,
        items.map((i) => this.flow(i)),
      );
      return;
    }
    const last = seq.items[seq.items.length - 1] as Node | undefined;
    if (!last?.range) throw new UneditableError('empty block sequence');
    const tail = lastNode(last);
    if (tail && followsComment(this.text, tail))
      throw new UneditableError('the last item is a plain scalar after a comment line');
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
    if (typeof value !== 'object' || isEmptyCollection(value)) return [`${pad}${keyText(key)}: ${this.flow(value)}`];
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
    return [' '.repeat(mapCol) + this.flow(value)];
  }

  /** Lines of one `- item` whose dash sits at column `col`. */
  private seqItemLines(item: NewValue, col: number): string[] {
    const pad = ' '.repeat(col);
    if (typeof item !== 'object' || isEmptyCollection(item) || Array.isArray(item))
      return [`${pad}- ${this.flow(item)}`];
    const lines = Object.entries(item).flatMap(([k, v]) => this.entryLines(k, v, col + 2));
    if (lines[0] !== undefined) lines[0] = `${pad}- ${lines[0].slice(col + 2)}`;
    return lines;
  }
}

/** Where a flow collection's item is written: from its key (or itself) to the end of its value. */
function flowItemRange(item: Pair | Node): [number, number] {
  if (isPair(item)) {
    const k = item.key as Node | null;
    const v = item.value as Node | null;
    if (!k?.range) throw new UneditableError('flow entry without position');
    const end = v?.range && v.range[1] > v.range[0] ? v.range[1] : k.range[1];
    return [k.range[0], end];
  }
  if (!item.range) throw new UneditableError('flow item without position');
  return [item.range[0], item.range[1]];
}

/** True when `text` is one JSON object or array (a `.json` manifest): edits must keep it JSON. */
export function isJsonText(text: string): boolean {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/** A node's plain value, or undefined when it needs its document to resolve (an alias). */
function plainOf(node: Node): unknown {
  try {
    return node.toJSON();
  } catch {
    return undefined;
  }
}
