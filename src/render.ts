/**
 * Rendering: the planned changes written as text edits into the documents
 * they belong to, each edited document read back and compared with the value
 * planning intended (unless told not to), the files joined into one stream,
 * and for a KRM call the results appended to the ResourceList.
 */
import { isDeepStrictEqual } from 'node:util';
import { isSeq, type YAMLMap } from 'yaml';
import type { PlannedValues } from './audit.ts';
import { editText, type Change, type PlannedChange } from './changes.ts';
import { DocumentEditor, UneditableError } from './edit.ts';
import { InputError } from './errors.ts';
import type { Input, ReadDoc } from './input.ts';
import { positionOf, releaseTree } from './documents.ts';
import { readBack } from './readback.ts';
import { strictly, toKrm, type ResourceRef, type Result } from './results.ts';
import { isObject, MAX_ALIAS_COUNT } from './values.ts';
import type { KObject } from './workload.ts';

/** What to render. */
export interface RenderInput {
  readonly changes: readonly PlannedChange[];
  /** Results that go before the changes' own (conflicts found while planning). */
  readonly conflicts?: readonly Result[];
  /** Findings and notes, after the changes' results. */
  readonly findings: readonly Result[];
  /** Each changed object's value after its planned changes (spares recomputing it for verification). */
  readonly planned?: PlannedValues;
}

export interface RenderOptions {
  /** Warnings become errors, in the results returned and in a ResourceList's. */
  readonly strict: boolean;
}

/** What rendering made: the output, and the workloads whose edits could not be made (with the reason). */
export interface Rendered {
  /** The output in pieces (documents and the separators between files): joined, the output. */
  readonly parts: readonly string[];
  readonly results: Result[];
  readonly changed: boolean;
  /**
   * Workloads with a change that could not be made, or whose document would
   * not read back as intended: transform.ts plans again without them.
   */
  readonly refused: ReadonlyMap<KObject, string>;
}

/** Writes the changes as text edits, verifies them, and joins the output. */
export function render(input: Input, what: RenderInput, options: RenderOptions): Rendered {
  const { docs, resourceList: rlDoc } = input;
  const byDoc = new Map<number, PlannedChange[]>();
  for (const p of what.changes) {
    const list = byDoc.get(p.change.obj.docIndex) ?? [];
    list.push(p);
    byDoc.set(p.change.obj.docIndex, list);
  }
  const results: Result[] = [...(what.conflicts ?? [])];
  const texts = docs.map((d) => d.segment.text);
  let changed = false;
  const pending: Result[] = [];
  const refused = new Map<KObject, string>();
  const changedRefs = new Set<ResourceRef>();
  const refuse = (p: PlannedChange, why: string): void => {
    const owner = p.owner ?? p.change.obj;
    if (!refused.has(owner)) refused.set(owner, why);
  };
  const docIndexOfRl = rlDoc ? docs.indexOf(rlDoc) : -1;
  // The ResourceList's own editor: its item edits are made here, its results below.
  let rlEdits: { editor: DocumentEditor; applied: Change[]; list: PlannedChange[] } | undefined;
  for (const [docIndex, list] of byDoc) {
    const d = docs[docIndex] as ReadDoc;
    try {
      renderDoc(docIndex, d, list);
    } finally {
      // Edited and read back: a fast-read document's tree is let go again (see readInput).
      if (docIndex !== docIndexOfRl) releaseTree(d.parsed);
    }
  }
  function renderDoc(docIndex: number, d: ReadDoc, list: readonly PlannedChange[]): void {
    const editor = new DocumentEditor(d.segment.text, { aliasFree: d.parsed.fast === true });
    const applied: Change[] = [];
    const made: PlannedChange[] = [];
    for (const p of list) {
      const mark = editor.edits.length;
      try {
        // A document read only after normalising it (documents.ts, lenient.ts): its offsets are not the text's.
        if (d.parsed.readOnly) throw new UneditableError(d.parsed.readOnly);
        editText(editor, p.change);
        applied.push(p.change);
        made.push(p);
        pending.push(...p.results);
      } catch (e) {
        if (!(e instanceof UneditableError)) throw e;
        editor.edits.length = mark;
        refuse(p, e.message);
      }
    }
    if (docIndex === docIndexOfRl) {
      rlEdits = { editor, applied, list: made };
      for (const p of made) {
        changedRefs.add(p.change.obj.subject.ref);
        if (p.owner) changedRefs.add(p.owner.subject.ref);
      }
      return; // written below, with the results
    }
    if (!editor.changed) return;
    const whole = applied.length === list.length ? wholeValue(applied, what.planned) : undefined;
    const text = editor.apply();
    const wrong = readBack(d, text, editor.edits, applied, whole);
    if (wrong !== undefined) {
      for (const p of made) refuse(p, wrong);
      return;
    }
    texts[docIndex] = text;
    changed = true;
    for (const p of made) {
      changedRefs.add(p.change.obj.subject.ref);
      if (p.owner) changedRefs.add(p.owner.subject.ref);
    }
  }
  results.unshift(...pending);
  const all = options.strict ? strictly([...results, ...what.findings]) : [...results, ...what.findings];

  if (rlDoc) {
    const d = rlDoc;
    const { editor, applied, list } = rlEdits ?? {
      editor: new DocumentEditor(d.segment.text, { aliasFree: d.parsed.fast === true }),
      applied: [],
      list: [],
    };
    const itemsChanged = editor.changed;
    if ((itemsChanged || all.length > 0) && d.parsed.readOnly) {
      throw new InputError(`cannot add results to this ResourceList: ${d.parsed.readOnly}`, positionOf(d.segment, 0));
    }
    // Results about a resource this run changed record what was done (a second run will not say it again).
    const records = new Set(all.filter((r) => r.resourceRef !== undefined && changedRefs.has(r.resourceRef)));
    const own = replaceOwnResults(d, editor, all, docIndexOfRl, records);
    if (own) applied.push(own);
    const text = editor.apply();
    if (editor.changed) {
      const wrong = readBack(d, text, editor.edits, applied, undefined);
      if (wrong !== undefined) {
        if (list.length > 0) for (const p of list) refuse(p, wrong);
        else {
          const at = positionOf(d.segment, (d.parsed.doc.contents as YAMLMap).range?.[0] ?? 0);
          throw new InputError(`cannot add results to this ResourceList: ${wrong}`, at);
        }
      }
    }
    texts[docIndexOfRl] = editor.changed ? text : d.segment.text;
    changed = itemsChanged;
  }

  return { parts: joinedParts(texts, input.firstOfFile), results: all, changed, refused };
}

/** The tag that marks a result eksfit wrote into a ResourceList, so that a later run replaces it instead of adding it again. */
export const OWN_RESULT_TAG = { source: 'eksfit' } as const;

/** True for a `results` item that eksfit wrote (tagged with OWN_RESULT_TAG). */
function isOwnResult(item: unknown): boolean {
  const tags = isObject(item) ? item.tags : undefined;
  return isObject(tags) && tags.source === OWN_RESULT_TAG.source;
}

/** The tag that marks, among eksfit's results, those about a resource it changed (a record of that run, not a finding to replace). */
export const CHANGE_RECORD_TAG = { record: 'change' } as const;

/** True for a result about a resource an earlier run changed. */
function isChangeRecord(item: unknown): boolean {
  const tags = isObject(item) ? item.tags : undefined;
  return isObject(tags) && tags.record === CHANGE_RECORD_TAG.record;
}

/** A result without the record tag, to compare a finding with an earlier run's record of the same. */
function withoutRecord(item: unknown): unknown {
  if (!isObject(item) || !isObject(item.tags)) return item;
  const { record: _record, ...tags } = item.tags;
  return { ...item, tags };
}

/**
 * True when `item`, an earlier run's record, is the same check on the same
 * resource as the new result `r`: the record stays and `r` is not added again,
 * although its wording may differ (a DaemonSet's folded finding lists the
 * metrics move only in the run that made it).
 */
function sameCheck(item: unknown, r: { readonly resourceRef?: unknown; readonly tags?: unknown }): boolean {
  if (!isObject(item) || !isObject(item.tags) || !isObject(r.tags)) return false;
  const check = item.tags.check;
  return check !== undefined && check === r.tags.check && isDeepStrictEqual(item.resourceRef, r.resourceRef);
}

/** An earlier run's result that this run replaces: its findings (a record of a change it made stays). */
function isReplaced(item: unknown): boolean {
  return isOwnResult(item) && !isChangeRecord(item);
}

/**
 * Writes `results` into the ResourceList. Findings an earlier eksfit run wrote
 * are replaced; its records of changes stay (the items still carry those
 * changes, and a second run, which changes nothing, must write the same
 * ResourceList); results of other functions are kept. New ones go at the end
 * of the list (or of the document, else first). Returns the change made
 * (undefined when there was nothing to do), for the read-back check.
 */
function replaceOwnResults(
  d: ReadDoc,
  editor: DocumentEditor,
  results: readonly Result[],
  docIndex: number,
  records: ReadonlySet<Result>,
): Change | undefined {
  const rl = d.parsed.doc.contents as YAMLMap;
  const node = rl.get('results', true);
  const current: unknown = isSeq(node) ? node.toJS(d.parsed.doc, { maxAliasCount: MAX_ALIAS_COUNT }) : undefined;
  const before = Array.isArray(current) ? (current as unknown[]) : [];
  const kept = before.filter((i) => isOwnResult(i) && !isReplaced(i));
  // Records first, then findings: a later run keeps the records where they are and writes the findings after them.
  const ordered = [...results.filter((r) => records.has(r)), ...results.filter((r) => !records.has(r))];
  const items = toKrm(ordered)
    .map((r, i) => {
      const record = records.has(ordered[i] as Result) ? CHANGE_RECORD_TAG : {};
      return { ...r, tags: { ...(r.tags as object), ...OWN_RESULT_TAG, ...record } };
    })
    .filter((r) => !kept.some((k) => isDeepStrictEqual(withoutRecord(k), withoutRecord(r)) || sameCheck(k, r)));
  if (items.length === 0 && !before.some(isReplaced)) return undefined;
  const rlObj = { docIndex, path: [], node: rl } as unknown as KObject;
  const change: Change = { op: 'append', obj: rlObj, path: [], key: 'results', items: items, drop: isReplaced };
  try {
    editText(editor, change);
  } catch (e) {
    if (!(e instanceof UneditableError)) throw e;
    // The end cannot take new lines (a block scalar that keeps its line breaks ends the text): put results first.
    try {
      if (rl.has('results')) throw e;
      editor.prependEntries(rl, [['results', items]]);
    } catch (e2) {
      if (!(e2 instanceof UneditableError)) throw e2;
      const at = positionOf(d.segment, rl.range?.[0] ?? 0);
      throw new InputError(`cannot add results to this ResourceList: ${e.message}`, at);
    }
  }
  return change;
}

/** The planned value of a document that is one object with every change applied, else undefined. */
function wholeValue(applied: readonly Change[], planned: PlannedValues | undefined): unknown {
  const obj = applied[0]?.obj;
  if (!obj || !planned || obj.path.length > 0 || applied.some((c) => c.obj !== obj)) return undefined;
  return planned.get(obj);
}

/**
 * Joins document texts into one stream. Where a new file starts, a line end
 * and a `---` are added when the texts lack them, so the files stay apart.
 */
export function joinFiles(texts: readonly string[], firstOfFile: ReadonlySet<number>): string {
  return joinedParts(texts, firstOfFile).join('');
}

/**
 * `joinFiles` in pieces: the texts, with what goes between two files as
 * pieces of its own. The output of a large stream is written piece by piece
 * (cli.ts), never made into one string.
 */
export function joinedParts(texts: readonly string[], firstOfFile: ReadonlySet<number>): string[] {
  const parts: string[] = [];
  texts.forEach((text, i) => {
    let t = text;
    if (i > 0 && firstOfFile.has(i)) {
      // A byte-order mark is allowed only at the start of a stream.
      t = t.replace(/^\uFEFF/, '');
      const last = lastLine(parts);
      if (!last.endsWith('\n')) parts.push('\n');
      if (/^(?:[ \t]*(?:#[^\n]*)?\r?\n)*%/.test(t)) {
        // A directive may only follow a document ended by `...`.
        if (!/^\.\.\.[ \t]*(?:#[^\n]*)?\r?\n$/.test(lastLine(parts))) parts.push('...\n');
      } else if (!/^---(?:[ \t]|\r?\n|$)/.test(t)) parts.push('---\n');
    }
    parts.push(t);
  });
  return parts;
}

/** The last line of the pieces joined, with its line break: what follows their last `\n` but one. */
function lastLine(parts: readonly string[]): string {
  let tail = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    tail = (parts[i] as string) + tail;
    const nl = tail.length < 2 ? -1 : tail.lastIndexOf('\n', tail.length - 2);
    if (nl >= 0) return tail.slice(nl + 1);
  }
  return tail;
}
