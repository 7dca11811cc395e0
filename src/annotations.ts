/**
 * Pod annotations: the fix that turns a rule's `ipvs` timeouts and
 * `annotations` into wanted Pod annotations, and the writer that turns the
 * annotations every rule wants into one edit of the Pod template, keeping an
 * existing value unless the rule says `overwrite: true`.
 */
import type { PlannedChange } from './changes.ts';
import { EKS_ANNOTATIONS } from './eks.ts';
import type { Fix } from './fix.ts';
import type { Rule } from './policy.ts';
import { keyPath, result, type Result } from './results.ts';
import type { Workload } from './workload.ts';

/** `ipvs.udpTimeout`, `ipvs.tcpTimeout` and `annotations` of a rule, as Pod annotations. */
export const annotationsFix: Fix = {
  name: 'annotations',
  plan(_ctx, rule) {
    const wants: [string, string][] = [];
    if (rule.ipvs.udpTimeout) wants.push([EKS_ANNOTATIONS.udpTimeout, rule.ipvs.udpTimeout]);
    if (rule.ipvs.tcpTimeout) wants.push([EKS_ANNOTATIONS.tcpTimeout, rule.ipvs.tcpTimeout]);
    wants.push(...Object.entries(rule.annotations));
    return { annotations: wants };
  },
};

/** The Pod annotations the rules want, by key, with the rule that wants each (the last one to ask). */
export type WantedAnnotations = ReadonlyMap<
  string,
  {
    readonly value: string;
    readonly rule: Rule;
    /** Why the rule applies (a trait of the Pod). */ readonly because?: string;
  }
>;

/**
 * The edit that writes the wanted annotations into the Pod template (undefined
 * when nothing changes) and the notes about values kept.
 */
export function writeAnnotations(
  w: Workload,
  wanted: WantedAnnotations,
): { change: PlannedChange | undefined; notes: Result[] } {
  const annPath = [...w.row.templatePath, 'metadata', 'annotations'];
  const subject = w.obj.subject;
  const entries: [string, string][] = [];
  const entryResults: Result[] = [];
  const notes: Result[] = [];
  for (const [key, { value, rule, because }] of wanted) {
    const cur = w.annotations[key];
    if (cur === value) continue;
    const path = keyPath([...annPath, key]);
    const current = cur !== undefined ? { currentValue: cur } : {};
    const tags = { rule: rule.name };
    if (cur === undefined || rule.overwrite) {
      entries.push([key, value]);
      entryResults.push(
        result(
          'info',
          subject,
          `${cur === undefined ? 'set' : 'replaced'} Pod annotation ${key}: ${JSON.stringify(value)}${because ? ` because it ${because}` : ''}`,
          {
            field: { path, ...current, proposedValue: value },
            tags,
          },
        ),
      );
    } else {
      // A kept value is a note, not a change: it carries no proposed value.
      notes.push(
        result(
          'info',
          subject,
          `kept existing Pod annotation ${key}: ${JSON.stringify(cur)} (rule ${JSON.stringify(rule.name)} wants ${JSON.stringify(value)}; set overwrite: true to replace it)`,
          { field: { path, ...current }, tags },
        ),
      );
    }
  }
  const change: PlannedChange | undefined =
    entries.length > 0
      ? { change: { op: 'entries', obj: w.obj, path: annPath, entries }, results: entryResults }
      : undefined;
  return { change, notes };
}
