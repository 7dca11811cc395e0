/**
 * Runs the checks of checks.ts over the input as eksfit will write it: the
 * planned changes (an annotation a rule adds, a toleration) are already applied
 * to each object's plain value (plan.ts computes it once, render.ts verifies
 * against the same value), so a rule that fixes a problem silences its check.
 *
 * A resource opts out of checks with the annotation `eksfit.dev/ignore-checks`
 * (a comma-separated list of check ids) on its own metadata or, for a
 * workload, on its Pod template. A workload that opts out of a quota check is
 * left out of that check's count. Workloads marked `eksfit.dev/skip` are not
 * checked, but their Pods still count towards the quotas (they still run).
 */
import { CHECK_IDS, isCheckId, type CheckId } from './checkids.ts';
import { billWorkloads, type Billing } from './billing.ts';
import { CHECKS, type CheckInput, type PodCount, type PodView } from './checks.ts';
import { isSkipped } from './eks.ts';
import type { KindTable } from './kinds.ts';
import { describeRef, keyPath, result, type ResourceRef, type Result } from './results.ts';
import { isObject, stringMap } from './values.ts';
import type { KObject, Workload } from './workload.ts';

/** The annotation that opts a resource out of checks: `eksfit.dev/ignore-checks: "hostPort,daemonSet"`. */
export const IGNORE_CHECKS = 'eksfit.dev/ignore-checks';

/** Each changed object's plain value after the planned changes (objects without changes are absent). */
export type PlannedValues = ReadonlyMap<KObject, Record<string, unknown>>;

/**
 * The Pod template of every workload as eksfit writes it (its planned value,
 * else its value): what the checks and the bills read. Made once per plan, so
 * each Pod is sized once (billing.ts memoises per view).
 */
export function podViews(input: CheckInput, planned: PlannedValues): PodView[] {
  return input.workloads.map((w) => viewOf(w, planned.get(w.obj) ?? w.obj.value));
}

/** Runs every check over the views (`podViews`); severities and `off` from the policy are applied by the caller. */
export function runChecks(input: CheckInput, views: readonly PodView[], skip?: ReadonlySet<string>): Result[] {
  // Findings in input order (then in table order); findings about the whole input last.
  const order = new Map(input.objects.map((o, i) => [o, i]));
  const found: { at: number; r: Result }[] = [];
  const ignored = new Map<KObject, Set<CheckId>>();
  for (const obj of input.objects) {
    if (obj.localConfig) continue;
    const { ids, unknown } = ignoredChecks(obj, input.policy.kinds);
    if (ids.size > 0) ignored.set(obj, ids);
    if (unknown.length > 0) {
      found.push({
        at: order.get(obj) ?? Infinity,
        r: result(
          'warning',
          obj.subject,
          `${IGNORE_CHECKS} names unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${CHECK_IDS.join(', ')})`,
        ),
      });
    }
  }
  const pods = views.filter((v) => !isSkipped(v.w));
  const allCounts = podCounts(views, input);
  for (const check of CHECKS) {
    if (!check.find || skip?.has(check.id)) continue;
    const counts = ignored.size === 0 ? allCounts : allCounts.filter((c) => !ignored.get(c.view.obj)?.has(check.id));
    for (const f of check.find({ input, pods, counts })) {
      if (f.obj && ignored.get(f.obj)?.has(check.id)) continue;
      const field =
        f.path !== undefined
          ? { path: f.path, ...(f.currentValue !== undefined ? { currentValue: f.currentValue } : {}) }
          : undefined;
      const r = result(check.severity, f.obj?.subject, `${f.what}: ${f.advice ?? check.message}`, {
        ...(field ? { field } : {}),
        tags: { check: check.id },
      });
      found.push({ at: f.obj ? (order.get(f.obj) ?? Infinity) : Infinity, r });
    }
  }
  found.sort((a, b) => a.at - b.at);
  return found.map((f) => f.r);
}

/** Findings on a DaemonSet that add nothing once it is known not to run on super nodes. */
const FOLDED: ReadonlySet<CheckId> = new Set(['hostPath', 'hostPort', 'hostNetwork', 'metricsScrape']);

/**
 * One finding per DaemonSet that will not run on super nodes: its hostPath,
 * hostPort, hostNetwork and metricsScrape findings are folded into its
 * `daemonSet` result (the message lists them) instead of standing alone.
 * Runs after severities: a `daemonSet` check turned off folds nothing.
 */
export function foldDaemonSets(results: readonly Result[]): Result[] {
  const heads = new Map<ResourceRef, number>();
  results.forEach((r, i) => {
    if (r.tags?.check === 'daemonSet' && r.resourceRef) heads.set(r.resourceRef, i);
  });
  if (heads.size === 0) return [...results];
  const folded = new Map<number, Result[]>();
  const out: (Result | undefined)[] = [...results];
  results.forEach((r, i) => {
    const head = r.resourceRef ? heads.get(r.resourceRef) : undefined;
    if (head === undefined || !r.tags?.check || !FOLDED.has(r.tags.check)) return;
    folded.set(head, [...(folded.get(head) ?? []), r]);
    out[i] = undefined;
  });
  for (const [i, rs] of folded) {
    const head = results[i] as Result;
    const rank = { info: 0, warning: 1, error: 2 } as const;
    const severity = rs.reduce((s, r) => (rank[r.severity] > rank[s] ? r.severity : s), head.severity);
    const listed = rs.map((r) => `${r.tags?.check}: ${r.message.split(': ')[0]}`).join('; ');
    out[i] = {
      ...head,
      severity,
      message: `${head.message} (also found, moot while it does not run there: ${listed})`,
    };
  }
  return out.filter((r): r is Result => r !== undefined);
}

/**
 * What EKS bills every pod-bearing object (skipped ones too: they still run),
 * as eksfit writes it, with its Pods counted as the quota checks count them.
 */
export function sizeWorkloads(input: CheckInput, views: readonly PodView[]): Billing {
  return billWorkloads(
    views,
    podCounts(views, input),
    input.policy.sizing,
    (v) => input.namespaceOf(v.obj),
    (v) => describeRef(v.obj.subject.ref),
  );
}

/**
 * Drops results about a resource that opts out of their check with
 * `eksfit.dev/ignore-checks` (for the checks emitted while planning changes).
 */
export function withoutIgnored(results: readonly Result[], objects: readonly KObject[], kinds: KindTable): Result[] {
  const byRef = new Map<ResourceRef, Set<CheckId>>();
  for (const obj of objects) {
    const { ids } = ignoredChecks(obj, kinds);
    if (ids.size > 0) byRef.set(obj.subject.ref, ids);
  }
  if (byRef.size === 0) return [...results];
  return results.filter((r) => !(r.resourceRef && r.tags?.check && byRef.get(r.resourceRef)?.has(r.tags.check)));
}

/** The check ids an object opts out of (its metadata, and its Pod template's), and the unknown ones it names. */
export function ignoredChecks(obj: KObject, kinds: KindTable): { ids: Set<CheckId>; unknown: string[] } {
  const md = isObject(obj.value.metadata) ? obj.value.metadata : {};
  const values = [stringMap(md.annotations)[IGNORE_CHECKS]];
  const row = kinds.lookup(obj.apiVersion, obj.kind);
  if (row && row.templatePath.length > 0) {
    let t: unknown = obj.value;
    for (const key of row.templatePath) t = isObject(t) ? t[key] : undefined;
    const tmd = isObject(t) && isObject(t.metadata) ? t.metadata : {};
    values.push(stringMap(tmd.annotations)[IGNORE_CHECKS]);
  }
  const ids = new Set<CheckId>();
  const unknown: string[] = [];
  for (const v of values) {
    if (v === undefined) continue;
    for (const id of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (isCheckId(id)) ids.add(id);
      else if (!unknown.includes(id)) unknown.push(id);
    }
  }
  return { ids, unknown };
}

/** The Pod template of a workload, read from the object's value after the planned changes. */
function viewOf(w: Workload, value: Record<string, unknown>): PodView {
  let template: unknown = value;
  for (const key of w.row.templatePath) template = isObject(template) ? template[key] : undefined;
  const t = isObject(template) ? template : {};
  const md = isObject(t.metadata) ? t.metadata : {};
  const spec = isObject(t.spec) ? t.spec : {};
  const containers = (['containers', 'initContainers'] as const).flatMap((l) =>
    (Array.isArray(spec[l]) ? (spec[l] as unknown[]) : []).flatMap((c, index) =>
      isObject(c) ? [{ list: l, index, name: String(c.name ?? ''), value: c }] : [],
    ),
  );
  return { w, obj: w.obj, tp: w.row.templatePath, spec, annotations: stringMap(md.annotations), containers };
}

/** The Pods each workload runs at most: replicas (or an HPA's maxReplicas), a Job's parallelism. */
function podCounts(views: readonly PodView[], input: CheckInput): PodCount[] {
  const hpaMax = new Map<string, number>();
  for (const obj of input.objects) {
    if (obj.kind !== 'HorizontalPodAutoscaler' || obj.localConfig) continue;
    const spec = isObject(obj.value.spec) ? obj.value.spec : {};
    const ref = isObject(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
    const max = count(spec.maxReplicas);
    if (max !== undefined) hpaMax.set(`${input.namespaceOf(obj)}/${String(ref.kind)}/${String(ref.name)}`, max);
  }
  const out: PodCount[] = [];
  for (const view of views) {
    const obj = view.obj;
    const spec = isObject(obj.value.spec) ? obj.value.spec : {};
    switch (obj.kind) {
      case 'Pod':
        out.push({ view, pods: 1, source: 'Pod' });
        break;
      case 'DaemonSet': // not scheduled onto super nodes
      case 'PodTemplate': // runs nothing by itself
        break;
      case 'Job':
      case 'CronJob': {
        const jobSpec =
          obj.kind === 'Job'
            ? spec
            : isObject(spec.jobTemplate) && isObject(spec.jobTemplate.spec)
              ? spec.jobTemplate.spec
              : {};
        const base = obj.kind === 'Job' ? ['spec'] : ['spec', 'jobTemplate', 'spec'];
        const parallelism = count(jobSpec.parallelism) ?? 1;
        const completions = count(jobSpec.completions);
        // A Job never runs more Pods at once than it has completions left.
        const pods = completions !== undefined ? Math.min(parallelism, completions) : parallelism;
        out.push({
          view,
          pods,
          source: 'parallelism',
          ...(jobSpec.parallelism !== undefined ? { path: keyPath([...base, 'parallelism']) } : {}),
        });
        break;
      }
      default: {
        const replicas = count(spec.replicas) ?? 1;
        const hpa = hpaMax.get(`${input.namespaceOf(obj)}/${obj.kind}/${obj.name}`);
        if (hpa !== undefined && hpa > replicas) out.push({ view, pods: hpa, source: 'HPA maxReplicas' });
        else
          out.push({
            view,
            pods: replicas,
            source: 'replicas',
            ...(spec.replicas !== undefined ? { path: 'spec.replicas' } : {}),
          });
      }
    }
  }
  return out;
}

/** A non-negative whole number from a YAML value (`3`, `"3"`), or undefined. */
function count(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}
