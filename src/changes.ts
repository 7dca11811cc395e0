/**
 * Changes eksfit decided to make, as data: each names the object, the path of
 * the node below it, and what to do. They are applied twice: as text edits
 * (what is written) and to a plain copy of the document (what the written text
 * must parse back to), so every edit is checked before anything is output.
 */
import { isMap } from 'yaml';
import { type DocumentEditor, type NewValue } from './edit.ts';
import type { KObject } from './workload.ts';
import { nodeAt } from './workload.ts';
import type { Result } from './results.ts';

/** Set these entries in the mapping at `at` (which exists) + `path` (created when missing). */
export interface SetEntries {
  readonly op: 'entries';
  readonly obj: KObject;
  readonly at?: readonly (string | number)[];
  readonly path: readonly string[];
  readonly entries: readonly (readonly [string, NewValue])[];
}

/** Replace the scalar at `path` (which exists). */
export interface SetScalar {
  readonly op: 'scalar';
  readonly obj: KObject;
  readonly path: readonly (string | number)[];
  readonly value: string | number;
}

/** Append items to the sequence at `path`+`key` (created when missing). */
export interface AppendItems {
  readonly op: 'append';
  readonly obj: KObject;
  readonly path: readonly (string | number)[];
  readonly key: string;
  readonly items: readonly NewValue[];
  /** Items already there that go first (a ResourceList's results from an earlier run). */
  readonly drop?: (item: unknown) => boolean;
}

export type Change = SetEntries | SetScalar | AppendItems;

/** A change with the results that explain it. */
export interface PlannedChange {
  readonly change: Change;
  readonly results: readonly Result[];
  /**
   * The workload whose plan asked for the change (a Service edit belongs to the
   * workload it is remapped for). A change that cannot be made leaves its owner
   * unchanged as a whole (plan.ts, `leftUnchanged`).
   */
  readonly owner?: KObject;
}

/** Records `change` as text edits in `editor` (the editor of the object's document). */
export function editText(editor: DocumentEditor, change: Change): void {
  const base = change.obj.node;
  if (!base) throw new Error(`internal: ${change.obj.kind} ${change.obj.name} has no text to edit`);
  switch (change.op) {
    case 'entries': {
      const map = change.at?.length ? nodeAt(base, change.at) : base;
      if (!map || !isMap(map)) throw new Error(`internal: no mapping at ${change.at?.join('.')}`);
      editor.setEntries(map, change.path, change.entries);
      return;
    }
    case 'scalar': {
      const node = nodeAt(base, change.path);
      if (!node) throw new Error(`internal: no node at ${change.path.join('.')}`);
      editor.replaceScalar(node, change.value);
      return;
    }
    case 'append': {
      const parent = change.path.length ? nodeAt(base, change.path) : base;
      if (!parent || !isMap(parent)) throw new Error(`internal: no mapping at ${change.path.join('.')}`);
      editor.appendItems(parent, change.key, change.items, change.drop);
      return;
    }
  }
}

/**
 * The path, below the change's object, of the mapping or sequence it writes
 * into (parts at the end may not exist yet: `entries` creates them).
 */
export function writtenPath(c: Change): readonly (string | number)[] {
  if (c.op === 'entries') return [...(c.at ?? []), ...c.path];
  if (c.op === 'append') return [...c.path, c.key];
  return c.path.slice(0, -1);
}

/** Applies `change` to a plain copy of the document (`doc` is doc.toJS()). */
export function editValue(doc: unknown, change: Change): unknown {
  const root = [...change.obj.path];
  switch (change.op) {
    case 'entries': {
      const target = ensurePath(doc, [...root, ...(change.at ?? []), ...change.path]);
      for (const [k, v] of change.entries) target[k] = plain(v);
      return doc;
    }
    case 'scalar': {
      const path = [...root, ...change.path];
      const parent = getPath(doc, path.slice(0, -1)) as Record<string | number, unknown>;
      parent[path[path.length - 1] as string | number] = change.value;
      return doc;
    }
    case 'append': {
      const parent = ensurePath(doc, [...root, ...change.path.map(String)]);
      const cur = parent[change.key];
      const kept = Array.isArray(cur) ? cur : [];
      const list = change.drop ? kept.filter((i) => !change.drop?.(i)) : kept;
      list.push(...change.items.map(plain));
      parent[change.key] = list;
      return doc;
    }
  }
}

function plain(v: NewValue): unknown {
  return JSON.parse(JSON.stringify(v));
}

function getPath(root: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const p of path) cur = (cur as Record<string | number, unknown>)[p];
  return cur;
}

function ensurePath(root: unknown, path: readonly (string | number)[]): Record<string, unknown> {
  let cur = root as Record<string | number, unknown>;
  for (const p of path) {
    const next = cur[p];
    if (next === null || next === undefined || typeof next !== 'object') cur[p] = {};
    cur = cur[p] as Record<string | number, unknown>;
  }
  return cur;
}
