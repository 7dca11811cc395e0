/**
 * Rendering: the planned changes written as text edits into the documents
 * they belong to, each edited document read back and compared with the value
 * planning intended (unless told not to), the files joined into one stream,
 * and for a KRM call the results appended to the ResourceList.
 */
import { isDeepStrictEqual } from 'node:util';
import type { YAMLMap } from 'yaml';
import type { PlannedValues } from './audit.ts';
import { editText, editValue, type Change, type PlannedChange } from './changes.ts';
import { readYaml } from './documents.ts';
import { DocumentEditor, UneditableError } from './edit.ts';
import { InputError } from './errors.ts';
import type { Input, InputDoc, ReadDoc } from './input.ts';
import { positionOf } from './documents.ts';
import { result, strictly, toKrm, type Result } from './results.ts';
import { MAX_ALIAS_COUNT } from './values.ts';
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
  /** Read every edited document back and compare it with the intended value. */
  readonly verify: boolean;
  /** Warnings become errors, in the results returned and in a ResourceList's. */
  readonly strict: boolean;
}

/** Writes the changes as text edits, verifies them, and joins the output. */
export function render(
  input: Input,
  what: RenderInput,
  options: RenderOptions,
): { output: string; results: Result[]; changed: boolean } {
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
  const docIndexOfRl = rlDoc ? docs.indexOf(rlDoc) : -1;
  // The ResourceList's own editor: its item edits are made here, its results below.
  let rlEdits: { editor: DocumentEditor; applied: Change[] } | undefined;
  for (const [docIndex, list] of byDoc) {
    const d = docs[docIndex] as ReadDoc;
    const editor = new DocumentEditor(d.segment.text, { aliasFree: d.parsed.fast === true });
    const applied: Change[] = [];
    for (const p of list) {
      const mark = editor.edits.length;
      try {
        // A document read only after normalising it (documents.ts, lenient.ts): its offsets are not the text's.
        if (d.parsed.readOnly) throw new UneditableError(d.parsed.readOnly);
        editText(editor, p.change);
        applied.push(p.change);
        pending.push(...p.results);
      } catch (e) {
        if (!(e instanceof UneditableError)) throw e;
        editor.edits.length = mark;
        const message = `left unchanged: ${e.message} (eksfit edits only what it can edit without rewriting the document)`;
        results.push(result('warning', p.change.obj.subject, message));
      }
    }
    if (docIndex === docIndexOfRl) {
      rlEdits = { editor, applied };
      continue; // written below, with the results
    }
    if (!editor.changed) continue;
    const whole = applied.length === list.length ? wholeValue(applied, what.planned) : undefined;
    texts[docIndex] = verified(d, editor, applied, options.verify, whole);
    changed = true;
  }
  results.unshift(...pending);
  const all = options.strict ? strictly([...results, ...what.findings]) : [...results, ...what.findings];

  if (rlDoc) {
    const d = rlDoc;
    const { editor, applied } = rlEdits ?? {
      editor: new DocumentEditor(d.segment.text, { aliasFree: d.parsed.fast === true }),
      applied: [],
    };
    changed = editor.changed;
    if (all.length > 0) applied.push(appendResults(d, editor, all, docIndexOfRl));
    texts[docIndexOfRl] = verified(d, editor, applied, options.verify, undefined);
  }

  return { output: joinFiles(texts, input.firstOfFile), results: all, changed };
}

/** Adds `results` to the ResourceList (at its end, else first); returns the change made, for verification. */
function appendResults(d: ReadDoc, editor: DocumentEditor, results: readonly Result[], docIndex: number): Change {
  const rl = d.parsed.doc.contents as YAMLMap;
  const rlObj = { docIndex, path: [], node: rl } as unknown as KObject;
  const change: Change = { op: 'append', obj: rlObj, path: [], key: 'results', items: toKrm(results) as never[] };
  if (d.parsed.readOnly) {
    throw new InputError(`cannot add results to this ResourceList: ${d.parsed.readOnly}`, positionOf(d.segment, 0));
  }
  try {
    editText(editor, change);
  } catch (e) {
    if (!(e instanceof UneditableError)) throw e;
    // The end cannot take new lines (a block scalar that keeps its line breaks ends the text): put results first.
    try {
      if (rl.has('results')) throw e;
      editor.prependEntries(rl, [['results', toKrm(results) as never[]]]);
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
  let out = '';
  texts.forEach((text, i) => {
    let t = text;
    if (i > 0 && firstOfFile.has(i)) {
      // A byte-order mark is allowed only at the start of a stream.
      t = t.replace(/^\uFEFF/, '');
      if (!out.endsWith('\n')) out += '\n';
      if (/^(?:[ \t]*(?:#[^\n]*)?\r?\n)*%/.test(t)) {
        // A directive may only follow a document ended by `...`.
        if (!/(?:^|\n)\.\.\.[ \t]*(?:#[^\n]*)?\r?\n$/.test(out)) out += '...\n';
      } else if (!/^---(?:[ \t]|\r?\n|$)/.test(t)) out += '---\n';
    }
    out += t;
  });
  return out;
}

/**
 * Applies the editor and checks that the text reads back to the intended
 * value: `expected` when planning computed it, else the document's value with
 * the applied changes.
 */
function verified(
  d: InputDoc & ReadDoc,
  editor: DocumentEditor,
  applied: readonly Change[],
  verify: boolean,
  expected: unknown,
): string {
  const text = editor.apply();
  if (!editor.changed) return d.segment.text;
  if (!verify) return text;
  const again = readYaml(text);
  if (again.errors.length > 0) throw new Error(`internal: edited document does not parse: ${again.errors[0]?.message}`);
  let intended = expected;
  if (intended === undefined) {
    intended = d.parsed.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    for (const c of applied) intended = editValue(intended, c);
  }
  const actual = again.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  if (!isDeepStrictEqual(intended, actual)) {
    throw new Error(
      `internal: edited document of ${d.segment.file} (document ${d.segment.index}) does not read back as intended`,
    );
  }
  return text;
}
