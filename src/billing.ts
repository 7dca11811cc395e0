/**
 * What EKS bills each workload, in the pipeline: the sizing core (sizing.ts)
 * applied to the Pods as eksfit writes them, under the policy's `spec.sizing`.
 * It gives the checks podSpec, podSpecWaste and podSpecAnnotation their
 * findings (rows of checks.ts), the `sizing: pin | rightsize` fix (fix.ts's
 * FIXES), and the per-workload specs and costs the reports show
 * (`Billing`, built by audit.ts's `sizeWorkloads`).
 */
import type { Finding, PodCount, PodView } from './checks.ts';
import { SIZING_ANNOTATIONS } from './eks.ts';
import type { Fix } from './fix.ts';
import type { SizingPolicy } from './policy.ts';
import { GIB, NANO, formatUnits } from './quantity.ts';
import { keyPath, result } from './results.ts';
import {
  formatRow,
  nearestRow,
  podCost,
  sizePod,
  tableRows,
  waste,
  type GpuCards,
  type Sizing,
  type SizingProblemKind,
  type SpecSource,
} from './sizing.ts';

/** Problems EKS refuses the Pod for (check podSpec, an error), with what to do about each. */
const SPEC_ERRORS: ReadonlyMap<SizingProblemKind, string> = new Map([
  ['overLargestSpec', 'lower the requests and limits, or split the work over more Pods'],
  ['gpuOverLargestSpec', 'ask for fewer cards, cores or GiB, or another gpu-type'],
  ['unsupportedAnnotationSpec', 'name a spec of the table (docs/eks.md, Pod sizing), or remove both annotations'],
  ['invalidAnnotation', 'fix the value, or remove the annotation'],
  ['invalidQuantity', 'fix the quantity (the API server refuses it too)'],
] as [SizingProblemKind, string][]);

/** Problems worth a warning (check podSpecAnnotation). `missingGpuType` is left to the gpuType check. */
const ANNOTATION_WARNINGS: ReadonlyMap<SizingProblemKind, string> = new Map([
  ['memNotGi', 'until then no spec is known'],
  ['unpairedAnnotation', 'set both annotations, or neither'],
  ['unknownGpuType', 'check the spelling against docs/eks.md, Pod sizing; no cost is shown for it'],
  ['unknownCpuType', 'use intel, amd, or both in order of preference ("amd,intel")'],
] as [SizingProblemKind, string][]);

const memo = new WeakMap<PodView, { policy: SizingPolicy; sizing: Sizing }>();

/** The sizing of a Pod view under the policy (computed once per view). */
export function sizingOf(view: PodView, policy: SizingPolicy): Sizing {
  const hit = memo.get(view);
  if (hit && hit.policy === policy) return hit.sizing;
  const sizing = sizePod(view.spec, view.annotations, { initRule: policy.initRule, table: policy.table });
  memo.set(view, { policy, sizing });
  return sizing;
}

function problemFindings(
  pods: readonly PodView[],
  policy: SizingPolicy,
  kinds: ReadonlyMap<SizingProblemKind, string>,
): Finding[] {
  return pods.flatMap((p) =>
    sizingOf(p, policy)
      .problems.filter((q) => kinds.has(q.kind))
      .map((q): Finding => ({
        obj: p.obj,
        what: q.message,
        advice: kinds.get(q.kind),
        path: keyPath([...p.tp, ...(q.path ?? ['spec', 'containers'])]),
        ...(q.value !== undefined ? { currentValue: q.value } : {}),
      })),
  );
}

/** Findings of check podSpec: no spec fits, or a sizing value EKS refuses. */
export function podSpecFindings(pods: readonly PodView[], policy: SizingPolicy): Finding[] {
  return problemFindings(pods, policy, SPEC_ERRORS);
}

/** Findings of check podSpecAnnotation: sizing annotations EKS ignores or refuses in part. */
export function podSpecAnnotationFindings(pods: readonly PodView[], policy: SizingPolicy): Finding[] {
  return problemFindings(pods, policy, ANNOTATION_WARNINGS);
}

/** `1.5 cores / 3 GiB` (and `/ 1 GPU`): what the containers ask for. */
function askedText(s: Sizing): string {
  const cores = formatUnits(s.asked.cpu);
  const parts = [`${cores} ${cores === '1' ? 'core' : 'cores'}`, `${formatUnits(s.asked.memory, GIB * NANO)} GiB`];
  if (s.asked.gpu > 0) parts.push(`${s.asked.gpu} GPU`);
  return parts.join(' / ');
}

/** The rows of the table a sizing's spec comes from. */
function rowsOf(s: Sizing) {
  return s.table === 'gpu' ? tableRows({ gpuType: s.spec?.gpu?.type ?? '' }) : tableRows(s.table);
}

/** Findings of check podSpecWaste: a billed spec over the threshold times the ask. */
export function podSpecWasteFindings(pods: readonly PodView[], policy: SizingPolicy): Finding[] {
  return pods.flatMap((p): Finding[] => {
    const s = sizingOf(p, policy);
    const w = waste(s, policy.wasteThreshold);
    // Below the smallest spec there is nothing to save: not a finding.
    if (!w || formatRow(w.billed) === formatRow(rowsOf(s)[0] ?? w.billed)) return [];
    const over = w.over.map((o) => `${o.dimension} ${round(o.ratio)}×`).join(', ');
    return [
      {
        obj: p.obj,
        what: `billed as ${formatRow(w.billed)} for ${askedText(s)} asked (${over}, over ${w.threshold}×)`,
        path: keyPath([...p.tp, 'spec', 'containers']),
        currentValue: formatRow(w.billed),
        advice:
          s.spec?.source === 'annotations'
            ? `the nearest spec is ${formatRow(w.nearest)}: annotate that one, or use what you pay for`
            : `the nearest spec is ${formatRow(w.nearest)}: size the requests to it, or use what you pay for`,
      },
    ];
  });
}

const round = (n: number): string => String(Math.round(n * 100) / 100);

/**
 * `sizing: pin` writes the cpu/mem annotations of the spec EKS computes now;
 * `sizing: rightsize` adds a note with the spec nearest to the ask. Sizing
 * here reads the workload as given (before this run's changes), with the
 * cpu-type and gpu-type the earlier rules want.
 */
export const sizingFix: Fix = {
  name: 'sizing',
  plan(ctx, rule) {
    if (!rule.sizing) return {};
    const w = ctx.workload;
    const annotations: Record<string, string> = { ...w.annotations };
    for (const key of [SIZING_ANNOTATIONS.cpuType, SIZING_ANNOTATIONS.gpuType]) {
      const wanted = ctx.planned(key);
      if (wanted && (annotations[key] === undefined || wanted.rule.overwrite)) annotations[key] = wanted.value;
    }
    const spec = w.templateValue.spec;
    const policy = ctx.sizing;
    const s = sizePod(spec, annotations, { initRule: policy.initRule, table: policy.table });
    if (!s.spec) return {}; // check podSpec says why
    const subject = w.obj.subject;
    const tags = { rule: rule.name };
    if (rule.sizing === 'rightsize') {
      const nearest = s.spec.source === 'requests' ? nearestRow(rowsOf(s), s.asked) : undefined;
      if (!nearest || formatRow(nearest) === formatRow(s.spec)) return {};
      return {
        results: [
          result(
            'info',
            subject,
            `rightsize: billed as ${formatRow(s.spec)} for ${askedText(s)} asked; the nearest spec is ${formatRow(nearest)}: size the requests to it`,
            { field: { path: keyPath([...w.row.templatePath, 'spec', 'containers']) }, tags },
          ),
        ],
      };
    }
    const types = (annotations[SIZING_ANNOTATIONS.gpuType] ?? '').split(',').filter((t) => t.trim() !== '');
    if (s.spec.gpu && types.length > 1)
      return {
        results: [
          result(
            'info',
            subject,
            `sizing pin: not pinned, the spec of a GPU Pod depends on which of the gpu-type entries ${JSON.stringify(annotations[SIZING_ANNOTATIONS.gpuType])} EKS finds`,
            { tags },
          ),
        ],
      };
    const pin: [string, string][] = [
      [SIZING_ANNOTATIONS.cpu, String(s.spec.cpu)],
      [SIZING_ANNOTATIONS.mem, `${s.spec.memoryGiB}Gi`],
    ];
    // cpu and mem are one value: writing one while the other is kept would make a spec nobody computed.
    const kept = pin.filter(([k, v]) => w.annotations[k] !== undefined && w.annotations[k] !== v);
    if (kept.length > 0 && !rule.overwrite)
      return {
        results: [
          result(
            'info',
            subject,
            `sizing pin: not pinned to ${formatRow(s.spec)}, the Pod already has ${kept.map(([k]) => `${k}: ${JSON.stringify(w.annotations[k])}`).join(', ')} (set overwrite: true to replace it)`,
            {
              field: {
                path: keyPath([...w.row.templatePath, 'metadata', 'annotations', (kept[0] as [string, string])[0]]),
                currentValue: w.annotations[(kept[0] as [string, string])[0]] as string,
              },
              tags,
            },
          ),
        ],
      };
    return { annotations: pin };
  },
};

/** A cost for the reports: per 730-hour month, rounded to hundredths. */
export interface MonthlyCost {
  readonly perMonth: number;
  readonly currency: string;
}

/** One pod-bearing object: what EKS allocates for each of its Pods and, with prices, what all of them cost. */
export interface WorkloadBill {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Pods at most, as the quota checks count them (HPA maxReplicas when higher, Jobs by parallelism; 0 for DaemonSets and PodTemplates). */
  readonly replicas: number;
  readonly podSpec: {
    readonly cpu: number;
    readonly memoryGiB: number;
    readonly source: SpecSource;
    readonly gpu?: GpuCards;
  } | null;
  readonly cost?: MonthlyCost;
  /** For the text report's resource table: `Deployment/web` as results name it. */
  readonly ref: string;
}

/** Every pod-bearing object's bill, in input order, and the total when prices are set. */
export interface Billing {
  readonly workloads: readonly WorkloadBill[];
  readonly total?: MonthlyCost;
}

const cents = (n: number): number => Math.round(n * 100) / 100;

/** The bills of every workload view (skipped ones too: they still run and are billed). */
export function billWorkloads(
  views: readonly PodView[],
  counts: readonly PodCount[],
  policy: SizingPolicy,
  namespaceOf: (v: PodView) => string,
  refOf: (v: PodView) => string,
): Billing {
  const pods = new Map(counts.map((c) => [c.view, c.pods]));
  const pricing = policy.pricing;
  let total = 0;
  const workloads = views.map((v): WorkloadBill => {
    const s = sizingOf(v, policy);
    const replicas = pods.get(v) ?? 0;
    const outcome = podCost(s, pricing, replicas);
    if (outcome.ok) total += outcome.cost.perMonth;
    return {
      apiVersion: v.obj.apiVersion,
      kind: v.obj.kind,
      namespace: namespaceOf(v),
      name: v.obj.name,
      replicas,
      podSpec: s.spec
        ? {
            cpu: s.spec.cpu,
            memoryGiB: s.spec.memoryGiB,
            source: s.spec.source,
            ...(s.spec.gpu ? { gpu: s.spec.gpu } : {}),
          }
        : null,
      ...(outcome.ok ? { cost: { perMonth: cents(outcome.cost.perMonth), currency: outcome.cost.currency } } : {}),
      ref: refOf(v),
    };
  });
  return { workloads, ...(pricing ? { total: { perMonth: cents(total), currency: pricing.currency } } : {}) };
}
