/**
 * Pod sizing: the spec (cores x GiB, plus GPUs) EKS allocates and bills for a
 * Pod, computed from its annotations or its containers' requests and limits
 * (eks-domain.md section 8; docs/eks.md, Pod sizing, states the rule), how far that
 * spec exceeds what the containers ask for, and what it costs at the user's
 * prices.
 *
 * Pure: a Pod spec and its annotations in (plain values, as read from YAML),
 * plain data out. Problems (a size no spec holds, a malformed annotation) are
 * returned as values with a field path from the Pod template, never thrown.
 */
import {
  CPU_TABLES,
  GPU_RESOURCE,
  GPU_SPECS,
  SECONDS_PER_MONTH,
  SIZING_ANNOTATIONS,
  TABLE_CPU_TYPE,
  type CpuTable,
  type CpuType,
  type UnitPrices,
} from './eks-specs.ts';
import { formatUnits, fromUnits, GIB, NANO, parseQuantity, QuantityError, toUnits } from './quantity.ts';

/** Nano-bytes in one GiB. */
const GIB_NANOS = GIB * NANO;

/**
 * How init containers count (sources disagree; the larger of the app and init
 * totals wins either way):
 * - `largest`: the largest single init container per dimension (its request or
 *   limit, whichever is larger); an init container that sets neither CPU nor
 *   memory counts as 1 core / 2 GiB. Tencent's current (2026) Chinese page.
 * - `group`: the init containers as a group, like the app containers:
 *   max(sum of requests, largest limit). The 2022-2024 pages.
 */
export type InitRule = 'largest' | 'group';

/**
 * The default init rule: `largest`. It is what Tencent's newest page states,
 * and it matches Kubernetes itself, which runs init containers one at a time
 * and sizes a Pod by the largest of them.
 */
export const DEFAULT_INIT_RULE: InitRule = 'largest';

/** Which CPU spec table to round to: one table, or `auto` (the `cpu-type` annotation's order; Intel first when unset). */
export type TableChoice = CpuTable | 'auto';

/** Options of `sizePod`. */
export interface SizingOptions {
  /** Default `DEFAULT_INIT_RULE`. */
  readonly initRule?: InitRule;
  /** Default `auto`. `superNodeMonthly` for monthly-subscription super nodes (a property of the cluster, not the Pod). */
  readonly table?: TableChoice;
}

/** Where a spec came from: the `cpu`/`mem` annotations, the containers' requests and limits, or the 1 core / 2 GiB default (nothing set). */
export type SpecSource = 'annotations' | 'requests' | 'default';

/** GPU cards of a spec. */
export interface GpuCards {
  /** The `gpu-type` spelling: `V100`, `1/4*T4`. */
  readonly type: string;
  readonly count: number;
}

/** The spec a Pod is allocated and billed: `{cpu: 4, memoryGiB: 8, source: 'requests'}` is 4C8G. */
export interface PodSpec {
  /** Cores (a table value: 0.25, 0.5, 1, 2, ...; exact as a number). */
  readonly cpu: number;
  /** GiB (a table value: 0.5, 1, 2, ...; exact as a number). */
  readonly memoryGiB: number;
  readonly source: SpecSource;
  readonly gpu?: GpuCards;
}

/** A row of a spec table, without its source. */
export interface SpecRow {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpu?: GpuCards;
}

/** What the containers ask for, per dimension, after the app/init rules: exact. */
export interface Asked {
  /** Nano-cores. */
  readonly cpu: bigint;
  /** Nano-bytes. */
  readonly memory: bigint;
  /** GPU cards (`nvidia.com/gpu`). */
  readonly gpu: number;
}

/** The table a spec is a row of: a CPU table, or the GPU specs of its type. */
export type SpecTable = CpuTable | 'gpu';

/** Kinds of sizing problems. */
export type SizingProblemKind =
  /** CPU/memory beyond the largest spec of every table tried: the Pod is never created (check `podSpec`, error). */
  | 'overLargestSpec'
  /** More GPU cards, or more CPU/memory, than any spec of the GPU type (check `podSpec`, error). */
  | 'gpuOverLargestSpec'
  /** A GPU type with no published spec table (L20, L40, ...): reported, not guessed. */
  | 'unknownGpuType'
  /** GPUs requested without a `gpu-type` annotation (the existing `gpuType` check reports it too). */
  | 'missingGpuType'
  /** `cpu` annotation without `mem`, or the other way round: ignored, the spec comes from the requests. */
  | 'unpairedAnnotation'
  /** `mem` annotation in a unit other than Gi (`4G`, `4096Mi`): a parameter error on EKS. */
  | 'memNotGi'
  /** `cpu`/`mem` annotations that are not a spec of the table (or GPU type). */
  | 'unsupportedAnnotationSpec'
  /** A sizing annotation that is not a value at all (`cpu: "2 cores"`, `gpu-count: "x"`). */
  | 'invalidAnnotation'
  /** A `cpu-type` entry other than `intel` or `amd`: ignored. */
  | 'unknownCpuType'
  /** A CPU, memory or GPU quantity Kubernetes would refuse (malformed, negative, fractional GPUs). */
  | 'invalidQuantity';

/** One sizing problem. */
export interface SizingProblem {
  readonly kind: SizingProblemKind;
  /** One sentence that says what is wrong and, where there is one, what to do. */
  readonly message: string;
  /** Field path from the Pod template: `['metadata', 'annotations', key]`, `['spec', 'containers', 0, 'resources', 'limits', 'cpu']`. */
  readonly path?: readonly (string | number)[];
  /** The offending value, as written. */
  readonly value?: string;
}

/** The result of `sizePod`. */
export interface Sizing {
  /** The billed spec, or `null` when a problem prevents it (at least one problem then says why). */
  readonly spec: PodSpec | null;
  /** What the containers ask for (whatever the annotations say). */
  readonly asked: Asked;
  /** The table the spec is a row of (or the first table tried, when there is no spec). */
  readonly table: SpecTable;
  /** The CPU type whose prices apply. */
  readonly cpuType: CpuType;
  /** `spot-pod: "true"`. */
  readonly spot: boolean;
  /** With `spec-auto-upgrade: "true"`: the spec one CPU tier up that EKS may move the Pod to (absent at the top tier). */
  readonly upgrade?: SpecRow;
  /** Problems, in the order found; may be non-empty with a spec (warnings). */
  readonly problems: readonly SizingProblem[];
}

/** One container's ask per dimension: its request (the limit when unset, else 0), its limit (else 0), and whether either is set. */
interface ContainerAsk {
  readonly cpu: { readonly request: bigint; readonly limit: bigint; readonly set: boolean };
  readonly memory: { readonly request: bigint; readonly limit: bigint; readonly set: boolean };
  readonly gpu: { readonly request: bigint; readonly limit: bigint; readonly set: boolean };
}

/** A dimension of a spec: cores, memory, GPU cards. */
export type Dimension = 'cpu' | 'memory' | 'gpu';
const RESOURCE_NAMES: Readonly<Record<Dimension, string>> = { cpu: 'cpu', memory: 'memory', gpu: GPU_RESOURCE };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function annotationText(annotations: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = annotations[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

const annotationPath = (key: string): (string | number)[] => ['metadata', 'annotations', key];

/** Reads one container list's asks, adding a problem for each quantity Kubernetes would refuse. */
function readContainers(
  spec: Record<string, unknown>,
  list: 'containers' | 'initContainers',
  problems: SizingProblem[],
): ContainerAsk[] {
  const items = Array.isArray(spec[list]) ? (spec[list] as unknown[]) : [];
  return items.map((c, index) => {
    const resources = isRecord(c) && isRecord(c.resources) ? c.resources : {};
    const read = (kind: 'requests' | 'limits', dim: Dimension): bigint | undefined => {
      const q = isRecord(resources[kind]) ? resources[kind] : {};
      const raw = q[RESOURCE_NAMES[dim]];
      if (raw === undefined || raw === null) return undefined;
      const path = ['spec', list, index, 'resources', kind, RESOURCE_NAMES[dim]];
      const bad = (why: string): undefined => {
        problems.push({
          kind: 'invalidQuantity',
          message: `${path.slice(1).join('.')} ${why}`,
          path,
          value: String(raw),
        });
        return undefined;
      };
      if (typeof raw !== 'string' && typeof raw !== 'number') return bad('is not a quantity');
      let n: bigint;
      try {
        n = parseQuantity(raw);
      } catch (e) {
        if (e instanceof QuantityError) return bad(`is not a Kubernetes quantity (${JSON.stringify(String(raw))})`);
        throw e;
      }
      if (n < 0n) return bad(`is negative (${String(raw)})`);
      if (dim === 'gpu' && n % NANO !== 0n) return bad(`is not a whole number of GPUs (${String(raw)})`);
      return n;
    };
    const dim = (d: Dimension) => {
      const request = read('requests', d);
      const limit = read('limits', d);
      // Kubernetes copies a missing request from the limit before EKS sees the Pod.
      return { request: request ?? limit ?? 0n, limit: limit ?? 0n, set: request !== undefined || limit !== undefined };
    };
    return { cpu: dim('cpu'), memory: dim('memory'), gpu: dim('gpu') };
  });
}

const maxOf = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => (b > a ? b : a), 0n);
const sumOf = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);

/** Rule 1: max(sum of requests, the largest single limit). */
function groupTotal(cs: readonly ContainerAsk[], d: Dimension): bigint {
  const sum = sumOf(cs.map((c) => c[d].request));
  const limit = maxOf(cs.map((c) => c[d].limit));
  return sum > limit ? sum : limit;
}

/** The `largest` init rule: the largest single init container, one that sets neither CPU nor memory counting as 1 core / 2 GiB. */
function largestInit(cs: readonly ContainerAsk[], d: Dimension): bigint {
  return maxOf(
    cs.map((c) => {
      if (d !== 'gpu' && !c.cpu.set && !c.memory.set) return d === 'cpu' ? NANO : 2n * GIB_NANOS;
      return c[d].request > c[d].limit ? c[d].request : c[d].limit;
    }),
  );
}

/**
 * What the containers of a Pod spec ask for, per dimension: the app containers
 * by rule 1, the init containers by `initRule`, the larger of the two. Nothing
 * set anywhere is 0 / 0 (the caller applies the 1 core / 2 GiB default).
 * Problems for quantities Kubernetes would refuse go to `problems` (those
 * quantities count as unset).
 */
export function askedResources(podSpec: unknown, initRule: InitRule, problems: SizingProblem[] = []): Asked {
  const spec = isRecord(podSpec) ? podSpec : {};
  const app = readContainers(spec, 'containers', problems);
  const init = readContainers(spec, 'initContainers', problems);
  const anySet = [...app, ...init].some((c) => c.cpu.set || c.memory.set);
  const total = (d: Dimension): bigint => {
    const a = groupTotal(app, d);
    // With nothing set anywhere the Pod takes the default; the `largest` rule's
    // 1 core / 2 GiB for a bare init container would only restate it.
    const i = init.length === 0 ? 0n : initRule === 'group' || !anySet ? groupTotal(init, d) : largestInit(init, d);
    return a > i ? a : i;
  };
  return { cpu: total('cpu'), memory: total('memory'), gpu: Number(total('gpu') / NANO) };
}

/** The smallest row of `table` that holds `cpu` nano-cores and `memory` nano-bytes (rules 4 and 5), or undefined (rule 6). */
export function fitCpuTable(table: CpuTable, cpu: bigint, memory: bigint, above = -1): SpecRow | undefined {
  for (const tier of CPU_TABLES[table]) {
    if (tier.cpu <= above || fromUnits(tier.cpu) < cpu) continue;
    const m = tier.memoryGiB.find((g) => fromUnits(g, GIB_NANOS) >= memory);
    if (m !== undefined) return { cpu: tier.cpu, memoryGiB: m };
  }
  return undefined;
}

/** The smallest GPU spec of `type` with at least `cards` cards that holds `cpu` and `memory`; undefined when none does or the type has no table. */
export function fitGpu(type: string, cards: number, cpu: bigint, memory: bigint): SpecRow | undefined {
  const s = (GPU_SPECS[type] ?? []).find(
    (g) => g.cards >= cards && fromUnits(g.cpu) >= cpu && fromUnits(g.memoryGiB, GIB_NANOS) >= memory,
  );
  return s && { cpu: s.cpu, memoryGiB: s.memoryGiB, gpu: { type, count: s.cards } };
}

/** The CPU tables to try, in order: the option, else the `cpu-type` annotation's list, else Intel then AMD. */
function tablesToTry(choice: TableChoice, annotations: Readonly<Record<string, unknown>>, problems: SizingProblem[]) {
  if (choice !== 'auto') return [choice];
  const raw = annotationText(annotations, SIZING_ANNOTATIONS.cpuType);
  const out: CpuTable[] = [];
  for (const part of (raw ?? '').split(',')) {
    const t = part.trim().toLowerCase();
    if (t === '') continue;
    if (t === 'intel' || t === 'amd') {
      if (!out.includes(t)) out.push(t);
    } else
      problems.push({
        kind: 'unknownCpuType',
        message: `cpu-type ${JSON.stringify(part.trim())} is neither "intel" nor "amd"; ignored`,
        path: annotationPath(SIZING_ANNOTATIONS.cpuType),
        value: raw ?? '',
      });
  }
  return out.length > 0 ? out : (['intel', 'amd'] as CpuTable[]);
}

const CORES_RE = /^[0-9]+(\.[0-9]+)?$/;
const GI_RE = /^([0-9]+(\.[0-9]+)?)Gi$/;

/**
 * The spec EKS allocates and bills for a Pod, from its Pod spec (the
 * template's `spec`: `containers`, `initContainers`) and its annotations.
 *
 * Annotations win: `cpu` + `mem` must name a row of the table (or, for a GPU
 * Pod, a spec of its GPU type). Otherwise, per dimension, the larger of the app
 * total (max of summed requests and largest limit) and the init total (by
 * `initRule`); nothing set is 1 core / 2 GiB; then the smallest row that holds
 * both (the CPU tier first, memory rounded up to the tier's next size, a larger
 * tier when memory does not fit). GPU Pods (`nvidia.com/gpu`, or `gpu-count`)
 * take the smallest fixed spec of the first `gpu-type` with at least that many
 * cards that holds the CPU and memory.
 *
 * @example sizePod({ containers: [{ resources: { requests: { cpu: '1', memory: '2Gi' } } }] }, {}).spec
 *   // { cpu: 1, memoryGiB: 2, source: 'requests' }
 */
export function sizePod(
  podSpec: unknown,
  annotations: Readonly<Record<string, unknown>> = {},
  options: SizingOptions = {},
): Sizing {
  const problems: SizingProblem[] = [];
  const initRule = options.initRule ?? DEFAULT_INIT_RULE;
  const asked = askedResources(podSpec, initRule, problems);
  const invalidQuantities = problems.length > 0;
  const tables = tablesToTry(options.table ?? 'auto', annotations, problems);
  const spot = annotationText(annotations, SIZING_ANNOTATIONS.spotPod) === 'true';
  const firstTable = tables[0] as CpuTable;
  const base = { asked, spot, problems };
  const none = (table: SpecTable = firstTable): Sizing => ({
    ...base,
    spec: null,
    table,
    cpuType: table === 'gpu' ? 'intel' : TABLE_CPU_TYPE[table],
  });

  // GPUs: the gpu-count annotation, else the requests.
  let gpuCount = asked.gpu;
  const countText = annotationText(annotations, SIZING_ANNOTATIONS.gpuCount);
  if (countText !== undefined) {
    if (/^[0-9]+$/.test(countText)) gpuCount = Number(countText);
    else {
      problems.push({
        kind: 'invalidAnnotation',
        message: `gpu-count ${JSON.stringify(countText)} is not a whole number of cards`,
        path: annotationPath(SIZING_ANNOTATIONS.gpuCount),
        value: countText,
      });
      return none();
    }
  }
  let gpuType: string | undefined;
  if (gpuCount > 0) {
    const typeText = annotationText(annotations, SIZING_ANNOTATIONS.gpuType);
    gpuType = typeText
      ?.split(',')
      .map((t) => t.trim())
      .find((t) => t !== '');
    if (gpuType === undefined) {
      problems.push({
        kind: 'missingGpuType',
        message: `${gpuCount} GPU card(s) requested without a gpu-type annotation: no spec can be chosen`,
        path: annotationPath(SIZING_ANNOTATIONS.gpuType),
      });
      return none('gpu');
    }
    if (GPU_SPECS[gpuType] === undefined) {
      problems.push({
        kind: 'unknownGpuType',
        message: `GPU type ${JSON.stringify(gpuType)} has no published spec table: its spec and cost are not known`,
        path: annotationPath(SIZING_ANNOTATIONS.gpuType),
        ...(typeText !== undefined ? { value: typeText } : {}),
      });
      return none('gpu');
    }
  }
  const table: SpecTable = gpuType !== undefined ? 'gpu' : firstTable;

  // Annotations win, when both are there and valid.
  const cpuText = annotationText(annotations, SIZING_ANNOTATIONS.cpu);
  const memText = annotationText(annotations, SIZING_ANNOTATIONS.mem);
  if ((cpuText === undefined) !== (memText === undefined)) {
    const [has, lacks] = cpuText !== undefined ? ['cpu', 'mem'] : ['mem', 'cpu'];
    const key = cpuText !== undefined ? SIZING_ANNOTATIONS.cpu : SIZING_ANNOTATIONS.mem;
    problems.push({
      kind: 'unpairedAnnotation',
      message: `the ${has} annotation needs the ${lacks} annotation too: ignored, the spec comes from the requests`,
      path: annotationPath(key),
      value: cpuText ?? memText,
    });
  } else if (cpuText !== undefined && memText !== undefined) {
    if (!CORES_RE.test(cpuText)) {
      problems.push({
        kind: 'invalidAnnotation',
        message: `the cpu annotation ${JSON.stringify(cpuText)} must be a number of cores without unit, e.g. "2" or "0.5"`,
        path: annotationPath(SIZING_ANNOTATIONS.cpu),
        value: cpuText,
      });
      return none(table);
    }
    const gi = GI_RE.exec(memText);
    if (!gi) {
      const quantity = tryQuantity(memText);
      problems.push({
        kind: quantity === undefined ? 'invalidAnnotation' : 'memNotGi',
        message:
          quantity === undefined
            ? `the mem annotation ${JSON.stringify(memText)} is not a quantity; write GiB with the unit Gi, e.g. "4Gi"`
            : `the mem annotation ${JSON.stringify(memText)} (${formatUnits(quantity, GIB_NANOS)} GiB) must be in Gi, e.g. "4Gi": EKS refuses other units`,
        path: annotationPath(SIZING_ANNOTATIONS.mem),
        value: memText,
      });
      return none(table);
    }
    const cpu = Number(cpuText);
    const memoryGiB = Number(gi[1]);
    if (gpuType !== undefined) {
      const g = (GPU_SPECS[gpuType] ?? []).find(
        (s) => s.cards >= gpuCount && s.cpu === cpu && s.memoryGiB === memoryGiB,
      );
      if (g) return done('gpu', { cpu, memoryGiB, source: 'annotations', gpu: { type: gpuType, count: g.cards } });
    } else {
      for (const t of tables) {
        if (CPU_TABLES[t].some((tier) => tier.cpu === cpu && tier.memoryGiB.includes(memoryGiB)))
          return done(t, { cpu, memoryGiB, source: 'annotations' });
      }
    }
    problems.push({
      kind: 'unsupportedAnnotationSpec',
      message: `cpu ${cpuText} / mem ${memText} is not a spec of ${gpuType !== undefined ? `GPU type ${gpuType} with ${gpuCount} card(s)` : `the ${tables.join(' or ')} table`}: EKS will not create the Pod`,
      path: annotationPath(SIZING_ANNOTATIONS.cpu),
      value: `${cpuText}/${memText}`,
    });
    return none(table);
  }

  if (invalidQuantities) return none(table);
  const nothingSet = asked.cpu === 0n && asked.memory === 0n;
  const source: SpecSource = nothingSet ? 'default' : 'requests';
  const cpu = nothingSet ? NANO : asked.cpu;
  const memory = nothingSet ? 2n * GIB_NANOS : asked.memory;
  const label = (): string => `${formatUnits(asked.cpu)} core(s) / ${formatUnits(asked.memory, GIB_NANOS)} GiB`;

  if (gpuType !== undefined) {
    const row = fitGpu(gpuType, gpuCount, cpu, memory);
    if (row) return done('gpu', { ...row, source });
    const largest = (GPU_SPECS[gpuType] ?? []).at(-1);
    problems.push({
      kind: 'gpuOverLargestSpec',
      message: `${gpuCount} ${gpuType} card(s) with ${label()} fit no ${gpuType} spec (the largest is ${largest ? formatRow({ ...largest, gpu: { type: gpuType, count: largest.cards } }) : 'none'}): EKS will not create the Pod`,
    });
    return none('gpu');
  }
  for (const t of tables) {
    const row = fitCpuTable(t, cpu, memory);
    if (row) return done(t, { ...row, source });
  }
  const tops = [
    ...new Set(
      tables.map((t) => {
        const tier = CPU_TABLES[t].at(-1);
        return tier ? formatRow({ cpu: tier.cpu, memoryGiB: tier.memoryGiB.at(-1) ?? 0 }) : '';
      }),
    ),
  ];
  problems.push({
    kind: 'overLargestSpec',
    message: `${label()} is more than the largest spec (${tops.join(' / ')}): EKS will not create the Pod`,
  });
  return none(firstTable);

  function done(t: SpecTable, spec: PodSpec): Sizing {
    const upgradeWanted = annotationText(annotations, SIZING_ANNOTATIONS.specAutoUpgrade) === 'true';
    const upgrade =
      upgradeWanted && t !== 'gpu' ? fitCpuTable(t, 0n, fromUnits(spec.memoryGiB, GIB_NANOS), spec.cpu) : undefined;
    const cpuType = t === 'gpu' ? 'intel' : TABLE_CPU_TYPE[t];
    // Without spreads: this runs for every Pod of every input and every review.
    return upgrade
      ? { asked, spot, problems, spec, table: t, cpuType, upgrade }
      : { asked, spot, problems, spec, table: t, cpuType };
  }
}

function tryQuantity(text: string): bigint | undefined {
  try {
    return parseQuantity(text);
  } catch {
    return undefined;
  }
}

/** A spec as people write it: `4C8G`, `0.25C0.5G`, `8C40G 1×V100`. */
export function formatRow(spec: SpecRow): string {
  const base = `${spec.cpu}C${spec.memoryGiB}G`;
  return spec.gpu ? `${base} ${spec.gpu.count}×${spec.gpu.type}` : base;
}

/** Every row of a table: the CPU table's (cores, GiB) pairs, or one GPU type's fixed specs. */
export function tableRows(table: CpuTable | { readonly gpuType: string }): readonly SpecRow[] {
  const key = typeof table === 'string' ? table : `gpu:${table.gpuType}`;
  let rows = ROWS.get(key);
  if (rows === undefined) {
    rows =
      typeof table === 'string'
        ? CPU_TABLES[table].flatMap((tier) => tier.memoryGiB.map((memoryGiB) => ({ cpu: tier.cpu, memoryGiB })))
        : (GPU_SPECS[table.gpuType] ?? []).map((g) => ({
            cpu: g.cpu,
            memoryGiB: g.memoryGiB,
            gpu: { type: table.gpuType, count: g.cards },
          }));
    // Only the published tables are kept: an unknown GPU type has no rows, and is not remembered.
    if (rows.length > 0) ROWS.set(key, rows);
  }
  return rows;
}

const ROWS = new Map<string, readonly SpecRow[]>();

/** The default waste threshold: a spec more than 1.5 times the ask on any dimension is waste. */
export const DEFAULT_WASTE_THRESHOLD = 1.5;

/** One dimension on which the billed spec exceeds the ask by more than the threshold. */
export interface WasteEntry {
  readonly dimension: Dimension;
  /** Cores, GiB or cards asked (for messages). */
  readonly asked: number;
  /** Cores, GiB or cards billed. */
  readonly billed: number;
  /** billed / asked. */
  readonly ratio: number;
}

/** The result of `waste`. */
export interface Waste {
  readonly threshold: number;
  /** The billed spec. */
  readonly billed: PodSpec;
  /** The dimensions over the threshold (cpu, memory, gpu order). */
  readonly over: readonly WasteEntry[];
  /**
   * The row of the same table nearest to the ask: the smallest relative
   * difference (as a log ratio) on the worst asked dimension, ties broken by
   * the sum over all asked dimensions, then in favour of a row that holds the
   * ask. Sizing the containers to it bills exactly what they ask. It may be
   * below the ask (trim the request) or be the billed spec (use what you pay for).
   */
  readonly nearest: SpecRow;
}

/**
 * Where the billed spec exceeds what the containers ask for by more than
 * `threshold` (billed > threshold x asked) on some dimension, or undefined when
 * it does not (or there is no spec). A dimension asked as 0 is not compared
 * (nothing asked, nothing wasted), so the 1 core / 2 GiB default is never waste.
 */
export function waste(sizing: Sizing, threshold: number = DEFAULT_WASTE_THRESHOLD): Waste | undefined {
  const spec = sizing.spec;
  if (!spec) return undefined;
  const t = BigInt(Math.round(threshold * 1e6));
  const dims: { dimension: Dimension; asked: bigint; billed: bigint; unit: bigint }[] = [
    { dimension: 'cpu', asked: sizing.asked.cpu, billed: fromUnits(spec.cpu), unit: NANO },
    { dimension: 'memory', asked: sizing.asked.memory, billed: fromUnits(spec.memoryGiB, GIB_NANOS), unit: GIB_NANOS },
  ];
  if (spec.gpu)
    dims.push({ dimension: 'gpu', asked: BigInt(sizing.asked.gpu), billed: BigInt(spec.gpu.count), unit: 1n });
  const over = dims
    .filter((d) => d.asked > 0n && d.billed * 1_000_000n > t * d.asked)
    .map((d) => {
      const asked = toUnits(d.asked, d.unit);
      const billed = toUnits(d.billed, d.unit);
      return { dimension: d.dimension, asked, billed, ratio: billed / asked };
    });
  if (over.length === 0) return undefined;
  const rows = sizing.table === 'gpu' ? tableRows({ gpuType: spec.gpu?.type ?? '' }) : tableRows(sizing.table);
  return { threshold, billed: spec, over, nearest: nearestRow(rows, sizing.asked) ?? spec };
}

/** Lexicographic order of two keys of equal length, with a tolerance for float noise. */
function lessThan(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x < y - 1e-12) return true;
    if (x > y + 1e-12) return false;
  }
  return false;
}

/** The row nearest to `asked` (see `Waste.nearest`), or undefined when nothing is asked. */
export function nearestRow(rows: readonly SpecRow[], asked: Asked): SpecRow | undefined {
  const cpu = toUnits(asked.cpu);
  const mem = toUnits(asked.memory, GIB_NANOS);
  if (cpu === 0 && mem === 0 && asked.gpu === 0) return undefined;
  let best: SpecRow | undefined;
  let bestKey: readonly number[] = [Infinity, Infinity, Infinity];
  for (const row of rows) {
    const parts: number[] = [];
    if (cpu > 0) parts.push(Math.log(row.cpu / cpu));
    if (mem > 0) parts.push(Math.log(row.memoryGiB / mem));
    if (asked.gpu > 0 && row.gpu) parts.push(Math.log(row.gpu.count / asked.gpu));
    const fits = parts.every((p) => p >= -1e-12);
    // Nearest on the worst dimension, then over all dimensions, then a row that holds the ask.
    const key = [Math.max(...parts.map(Math.abs)), parts.reduce((a, p) => a + Math.abs(p), 0), fits ? 0 : 1];
    if (lessThan(key, bestKey)) {
      best = row;
      bestKey = key;
    }
  }
  return best;
}

/**
 * The user's unit prices (the policy's `spec.sizing.pricing`). Never guessed:
 * no pricing, no cost. `cpuCoreSecond`/`memoryGiBSecond` are for Intel Pods
 * (and for AMD Pods when `amd` is not given). `gpuCardSecond` is per card and
 * type; a vGPU type `k/n*TYPE` without its own price costs k/n of TYPE's.
 * GPU Pods pay for their cores and GiB too. `spot` is the fraction spot Pods
 * pay (Tencent: 0.2); without it spot Pods are costed at the full price.
 */
export interface Pricing extends UnitPrices {
  /** ISO 4217 code, e.g. `USD`, `CNY`. */
  readonly currency: string;
  readonly amd?: UnitPrices;
  readonly gpuCardSecond?: Readonly<Record<string, number>>;
  readonly spot?: number;
}

/** A cost. */
export interface Cost {
  readonly currency: string;
  /** For all replicas. */
  readonly perSecond: number;
  /** For all replicas, over 730 hours. */
  readonly perMonth: number;
}

/** Why there is no cost. */
export type NoCostReason =
  /** No pricing in the policy. */
  | 'noPricing'
  /** No spec (a sizing problem says why). */
  | 'noSpec'
  /** No price for the Pod's GPU type. */
  | 'noGpuPrice'
  /** Monthly-subscription super nodes are billed per node, not per Pod-second. */
  | 'monthlySuperNode';

/** The result of `podCost`. */
export type CostOutcome =
  | { readonly ok: true; readonly cost: Cost }
  | { readonly ok: false; readonly reason: NoCostReason; readonly message: string };

/** The price per card-second of a GPU type: its own, else `k/n` of its card's (`1/4*T4` is T4 x 0.25). */
export function gpuCardPrice(type: string, prices: Readonly<Record<string, number>> | undefined): number | undefined {
  if (!prices) return undefined;
  const own = prices[type];
  if (own !== undefined) return own;
  const m = /^([0-9]+)\/([0-9]+)\*(.+)$/.exec(type);
  if (!m) return undefined;
  const card = prices[m[3] as string];
  return card === undefined ? undefined : (card * Number(m[1])) / Number(m[2]);
}

/**
 * What a Pod's spec costs at `pricing`, for `replicas` Pods running all the
 * time: (cores x core price + GiB x GiB price + cards x card price) x the spot
 * factor for spot Pods, per second and per 730-hour month.
 */
export function podCost(sizing: Sizing, pricing: Pricing | undefined, replicas = 1): CostOutcome {
  if (!pricing) return { ok: false, reason: 'noPricing', message: 'no prices in the policy (spec.sizing.pricing)' };
  const spec = sizing.spec;
  if (!spec) return { ok: false, reason: 'noSpec', message: 'no spec: see the sizing problems' };
  if (sizing.table === 'superNodeMonthly')
    return { ok: false, reason: 'monthlySuperNode', message: 'monthly super nodes are billed per node' };
  const unit: UnitPrices = sizing.cpuType === 'amd' && pricing.amd ? pricing.amd : pricing;
  let perPod = spec.cpu * unit.cpuCoreSecond + spec.memoryGiB * unit.memoryGiBSecond;
  if (spec.gpu) {
    const card = gpuCardPrice(spec.gpu.type, pricing.gpuCardSecond);
    if (card === undefined)
      return {
        ok: false,
        reason: 'noGpuPrice',
        message: `no price for GPU type ${spec.gpu.type} (spec.sizing.pricing.gpuCardSecond)`,
      };
    perPod += spec.gpu.count * card;
  }
  if (sizing.spot) perPod *= pricing.spot ?? 1;
  const perSecond = perPod * replicas;
  return { ok: true, cost: { currency: pricing.currency, perSecond, perMonth: perSecond * SECONDS_PER_MONTH } };
}
