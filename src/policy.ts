/**
 * The policy: its types, its defaults, and turning an untrusted object (a file,
 * a functionConfig, a kpt ConfigMap) into a validated Policy. Validation reports
 * every problem at once, each with its field path.
 */
import { KindTable, type WorkloadKind } from './kinds.ts';
import { ConfigError } from './errors.ts';
import { parseLabelSelector, type LabelSelector } from './selector.ts';
import { validatePolicyDocument } from './schema.ts';
import type { CheckId } from './checkids.ts';
import type { Severity } from './results.ts';
import { EKS_ANNOTATIONS, EKS_METRICS_PORT, GRPC_TCP_TIMEOUT, ISTIO_UDP_TIMEOUT, MAX_TIMEOUT_SECONDS } from './eks.ts';
import { DEFAULT_INIT_RULE, DEFAULT_WASTE_THRESHOLD, type InitRule, type Pricing, type TableChoice } from './sizing.ts';
import { isObject } from './values.ts';

export type { Severity };
export type CheckSetting = Severity | 'off';
export type PortStrategy = 'metricsPort' | 'remap' | 'none';

/** Which workloads a rule applies to. Every given field must match. */
export interface Selector {
  readonly kinds?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly names?: readonly string[];
  readonly labelSelector?: LabelSelector;
}

/** How a rule gets a Pod off the ports EKS uses itself. */
export interface PortsSpec {
  readonly avoid: readonly number[];
  readonly strategy: PortStrategy;
  readonly metricsPort: number | 'auto';
  readonly remapTo: number | 'auto';
  readonly env?: string;
}

/** One rule of the policy, with defaults filled in. */
export interface Rule {
  readonly name: string;
  /** True for the preset's own rules. */
  readonly preset: boolean;
  readonly match: Selector;
  readonly exclude?: Selector;
  readonly ipvs: { readonly udpTimeout?: string; readonly tcpTimeout?: string };
  readonly annotations: Readonly<Record<string, string>>;
  readonly overwrite: boolean;
  readonly ports?: PortsSpec;
  readonly egress?: { readonly eip?: Readonly<Record<string, unknown>>; readonly claimDeletePolicy?: string };
  readonly placement?: 'superNode' | 'avoidSuperNode';
  /** Pod sizing: `pin` writes the cpu/mem annotations of the computed spec; `rightsize` only advises. Absent: report only. */
  readonly sizing?: 'pin' | 'rightsize';
  /** Preset rules only: the Pod must show this trait for the rule to apply. */
  readonly when?: 'istio' | 'grpc' | 'usesAvoidedPort';
}

export interface Limits {
  readonly podsPerCluster: number;
  readonly replicasPerWorkload: number;
  readonly instancesPerSecurityGroup: number;
}

/** How Pods are sized and priced (`spec.sizing`; sizing.ts). */
export interface SizingPolicy {
  readonly initRule: InitRule;
  readonly table: TableChoice;
  /** A billed spec more than this many times the ask on a dimension is waste (check podSpecWaste). */
  readonly wasteThreshold: number;
  /** The user's prices; absent: no cost is shown (never guessed). */
  readonly pricing?: Pricing;
}

export const DEFAULT_SIZING: SizingPolicy = {
  initRule: DEFAULT_INIT_RULE,
  table: 'auto',
  wasteThreshold: DEFAULT_WASTE_THRESHOLD,
};

/** A validated policy. */
export interface Policy {
  readonly name: string;
  readonly preset: 'recommended' | 'none';
  /** Preset rules first, then the user's, in order. */
  readonly rules: readonly Rule[];
  readonly kinds: KindTable;
  readonly checks: Readonly<Partial<Record<CheckId, CheckSetting>>>;
  readonly limits: Limits;
  readonly sizing: SizingPolicy;
}

export const DEFAULT_LIMITS: Limits = {
  podsPerCluster: 200,
  replicasPerWorkload: 100,
  instancesPerSecurityGroup: 2000,
};
export const DEFAULT_AVOID = [EKS_METRICS_PORT] as const;

/** The rules of the `recommended` preset (docs/eks.md, sections 2 and 3). */
export const RECOMMENDED_RULES: readonly Rule[] = [
  {
    name: 'recommended/istio-udp-timeout',
    preset: true,
    when: 'istio',
    match: {},
    ipvs: { udpTimeout: ISTIO_UDP_TIMEOUT },
    annotations: {},
    overwrite: false,
  },
  {
    name: 'recommended/grpc-tcp-timeout',
    preset: true,
    when: 'grpc',
    match: {},
    ipvs: { tcpTimeout: GRPC_TCP_TIMEOUT },
    annotations: {},
    overwrite: false,
  },
  {
    name: `recommended/port-${EKS_METRICS_PORT}`,
    preset: true,
    when: 'usesAvoidedPort',
    match: {},
    ipvs: {},
    annotations: {},
    overwrite: false,
    ports: { avoid: DEFAULT_AVOID, strategy: 'metricsPort', metricsPort: 'auto', remapTo: 'auto' },
  },
];

/** The policy used when none is given: the recommended preset. */
export function defaultPolicy(): Policy {
  return build('recommended', 'recommended', [], [], {}, DEFAULT_LIMITS, DEFAULT_SIZING);
}

function build(
  name: string,
  preset: 'recommended' | 'none',
  rules: Rule[],
  extraKinds: WorkloadKind[],
  checks: Partial<Record<CheckId, CheckSetting>>,
  limits: Limits,
  sizing: SizingPolicy,
): Policy {
  return {
    name,
    preset,
    rules: [...(preset === 'recommended' ? RECOMMENDED_RULES : []), ...rules],
    kinds: new KindTable(extraKinds),
    checks,
    limits,
    sizing,
  };
}

/**
 * Turns a functionConfig or policy file object into a Policy. Accepts an
 * EksFitPolicy, or a ConfigMap (kpt `-- key=value`) with flat keys. Throws a
 * ConfigError listing every problem.
 */
export function loadPolicy(value: unknown, source: string): Policy {
  if (value === null || value === undefined) return defaultPolicy();
  if (!isObject(value)) throw new ConfigError(`${source}: the policy must be a mapping`);
  if (value.kind === 'ConfigMap') return fromConfigMap(value, source);
  const problems = validatePolicyDocument(value);
  const spec = isObject(value.spec) ? value.spec : {};
  // Checks the schema cannot state, run even when the schema failed: every problem at once.
  for (const p of semanticProblems(spec))
    if (!problems.some((q) => q.startsWith(p.split(':')[0] + ':'))) problems.push(p);
  if (problems.length > 0) {
    throw new ConfigError(
      `${source}: invalid EksFitPolicy (${problems.length} problem${problems.length > 1 ? 's' : ''})`,
      problems,
    );
  }
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const rules = ((spec.rules ?? []) as Record<string, unknown>[]).map((r) => toRule(r));
  const kinds = ((spec.podTemplatePaths ?? []) as { apiVersion?: string; kind: string; path: string }[]).map(
    (p): WorkloadKind => ({
      kind: p.kind,
      ...(p.apiVersion !== undefined ? { group: p.apiVersion.includes('/') ? p.apiVersion.split('/')[0] : '' } : {}),
      templatePath: p.path.split('.'),
    }),
  );
  return build(
    typeof metadata.name === 'string' ? metadata.name : source,
    (spec.preset as 'recommended' | 'none' | undefined) ?? 'recommended',
    rules,
    kinds,
    // YAML 1.1 reads an unquoted `off` as false.
    Object.fromEntries(
      Object.entries((spec.checks ?? {}) as Record<string, CheckSetting | false>).map(([k, v]) => [
        k,
        v === false ? 'off' : v,
      ]),
    ),
    { ...DEFAULT_LIMITS, ...((spec.limits ?? {}) as Partial<Limits>) },
    { ...DEFAULT_SIZING, ...((spec.sizing ?? {}) as Partial<SizingPolicy>) },
  );
}

/** Checks the schema cannot state: timeout ranges, selectors that parse. */
function semanticProblems(spec: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const rules = Array.isArray(spec.rules) ? spec.rules.filter(isObject) : [];
  const names = new Map<string, number>();
  rules.forEach((rule: Record<string, unknown>, i) => {
    const at = `spec.rules[${i}]`;
    const ipvs = isObject(rule.ipvs) ? rule.ipvs : {};
    for (const key of ['udpTimeout', 'tcpTimeout'] as const) {
      const v = ipvs[key];
      if (typeof v === 'string' && /^[1-9][0-9]*s$/.test(v) && Number.parseInt(v, 10) > MAX_TIMEOUT_SECONDS) {
        problems.push(`${at}.ipvs.${key}: ${JSON.stringify(v)} is out of range (1s to ${MAX_TIMEOUT_SECONDS}s)`);
      }
    }
    for (const part of ['match', 'exclude'] as const) {
      const sel = isObject(rule[part]) ? rule[part] : {};
      if (typeof sel.labelSelector === 'string') {
        try {
          parseLabelSelector(sel.labelSelector);
        } catch (e) {
          problems.push(`${at}.${part}.labelSelector: ${(e as Error).message}`);
        }
      }
      const exprs = isObject(sel.labelSelector) ? sel.labelSelector.matchExpressions : undefined;
      if (Array.isArray(exprs)) {
        exprs.forEach((ex: { operator?: string; values?: unknown[] }, j) => {
          if (!isObject(ex)) return;
          const needs = ex.operator === 'In' || ex.operator === 'NotIn';
          const n = Array.isArray(ex.values) ? ex.values.length : 0;
          if (needs && n === 0)
            problems.push(
              `${at}.${part}.labelSelector.matchExpressions[${j}].values: ${ex.operator} needs at least one value`,
            );
          if (!needs && n > 0)
            problems.push(`${at}.${part}.labelSelector.matchExpressions[${j}].values: ${ex.operator} takes no values`);
        });
      }
    }
    const ports = isObject(rule.ports) ? rule.ports : undefined;
    if (ports) {
      const avoid = (Array.isArray(ports.avoid) ? ports.avoid : DEFAULT_AVOID) as number[];
      for (const key of ['metricsPort', 'remapTo'] as const) {
        const p = ports[key];
        if (typeof p === 'number' && avoid.includes(p))
          problems.push(`${at}.ports.${key}: ${p} is itself a port to avoid`);
      }
      if (ports.env !== undefined && ports.strategy !== 'remap')
        problems.push(`${at}.ports.env: only used with strategy: remap`);
    }
    const egress = isObject(rule.egress) ? rule.egress : undefined;
    const ann = isObject(rule.annotations) ? rule.annotations : {};
    if (egress?.eip !== undefined && ann[EKS_ANNOTATIONS.eipIdList] !== undefined) {
      problems.push(`${at}.egress.eip: cannot be combined with annotation ${EKS_ANNOTATIONS.eipIdList}`);
    }
    if (typeof rule.name === 'string') {
      const prev = names.get(rule.name);
      if (prev !== undefined)
        problems.push(`${at}.name: ${JSON.stringify(rule.name)} is already the name of spec.rules[${prev}]`);
      else names.set(rule.name, i);
    }
  });
  return problems;
}

function toSelector(raw: unknown): Selector {
  const sel = (raw ?? {}) as Record<string, unknown>;
  const labelSelector =
    typeof sel.labelSelector === 'string'
      ? parseLabelSelector(sel.labelSelector)
      : (sel.labelSelector as LabelSelector | undefined);
  return {
    ...(sel.kinds ? { kinds: sel.kinds as string[] } : {}),
    ...(sel.namespaces ? { namespaces: sel.namespaces as string[] } : {}),
    ...(sel.names ? { names: sel.names as string[] } : {}),
    ...(labelSelector ? { labelSelector } : {}),
  };
}

function toRule(r: Record<string, unknown>): Rule {
  const ports = r.ports as Partial<PortsSpec> | undefined;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries((r.annotations ?? {}) as Record<string, unknown>)) annotations[k] = String(v);
  return {
    name: r.name as string,
    preset: false,
    match: toSelector(r.match),
    ...(r.exclude !== undefined ? { exclude: toSelector(r.exclude) } : {}),
    ipvs: r.ipvs ?? {},
    annotations,
    overwrite: r.overwrite === true,
    ...(ports
      ? {
          ports: {
            avoid: ports.avoid ?? DEFAULT_AVOID,
            strategy: ports.strategy ?? 'metricsPort',
            metricsPort: ports.metricsPort ?? 'auto',
            remapTo: ports.remapTo ?? 'auto',
            ...(ports.env !== undefined ? { env: ports.env } : {}),
          },
        }
      : {}),
    ...(r.egress !== undefined ? { egress: r.egress as Rule['egress'] & object } : {}),
    ...(r.placement !== undefined ? { placement: r.placement as Rule['placement'] & string } : {}),
    ...(r.sizing !== undefined ? { sizing: r.sizing as Rule['sizing'] & string } : {}),
  };
}

/** The flat keys a kpt ConfigMap functionConfig may carry. */
const CONFIGMAP_KEYS = ['preset', 'labelSelector', 'udpTimeout', 'tcpTimeout', 'metricsPort'] as const;

/** kpt `-- key=value` and Kptfile `configMap:` become a one-rule policy. */
function fromConfigMap(value: Record<string, unknown>, source: string): Policy {
  const data = isObject(value.data) ? value.data : {};
  const problems: string[] = [];
  for (const key of Object.keys(data)) {
    if (!(CONFIGMAP_KEYS as readonly string[]).includes(key)) {
      problems.push(`data.${key}: unknown key (allowed: ${CONFIGMAP_KEYS.join(', ')})`);
    }
  }
  const str = (k: string): string | undefined =>
    data[k] === undefined || data[k] === null ? undefined : String(data[k]);
  const spec: Record<string, unknown> = {};
  if (str('preset') !== undefined) spec.preset = str('preset');
  const rule: Record<string, unknown> = { name: 'function-input' };
  const ipvs: Record<string, string> = {};
  if (str('udpTimeout') !== undefined) ipvs.udpTimeout = str('udpTimeout') as string;
  if (str('tcpTimeout') !== undefined) ipvs.tcpTimeout = str('tcpTimeout') as string;
  if (Object.keys(ipvs).length > 0) rule.ipvs = ipvs;
  const mp = str('metricsPort');
  if (mp !== undefined) rule.ports = { strategy: 'metricsPort', metricsPort: /^\d+$/.test(mp) ? Number(mp) : mp };
  if (str('labelSelector') !== undefined) rule.match = { labelSelector: str('labelSelector') };
  const hasRule = rule.ipvs !== undefined || rule.ports !== undefined;
  if (!hasRule && rule.match !== undefined)
    problems.push('data.labelSelector: needs udpTimeout, tcpTimeout or metricsPort to apply');
  if (hasRule) spec.rules = [rule];
  const doc = { apiVersion: 'eksfit.dev/v1alpha1', kind: 'EksFitPolicy', metadata: { name: 'function-input' }, spec };
  const schemaProblems = validatePolicyDocument(doc).map((p) =>
    p.replace(/^spec\.rules\[0\]\.(ipvs|ports|match)\.(\w+)/, 'data.$2').replace(/^spec\.preset/, 'data.preset'),
  );
  problems.push(...schemaProblems);
  if (schemaProblems.length === 0)
    problems.push(
      ...semanticProblems(spec).map((p) => p.replace(/^spec\.rules\[0\]\.(ipvs|ports|match)\.(\w+)/, 'data.$2')),
    );
  if (problems.length > 0) throw new ConfigError(`${source}: invalid ConfigMap function-input`, problems);
  return loadPolicy(doc, source);
}
