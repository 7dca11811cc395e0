/**
 * Pod sizing (issue 17): the spec EKS allocates and bills. Each table row reads
 * as "this Pod is billed as that spec", with Tencent's worked examples first,
 * then the boundaries of each table, init containers, annotations and GPUs.
 * A property suite at the end checks every computed spec against the tables.
 *
 * Replay a property failure: PROPERTY_SEED=<seed> PROPERTY_PATH=<path>.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CPU_TABLES,
  GPU_SPECS,
  LIST_PRICES_EXAMPLE,
  SIZING_ANNOTATIONS as A,
  type CpuTable,
} from '../src/eks-specs.ts';
import { fromUnits, GIB, NANO, parseQuantity } from '../src/quantity.ts';
import {
  askedResources,
  DEFAULT_INIT_RULE,
  fitCpuTable,
  fitGpu,
  formatRow,
  gpuCardPrice,
  nearestRow,
  podCost,
  sizePod,
  tableRows,
  waste,
  type Asked,
  type Pricing,
  type Sizing,
  type SizingOptions,
  type SizingProblemKind,
} from '../src/sizing.ts';
import { propertyParams } from './helpers/property.ts';

const GIB_NANOS = GIB * NANO;
type Res = Record<string, string | number>;

/** A container with these requests and limits. */
const ctr = (requests?: Res, limits?: Res) => ({
  name: 'c',
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
});
/** A container asking for `cpu` and `memory` (requests only). */
const ask = (cpu: string | number, memory: string | number, extra: Res = {}) => ctr({ cpu, memory, ...extra });

interface Case {
  readonly containers?: readonly unknown[];
  readonly initContainers?: readonly unknown[];
  readonly annotations?: Record<string, string>;
  readonly options?: SizingOptions;
}

function run(c: Case): Sizing {
  return sizePod(
    { containers: c.containers ?? [], ...(c.initContainers ? { initContainers: c.initContainers } : {}) },
    c.annotations ?? {},
    c.options ?? {},
  );
}

/** `4C8G requests`, `8C40G 1×V100 requests (gpu)`, or the problem kinds when there is no spec. */
function describe(s: Sizing): string {
  if (!s.spec) return `no spec: ${s.problems.map((p) => p.kind).join(', ')}`;
  const table = s.table === 'intel' ? '' : ` (${s.table})`;
  return `${formatRow(s.spec)} ${s.spec.source}${table}`;
}

const size = suite('sizePod');
/** The Pod is billed as `expected` (see `describe`). */
const billed = (title: string, c: Case, expected: string, problems: readonly SizingProblemKind[] = []) =>
  size(`${title} -> ${expected}`, () => {
    const s = run(c);
    assert.is(describe(s), expected);
    if (s.spec)
      assert.equal(
        s.problems.map((p) => p.kind),
        problems,
      );
  });

// Tencent's worked examples (eks-domain.md section 8; the acceptance list)
billed('one container 1 CPU / 2 GiB', { containers: [ask('1', '2Gi')] }, '1C2G requests');
billed(
  'two containers: CPU max(2+1, 4) = 4, memory max(4+2, 4) = 6 GiB, and 4 cores come with at least 8 GiB',
  {
    containers: [
      ctr({ cpu: '2', memory: '4Gi' }, { cpu: '4', memory: '4Gi' }),
      ctr({ cpu: '1', memory: '2Gi' }, { cpu: '1', memory: '2Gi' }),
    ],
  },
  '4C8G requests',
);
billed('CPU 0 with 8 GiB: the smallest spec that holds 8 GiB', { containers: [ask('0', '8Gi')] }, '1C8G requests');
billed(
  'GPU V100, requests 4C/16Gi, limits 8C/32Gi, 1 GPU: 8 cores / 32 GiB fit the 1-card spec',
  {
    containers: [
      ctr({ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 1 }, { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': 1 }),
    ],
    annotations: { [A.gpuType]: 'V100' },
  },
  '8C40G 1×V100 requests (gpu)',
);
// The 36C/160G case, read two ways (the issue names only the result). GPU
// requests are summed and the spec with that many cards is taken; when the
// containers' CPU or memory exceed it, the smallest spec of the type that holds
// them is taken instead, more cards than asked included.
billed(
  'two V100 containers with 1 GPU each: 2 cards, but 20 cores / 96 GiB exceed the 2-card 18C/80G, so the 4-card spec (2 cards billed unused)',
  {
    containers: [ask('10', '48Gi', { 'nvidia.com/gpu': 1 }), ask('10', '48Gi', { 'nvidia.com/gpu': 1 })],
    annotations: { [A.gpuType]: 'V100' },
  },
  '36C160G 4×V100 requests (gpu)',
);
billed(
  'two V100 containers with 2 GPUs each: 4 cards, the 4-card spec',
  {
    containers: [ask('8', '32Gi', { 'nvidia.com/gpu': 2 }), ask('8', '32Gi', { 'nvidia.com/gpu': 2 })],
    annotations: { [A.gpuType]: 'V100' },
  },
  '36C160G 4×V100 requests (gpu)',
);
// The issue's own examples
billed('1.5 cores / 3 GiB', { containers: [ask('1.5', '3Gi')] }, '2C4G requests');
billed('1 core with 12 GiB moves to the 2-core tier', { containers: [ask('1', '12Gi')] }, '2C12G requests');

// Defaults and the "one of them is zero" rule
billed('nothing set anywhere: 1 core / 2 GiB', { containers: [ctr(), ctr()] }, '1C2G default');
billed('no containers at all', {}, '1C2G default');
billed('explicit zeros are "nothing set" too', { containers: [ask('0', '0')] }, '1C2G default');
billed('memory 0 with 2 cores: the tier minimum', { containers: [ctr({ cpu: '2' })] }, '2C4G requests');
billed('memory 0 with 250m', { containers: [ctr({ cpu: '250m' })] }, '0.25C0.5G requests');
billed('CPU 0 with 20 GiB', { containers: [ctr({ memory: '20Gi' })] }, '4C20G requests');

// Requests and limits
billed(
  'a limit without a request counts as the request',
  { containers: [ctr(undefined, { cpu: '2', memory: '4Gi' })] },
  '2C4G requests',
);
billed(
  'the largest single limit beats a smaller sum of requests',
  { containers: [ask('1', '1Gi'), ctr({ cpu: '1', memory: '1Gi' }, { cpu: '3', memory: '1Gi' })] },
  '4C8G requests',
);
billed(
  'the sum of requests beats a smaller largest limit',
  { containers: [ask('1', '3Gi'), ctr({ cpu: '1', memory: '3Gi' }, { cpu: '1', memory: '3Gi' })] },
  '2C6G requests',
);
billed(
  'exact sums: 0.1 + 0.2 + 0.7 cores is exactly 1 (floats would make it 1.0000000000000002 and bill 2 cores)',
  { containers: [ask(0.1, '512Mi'), ask(0.2, '256Mi'), ask(0.7, '256Mi')] },
  '1C1G requests',
);
billed('decimal memory units: 8G is 7.45 GiB', { containers: [ask('1', '8G')] }, '1C8G requests');
billed('decimal memory units: 9G is 8.38 GiB', { containers: [ask('1', '9G')] }, '2C9G requests');
billed('memory in bytes and an exponent', { containers: [ask('2e0', '4294967296')] }, '2C4G requests');

// Intel boundaries
billed('0.25C / 0.5G, the smallest spec', { containers: [ask('250m', '512Mi')] }, '0.25C0.5G requests');
billed('a tiny request rounds up to the smallest spec', { containers: [ask('1m', '1Mi')] }, '0.25C0.5G requests');
billed('one millicore above 0.25', { containers: [ask('251m', '512Mi')] }, '0.5C1G requests');
billed('one MiB above 0.5 GiB', { containers: [ask('250m', '513Mi')] }, '0.25C1G requests');
billed('0.25 cores with 3 GiB: above the tier, to 0.5C', { containers: [ask('250m', '3Gi')] }, '0.5C3G requests');
billed('exactly at the 1-core memory edge', { containers: [ask('1', '8Gi')] }, '1C8G requests');
billed('one byte above it', { containers: [ask('1', '8589934593')] }, '2C9G requests');
billed('exactly at a CPU tier edge', { containers: [ask('2', '16Gi')] }, '2C16G requests');
billed('one millicore above it', { containers: [ask('2001m', '16Gi')] }, '4C16G requests');
billed('memory below the tier minimum is raised to it', { containers: [ask('2', '1Gi')] }, '2C4G requests');
billed('memory inside a tier rounds up to a whole GiB', { containers: [ask('4', '9.5Gi')] }, '4C10G requests');
billed('8 cores with 33 GiB: the 12-core tier', { containers: [ask('8', '33Gi')] }, '12C33G requests');
billed('12 cores with 49 GiB: the 16-core tier', { containers: [ask('12', '49Gi')] }, '16C49G requests');
billed('the largest spec', { containers: [ask('16', '64Gi')] }, '16C64G requests');
billed('one millicore above the largest', { containers: [ask('16001m', '64Gi')] }, 'no spec: overLargestSpec');
billed('one byte above the largest', { containers: [ask('16', '68719476737')] }, 'no spec: overLargestSpec');
billed('1 core with 65 GiB', { containers: [ask('1', '65Gi')] }, 'no spec: overLargestSpec');

// AMD, by annotation or option
const amd = { [A.cpuType]: 'amd' };
billed('AMD has no 0.25/0.5 tiers', { containers: [ask('250m', '512Mi')], annotations: amd }, '1C1G requests (amd)');
billed('AMD 2 cores start at 2 GiB', { containers: [ask('2', '1Gi')], annotations: amd }, '2C2G requests (amd)');
billed(
  'AMD 8 cores start at 8 GiB (Intel: 16)',
  { containers: [ask('8', '8Gi')], annotations: amd },
  '8C8G requests (amd)',
);
billed('AMD 1 core holds up to 4 GiB', { containers: [ask('1', '5Gi')], annotations: amd }, '2C5G requests (amd)');
billed('AMD has no 12-core tier', { containers: [ask('12', '24Gi')], annotations: amd }, '16C32G requests (amd)');
billed(
  'AMD 4 cores with 16 GiB, the tier edge',
  { containers: [ask('4', '16Gi')], annotations: amd },
  '4C16G requests (amd)',
);
billed('AMD 8 cores with 33 GiB', { containers: [ask('8', '33Gi')], annotations: amd }, '16C33G requests (amd)');
billed('AMD largest', { containers: [ask('16', '64Gi')], annotations: amd }, '16C64G requests (amd)');
billed('AMD one above the largest', { containers: [ask('16', '65Gi')], annotations: amd }, 'no spec: overLargestSpec');
billed('AMD default', { containers: [], annotations: amd }, '1C2G default (amd)');
billed(
  'cpu-type is case-blind',
  { containers: [ask('2', '1Gi')], annotations: { [A.cpuType]: 'AMD' } },
  '2C2G requests (amd)',
);
billed(
  'a priority list: the first type first',
  { containers: [ask('2', '1Gi')], annotations: { [A.cpuType]: 'amd,intel' } },
  '2C2G requests (amd)',
);
billed(
  'Intel first when listed first',
  { containers: [ask('2', '1Gi')], annotations: { [A.cpuType]: 'intel, amd' } },
  '2C4G requests',
);
billed(
  'an unknown type is reported and skipped',
  { containers: [ask('2', '1Gi')], annotations: { [A.cpuType]: 'arm,amd' } },
  '2C2G requests (amd)',
  ['unknownCpuType'],
);
billed(
  'only unknown types: Intel',
  { containers: [ask('2', '1Gi')], annotations: { [A.cpuType]: 'arm' } },
  '2C4G requests',
  ['unknownCpuType'],
);
billed(
  'the table option beats the annotation',
  { containers: [ask('2', '1Gi')], annotations: { [A.cpuType]: 'intel' }, options: { table: 'amd' } },
  '2C2G requests (amd)',
);
// Monthly super nodes
const monthly: SizingOptions = { table: 'superNodeMonthly' };
billed(
  'monthly super nodes start at 1 core',
  { containers: [ask('250m', '512Mi')], options: monthly },
  '1C1G requests (superNodeMonthly)',
);
billed(
  'monthly 4 cores start at 8 GiB',
  { containers: [ask('4', '4Gi')], options: monthly },
  '4C8G requests (superNodeMonthly)',
);
billed('monthly largest', { containers: [ask('8', '32Gi')], options: monthly }, '8C32G requests (superNodeMonthly)');
billed('monthly over the largest', { containers: [ask('8', '33Gi')], options: monthly }, 'no spec: overLargestSpec');
billed('monthly has no 16 cores', { containers: [ask('9', '16Gi')], options: monthly }, 'no spec: overLargestSpec');

// Init containers larger than the app containers
const app = [ask('1', '2Gi')];
const twoInits = [ask('2', '4Gi'), ask('2', '4Gi')];
billed(
  'one large init container, rule largest',
  { containers: app, initContainers: [ask('4', '8Gi')] },
  '4C8G requests',
);
billed(
  'one large init container, rule group',
  { containers: app, initContainers: [ask('4', '8Gi')], options: { initRule: 'group' } },
  '4C8G requests',
);
billed(
  'two init containers, rule largest: the larger one (they run one at a time)',
  { containers: app, initContainers: twoInits },
  '2C4G requests',
);
billed(
  'two init containers, rule group: their sum',
  { containers: app, initContainers: twoInits, options: { initRule: 'group' } },
  '4C8G requests',
);
billed(
  'init limit above its request, rule largest',
  { containers: app, initContainers: [ctr({ cpu: '1', memory: '1Gi' }, { cpu: '3', memory: '1Gi' })] },
  '4C8G requests',
);
billed(
  'a bare init container counts as 1 core / 2 GiB under rule largest',
  { containers: [ask('250m', '512Mi')], initContainers: [ctr()] },
  '1C2G requests',
);
billed(
  'a bare init container counts as nothing under rule group',
  { containers: [ask('250m', '512Mi')], initContainers: [ctr()], options: { initRule: 'group' } },
  '0.25C0.5G requests',
);
billed(
  'nothing set anywhere, with a bare init container',
  { containers: [ctr()], initContainers: [ctr()] },
  '1C2G default',
);
billed(
  'init memory, app CPU: per dimension',
  { containers: [ask('4', '1Gi')], initContainers: [ask('1', '20Gi')] },
  '4C20G requests',
);
billed('init containers only', { initContainers: [ask('3', '5Gi')] }, '4C8G requests');

// Annotations win
billed(
  'cpu + mem annotations win over requests',
  { containers: [ask('8', '32Gi')], annotations: { [A.cpu]: '2', [A.mem]: '4Gi' } },
  '2C4G annotations',
);
billed(
  'the smallest spec by annotation',
  { containers: [], annotations: { [A.cpu]: '0.25', [A.mem]: '0.5Gi' } },
  '0.25C0.5G annotations',
);
billed(
  'annotations naming a spec only AMD has, cpu-type unset: AMD (Intel is preferred only where both have the spec)',
  { containers: [], annotations: { [A.cpu]: '2', [A.mem]: '3Gi' } },
  '2C3G annotations (amd)',
);
billed(
  'the same annotations with cpu-type intel: no such spec',
  { containers: [], annotations: { [A.cpu]: '2', [A.mem]: '3Gi', [A.cpuType]: 'intel' } },
  'no spec: unsupportedAnnotationSpec',
);
billed(
  'a spec both tables have, cpu-type unset: Intel',
  { containers: [], annotations: { [A.cpu]: '2', [A.mem]: '4Gi' } },
  '2C4G annotations',
);
billed(
  'the same annotations on AMD',
  { containers: [], annotations: { [A.cpu]: '2', [A.mem]: '3Gi', [A.cpuType]: 'amd' } },
  '2C3G annotations (amd)',
);
billed('mem not in Gi (G)', { containers: [], annotations: { [A.cpu]: '2', [A.mem]: '4G' } }, 'no spec: memNotGi');
billed('mem not in Gi (Mi)', { containers: [], annotations: { [A.cpu]: '2', [A.mem]: '4096Mi' } }, 'no spec: memNotGi');
billed(
  'mem not a quantity',
  { containers: [], annotations: { [A.cpu]: '2', [A.mem]: 'lots' } },
  'no spec: invalidAnnotation',
);
billed(
  'cpu with a unit',
  { containers: [], annotations: { [A.cpu]: '500m', [A.mem]: '1Gi' } },
  'no spec: invalidAnnotation',
);
billed(
  'cpu over the largest',
  { containers: [], annotations: { [A.cpu]: '32', [A.mem]: '64Gi' } },
  'no spec: unsupportedAnnotationSpec',
);
billed(
  'cpu without mem: reported, the spec comes from the requests',
  { containers: [ask('1', '2Gi')], annotations: { [A.cpu]: '4' } },
  '1C2G requests',
  ['unpairedAnnotation'],
);
billed(
  'mem without cpu: the same',
  { containers: [ask('1', '2Gi')], annotations: { [A.mem]: '8Gi' } },
  '1C2G requests',
  ['unpairedAnnotation'],
);
billed(
  'GPU annotations name a GPU spec',
  { containers: [], annotations: { [A.gpuType]: 'V100', [A.gpuCount]: '2', [A.cpu]: '18', [A.mem]: '80Gi' } },
  '18C80G 2×V100 annotations (gpu)',
);
billed(
  'GPU annotations naming no spec of the type',
  { containers: [], annotations: { [A.gpuType]: 'V100', [A.gpuCount]: '1', [A.cpu]: '8', [A.mem]: '32Gi' } },
  'no spec: unsupportedAnnotationSpec',
);
billed(
  'gpu-count without cpu/mem: the cards from the annotation, cores and memory from the requests',
  { containers: [ask('10', '8Gi')], annotations: { [A.gpuType]: 'T4', [A.gpuCount]: '1' } },
  '20C80G 1×T4 requests (gpu)',
);
billed(
  'gpu-count beats the requests',
  { containers: [ask('1', '1Gi', { 'nvidia.com/gpu': 1 })], annotations: { [A.gpuType]: 'V100', [A.gpuCount]: '2' } },
  '18C80G 2×V100 requests (gpu)',
);
billed(
  'gpu-count not a number',
  { containers: [], annotations: { [A.gpuType]: 'V100', [A.gpuCount]: 'two' } },
  'no spec: invalidAnnotation',
);
billed(
  'gpu-count 0 is a CPU Pod',
  { containers: [ask('1', '2Gi')], annotations: { [A.gpuType]: 'V100', [A.gpuCount]: '0' } },
  '1C2G requests',
);

// GPUs
const t4 = { [A.gpuType]: 'T4' };
const gpu = (n: number, cpu: string, memory: string) => ask(cpu, memory, { 'nvidia.com/gpu': n });
billed('T4 1 card, 8C/32G', { containers: [gpu(1, '8', '32Gi')], annotations: t4 }, '8C32G 1×T4 requests (gpu)');
billed(
  'T4 1 card, 9 cores: the next 1-card spec',
  { containers: [gpu(1, '9', '32Gi')], annotations: t4 },
  '20C80G 1×T4 requests (gpu)',
);
billed(
  'T4 1 card, 33 cores: only the 2-card spec holds it',
  { containers: [gpu(1, '33', '32Gi')], annotations: t4 },
  '40C160G 2×T4 requests (gpu)',
);
billed(
  'T4 3 cards: the 4-card spec',
  { containers: [gpu(3, '1', '1Gi')], annotations: t4 },
  '80C320G 4×T4 requests (gpu)',
);
billed(
  'T4 5 cards: more than any spec',
  { containers: [gpu(5, '1', '1Gi')], annotations: t4 },
  'no spec: gpuOverLargestSpec',
);
billed(
  'V100 8 cards, the largest',
  { containers: [gpu(8, '72', '320Gi')], annotations: { [A.gpuType]: 'V100' } },
  '72C320G 8×V100 requests (gpu)',
);
billed(
  'V100 8 cards, one core more',
  { containers: [gpu(8, '73', '320Gi')], annotations: { [A.gpuType]: 'V100' } },
  'no spec: gpuOverLargestSpec',
);
billed(
  'V100 9 cards',
  { containers: [gpu(9, '1', '1Gi')], annotations: { [A.gpuType]: 'V100' } },
  'no spec: gpuOverLargestSpec',
);
billed(
  'a vGPU counts as one card',
  { containers: [gpu(1, '2', '8Gi')], annotations: { [A.gpuType]: '1/4*T4' } },
  '4C20G 1×1/4*T4 requests (gpu)',
);
billed(
  'GPUs by limit only',
  { containers: [ctr({ cpu: '1' }, { 'nvidia.com/gpu': '1' })], annotations: { [A.gpuType]: 'V100' } },
  '8C40G 1×V100 requests (gpu)',
);
billed(
  'a GPU Pod with nothing else set',
  { containers: [ctr({ 'nvidia.com/gpu': 1 })], annotations: { [A.gpuType]: 'A10*GNV4' } },
  '12C44G 1×A10*GNV4 default (gpu)',
);
billed(
  'the first listed GPU type',
  { containers: [gpu(1, '1', '1Gi')], annotations: { [A.gpuType]: 'T4,V100' } },
  '8C32G 1×T4 requests (gpu)',
);
billed(
  'L20 has no table: reported, not guessed',
  { containers: [gpu(1, '1', '1Gi')], annotations: { [A.gpuType]: 'L20' } },
  'no spec: unknownGpuType',
);
billed(
  'L40 first in the list',
  { containers: [gpu(1, '1', '1Gi')], annotations: { [A.gpuType]: 'L40,V100' } },
  'no spec: unknownGpuType',
);
billed('GPUs without a gpu-type', { containers: [gpu(1, '1', '1Gi')] }, 'no spec: missingGpuType');
billed('gpu-type without GPUs is a CPU Pod', { containers: [ask('1', '2Gi')], annotations: t4 }, '1C2G requests');

// Quantities Kubernetes refuses
billed('a malformed quantity', { containers: [ask('1K', '2Gi')] }, 'no spec: invalidQuantity');
billed('a negative quantity', { containers: [ask('-1', '2Gi')] }, 'no spec: invalidQuantity');
billed('half a GPU', { containers: [gpu(0.5, '1', '1Gi')], annotations: t4 }, 'no spec: invalidQuantity');
billed(
  'not a quantity at all',
  { containers: [ctr({ cpu: { a: 1 } as unknown as string })] },
  'no spec: invalidQuantity',
);

size('a problem carries the field path from the Pod template and the value', () => {
  const s = run({ containers: [ask('1', '2Gi'), ctr(undefined, { memory: '2 Gi' })] });
  assert.equal(s.problems, [
    {
      kind: 'invalidQuantity',
      message: 'containers.1.resources.limits.memory is not a Kubernetes quantity ("2 Gi")',
      path: ['spec', 'containers', 1, 'resources', 'limits', 'memory'],
      value: '2 Gi',
    },
  ]);
});
size('annotation problems point at the annotation', () => {
  const s = run({ annotations: { [A.cpu]: '2', [A.mem]: '4G' } });
  assert.equal(s.problems[0]?.path, ['metadata', 'annotations', A.mem]);
  assert.match(s.problems[0]?.message ?? '', '"4G" (3.73 GiB) must be in Gi');
});
size('over the largest spec says what was asked and the largest spec', () => {
  const s = run({ containers: [ask('17', '64Gi')] });
  assert.is(
    s.problems[0]?.message,
    '17 core(s) / 64 GiB is more than the largest spec (16C64G): EKS will not create the Pod',
  );
});
size('asked is reported whatever the annotations say', () => {
  const s = run({ containers: [ask('1', '2Gi')], annotations: { [A.cpu]: '8', [A.mem]: '16Gi' } });
  assert.equal(s.asked, { cpu: NANO, memory: 2n * GIB_NANOS, gpu: 0 });
});
size('spot-pod', () => {
  assert.is(run({ annotations: { [A.spotPod]: 'true' } }).spot, true);
  assert.is(run({ annotations: { [A.spotPod]: 'false' } }).spot, false);
  assert.is(run({}).spot, false);
});
size('spec-auto-upgrade: the next CPU tier that holds the memory', () => {
  const up = (c: Case) => run({ ...c, annotations: { ...c.annotations, [A.specAutoUpgrade]: 'true' } }).upgrade;
  assert.equal(up({ containers: [ask('1', '4Gi')] }), { cpu: 2, memoryGiB: 4 });
  assert.equal(up({ containers: [ask('0.5', '3Gi')] }), { cpu: 1, memoryGiB: 3 });
  assert.equal(up({ containers: [ask('4', '32Gi')] }), { cpu: 8, memoryGiB: 32 });
  assert.equal(up({ containers: [ask('8', '32Gi')] }), { cpu: 12, memoryGiB: 32 });
  assert.equal(up({ containers: [ask('16', '64Gi')] }), undefined);
  assert.equal(up({ containers: [gpu(1, '1', '1Gi')], annotations: t4 }), undefined);
  assert.equal(run({ containers: [ask('1', '4Gi')] }).upgrade, undefined);
});
size('the cpu type for prices', () => {
  assert.is(run({ annotations: amd }).cpuType, 'amd');
  assert.is(run({}).cpuType, 'intel');
  assert.is(run({ options: monthly }).cpuType, 'intel');
});
size('the default init rule is largest', () => assert.is(DEFAULT_INIT_RULE, 'largest'));
size('a Pod spec that is not an object reads as nothing set', () => {
  assert.is(describe(sizePod(null)), '1C2G default');
  assert.is(describe(sizePod({ containers: 'x', initContainers: [null, 3] })), '1C2G default');
});
size('annotations that are not strings are read as text', () => {
  assert.is(describe(sizePod({}, { [A.cpu]: 2, [A.mem]: '4Gi' })), '2C4G annotations');
});
size.run();

const asked = suite('askedResources');
asked('the two-container example: 4 cores, 6 GiB, exactly', () => {
  const a = askedResources(
    {
      containers: [
        ctr({ cpu: '2', memory: '4Gi' }, { cpu: '4', memory: '4Gi' }),
        ctr({ cpu: '1', memory: '2Gi' }, { cpu: '1', memory: '2Gi' }),
      ],
    },
    'largest',
  );
  assert.equal(a, { cpu: 4n * NANO, memory: 6n * GIB_NANOS, gpu: 0 });
});
asked('nothing set is zero (the default is the caller`s)', () => {
  assert.equal(askedResources({ containers: [ctr()] }, 'largest'), { cpu: 0n, memory: 0n, gpu: 0 });
});
asked('GPUs are summed over the app containers', () => {
  const a = askedResources({ containers: [gpu(1, '1', '1Gi'), gpu(2, '1', '1Gi')] }, 'group');
  assert.is(a.gpu, 3);
});
asked('refused quantities count as unset and are reported', () => {
  const problems: Parameters<typeof askedResources>[2] = [];
  const a = askedResources({ containers: [ask('x', '1Gi')] }, 'largest', problems);
  assert.equal(a, { cpu: 0n, memory: GIB_NANOS, gpu: 0 });
  assert.is(problems?.length, 1);
});
asked.run();

const fitCpu = suite('fitCpuTable');
fitCpu('the smallest row that holds the ask', () => {
  assert.equal(fitCpuTable('intel', fromUnits(1.5), 3n * GIB_NANOS), { cpu: 2, memoryGiB: 4 });
  assert.equal(fitCpuTable('amd', fromUnits(1.5), 3n * GIB_NANOS), { cpu: 2, memoryGiB: 3 });
  assert.equal(fitCpuTable('intel', fromUnits(17), 0n), undefined);
});
fitCpu('above a tier: the next tier up', () => {
  assert.equal(fitCpuTable('intel', 0n, 4n * GIB_NANOS, 1), { cpu: 2, memoryGiB: 4 });
  assert.equal(fitCpuTable('intel', 0n, 4n * GIB_NANOS, 16), undefined);
});
fitCpu.run();

const fitG = suite('fitGpu');
fitG('the smallest spec of the type with enough cards, cores and memory', () => {
  assert.equal(fitGpu('V100', 1, 0n, 0n), { cpu: 8, memoryGiB: 40, gpu: { type: 'V100', count: 1 } });
  assert.equal(fitGpu('V100', 3, 0n, 0n), { cpu: 36, memoryGiB: 160, gpu: { type: 'V100', count: 4 } });
  assert.equal(fitGpu('V100', 1, 0n, 41n * GIB_NANOS), { cpu: 18, memoryGiB: 80, gpu: { type: 'V100', count: 2 } });
});
fitG('no spec, or no table', () => {
  assert.is(fitGpu('V100', 9, 0n, 0n), undefined);
  assert.is(fitGpu('L20', 1, 0n, 0n), undefined);
});
fitG.run();

const fmt = suite('formatRow');
fmt('CPU and GPU specs', () => {
  assert.is(formatRow({ cpu: 4, memoryGiB: 8 }), '4C8G');
  assert.is(formatRow({ cpu: 0.25, memoryGiB: 0.5 }), '0.25C0.5G');
  assert.is(formatRow({ cpu: 8, memoryGiB: 40, gpu: { type: 'V100', count: 1 } }), '8C40G 1×V100');
});
fmt.run();

const rows = suite('tableRows');
rows('every (cores, GiB) pair of a CPU table', () => {
  const intel = tableRows('intel');
  assert.equal(intel[0], { cpu: 0.25, memoryGiB: 0.5 });
  assert.equal(intel.at(-1), { cpu: 16, memoryGiB: 64 });
  assert.is(intel.length, 3 + 4 + 8 + 13 + 25 + 17 + 25 + 33);
  assert.is(tableRows('superNodeMonthly').length, 4 + 7 + 9 + 17);
});
rows('the specs of a GPU type', () => {
  assert.equal(tableRows({ gpuType: '1/2*T4' }), [{ cpu: 10, memoryGiB: 40, gpu: { type: '1/2*T4', count: 1 } }]);
  assert.equal(tableRows({ gpuType: 'L20' }), []);
});
rows('tables are sorted: tiers by cores, memory ascending, GPU specs by (cards, cores, GiB)', () => {
  for (const tiers of Object.values(CPU_TABLES)) {
    tiers.forEach((t, i) => {
      if (i > 0) assert.ok(t.cpu > (tiers[i - 1]?.cpu ?? 0));
      assert.equal(
        [...t.memoryGiB].sort((a, b) => a - b),
        t.memoryGiB,
      );
    });
  }
  for (const specs of Object.values(GPU_SPECS)) {
    const keys = specs.map((g) => [g.cards, g.cpu, g.memoryGiB]);
    assert.equal(
      [...keys].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!),
      keys,
    );
  }
});
rows.run();

const wasteSuite = suite('waste');
const sized = (cpu: string, memory: string, c: Omit<Case, 'containers'> = {}) =>
  run({ ...c, containers: [ask(cpu, memory)] });
wasteSuite('4.5 cores / 8 GiB billed as 8C16G: both dimensions, nearest 4C8G', () => {
  const w = waste(sized('4.5', '8Gi'));
  assert.equal(w, {
    threshold: 1.5,
    billed: { cpu: 8, memoryGiB: 16, source: 'requests' },
    over: [
      { dimension: 'cpu', asked: 4.5, billed: 8, ratio: 8 / 4.5 },
      { dimension: 'memory', asked: 8, billed: 16, ratio: 2 },
    ],
    nearest: { cpu: 4, memoryGiB: 8 },
  });
});
wasteSuite('1 core / 12 GiB billed as 2C12G: CPU, nearest 1C8G', () => {
  const w = waste(sized('1', '12Gi'));
  assert.equal(
    w?.over.map((o) => o.dimension),
    ['cpu'],
  );
  assert.equal(w?.nearest, { cpu: 1, memoryGiB: 8 });
});
wasteSuite('0.25 cores / 8 GiB billed as 1C8G: nearest by ratio is 0.5C4G (x2 cores, /2 memory beats x4 cores)', () => {
  assert.equal(waste(sized('250m', '8Gi'))?.nearest, { cpu: 0.5, memoryGiB: 4 });
});
wasteSuite('the nearest row may be the billed one (use what you pay for)', () => {
  // 3 cores / 16 GiB: 4C16G is x1.33 on CPU; 2C16G /1.5. Billed 4C16G, not waste at 1.5 but at 1.2.
  const w = waste(sized('3', '16Gi'), 1.2);
  assert.equal(w?.billed, { cpu: 4, memoryGiB: 16, source: 'requests' });
  assert.equal(w?.nearest, { cpu: 4, memoryGiB: 16 });
});
wasteSuite('within the threshold: none', () => assert.is(waste(sized('3', '6Gi')), undefined));
wasteSuite('exactly 1.5 times is not waste; just above is', () => {
  assert.is(waste(sized('8', '33Gi')), undefined); // 12C33G: 12 / 8 = 1.5
  assert.equal(
    waste(sized('7999m', '33Gi'))?.over.map((o) => o.dimension),
    ['cpu'],
  );
});
wasteSuite('the threshold is the caller`s', () => {
  assert.is(waste(sized('4.5', '8Gi'), 2), undefined);
  assert.ok(waste(sized('3', '6Gi'), 1.2));
});
wasteSuite('nothing asked on a dimension: not compared (the default is never waste)', () => {
  assert.is(waste(sized('0', '8Gi')), undefined);
  assert.is(waste(run({})), undefined);
});
wasteSuite('annotations pinned above the requests', () => {
  const w = waste(run({ containers: [ask('1', '2Gi')], annotations: { [A.cpu]: '8', [A.mem]: '16Gi' } }));
  assert.equal(
    w?.over.map((o) => [o.dimension, o.ratio]),
    [
      ['cpu', 8],
      ['memory', 8],
    ],
  );
  assert.equal(w?.billed.source, 'annotations');
});
wasteSuite('GPU cards count: 1 card asked, 4 billed', () => {
  const w = waste(run({ containers: [gpu(1, '20', '100Gi')], annotations: { [A.gpuType]: 'V100' } }));
  assert.equal(
    w?.over.map((o) => [o.dimension, o.ratio]),
    [
      ['cpu', 1.8],
      ['memory', 1.6],
      ['gpu', 4],
    ],
  );
  assert.equal(w?.nearest, { cpu: 18, memoryGiB: 80, gpu: { type: 'V100', count: 2 } });
});
wasteSuite('AMD: nearest from the AMD table', () => {
  assert.equal(waste(sized('4.5', '8Gi', { annotations: amd }))?.nearest, { cpu: 4, memoryGiB: 8 });
  assert.equal(waste(sized('1', '2500Mi', { annotations: amd, options: { table: 'amd' } })), undefined);
});
wasteSuite('no spec, no waste', () => assert.is(waste(sized('17', '1Gi')), undefined));
wasteSuite.run();

const nearest = suite('nearestRow');
const askOf = (cpu: number, memoryGiB: number, g = 0): Asked => ({
  cpu: fromUnits(cpu),
  memory: fromUnits(memoryGiB, GIB_NANOS),
  gpu: g,
});
nearest('ties on the worst dimension go to the smaller total difference, then to a row that holds the ask', () => {
  assert.equal(nearestRow(tableRows('intel'), askOf(4.5, 8)), { cpu: 4, memoryGiB: 8 });
  assert.equal(nearestRow(tableRows('intel'), askOf(1.5, 8)), { cpu: 2, memoryGiB: 8 });
  assert.equal(nearestRow(tableRows('intel'), askOf(0.25, 8)), { cpu: 0.5, memoryGiB: 4 });
});
nearest('an ask that is a row is its own nearest', () => {
  assert.equal(nearestRow(tableRows('intel'), askOf(12, 30)), { cpu: 12, memoryGiB: 30 });
});
nearest('nothing asked: none', () => assert.is(nearestRow(tableRows('intel'), askOf(0, 0)), undefined));
nearest.run();

const cardPrice = suite('gpuCardPrice');
cardPrice('own price, a vGPU fraction of its card, or none', () => {
  const p = { V100: 0.003193, T4: 0.001447, '1/2*T4': 0.0008 };
  assert.is(gpuCardPrice('V100', p), 0.003193);
  assert.is(gpuCardPrice('1/4*T4', p), 0.001447 / 4);
  assert.is(gpuCardPrice('1/2*T4', p), 0.0008);
  assert.is(gpuCardPrice('1/4*A10*GNV4v', p), undefined);
  assert.is(gpuCardPrice('V100', undefined), undefined);
});
cardPrice.run();

const cost = suite('podCost');
const intl = LIST_PRICES_EXAMPLE.international;
const usd: Pricing = { currency: 'USD', ...intl.intel, amd: intl.amd, spot: 0.2 };
const cn = LIST_PRICES_EXAMPLE.china;
const cny: Pricing = { currency: 'CNY', ...cn.intel, amd: cn.amd, gpuCardSecond: cn.gpuCardSecond, spot: 0.2 };
const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);
const perMonth = (s: Sizing, p: Pricing | undefined, replicas?: number): number => {
  const c = podCost(s, p, replicas);
  if (!c.ok) throw new Error(c.message);
  return c.cost.perMonth;
};
cost('1C2G on Intel at the international list prices, a 730-hour month', () => {
  const c = podCost(sized('1', '2Gi'), usd);
  assert.ok(c.ok);
  if (c.ok) {
    assert.is(c.cost.currency, 'USD');
    close(c.cost.perSecond, 0.000004976 + 2 * 0.000002073);
    close(c.cost.perMonth, (0.000004976 + 2 * 0.000002073) * 730 * 3600);
  }
});
cost('replicas multiply', () => close(perMonth(sized('1', '2Gi'), usd, 3), 3 * perMonth(sized('1', '2Gi'), usd)));
cost('AMD Pods at the AMD prices, or the main prices without them', () => {
  const s = sized('2', '2Gi', { annotations: amd });
  close(perMonth(s, usd), (2 * 0.00000219 + 2 * 0.00000127) * 730 * 3600);
  close(perMonth(s, { currency: 'USD', ...intl.intel }), (2 * 0.000004976 + 2 * 0.000002073) * 730 * 3600);
});
cost('spot Pods at the spot factor; without one, at the full price', () => {
  const spot = sized('1', '2Gi', { annotations: { [A.spotPod]: 'true' } });
  close(perMonth(spot, usd), 0.2 * perMonth(sized('1', '2Gi'), usd));
  close(perMonth(spot, { currency: 'USD', ...intl.intel }), perMonth(sized('1', '2Gi'), usd));
});
cost('a GPU Pod pays for cores, memory and cards', () => {
  const s = run({ containers: [gpu(1, '8', '32Gi')], annotations: { [A.gpuType]: 'V100' } });
  close(perMonth(s, cny), (8 * 0.00003334 + 40 * 0.00001389 + 0.003193) * 730 * 3600);
  const quarter = run({ containers: [gpu(1, '1', '1Gi')], annotations: { [A.gpuType]: '1/4*T4' } });
  close(perMonth(quarter, cny), (4 * 0.00003334 + 20 * 0.00001389 + 0.001447 / 4) * 730 * 3600);
});
const noCost = (title: string, s: () => Sizing, p: Pricing | undefined, reason: string) =>
  cost(title, () => {
    const c = podCost(s(), p);
    assert.is(c.ok ? 'ok' : c.reason, reason);
  });
noCost('no prices, no cost', () => sized('1', '2Gi'), undefined, 'noPricing');
noCost('no spec, no cost', () => sized('17', '1Gi'), usd, 'noSpec');
noCost(
  'no price for the GPU type',
  () => run({ containers: [gpu(1, '1', '1Gi')], annotations: { [A.gpuType]: 'V100' } }),
  usd,
  'noGpuPrice',
);
noCost(
  'monthly super nodes are billed per node',
  () => sized('1', '2Gi', { options: monthly }),
  usd,
  'monthlySuperNode',
);
cost.run();

const doc = suite('docs/eks.md, Pod sizing');
const eksDoc = readFileSync(new URL('../docs/eks.md', import.meta.url), 'utf8');
/** The "Pod sizing" section of docs/eks.md, up to the next top-level section. */
const docText = eksDoc.slice(
  eksDoc.indexOf('\n## Pod sizing'),
  eksDoc.indexOf('\n## ', eksDoc.indexOf('\n## Pod sizing') + 1),
);
/** The rows of the markdown table whose header starts with `header`, as cells. */
function markdownTable(header: string): string[][] {
  const lines = docText.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header}`));
  const out: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    out.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/\\\*/g, '*')),
    );
  }
  return out;
}
/** `0.5, 1, 2` or `4-16` or `-` as GiB sizes. */
const sizes = (cell: string): number[] =>
  cell === '-'
    ? []
    : cell.includes('-')
      ? Array.from(
          { length: Number(cell.split('-')[1]) - Number(cell.split('-')[0]) + 1 },
          (_, i) => Number(cell.split('-')[0]) + i,
        )
      : cell.split(',').map(Number);
doc('the CPU table is the data', () => {
  const columns: CpuTable[] = ['intel', 'amd', 'superNodeMonthly'];
  const rows = markdownTable('cores | Intel GiB');
  for (const [i, table] of columns.entries()) {
    const fromDoc = rows
      .map((r) => ({ cpu: Number(r[0]), memoryGiB: sizes(r[i + 1] ?? '') }))
      .filter((t) => t.memoryGiB.length > 0);
    assert.equal(fromDoc, CPU_TABLES[table], table);
  }
});
doc('the GPU table is the data', () => {
  const fromDoc: Record<string, { cards: number; cpu: number; memoryGiB: number }[]> = {};
  for (const [type, cards, cpu, memoryGiB] of markdownTable('gpu-type | cards'))
    (fromDoc[type as string] ??= []).push({ cards: Number(cards), cpu: Number(cpu), memoryGiB: Number(memoryGiB) });
  assert.equal(fromDoc, GPU_SPECS);
});
doc('the list prices are the example data', () => {
  const [intl, china] = markdownTable('| Intel core-second');
  const p = LIST_PRICES_EXAMPLE;
  assert.equal(intl?.slice(1, 5).map(Number), [
    p.international.intel.cpuCoreSecond,
    p.international.intel.memoryGiBSecond,
    p.international.amd.cpuCoreSecond,
    p.international.amd.memoryGiBSecond,
  ]);
  assert.equal(china?.slice(1).map(Number), [
    p.china.intel.cpuCoreSecond,
    p.china.intel.memoryGiBSecond,
    p.china.amd.cpuCoreSecond,
    p.china.amd.memoryGiBSecond,
    p.china.gpuCardSecond.V100,
    p.china.gpuCardSecond.T4,
  ]);
  assert.ok(docText.includes(`recorded on ${p.recorded}`));
});
doc('the worked cost example', () => {
  const c = podCost(run({ containers: [ask('1', '2Gi')] }), {
    currency: 'USD',
    ...LIST_PRICES_EXAMPLE.international.intel,
  });
  assert.ok(c.ok && c.cost.perSecond.toFixed(9) === '0.000009122' && c.cost.perMonth.toFixed(2) === '23.97');
  assert.ok(docText.includes('0.000009122 USD a second, about 23.97 USD a month'));
});
doc.run();

// Properties: every computed spec is a row of its table, holds the ask on every
// dimension, and is the smallest such row; no spec only when no row holds the ask.
const { params } = propertyParams(200);

/** CPU as millicores in one of Kubernetes' spellings. */
const cpuQuantity = fc.oneof(
  fc.integer({ min: 0, max: 20_000 }).map((m) => `${m}m`),
  fc.integer({ min: 0, max: 20_000 }).map((m) => String(m / 1000)),
  fc.integer({ min: 0, max: 20 }),
  fc.integer({ min: 0, max: 80 }).map((q) => q / 4),
  fc.integer({ min: 0, max: 20 }).map((c) => `${c}e0`),
);
/** Memory in one of Kubernetes' spellings, binary and decimal. */
const memQuantity = fc.oneof(
  fc.integer({ min: 0, max: 80 * 1024 }).map((m) => `${m}Mi`),
  fc.integer({ min: 0, max: 160 }).map((h) => `${h / 2}Gi`),
  fc.integer({ min: 0, max: 80_000 }).map((m) => `${m}M`),
  fc.integer({ min: 0, max: 80 }).map((g) => `${g}G`),
  fc.bigInt({ min: 0n, max: 80n << 30n }).map((b) => b.toString()),
);
const resourceList = (withGpu: boolean) =>
  fc.record(
    { cpu: cpuQuantity, memory: memQuantity, ...(withGpu ? { 'nvidia.com/gpu': fc.integer({ min: 0, max: 5 }) } : {}) },
    { requiredKeys: [] },
  );
const container = (withGpu: boolean) =>
  fc
    .record({ requests: resourceList(withGpu), limits: resourceList(withGpu) }, { requiredKeys: [] })
    .map((resources) => ({ name: 'c', resources }));
const podOf = (withGpu: boolean) =>
  fc.record({
    containers: fc.array(container(withGpu), { minLength: 1, maxLength: 4 }),
    initContainers: fc.array(container(false), { maxLength: 2 }),
  });
const options: fc.Arbitrary<SizingOptions> = fc.record({
  initRule: fc.constantFrom('largest' as const, 'group' as const),
  table: fc.constantFrom('auto' as const, 'intel' as const, 'amd' as const, 'superNodeMonthly' as const),
});
const cpuTypeAnnotations: fc.Arbitrary<Record<string, string>> = fc.constantFrom<Record<string, string>>(
  {},
  { [A.cpuType]: 'amd' },
  { [A.cpuType]: 'intel,amd' },
  { [A.cpuType]: 'amd,intel' },
);

const holds = (row: { cpu: number; memoryGiB: number }, a: Asked) =>
  fromUnits(row.cpu) >= a.cpu && fromUnits(row.memoryGiB, GIB_NANOS) >= a.memory;
const key = (row: { cpu: number; memoryGiB: number; gpu?: { count: number } }) => [
  row.gpu?.count ?? 0,
  row.cpu,
  row.memoryGiB,
];
const smaller = (a: number[], b: number[]) =>
  a[0]! < b[0]! || (a[0] === b[0] && (a[1]! < b[1]! || (a[1] === b[1] && a[2]! < b[2]!)));

const props = suite('sizing properties');
props(
  'a CPU Pod: the spec is a row of its table, never smaller than the ask, the smallest such row; none only when no row holds it',
  () => {
    fc.assert(
      fc.property(podOf(false), cpuTypeAnnotations, options, (pod, annotations, opts) => {
        const s = sizePod(pod, annotations, opts);
        const defaulted = s.asked.cpu === 0n && s.asked.memory === 0n;
        const need: Asked = defaulted ? { cpu: NANO, memory: 2n * GIB_NANOS, gpu: 0 } : s.asked;
        const tried: CpuTable[] =
          opts.table && opts.table !== 'auto'
            ? [opts.table]
            : annotations[A.cpuType] === 'amd'
              ? ['amd']
              : annotations[A.cpuType] === 'amd,intel'
                ? ['amd', 'intel']
                : ['intel', 'amd'];
        if (!s.spec) {
          assert.equal(
            s.problems.map((p) => p.kind),
            ['overLargestSpec'],
          );
          for (const t of tried)
            assert.not.ok(
              tableRows(t).some((r) => holds(r, need)),
              `a row of ${t} holds the ask`,
            );
          return;
        }
        assert.is(s.spec.source, defaulted ? 'default' : 'requests');
        const table = s.table;
        if (table === 'gpu') return assert.unreachable('a CPU Pod billed from the GPU specs');
        const rows = tableRows(table);
        assert.ok(
          rows.some((r) => r.cpu === s.spec?.cpu && r.memoryGiB === s.spec.memoryGiB),
          `${formatRow(s.spec)} is a row of ${s.table}`,
        );
        assert.ok(holds(s.spec, need), `${formatRow(s.spec)} holds the ask`);
        const spec = s.spec;
        assert.not.ok(
          rows.some((r) => holds(r, need) && smaller(key(r), key(spec))),
          'a smaller row holds the ask',
        );
        // The table is the first one tried that holds the ask.
        assert.is(
          s.table,
          tried.find((t) => tableRows(t).some((r) => holds(r, need))),
        );
      }),
      params,
    );
  },
);
props('a GPU Pod: the spec is a spec of its type with at least the cards asked, holding the cores and memory', () => {
  fc.assert(
    fc.property(podOf(true), fc.constantFrom('V100', 'T4', '1/4*T4', 'A10*PNV4'), options, (pod, type, opts) => {
      const s = sizePod(pod, { [A.gpuType]: type }, opts);
      if (s.asked.gpu === 0) return;
      const rows = tableRows({ gpuType: type });
      const defaulted = s.asked.cpu === 0n && s.asked.memory === 0n;
      const need: Asked = defaulted ? { cpu: NANO, memory: 2n * GIB_NANOS, gpu: s.asked.gpu } : s.asked;
      const fits = (r: (typeof rows)[number]) => (r.gpu?.count ?? 0) >= need.gpu && holds(r, need);
      if (!s.spec) {
        assert.equal(
          s.problems.map((p) => p.kind),
          ['gpuOverLargestSpec'],
        );
        assert.not.ok(rows.some(fits));
        return;
      }
      assert.is(s.table, 'gpu');
      const spec = s.spec;
      assert.ok(
        rows.some((r) => r.cpu === spec.cpu && r.memoryGiB === spec.memoryGiB && r.gpu?.count === spec.gpu?.count),
      );
      assert.ok((spec.gpu?.count ?? 0) >= s.asked.gpu && holds(spec, need));
      assert.not.ok(rows.some((r) => fits(r) && smaller(key(r), key(spec))));
    }),
    params,
  );
});
props('the quantity spellings agree: n millicores read the same as n/1000 cores', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1_000_000 }), (m) => {
      assert.is(parseQuantity(`${m}m`), parseQuantity(String(m / 1000)));
    }),
    params,
  );
});
props.run();
