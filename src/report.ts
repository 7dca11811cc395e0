/**
 * The human report of a run (and its JSON form for tools): a table of the
 * resources with what was changed and what was found, the details grouped by
 * severity (errors, warnings, then the info results split into changes and
 * notes), each under the resource it is about, and a one-line total.
 */
import type { Billing, WorkloadBill } from './billing.ts';
import { describeRef, tally, type Result } from './results.ts';
import { formatRow } from './sizing.ts';

type Group = 'error' | 'warning' | 'change' | 'note';

const GROUPS: readonly Group[] = ['error', 'warning', 'change', 'note'];
const HEADINGS: Record<Group, string> = { error: 'Errors', warning: 'Warnings', change: 'Changes', note: 'Notes' };

/**
 * True when the result reports an edit eksfit made (or, with --check, would
 * make): an info result proposing a value. Notes (an annotation kept because
 * `overwrite` is false, one rule's value replaced by a later rule's) carry the
 * current value only, never a proposed one.
 */
export function isChange(r: Result): boolean {
  return r.severity === 'info' && r.field?.proposedValue !== undefined;
}

function groupOf(r: Result): Group {
  if (r.severity !== 'info') return r.severity;
  return isChange(r) ? 'change' : 'note';
}

/** Where a result belongs in the report: its resource, else the input as a whole or the policy. */
function ownerOf(r: Result): string {
  const ref = describeRef(r.resourceRef);
  if (ref) return ref;
  // Checks over the whole input (quotas) have no resource; the rest is about the policy.
  return r.tags?.check !== undefined && r.tags.check !== 'unmatchedRule' ? '(input)' : '(policy)';
}

function fileOf(r: Result): string {
  return r.file ? ` (${r.file.path}${r.file.index !== undefined ? `#${r.file.index}` : ''})` : '';
}

/**
 * A short name for what a change touched, for the table: the annotation's
 * name without its prefix (`metrics-port`), or the field (`nodeSelector`,
 * `tolerations`, `containerPort`, `targetPort`, `env`).
 */
export function changeLabel(path: string | undefined): string {
  if (!path) return 'change';
  const tokens: string[] = [];
  for (const m of path.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) tokens.push(m[1]);
    else if (m[2] !== undefined) tokens.push(JSON.parse(m[2]) as string);
  }
  const ann = tokens.lastIndexOf('annotations');
  if (ann >= 0 && tokens[ann + 1] !== undefined) return (tokens[ann + 1] as string).split('/').pop() as string;
  for (const field of ['nodeAffinity', 'nodeSelector', 'tolerations']) if (tokens.includes(field)) return field;
  return tokens[tokens.length - 1] ?? 'change';
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `1 error (eipConflict), 2 warnings (hostPort, daemonSet), 1 note` or `-`. */
function foundCell(list: readonly Result[]): string {
  const parts: string[] = [];
  for (const [sev, word] of [
    ['error', 'error'],
    ['warning', 'warning'],
    ['note', 'note'],
  ] as const) {
    const rs = list.filter((r) => groupOf(r) === sev);
    if (rs.length === 0) continue;
    const ids = [...new Set(rs.map((r) => r.tags?.check).filter((c) => c !== undefined))];
    parts.push(`${plural(rs.length, word)}${ids.length > 0 ? ` (${ids.join(', ')})` : ''}`);
  }
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** `4C8G`, `8C40G 1×V100`, `?` (no spec known: a podSpec or gpuType finding says why), `4C8G ×3` for 3 Pods. */
function specCell(b: WorkloadBill | undefined): string {
  if (!b) return '-';
  if (!b.podSpec) return '?';
  return `${formatRow(b.podSpec)}${b.replicas > 1 ? ` ×${b.replicas}` : ''}`;
}

/** `12.34 USD`. */
const money = (c: { perMonth: number; currency: string }): string => `${c.perMonth.toFixed(2)} ${c.currency}`;

/**
 * The table: one row per resource with a result, in order of first mention;
 * with prices, every pod-bearing object first, in input order (so that the
 * costs add up to the total). SPEC is the spec EKS bills each Pod of a
 * workload (and how many Pods); COST/MONTH what all of them cost.
 */
function table(results: readonly Result[], billing: Billing | undefined): string[] {
  const byOwner = new Map<string, Result[]>();
  const bills = new Map<string, WorkloadBill>();
  for (const b of billing?.workloads ?? []) if (!bills.has(b.ref)) bills.set(b.ref, b);
  if (billing?.total) for (const ref of bills.keys()) byOwner.set(ref, []);
  for (const r of results) {
    const key = ownerOf(r);
    const list = byOwner.get(key) ?? [];
    list.push(r);
    byOwner.set(key, list);
  }
  if (byOwner.size === 0) return [];
  const withSpec = bills.size > 0;
  const withCost = billing?.total !== undefined;
  const rows: string[][] = [
    ['RESOURCE', ...(withSpec ? ['SPEC'] : []), ...(withCost ? ['COST/MONTH'] : []), 'CHANGED', 'FOUND'],
  ];
  for (const [owner, list] of byOwner) {
    const changed = [...new Set(list.filter(isChange).map((r) => changeLabel(r.field?.path)))];
    const bill = bills.get(owner);
    rows.push([
      owner,
      ...(withSpec ? [specCell(bill)] : []),
      ...(withCost ? [bill?.cost ? money(bill.cost) : '-'] : []),
      changed.length > 0 ? changed.join(', ') : '-',
      foundCell(list),
    ]);
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  '));
  if (billing?.total) {
    const without = billing.workloads.filter((b) => !b.cost).length;
    const note = without > 0 ? `; ${without} without a cost: no spec, or no price for their GPU type` : '';
    lines.push('', `Total: ${money(billing.total)} per month (730 hours, the Pods of the table${note})`);
  }
  return lines;
}

/** The report as text; `changed` says whether any document was (or, with `check`, would be) edited. */
export function formatReport(
  results: readonly Result[],
  opts: { changed: boolean; check?: boolean; failed?: boolean; billing?: Billing },
): string {
  const lines: string[] = table(results, opts.billing);
  for (const group of GROUPS) {
    const list = results.filter((r) => groupOf(r) === group);
    if (list.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(`${HEADINGS[group]}:`);
    const byOwner = new Map<string, Result[]>();
    for (const r of list) {
      const key = ownerOf(r) + fileOf(r);
      const rs = byOwner.get(key) ?? [];
      rs.push(r);
      byOwner.set(key, rs);
    }
    for (const [owner, rs] of byOwner) {
      lines.push(`  ${owner}`);
      for (const r of rs) {
        const tag = r.tags?.check ? ` [${r.tags.check}]` : r.tags?.rule ? ` [${r.tags.rule}]` : '';
        lines.push(`    ${r.message}${tag}`);
      }
    }
  }
  if (lines.length > 0) lines.push('');
  lines.push(totalLine(results, opts.changed, opts.check ?? false, opts.failed ?? false));
  return lines.join('\n') + '\n';
}

/** `eksfit: changed; 3 changes, 1 warning, 0 errors` */
export function totalLine(results: readonly Result[], changed: boolean, check: boolean, failed = false): string {
  const t = tally(results);
  const changes = results.filter(isChange).length;
  const verb = failed
    ? 'nothing written (errors)'
    : check
      ? changed
        ? 'would change'
        : 'no change needed'
      : changed
        ? 'changed'
        : 'nothing changed';
  return `eksfit: ${verb}; ${plural(changes, 'change')}, ${plural(t.warning, 'warning')}, ${plural(t.error, 'error')}`;
}

/**
 * The findings as JSON for tools: `{changed, summary: {changes, error,
 * warning, info, cost?}, workloads, results}`, each result in the KRM
 * functions spec's shape; `workloads` is one entry per pod-bearing object, in
 * input order, with the spec EKS bills and, with prices, the monthly cost.
 */
export function formatJson(results: readonly Result[], changed: boolean, billing?: Billing): string {
  const t = tally(results);
  const summary = {
    changes: results.filter(isChange).length,
    ...t,
    ...(billing?.total ? { cost: billing.total } : {}),
  };
  const workloads = (billing?.workloads ?? []).map(({ ref: _ref, ...w }) => w);
  return JSON.stringify({ changed, summary, workloads, results }, null, 2) + '\n';
}
