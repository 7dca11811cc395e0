/**
 * The human report of a run (and its JSON form for tools): findings grouped
 * by severity, each under the workload it is about, and a one-line total.
 */
import { describeRef, tally, type Result } from './results.ts';
import type { Severity } from './policy.ts';

const ORDER: readonly Severity[] = ['error', 'warning', 'info'];
const HEADINGS: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Changes and notes' };

/** The report as text; `changed` says whether any document was edited. */
export function formatReport(results: readonly Result[], opts: { changed: boolean; verbose?: boolean; check?: boolean }): string {
  const lines: string[] = [];
  for (const sev of ORDER) {
    const group = results.filter((r) => r.severity === sev);
    if (group.length === 0) continue;
    lines.push(`${HEADINGS[sev]}:`);
    const byRef = new Map<string, Result[]>();
    for (const r of group) {
      const key = describeRef(r.resourceRef) || '(policy)';
      const list = byRef.get(key) ?? [];
      list.push(r);
      byRef.set(key, list);
    }
    for (const [ref, list] of byRef) {
      const where = list[0]?.file ? ` (${list[0].file.path}${list[0].file.index !== undefined ? `#${list[0].file.index}` : ''})` : '';
      lines.push(`  ${ref}${where}`);
      for (const r of list) {
        const tag = r.tags?.check ? ` [${r.tags.check}]` : r.tags?.rule ? ` [${r.tags.rule}]` : '';
        lines.push(`    ${r.message}${tag}`);
      }
    }
  }
  lines.push(totalLine(results, opts.changed, opts.check ?? false));
  return lines.join('\n') + '\n';
}

/** `eksfit: 3 changes, 1 warning, 0 errors` */
export function totalLine(results: readonly Result[], changed: boolean, check: boolean): string {
  const t = tally(results);
  const changes = results.filter((r) => r.severity === 'info' && r.field?.proposedValue !== undefined).length;
  const verb = check ? (changed ? 'would change' : 'no change needed') : changed ? 'changed' : 'nothing changed';
  return `eksfit: ${verb}; ${changes} change${changes === 1 ? '' : 's'}, ${t.warning} warning${t.warning === 1 ? '' : 's'}, ${t.error} error${t.error === 1 ? '' : 's'}`;
}

/** The findings as JSON for tools. */
export function formatJson(results: readonly Result[], changed: boolean): string {
  return JSON.stringify({ changed, summary: tally(results), results }, null, 2) + '\n';
}
