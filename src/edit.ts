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
import { isMap, isScalar, isSeq, parseDocument, visit, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import {
  UneditableError,
  applyEdits,
  column,
  detectStyle,
  findPair,
  flowText,
  isEmptyCollection,
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
