/**
 * A minimal RFC 6902 applier for the operations eksfit's webhook writes (add
 * and replace), to read a patch back in tests: it checks that each parent
 * exists and that a replace finds its member.
 */
import * as assert from 'uvu/assert';
import type { PatchOp } from '../../src/admission.ts';

type Obj = Record<string, unknown>;

/** A copy of `doc` with `patch` applied. */
export function applyPatch(doc: unknown, patch: readonly PatchOp[]): Obj {
  const out = structuredClone(doc) as Obj;
  for (const op of patch) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop() as string;
    let at: unknown = out;
    for (const p of parts) at = (at as Obj)[p];
    assert.ok(at !== null && typeof at === 'object', `parent of ${op.path} exists`);
    if (Array.isArray(at)) {
      if (last === '-') at.push(op.value);
      else at.splice(Number(last), op.op === 'add' ? 0 : 1, op.value);
    } else {
      // RFC 6902: `add` of an existing member replaces it (annotations: null gets a whole map).
      if (op.op === 'replace') assert.ok(last in (at as Obj), `replace of a missing ${op.path}`);
      (at as Obj)[last] = op.value;
    }
  }
  return out;
}
