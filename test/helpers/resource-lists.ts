/** Generators of ResourceLists (KRM function calls) with a policy or a kpt ConfigMap as functionConfig. */
import fc from 'fast-check';
import { k8sObject } from './k8s-objects.ts';
import { policy, timeout } from './policies.ts';
import { renderStream, streamStyle } from './streams.ts';
import { type SVal, defined, map, num, seq, sometimes, str } from './yaml-values.ts';

// ---------------------------------------------------------------------------
// ResourceLists (KRM functions)

/** A plain value (a policy object) as a semantic tree. */
export function fromJs(v: unknown): SVal {
  if (v === null || v === undefined) return { s: 'null' };
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') return num(v);
  if (typeof v === 'boolean') return { s: 'bool', v };
  if (Array.isArray(v)) return seq(v.map(fromJs));
  return map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJs(x)] as const));
}

/** A ResourceList: its items, its functionConfig, and the policy the oracle should assume. */
export interface ResourceListCase {
  readonly text: string;
  readonly items: number;
  /** The functionConfig as an EksFitPolicy (a ConfigMap's keys turned into one rule), or undefined. */
  readonly policy: Record<string, unknown> | undefined;
}

const configMapConfig = fc
  .record({
    preset: sometimes(fc.constantFrom('recommended', 'none'), 0.5),
    udpTimeout: sometimes(timeout, 0.5),
    tcpTimeout: sometimes(timeout, 0.5),
    metricsPort: sometimes(fc.constantFrom('auto', '9110', '9111'), 0.4),
    labelSelector: sometimes(fc.constantFrom('app=web', 'app in (web,api)'), 0.3),
  })
  .map(defined)
  .filter(
    (d) =>
      d.labelSelector === undefined ||
      d.udpTimeout !== undefined ||
      d.tcpTimeout !== undefined ||
      d.metricsPort !== undefined,
  );

/** The EksFitPolicy a kpt ConfigMap functionConfig stands for. */
function configMapPolicy(d: Record<string, string | undefined>): Record<string, unknown> {
  const rule = defined({
    name: 'function-input',
    ipvs: d.udpTimeout || d.tcpTimeout ? defined({ udpTimeout: d.udpTimeout, tcpTimeout: d.tcpTimeout }) : undefined,
    ports: d.metricsPort
      ? { strategy: 'metricsPort', metricsPort: d.metricsPort === 'auto' ? 'auto' : Number(d.metricsPort) }
      : undefined,
    match: d.labelSelector ? { labelSelector: d.labelSelector } : undefined,
  });
  return {
    apiVersion: 'eksfit.dev/v1alpha1',
    kind: 'EksFitPolicy',
    spec: defined({ preset: d.preset, rules: Object.keys(rule).length > 1 ? [rule] : [] }),
  };
}

export const resourceList: fc.Arbitrary<ResourceListCase> = fc
  .record({
    apiVersion: fc.constantFrom('config.kubernetes.io/v1', 'config.kubernetes.io/v1alpha1'),
    items: fc.array(k8sObject, { maxLength: 5 }),
    config: fc.oneof(
      fc.constant(undefined),
      policy.map((p) => ({ fc: p.doc, policy: p.doc })),
      configMapConfig.map((d) => ({
        fc: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data: d },
        policy: configMapPolicy(d),
      })),
    ),
    style: streamStyle,
  })
  .map(({ apiVersion, items, config, style }) => {
    const body = map([
      ['apiVersion', str(apiVersion)],
      ['kind', str('ResourceList')],
      ['items', seq(items)],
      config && ['functionConfig', fromJs(config.fc)],
    ]);
    return {
      text: renderStream({ docs: [{ body, marker: false, end: false }], style }),
      items: items.length,
      policy: config?.policy,
    };
  });
