/**
 * The read-back check: an edited document's text must read back, with the
 * yaml library (never the fast reader that planned the edit, so a fault of
 * one cannot hide a fault of the other), to the value planning intended.
 *
 * Reading a whole document back costs as much as reading it in the first
 * place, and most edits touch a few lines (a Pod template's annotations). So
 * where it can, the check reads back only the *regions* the edits are in: for
 * each change, the innermost block mapping that holds it (below the
 * document's top level), cut out of the edited text as whole lines. A region
 * that reads on its own, as one block mapping at its original column, with
 * no line of it less indented than that column, and followed in the document
 * by a line less indented still (or by nothing; blank lines between only when
 * no `+` could make a block scalar keep them), reads the same inside the
 * document: YAML ends a block mapping only at a less indented line, and what
 * comes before it (unchanged text) cannot see into it. test/readback.test.ts
 * holds this to the whole document's reading, by the yaml library and by
 * Kubernetes' reader, over random edits. Text outside every
 * region is unchanged and no change reaches outside its region, so the
 * document reads as intended when each region does. When the edits only add
 * entries at a region's end, only the added lines are read (readAdded): the
 * region's other lines are unchanged, and the added lines cannot reach into
 * them. Anything else (a region
 * that does not read, a flow or JSON document, a document the fast reader did
 * not read, edits outside the regions, a value that differs) is decided by
 * reading the whole document back, which gives the verdict and its wording.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, visit, type Document, type Node, type YAMLMap } from 'yaml';
import { editValue, writtenPath, type Change } from './changes.ts';
import { readYamlWithLibrary } from './documents.ts';
import { noteBail } from './fastyaml.ts';
import { isJsonText, type TextEdit } from './edit.ts';
import type { ReadDoc } from './input.ts';
import { isObject, MAX_ALIAS_COUNT } from './values.ts';
import { applyEdits } from './yamltext.ts';

type Path = readonly (string | number)[];

/** A block mapping of the original document that edits are checked in, and where its lines are. */
export interface Region {
  readonly node: YAMLMap;
  /** Path from the document's top-level node. */
  readonly path: Path;
  /** Offset of the start of the line the mapping starts on. */
  readonly lineStart: number;
  /** Offset just past the mapping's last line (its line break included). */
  readonly end: number;
  /** Column of the mapping's keys. */
  readonly column: number;
  /** Blank lines follow it in the document. */
  readonly blanksAfter: boolean;
}

/**
 * Checks that `text`, the document `d` with `edits` made for the `applied`
 * changes, reads back to the intended value: `expected` when planning
 * computed it (the document's one object), else the document's value with
 * the changes applied. Returns why it does not, else undefined.
 */
export function readBack(
  d: ReadDoc,
  text: string,
  edits: readonly TextEdit[],
  applied: readonly Change[],
  expected: unknown,
): string | undefined {
  const why = d.parsed.fast === true ? notInRegions(d, edits, applied, expected) : 'not read by the fast reader';
  if (why === undefined) return undefined;
  noteBail(`read back whole: ${why}`, text.length);
  return readBackWhole(d, text, applied, expected);
}

/** Undefined when every edit is in a region and each region reads back as intended, else why the whole must decide. */
function notInRegions(
  d: ReadDoc,
  edits: readonly TextEdit[],
  applied: readonly Change[],
  expected: unknown,
): string | undefined {
  const doc = d.parsed.doc;
  const text = d.segment.text;
  if (applied.length === 0) return 'no change';
  const regions: Region[] = [];
  for (const c of applied) {
    const region = regionOf(doc, text, [...c.obj.path, ...writtenPath(c)]);
    if (!region) return 'no block mapping to check in';
    regions.push(region);
  }
  // Regions are nodes of one tree: two that overlap nest, and the outer one checks both.
  const order = regions
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = regions[a] as Region;
      const rb = regions[b] as Region;
      return ra.lineStart - rb.lineStart || rb.end - ra.end;
    });
  const merged: { region: Region; changes: Change[] }[] = [];
  for (const i of order) {
    const r = regions[i] as Region;
    const last = merged[merged.length - 1];
    if (last && r.lineStart < last.region.end) {
      if (r.end > last.region.end) return 'regions overlap'; // cannot happen for nodes of one tree
      last.changes.push(applied[i] as Change);
    } else merged.push({ region: r, changes: [applied[i] as Change] });
  }
  const inRegion = merged.map(() => [] as TextEdit[]);
  for (const e of edits) {
    const k = merged.findIndex(({ region: r }) => contains(r, e));
    if (k < 0) return 'an edit outside the regions';
    (inRegion[k] as TextEdit[]).push(e);
  }
  for (let k = 0; k < merged.length; k++) {
    const { region, changes } = merged[k] as { region: Region; changes: Change[] };
    const intended = expected !== undefined ? valueAt(expected, region.path) : intendedIn(doc, region, changes);
    const added = readAdded(text, region, inRegion[k] as TextEdit[]);
    if (added && addsAsIntended(doc, region, added, intended)) continue;
    const read = readRegion(text, region, inRegion[k] as TextEdit[]);
    if (!read) return 'a region does not read on its own';
    const same =
      sameValue(read.contents, intended) ?? isDeepStrictEqual(intended, read.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
    if (!same) return 'a region reads differently';
  }
  return undefined;
}

/**
 * True when the edit lies within the region's mapping; lines inserted right
 * after its last line count as in it (readRegion sees them, and refuses the
 * region when they do not end with a line break or are less indented).
 */
function contains(r: Region, e: TextEdit): boolean {
  return e.start >= (r.node.range?.[0] ?? Infinity) && e.end <= r.end;
}

/**
 * The innermost block mapping on `path` (below the top-level node, as far
 * as the path exists) that can be read back on its own: it starts a line
 * (after spaces and `- ` sequence indicators), ends with a line break, and
 * the next line of the document that is not blank (comments included) is
 * less indented than its keys. Undefined when there is none.
 */
export function regionOf(doc: Document, text: string, path: Path): Region | undefined {
  const chain: { node: Node; path: Path }[] = [];
  let node = doc.contents;
  for (let i = 0; i < path.length && node; i++) {
    const part = path[i] as string | number;
    const next: unknown =
      typeof part === 'number'
        ? isSeq(node)
          ? node.items[part]
          : undefined
        : isMap(node)
          ? node.get(part, true)
          : undefined;
    if (!next || typeof next !== 'object') break;
    node = next as Node;
    chain.push({ node, path: path.slice(0, i + 1) });
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const { node: n, path: p } = chain[i] as { node: Node; path: Path };
    if (!isMap(n) || n.flow || !n.range) continue;
    const [start, end] = n.range;
    if (end <= start || text.charCodeAt(end - 1) !== 10) continue;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    if (!/^ *(?:- +)*$/.test(text.slice(lineStart, start))) continue;
    const column = start - lineStart;
    if (column === 0) continue;
    const after = following(text, end, column);
    if (!after.less) continue;
    return { node: n, path: p, lineStart, end, column, blanksAfter: after.blanks };
  }
  return undefined;
}

/**
 * What follows a mapping that ends at `at`: `less` when the first line that
 * is not blank (a comment too: it may be text of a block scalar) is indented
 * less than `column`, or there is none; `blanks` when blank lines come first
 * (a block scalar that keeps its trailing line breaks, `|+`, takes them in).
 */
function following(text: string, at: number, column: number): { less: boolean; blanks: boolean } {
  let blanks = false;
  for (let i = at; i < text.length;) {
    let j = i;
    while (text.charCodeAt(j) === 32) j++;
    const c = text.charCodeAt(j);
    if (c !== 10 && c !== 13) return { less: Number.isNaN(c) || j - i < column, blanks };
    blanks = true;
    const nl = text.indexOf('\n', j);
    if (nl < 0) break;
    i = nl + 1;
  }
  return { less: true, blanks };
}

/**
 * The region's lines with its `edits` made, as they are read on their own
 * (the sequence indicators before the mapping made spaces), or undefined
 * when they do not end with a line break or a line is less indented than the
 * region's keys (blank lines aside).
 */
export function regionText(text: string, region: Region, edits: readonly TextEdit[]): string | undefined {
  const { lineStart, end, column } = region;
  const shifted = edits.map((e) => ({ ...e, start: e.start - lineStart, end: e.end - lineStart }));
  const edited = applyEdits(text.slice(lineStart, end), shifted);
  if (!edited.endsWith('\n')) return undefined;
  // A block scalar that keeps its final line breaks (`|+`) would take in the blank lines after it.
  if (region.blanksAfter && edited.includes('+')) return undefined;
  // An explicit key (`? `): the yaml library reads some of them differently in place (edits write none).
  if (/(?:^|\s)\?(?:\s|$)/.test(edited)) return undefined;
  const lines = ' '.repeat(column) + edited.slice(column);
  // Every line at least as indented as the keys: then the document's next, less indented line ends the mapping.
  for (let i = lines.indexOf('\n'); i >= 0 && i < lines.length - 1; i = lines.indexOf('\n', i + 1)) {
    let j = i + 1;
    while (lines.charCodeAt(j) === 32) j++;
    const c = lines.charCodeAt(j);
    if (j - (i + 1) < column && c !== 10 && c !== 13) return undefined;
  }
  return lines;
}

/** regionText read by the yaml library, when it reads as one block mapping at the region's column (else undefined). */
export function readRegion(text: string, region: Region, edits: readonly TextEdit[]): Document.Parsed | undefined {
  const lines = regionText(text, region, edits);
  return lines === undefined ? undefined : readLines(lines, region.column);
}

/**
 * The lines the edits add at the end of a region, read by the yaml library
 * on their own, when every edit only adds whole lines there and the region
 * with them passes regionText; undefined otherwise.
 *
 * Most edits add entries to a mapping (a Pod template's annotations), and the
 * lines added are shorter than the mapping's own. They read, inside the
 * region, as the region's original entries and then their own: they start at
 * the region's column with a key (they read as a block mapping at that column),
 * and a line there that is not a `- ` item ends whatever more indented value
 * the last original entry has (a block or multi-line plain scalar, a nested
 * collection, a block sequence at the column), while a flow collection or a
 * quoted scalar of it ends within its own range, before them; `?` and a `+`
 * that blank lines could reach are refused by regionText. So when the added
 * lines read on their own as entries with keys the region does not have, the
 * region reads as its original value (as the fast reader read it: the check
 * is of the edit, not of the reader, which the differential tests hold to the
 * library) with those entries added. test/readback.test.ts holds this to the
 * whole edited document's reading over random additions.
 */
export function readAdded(text: string, region: Region, edits: readonly TextEdit[]): Document.Parsed | undefined {
  if (edits.length === 0) return undefined;
  for (const e of edits) if (e.start !== region.end || e.end !== region.end) return undefined;
  const lines = regionText(text, region, edits);
  if (lines === undefined) return undefined;
  const added = readLines(lines.slice(region.end - region.lineStart), region.column);
  if (!added) return undefined;
  const own = new Set<unknown>();
  for (const pair of region.node.items) {
    if (!isScalar(pair.key) || typeof pair.key.value !== 'string') return undefined;
    own.add(pair.key.value);
  }
  const items = (added.contents as YAMLMap).items;
  for (const pair of items) {
    if (!isScalar(pair.key) || typeof pair.key.value !== 'string' || own.has(pair.key.value)) return undefined;
    own.add(pair.key.value);
  }
  return added;
}

/**
 * Whether the region, read as its original value with the `added` entries
 * (readAdded), has the value `intended`: the original entries unchanged, the
 * added ones as intended, nothing else.
 */
function addsAsIntended(doc: Document, region: Region, added: Document.Parsed, intended: unknown): boolean {
  if (!isObject(intended)) return false;
  const original = region.node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  if (!isObject(original)) return false;
  const rest: Record<string, unknown> = { ...intended };
  for (const key of Object.keys(original)) {
    if (!Object.prototype.hasOwnProperty.call(rest, key) || !isDeepStrictEqual(rest[key], original[key])) return false;
    delete rest[key];
  }
  return (
    sameValue(added.contents, rest) ??
    isDeepStrictEqual(rest, added.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown)
  );
}

/** `lines` read by the yaml library, when they read as one block mapping at `column` (else undefined). */
function readLines(lines: string, column: number): Document.Parsed | undefined {
  const again = readYamlWithLibrary(lines);
  if (again.errors.length > 0) return undefined;
  const top = again.contents;
  if (!isMap(top) || top.flow || top.range?.[0] !== column) return undefined;
  // An alias or a merge key (edits write neither; the fast reader read neither) would reach outside the region.
  let outside = false;
  if (lines.includes('*') || lines.includes('<<'))
    visit(again, {
      Alias() {
        outside = true;
        return visit.BREAK;
      },
      Pair(_key, pair) {
        // The yaml library reads a merge key as `<<` or as a symbol (yamltext.ts findPair refuses both).
        if (isScalar(pair.key) && (pair.key.value === '<<' || typeof pair.key.value === 'symbol')) {
          outside = true;
          return visit.BREAK;
        }
        return undefined;
      },
    });
  return outside ? undefined : again;
}

/** The value at `path` of a plain value. */
function valueAt(value: unknown, path: Path): unknown {
  let cur = value;
  for (const p of path)
    cur = isObject(cur) || Array.isArray(cur) ? (cur as Record<string | number, unknown>)[p] : undefined;
  return cur;
}

/** The region's value with `changes` (all within it) applied, built from the region alone. */
function intendedIn(doc: Document, region: Region, changes: readonly Change[]): unknown {
  // A stand-in document holding only the region's value at its path: editValue reaches it by the same path.
  const root: Record<string | number, unknown> = {};
  let cur = root;
  region.path.forEach((p, i) => {
    if (i === region.path.length - 1) cur[p] = region.node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    else cur = cur[p] = {};
  });
  for (const c of changes) editValue(root, c);
  return valueAt(root, region.path);
}

/** The check on the whole document: the verdict when the regions cannot give it. */
function readBackWhole(d: ReadDoc, text: string, applied: readonly Change[], expected: unknown): string | undefined {
  const again = readYamlWithLibrary(text);
  const error = again.errors[0];
  if (error) return `the edited document would not read back (${error.message.split('\n')[0]})`;
  let intended = expected;
  if (intended === undefined) {
    intended = d.parsed.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    for (const c of applied) intended = editValue(intended, c);
  }
  // Compared node by node (no plain copy is built); what the walk does not know is compared as toJS() gives it.
  let same: boolean;
  try {
    same =
      sameValue(again.contents, intended) ??
      isDeepStrictEqual(intended, again.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
  } catch (e) {
    // toJS() throws on what parses but has no value: a merge of a scalar, an alias with no anchor, too many aliases.
    return `the edited document would not read back (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
  if (!same) return 'the edited document would not read back as intended';
  if (isJsonText(d.segment.text) && !isJsonText(text)) return 'the edited document would not be JSON any more';
  return undefined;
}

/**
 * Whether the parsed `node` has the plain value `plain` (as toJS() would
 * give it), without building that value; undefined when the node holds what
 * only toJS() resolves (aliases, merge keys, keys that are not plain strings).
 */
function sameValue(node: unknown, plain: unknown): boolean | undefined {
  if (node === null || node === undefined) return plain === null;
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'object' && v !== null) return undefined; // a timestamp or binary: as toJS() makes it
    return v === plain || (v === undefined && plain === null) || (Number.isNaN(v) && Number.isNaN(plain));
  }
  if (isSeq(node)) {
    if (!Array.isArray(plain) || plain.length !== node.items.length) return false;
    for (let i = 0; i < plain.length; i++) {
      const r = sameValue(node.items[i], plain[i]);
      if (r !== true) return r;
    }
    return true;
  }
  if (isMap(node)) {
    if (!isObject(plain) || Array.isArray(plain)) return false;
    let n = 0;
    for (const pair of node.items) {
      const k = pair.key;
      if (!isScalar(k) || typeof k.value !== 'string' || k.value === '<<') return undefined;
      if (!Object.prototype.hasOwnProperty.call(plain, k.value)) return false;
      const r = sameValue(pair.value, plain[k.value]);
      if (r !== true) return r;
      n++;
    }
    return n === Object.keys(plain).length ? true : undefined; // fewer keys: duplicates, as toJS() resolves them
  }
  return undefined;
}
