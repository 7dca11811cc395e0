/**
 * The Pod specs EKS allocates and bills (eks-domain.md section 8), as data:
 * the CPU spec tables (Intel, AMD, monthly super nodes), the fixed GPU specs
 * per GPU type, the annotation keys that choose a spec, and Tencent's published
 * list prices as a dated *example* (never a default: eksfit prices nothing the
 * user did not price).
 *
 * Sources: intl tencentcloud.com/document/product/457/36161 and
 * cloud.tencent.com/document/product/457/44174 (specifying resource specs);
 * 457/34057 and 457/39808 (resource specs); 457/34055 and 457/39806 (pricing);
 * 457/74015 (Pods schedulable on super nodes).
 */

/** Pod annotation keys that decide a Pod's spec and price: spelled in eks.ts, the one place for EKS keys. */
export { SIZING_ANNOTATIONS } from './eks.ts';

/**
 * A CPU spec table: `intel` and `amd` for serverless clusters and pay-as-you-go
 * super nodes (which take the Intel table), `superNodeMonthly` for
 * monthly-subscription super nodes in standard TKE clusters.
 */
export type CpuTable = 'intel' | 'amd' | 'superNodeMonthly';

/** A CPU type, as the `cpu-type` annotation names it. */
export type CpuType = 'intel' | 'amd';

/** One CPU tier: its cores and the memory sizes (GiB, ascending) it comes with. Each pair is one spec. */
export interface CpuTier {
  readonly cpu: number;
  readonly memoryGiB: readonly number[];
}

/** Whole GiB from `from` to `to`, inclusive. */
function gib(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The CPU spec tables, tiers in ascending order of cores. */
export const CPU_TABLES: Readonly<Record<CpuTable, readonly CpuTier[]>> = {
  intel: [
    { cpu: 0.25, memoryGiB: [0.5, 1, 2] },
    { cpu: 0.5, memoryGiB: [1, 2, 3, 4] },
    { cpu: 1, memoryGiB: gib(1, 8) },
    { cpu: 2, memoryGiB: gib(4, 16) },
    { cpu: 4, memoryGiB: gib(8, 32) },
    { cpu: 8, memoryGiB: gib(16, 32) },
    { cpu: 12, memoryGiB: gib(24, 48) },
    { cpu: 16, memoryGiB: gib(32, 64) },
  ],
  amd: [
    { cpu: 1, memoryGiB: gib(1, 4) },
    { cpu: 2, memoryGiB: gib(2, 8) },
    { cpu: 4, memoryGiB: gib(4, 16) },
    { cpu: 8, memoryGiB: gib(8, 32) },
    { cpu: 16, memoryGiB: gib(32, 64) },
  ],
  superNodeMonthly: [
    { cpu: 1, memoryGiB: gib(1, 4) },
    { cpu: 2, memoryGiB: gib(2, 8) },
    { cpu: 4, memoryGiB: gib(8, 16) },
    { cpu: 8, memoryGiB: gib(16, 32) },
  ],
};

/** The CPU type whose prices apply to a table's Pods (monthly super nodes are Intel, billed per node). */
export const TABLE_CPU_TYPE: Readonly<Record<CpuTable, CpuType>> = {
  intel: 'intel',
  amd: 'amd',
  superNodeMonthly: 'intel',
};

/** One fixed GPU spec: cards (a vGPU counts as one) with its cores and GiB. */
export interface GpuSpec {
  readonly cards: number;
  readonly cpu: number;
  readonly memoryGiB: number;
}

/**
 * The fixed GPU specs, keyed by the `gpu-type` annotation's spelling, each list
 * in ascending order of (cards, cores, GiB). vGPU types (`1/4*T4`) are their
 * own keys. Types without a published table (L20, L40, ...) are absent on
 * purpose: eksfit reports them and does not guess.
 */
export const GPU_SPECS: Readonly<Record<string, readonly GpuSpec[]>> = {
  V100: [
    { cards: 1, cpu: 8, memoryGiB: 40 },
    { cards: 2, cpu: 18, memoryGiB: 80 },
    { cards: 4, cpu: 36, memoryGiB: 160 },
    { cards: 8, cpu: 72, memoryGiB: 320 },
  ],
  T4: [
    { cards: 1, cpu: 8, memoryGiB: 32 },
    { cards: 1, cpu: 20, memoryGiB: 80 },
    { cards: 1, cpu: 32, memoryGiB: 128 },
    { cards: 2, cpu: 40, memoryGiB: 160 },
    { cards: 4, cpu: 80, memoryGiB: 320 },
  ],
  '1/4*T4': [{ cards: 1, cpu: 4, memoryGiB: 20 }],
  '1/2*T4': [{ cards: 1, cpu: 10, memoryGiB: 40 }],
  'A10*PNV4': [
    { cards: 1, cpu: 28, memoryGiB: 116 },
    { cards: 2, cpu: 56, memoryGiB: 232 },
    { cards: 4, cpu: 112, memoryGiB: 466 },
    { cards: 8, cpu: 224, memoryGiB: 932 },
  ],
  'A10*GNV4': [{ cards: 1, cpu: 12, memoryGiB: 44 }],
  '1/4*A10*GNV4v': [{ cards: 1, cpu: 6, memoryGiB: 24 }],
  '1/2*A10*GNV4v': [{ cards: 1, cpu: 14, memoryGiB: 58 }],
  'A10*GNV4v': [{ cards: 1, cpu: 28, memoryGiB: 116 }],
};

/** The extended resource whose requests count GPU cards. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** Seconds in the month eksfit bills: 730 hours. */
export const SECONDS_PER_MONTH = 730 * 3600;

/** Per-second unit prices for one CPU type. */
export interface UnitPrices {
  readonly cpuCoreSecond: number;
  readonly memoryGiBSecond: number;
}

/**
 * Tencent's published pay-as-you-go list prices, an *example* for the docs and
 * tests: they change over time and by region, and eksfit never applies them on
 * its own. `recorded` is when they were copied into eks-domain.md, not a date
 * the pages state.
 */
export const LIST_PRICES_EXAMPLE = {
  recorded: '2026-12-01',
  /** The pricing pages (international and Chinese sites) the prices come from. */
  sources: ['document/product/457/34055', 'document/product/457/39806'],
  international: {
    currency: 'USD',
    intel: { cpuCoreSecond: 0.000004976, memoryGiBSecond: 0.000002073 },
    amd: { cpuCoreSecond: 0.00000219, memoryGiBSecond: 0.00000127 },
  },
  china: {
    currency: 'CNY',
    intel: { cpuCoreSecond: 0.00003334, memoryGiBSecond: 0.00001389 },
    amd: { cpuCoreSecond: 0.00001528, memoryGiBSecond: 0.00000889 },
    /** Per card-second; vGPU types cost the card's price times their fraction. */
    gpuCardSecond: { V100: 0.003193, T4: 0.001447 },
  },
  /** Spot Pods cost this fraction of pay-as-you-go, for CPU, memory and GPU. */
  spot: 0.2,
} as const;
