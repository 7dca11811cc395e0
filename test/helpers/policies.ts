/** Generators of EksFitPolicy documents: presets, rules with every kind of fix, selectors, checks, limits. */
import fc from 'fast-check';
import { EKS } from './k8s-objects.ts';
import { anyString, defined, sometimes } from './yaml-values.ts';

// ---------------------------------------------------------------------------
// Policies

/** A generated policy: the EksFitPolicy object, plus what the oracle needs to know. */
export interface PolicySpec {
  readonly doc: Record<string, unknown>;
}

export const timeout = fc.integer({ min: 1, max: 86400 }).map((n) => `${n}s`);

const selectorField = {
  kinds: fc.subarray(['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'CronJob', 'Job', 'Rollout', 'Widget'], {
    minLength: 1,
  }),
  namespaces: fc.array(fc.constantFrom('prod', 'team-*', 'default', '*', 'istio-?ystem', 'nope'), {
    minLength: 1,
    maxLength: 2,
  }),
  names: fc.array(fc.constantFrom('api*', 'web', '*', 'db-?', 'nothing'), { minLength: 1, maxLength: 2 }),
  labelSelector: fc.oneof(
    fc.constantFrom('app=web', 'app in (web,api)', '!eksfit.dev/skip', 'tier!=front', 'app'),
    fc.constantFrom<Record<string, unknown>>(
      { matchLabels: { app: 'api' } },
      { matchExpressions: [{ key: 'tier', operator: 'In', values: ['back', 'yes'] }] },
      { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
    ),
  ),
};

/** A selector of mostly one or two fields (each narrows it). */
const selector = fc
  .record({
    kinds: sometimes(selectorField.kinds, 0.35),
    namespaces: sometimes(selectorField.namespaces, 0.25),
    names: sometimes(selectorField.names, 0.25),
    labelSelector: sometimes(selectorField.labelSelector, 0.25),
  })
  .map(defined);

const ANNOTATION_KEYS = [
  `${EKS}security-group-id`,
  'example.com/team',
  'ünïcødé/key',
  'with space',
  'yes',
  '123',
  'a:b',
  '#hash',
  '-dash',
  'x',
];

const rule = fc
  .record({
    match: sometimes(selector, 0.6),
    exclude: sometimes(selector, 0.2),
    ipvs: sometimes(fc.record({ udpTimeout: timeout, tcpTimeout: timeout }, { requiredKeys: [] }), 0.5),
    annotations: sometimes(
      fc.dictionary(fc.constantFrom(...ANNOTATION_KEYS), fc.oneof(anyString, fc.integer(), fc.boolean()), {
        minKeys: 1,
        maxKeys: 3,
      }),
      0.4,
    ),
    overwrite: sometimes(fc.boolean(), 0.5),
    ports: sometimes(
      fc.oneof(
        fc.record(
          {
            strategy: fc.constant('metricsPort'),
            metricsPort: fc.oneof(fc.constant('auto'), fc.constantFrom(9110, 9111, 8080, 50051)),
          },
          { requiredKeys: ['strategy'] },
        ),
        fc.record(
          {
            strategy: fc.constant('remap'),
            remapTo: fc.oneof(fc.constant('auto'), fc.constantFrom(9101, 9200, 8080)),
            env: fc.constantFrom('PORT', 'METRICS_PORT'),
          },
          { requiredKeys: ['strategy'] },
        ),
        fc.record({ strategy: fc.constant('none'), avoid: fc.constantFrom([9100], [9100, 8080]) }),
      ),
      0.4,
    ),
    placement: sometimes(fc.constantFrom('superNode', 'avoidSuperNode'), 0.3),
    egress: sometimes(
      fc.record(
        {
          eip: fc.constantFrom({}, { InternetMaxBandwidthOut: 50 }),
          claimDeletePolicy: fc.constantFrom('Never', 'Always'),
        },
        { requiredKeys: [] },
      ),
      0.2,
    ),
  })
  .map((r) => {
    const out = defined(r) as Record<string, unknown>;
    if (isEmpty(out.match)) delete out.match;
    if (isEmpty(out.exclude)) delete out.exclude;
    if (isEmpty(out.ipvs)) delete out.ipvs;
    if (isEmpty(out.egress)) delete out.egress;
    return out;
  });

function isEmpty(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** A valid EksFitPolicy. */
export const policy: fc.Arbitrary<PolicySpec> = fc
  .record({
    preset: fc.constantFrom('recommended', 'none', undefined),
    rules: fc.array(rule, { minLength: 1, maxLength: 3 }),
    // Two rules that place Pods in opposite ways (#14 defect 2): the later one must win alone.
    placements: sometimes(
      fc.constantFrom(['avoidSuperNode', 'superNode'] as const, ['superNode', 'avoidSuperNode'] as const),
      0.2,
    ),
    rollout: fc.boolean(),
  })
  .map(({ preset, rules: drawn, placements, rollout }) => ({
    preset,
    rollout,
    rules: [...drawn, ...(placements ?? []).map((placement) => ({ placement }))],
  }))
  .map(({ preset, rules, rollout }) => ({
    doc: {
      apiVersion: 'eksfit.dev/v1alpha1',
      kind: 'EksFitPolicy',
      metadata: { name: 'generated' },
      spec: {
        ...(preset !== undefined ? { preset } : {}),
        rules: rules.map((r, i) => ({ name: `rule-${i}`, ...r })),
        ...(rollout
          ? { podTemplatePaths: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', path: 'spec.template' }] }
          : {}),
      },
    },
  }));
