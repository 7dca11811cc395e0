/**
 * The pure core: `transform(sources, options) -> { output, results }`.
 * It knows nothing of argv, files, stdin or which host called; it reads text,
 * decides changes from the policy, writes them as minimal text edits, checks
 * (unless told not to) that the edited text parses back to exactly the
 * intended values, and returns the whole output at once (never a part of it).
 */
import { isMap, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';
import { editText, editValue, type Change, type PlannedChange } from './changes.ts';
import { DocumentEditor, UneditableError } from './edit.ts';
import { ConfigError, InputError } from './errors.ts';
import { ANNOTATIONS, defaultPolicy, isObject, loadPolicy, type Policy, type Rule, type Selector } from './policy.ts';
import { hasIstioSidecar, servesGrpc, type NamespaceLabels } from './preset.ts';
import { planPorts, portUses } from './ports.ts';
import { keyPath, result, toKrm, type Result } from './results.ts';
import { globMatch, matchesLabels } from './selector.ts';
import { serviceOf, ServiceIndex, type ServiceView } from './services.ts';
import { checkSyntax, parseSegment, positionOf, splitSegments, type ParsedSegment, type Segment } from './stream.ts';
import { objectOf, stringMap, workloadOf, type KObject, type Workload } from './workload.ts';
import { fastParse } from './fastyaml.ts';
import { runChecks, withoutIgnored } from './checks.ts';
import type { KindTable } from './kinds.ts';

/** One input file's text. */
export interface Source {
  readonly file: string;
  readonly text: string;
}

export interface TransformOptions {
  /** The policy; when absent, a ResourceList's functionConfig, else `fallbackPolicy`. */
  readonly policy?: Policy;
  /** The policy when neither `policy` nor a functionConfig gives one (e.g. $EKSFIT_CONFIG). Default: the recommended preset. */
  readonly fallbackPolicy?: Policy;
  /** Namespace assumed for objects without one (like `helm -n`). Default `default`. */
  readonly namespace?: string;
  /**
   * Parse every edited document back and compare it with the intended values
   * before output (default true). It doubles the cost of edited documents; the
   * CLI turns it off for large inputs (see cli.ts).
   */
  readonly verify?: boolean;
  /** Warnings become errors (`--strict`), also in a ResourceList's results. */
  readonly strict?: boolean;
}

export interface TransformOutput {
  readonly mode: 'krm' | 'stream';
  readonly output: string;
  readonly results: readonly Result[];
  /** True when at least one document changed. */
  readonly changed: boolean;
  /** The input as one stream (files joined as in `output`), for diffs. */
  readonly input: string;
  /** The functionConfig was an invalid policy (KRM mode): output carries error results. */
  readonly policyError?: ConfigError;
}

interface Doc {
  readonly segment: Segment;
  readonly parsed?: ParsedSegment;
}

/** Transforms the input: see the module comment. Throws InputError or ConfigError. */
export function transform(sources: readonly Source[], options: TransformOptions = {}): TransformOutput {
  const docs: Doc[] = [];
  const firstOfFile = new Set<number>();
  for (const src of sources) {
    firstOfFile.add(docs.length);
    for (const segment of splitSegments(src.text, src.file)) docs.push({ segment });
  }
  // Analyse only what must be looked at: a document whose top-level kind is
  // known and cannot matter (a ConfigMap, a Secret, a CRD...) passes through as
  // text, once its syntax is checked.
  const kinds = (options.policy ?? options.fallbackPolicy ?? defaultPolicy()).kinds;
  const all = docs.map((d) => {
    if (mustRead(d.segment.text, kinds)) return { ...d, parsed: parseSegment(d.segment) };
    // Still refuse malformed YAML (with its position), but keep nothing of it.
    checkSyntax(d.segment);
    return { ...d, parsed: undefined };
  });
  const parsed = all.filter((d): d is Doc & { parsed: ParsedSegment } => d.parsed !== undefined);

  // A ResourceList is a KRM call only when it is the one document of the input.
  const krm = sources.length === 1 && parsed.length === all.length && isResourceList(parsed);
  const objects: KObject[] = [];
  let policy = options.policy;
  let policyError: ConfigError | undefined;
  let rlDoc: (typeof parsed)[number] | undefined;

  if (krm) {
    rlDoc = parsed.find((d) => isMap(d.parsed.doc.contents));
    const p = rlDoc as (typeof parsed)[number];
    const rl = p.parsed.doc.contents as YAMLMap;
    const items = rl.get('items', true) as Node | undefined;
    if (items !== undefined && items !== null && !(isSeq(items) || isScalarNull(items))) {
      throw new InputError('ResourceList items must be a list', positionOf(p.segment, items.range?.[0] ?? 0));
    }
    if (isSeq(items)) {
      items.items.forEach((item, i) => {
        const node = item as Node;
        if (!isMap(node))
          throw new InputError(
            `ResourceList items[${i}] is not a mapping`,
            positionOf(p.segment, node?.range?.[0] ?? 0),
          );
        objects.push(objectOf(p.parsed.doc, node, all.indexOf(p), ['items', i], undefined));
      });
    }
    if (!policy) {
      const fc = rl.get('functionConfig', true) as Node | undefined;
      try {
        policy = fc
          ? loadPolicy((fc as Node).toJS(p.parsed.doc, { maxAliasCount: 100 }), 'functionConfig')
          : options.fallbackPolicy;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        policyError = e;
      }
    }
  } else {
    all.forEach((d, docIndex) => {
      const doc = d.parsed?.doc;
      if (!doc) return;
      const contents = doc.contents as Node | null;
      if (!isMap(contents)) return;
      const origin = { file: d.segment.file, index: d.segment.index };
      const items = contents.get('items', true) as Node | undefined;
      const kind = String(contents.get('kind') ?? '');
      if (isSeq(items) && kind.endsWith('List')) {
        items.items.forEach((item, i) => {
          if (isMap(item)) objects.push(objectOf(doc, item, docIndex, ['items', i], origin));
        });
        return;
      }
      objects.push(objectOf(doc, contents, docIndex, [], origin));
    });
  }

  if (policyError) {
    const results = policyError.problems.map((p) => result('error', undefined, `invalid functionConfig: ${p}`));
    const errors = [result('error', undefined, policyError.message), ...results];
    return {
      mode: 'krm',
      ...render(all, [], errors, rlDoc),
      results: errors,
      policyError,
      input: all.map((d) => d.segment.text).join(''),
    };
  }
  const pol = policy ?? options.fallbackPolicy ?? defaultPolicy();
  const planned = planAll(objects, pol, options.namespace ?? 'default');
  const plan = options.strict
    ? {
        ...planned,
        results: planned.results.map((r) => (r.severity === 'warning' ? { ...r, severity: 'error' as const } : r)),
      }
    : planned;
  const rendered = render(
    all,
    plan.changes,
    plan.results,
    krm ? rlDoc : undefined,
    firstOfFile,
    options.verify ?? true,
  );
  const input = joinFiles(
    all.map((d) => d.segment.text),
    firstOfFile,
  );
  return {
    mode: krm ? 'krm' : 'stream',
    output: rendered.output,
    results: rendered.results,
    changed: rendered.changed,
    input,
  };
}

const KIND_LINE = /^kind:[ \t]*(["']?)([A-Za-z0-9._-]+)\1[ \t]*(?:#.*)?\r?$/gm;

/**
 * False only when the document's top-level `kind:` line names a kind that can
 * neither be changed nor inform a change. Anything unclear (no such line, two
 * of them, flow or JSON style) is read.
 */
export function mustRead(text: string, kinds: KindTable): boolean {
  KIND_LINE.lastIndex = 0;
  const first = KIND_LINE.exec(text);
  if (!first) return true;
  if (KIND_LINE.exec(text)) return true;
  const kind = first[2] as string;
  return kinds.hasKind(kind) || READ_KINDS.has(kind) || kind.endsWith('List');
}

/** Kinds read besides the pod-bearing ones: Services (gRPC, remap), Namespaces (Istio), HPAs (quota checks). */
const READ_KINDS = new Set(['Service', 'Namespace', 'HorizontalPodAutoscaler']);

function isScalarNull(n: Node): boolean {
  return 'value' in n && (n as { value: unknown }).value === null;
}

/** True when the input is a single document of kind ResourceList. */
function isResourceList(docs: readonly { parsed: ParsedSegment }[]): boolean {
  const real = docs.filter((d) => d.parsed.doc.contents !== null);
  if (real.length !== 1) return false;
  const c = (real[0] as { parsed: ParsedSegment }).parsed.doc.contents;
  return isMap(c) && String(c.get('kind')) === 'ResourceList';
}

interface Plan {
  readonly changes: PlannedChange[];
  readonly results: Result[];
}

/** Decides every change and finding for the objects under the policy. */
export function planAll(objects: readonly KObject[], policy: Policy, defaultNamespace: string): Plan {
  const namespaceOf = (o: KObject): string => o.namespace ?? defaultNamespace;
  const namespaces = new Map<string, Record<string, string>>();
  const services: ServiceView[] = [];
  const workloads: Workload[] = [];
  const results: Result[] = [];
  const changes: PlannedChange[] = [];
  for (const obj of objects) {
    if (obj.localConfig) continue;
    if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
      const md = isObject(obj.value.metadata) ? obj.value.metadata : {};
      namespaces.set(obj.name, stringMap(md.labels));
      continue;
    }
    const svc = serviceOf(obj);
    if (svc) {
      services.push(svc);
      continue;
    }
    const look = workloadOf(obj, policy.kinds);
    if (look.kind === 'invalid') {
      results.push(
        result('error', obj.subject, `the Pod template at ${look.path} is not a mapping; ${obj.kind} left unchanged`, {
          field: { path: look.path },
        }),
      );
    } else if (look.kind === 'ok') {
      workloads.push(look.workload);
    }
  }

  const hits = new Map<string, number>();
  const index = new ServiceIndex(services, namespaceOf);
  for (const w of workloads) {
    if (isSkipped(w)) {
      results.push(
        result('info', w.obj.subject, `skipped: labelled or annotated ${ANNOTATIONS.skip}: "true"`, {
          tags: { check: 'skip' },
        }),
      );
      continue;
    }
    const selecting = index.selecting(w);
    const planned = planWorkload(w, policy, selecting, namespaces, namespaceOf, hits);
    changes.push(...planned.changes);
    results.push(...planned.results);
  }
  for (const rule of policy.rules) {
    if (!rule.preset && !hits.get(rule.name)) {
      results.push(
        result('warning', undefined, `rule ${JSON.stringify(rule.name)} matched no workload`, {
          tags: { rule: rule.name, check: 'unmatchedRule' },
        }),
      );
    }
  }
  results.push(...runChecks({ objects, workloads, services, policy, namespaceOf, changes }));
  return { changes, results: applySeverities(withoutIgnored(results, objects, policy.kinds), policy) };
}

/** Severity overrides and `off` from the policy's `checks`. */
function applySeverities(results: readonly Result[], policy: Policy): Result[] {
  const out: Result[] = [];
  for (const r of results) {
    const check = r.tags?.check;
    const setting = check ? policy.checks[check] : undefined;
    if (setting === 'off') continue;
    out.push(setting ? { ...r, severity: setting } : r);
  }
  return out;
}

function isSkipped(w: Workload): boolean {
  const md = isObject(w.obj.value.metadata) ? w.obj.value.metadata : {};
  const own = { ...stringMap(md.labels), ...stringMap(md.annotations) };
  return (
    own[ANNOTATIONS.skip] === 'true' ||
    w.labels[ANNOTATIONS.skip] === 'true' ||
    w.annotations[ANNOTATIONS.skip] === 'true'
  );
}

/** True when the workload matches a selector (every given field). */
export function selectorMatches(sel: Selector, w: Workload, namespace: string): boolean {
  if (sel.kinds && !sel.kinds.includes(w.obj.kind)) return false;
  if (sel.namespaces && !sel.namespaces.some((g) => globMatch(g, namespace))) return false;
  if (sel.names && !sel.names.some((g) => globMatch(g, w.obj.name))) return false;
  if (sel.labelSelector && !matchesLabels(sel.labelSelector, w.labels)) return false;
  return true;
}

function isEmptySelector(sel: Selector | undefined): boolean {
  return (
    !sel ||
    (sel.kinds === undefined &&
      sel.namespaces === undefined &&
      sel.names === undefined &&
      sel.labelSelector === undefined)
  );
}

function planWorkload(
  w: Workload,
  policy: Policy,
  /** The Services of the input that select this workload's Pods. */
  selecting: readonly ServiceView[],
  namespaces: NamespaceLabels,
  namespaceOf: (o: KObject) => string,
  hits: Map<string, number>,
): Plan {
  const ns = namespaceOf(w.obj);
  const results: Result[] = [];
  const changes: PlannedChange[] = [];
  const desired = new Map<string, { value: string; rule: Rule }>();
  const subject = w.obj.subject;
  const annPath = [...w.row.templatePath, 'metadata', 'annotations'];
  let portsResolved = false;

  const applies = (rule: Rule): boolean => {
    if (!selectorMatches(rule.match, w, ns)) return false;
    if (!isEmptySelector(rule.exclude) && selectorMatches(rule.exclude as Selector, w, ns)) return false;
    if (rule.when === 'istio' && !hasIstioSidecar(w, ns, namespaces)) return false;
    if (rule.when === 'grpc' && !servesGrpc(w, selecting)) return false;
    if (rule.placement === 'superNode' || rule.placement === 'avoidSuperNode') {
      // DaemonSets only when the rule names them.
      if (w.obj.kind === 'DaemonSet' && !rule.match.kinds?.includes('DaemonSet')) return false;
    }
    return true;
  };
  const matched = policy.rules.filter(applies);
  // One ports strategy per Pod: the last matching rule with `ports` decides
  // (user rules come after the preset's, so a user rule replaces the preset's fix).
  const portsRule = [...matched].reverse().find((r) => r.ports !== undefined);
  for (const rule of matched) {
    hits.set(rule.name, (hits.get(rule.name) ?? 0) + 1);
    const wants: [string, string][] = [];
    if (rule.ipvs.udpTimeout) wants.push([ANNOTATIONS.udpTimeout, rule.ipvs.udpTimeout]);
    if (rule.ipvs.tcpTimeout) wants.push([ANNOTATIONS.tcpTimeout, rule.ipvs.tcpTimeout]);
    wants.push(...Object.entries(rule.annotations));
    if (rule.egress?.eip !== undefined) {
      // eip-id-list (existing EIPs) and eip-attributes (new ones) must not be combined.
      const idList = desired.get(ANNOTATIONS.eipIdList)?.value ?? w.annotations[ANNOTATIONS.eipIdList];
      if (idList === undefined) wants.push([ANNOTATIONS.eipAttributes, JSON.stringify(rule.egress.eip)]);
      else {
        results.push(
          result(
            'warning',
            subject,
            `rule ${JSON.stringify(rule.name)}: ${ANNOTATIONS.eipAttributes} not set, because the Pod already binds existing EIPs with ${ANNOTATIONS.eipIdList}: ${JSON.stringify(idList)} (the two must not be combined)`,
            {
              field: { path: keyPath([...annPath, ANNOTATIONS.eipIdList]), currentValue: idList },
              tags: { rule: rule.name, check: 'eipConflict' },
            },
          ),
        );
      }
    }
    if (rule.egress?.claimDeletePolicy) wants.push([ANNOTATIONS.eipClaimDeletePolicy, rule.egress.claimDeletePolicy]);
    if (rule.ports && rule !== portsRule) {
      const avoid = rule.ports.avoid;
      if (!rule.preset && portsRule && portUses(w).some((u) => avoid.includes(u.port))) {
        results.push(
          result(
            'info',
            subject,
            `ports of rule ${JSON.stringify(rule.name)} not used: rule ${JSON.stringify(portsRule.name)}, later in the policy, decides the ports of this Pod`,
            { tags: { rule: rule.name } },
          ),
        );
      }
    } else if (rule.ports) {
      const pp = planPorts(w, rule.ports, rule, selecting, namespaceOf);
      wants.push(...pp.annotations.map(([k, v]) => [k, v] as [string, string]));
      for (const c of pp.changes) changes.push({ change: c.change, results: [c.result] });
      results.push(...pp.results);
      if (pp.resolved && (pp.annotations.length > 0 || pp.changes.length > 0)) portsResolved = true;
    }
    if (rule.placement) changes.push(...planPlacement(w, rule));
    for (const [key, value] of wants) {
      const prev = desired.get(key);
      if (prev && prev.value !== value) {
        results.push(
          result(
            'info',
            subject,
            `rule ${JSON.stringify(rule.name)} overrides ${key}=${JSON.stringify(prev.value)} of rule ${JSON.stringify(prev.rule.name)} with ${JSON.stringify(value)}`,
            {
              field: { path: keyPath([...annPath, key]), currentValue: prev.value },
              tags: { rule: rule.name },
            },
          ),
        );
      }
      desired.set(key, { value, rule });
    }
  }

  // The delete policy only means something for an EIP that EKS creates (eip-attributes),
  // decided on the final state so that a second run decides the same.
  const claim = desired.get(ANNOTATIONS.eipClaimDeletePolicy);
  if (claim && !desired.has(ANNOTATIONS.eipAttributes) && w.annotations[ANNOTATIONS.eipAttributes] === undefined) {
    desired.delete(ANNOTATIONS.eipClaimDeletePolicy);
    results.push(
      result(
        'warning',
        subject,
        `rule ${JSON.stringify(claim.rule.name)}: egress.claimDeletePolicy not written: the Pod gets no EIP from EKS (no ${ANNOTATIONS.eipAttributes}), so it would do nothing`,
        {
          tags: { rule: claim.rule.name },
        },
      ),
    );
  }

  const entries: [string, string][] = [];
  const entryResults: Result[] = [];
  for (const [key, { value, rule }] of desired) {
    const cur = w.annotations[key];
    const field = {
      path: keyPath([...annPath, key]),
      ...(cur !== undefined ? { currentValue: cur } : {}),
      proposedValue: value,
    };
    // A kept value is a note, not a change: it carries no proposed value.
    const keptField = { path: field.path, ...(cur !== undefined ? { currentValue: cur } : {}) };
    const tags = { rule: rule.name };
    if (cur === value) continue;
    if (cur === undefined || rule.overwrite) {
      entries.push([key, value]);
      entryResults.push(
        result(
          'info',
          subject,
          `${cur === undefined ? 'set' : 'replaced'} Pod annotation ${key}: ${JSON.stringify(value)}`,
          { field, tags },
        ),
      );
    } else {
      results.push(
        result(
          'info',
          subject,
          `kept existing Pod annotation ${key}: ${JSON.stringify(cur)} (rule ${JSON.stringify(rule.name)} wants ${JSON.stringify(value)}; set overwrite: true to replace it)`,
          {
            field: keptField,
            tags,
          },
        ),
      );
    }
  }
  if (entries.length > 0) {
    changes.unshift({ change: { op: 'entries', obj: w.obj, path: annPath, entries }, results: entryResults });
  }

  // Port 9100 left in use with nothing resolving it.
  if (!portsResolved && w.annotations[ANNOTATIONS.metricsPort] === undefined) {
    const uses = portUses(w).filter((u) => u.port === 9100);
    if (uses.length > 0 && !results.some((r) => r.severity === 'error' && r.tags?.check === 'port9100')) {
      const u = uses[0] as (typeof uses)[number];
      results.push(
        result(
          'warning',
          subject,
          `uses port 9100 (${u.what} of container ${JSON.stringify(u.container.name)}), which EKS itself listens on in every Pod: the Pod will fail to start. Fix: a rule with ports.strategy metricsPort (annotation ${ANNOTATIONS.metricsPort}) or remap`,
          {
            field: { path: keyPath([...w.row.templatePath, ...u.path]), currentValue: '9100' },
            tags: { check: 'port9100' },
          },
        ),
      );
    }
  }
  return { changes, results };
}

/** Node selector, toleration or affinity for super nodes (eks-domain.md section 6). */
function planPlacement(w: Workload, rule: Rule): PlannedChange[] {
  const tp = w.row.templatePath;
  const spec = isObject(w.templateValue.spec) ? w.templateValue.spec : {};
  const tags = { rule: rule.name };
  const out: PlannedChange[] = [];
  const subject = w.obj.subject;
  const affinity = isObject(spec.affinity) ? spec.affinity : {};
  const na = isObject(affinity.nodeAffinity) ? affinity.nodeAffinity : {};
  const req = isObject(na.requiredDuringSchedulingIgnoredDuringExecution)
    ? na.requiredDuringSchedulingIgnoredDuringExecution
    : undefined;
  const terms: unknown[] = req && Array.isArray(req.nodeSelectorTerms) ? req.nodeSelectorTerms : [];
  const exprsOf = (t: unknown): Record<string, unknown>[] =>
    isObject(t) && Array.isArray(t.matchExpressions) ? t.matchExpressions.filter(isObject) : [];
  // `In` only super nodes, or `NotIn` super nodes.
  const eklet = (e: Record<string, unknown>, op: 'In' | 'NotIn'): boolean =>
    e.key === INSTANCE_TYPE &&
    e.operator === op &&
    Array.isArray(e.values) &&
    e.values.includes('eklet') &&
    (op === 'NotIn' || e.values.every((v) => v === 'eklet'));
  if (rule.placement === 'superNode') {
    const sel = isObject(spec.nodeSelector) ? spec.nodeSelector : {};
    // A required node affinity `In [eklet]` in every term already says the same.
    const byAffinity = terms.length > 0 && terms.every((t) => exprsOf(t).some((e) => eklet(e, 'In')));
    if (sel[INSTANCE_TYPE] !== 'eklet' && !byAffinity) {
      const cur = sel[INSTANCE_TYPE];
      out.push({
        change: {
          op: 'entries',
          obj: w.obj,
          path: [...tp, 'spec', 'nodeSelector'],
          entries: [[INSTANCE_TYPE, 'eklet']],
        },
        results: [
          result(
            'info',
            subject,
            `node selector ${INSTANCE_TYPE}: eklet (run on super nodes${cur !== undefined && cur !== null ? `; was ${JSON.stringify(String(cur))}` : ''})`,
            {
              field: {
                path: keyPath([...tp, 'spec', 'nodeSelector', INSTANCE_TYPE]),
                ...(cur !== undefined && cur !== null ? { currentValue: String(cur) } : {}),
                proposedValue: 'eklet',
              },
              tags,
            },
          ),
        ],
      });
    }
    const tols = Array.isArray(spec.tolerations) ? spec.tolerations : [];
    // A toleration with no key and operator Exists tolerates every taint.
    const tolerated = tols.some(
      (t: unknown) =>
        isObject(t) &&
        (t.key === EKLET_TAINT || ((t.key === undefined || t.key === null || t.key === '') && t.operator === 'Exists')),
    );
    if (!tolerated) {
      const toleration = { key: EKLET_TAINT, operator: 'Exists', effect: 'NoSchedule' };
      const added = result('info', subject, `toleration ${EKLET_TAINT}:NoSchedule added`, {
        field: { path: keyPath([...tp, 'spec', 'tolerations']), proposedValue: JSON.stringify(toleration) },
        tags,
      });
      const selector = out.pop();
      if (!nodeAtPath(w, ['spec']) && selector) {
        // No Pod spec yet: create it once, with the node selector and the toleration.
        out.push({
          change: {
            op: 'entries',
            obj: w.obj,
            path: [...tp, 'spec'],
            entries: [
              ['nodeSelector', { [INSTANCE_TYPE]: 'eklet' }],
              ['tolerations', [toleration]],
            ],
          },
          results: [...selector.results, added],
        });
      } else {
        if (selector) out.push(selector);
        out.push({
          change: { op: 'append', obj: w.obj, path: [...tp, 'spec'], key: 'tolerations', items: [toleration] },
          results: [added],
        });
      }
    }
  } else if (rule.placement === 'avoidSuperNode') {
    const term = { key: INSTANCE_TYPE, operator: 'NotIn', values: ['eklet'] };
    const reqPath = [...tp, 'spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'];
    const msg = `node affinity ${INSTANCE_TYPE} NotIn [eklet] (keep off super nodes)`;
    const proposedValue = JSON.stringify(term);
    if (!req) {
      out.push({
        change: {
          op: 'entries',
          obj: w.obj,
          path: [...tp, 'spec', 'affinity', 'nodeAffinity'],
          entries: [
            ['requiredDuringSchedulingIgnoredDuringExecution', { nodeSelectorTerms: [{ matchExpressions: [term] }] }],
          ],
        },
        results: [result('info', subject, msg, { field: { path: keyPath(reqPath), proposedValue }, tags })],
      });
    } else if (terms.length === 0) {
      out.push({
        change: {
          op: 'append',
          obj: w.obj,
          path: reqPath,
          key: 'nodeSelectorTerms',
          items: [{ matchExpressions: [term] }],
        },
        results: [
          result('info', subject, msg, {
            field: { path: keyPath([...reqPath, 'nodeSelectorTerms']), proposedValue },
            tags,
          }),
        ],
      });
    } else {
      // Terms are ORed: every term must keep the Pod off super nodes.
      terms.forEach((t, i) => {
        if (exprsOf(t).some((e) => eklet(e, 'NotIn'))) return;
        out.push({
          change: {
            op: 'append',
            obj: w.obj,
            path: [...reqPath, 'nodeSelectorTerms', i],
            key: 'matchExpressions',
            items: [term],
          },
          results: [
            result('info', subject, `${msg}, in nodeSelectorTerms[${i}]`, {
              field: { path: keyPath([...reqPath, 'nodeSelectorTerms', i, 'matchExpressions']), proposedValue },
              tags,
            }),
          ],
        });
      });
    }
  }
  return out;
}

const INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
const EKLET_TAINT = 'eks.tke.cloud.tencent.com/eklet';

function nodeAtPath(w: Workload, path: string[]): unknown {
  let v: unknown = w.templateValue;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  return isObject(v) ? v : undefined;
}

/** Writes the changes as text edits, verifies them, and joins the output. */
function render(
  docs: readonly { segment: Segment; parsed?: ParsedSegment | undefined }[],
  planned: readonly PlannedChange[],
  findings: readonly Result[],
  rlDoc: { segment: Segment; parsed: ParsedSegment } | undefined,
  firstOfFile: ReadonlySet<number> = new Set([0]),
  verify = true,
): { output: string; results: Result[]; changed: boolean } {
  const results: Result[] = [];
  const byDoc = new Map<number, PlannedChange[]>();
  const seen = new Map<string, PlannedChange>();
  for (const p of planned) {
    const key = `${p.change.obj.docIndex}|${p.change.obj.path.join('.')}|${p.change.op}|${'at' in p.change ? (p.change.at ?? []).join('.') : ''}|${p.change.path.join('.')}`;
    const prev = seen.get(key);
    if (prev) {
      if (p.change.op === 'scalar' && prev.change.op === 'scalar' && prev.change.value !== p.change.value) {
        results.push(
          result(
            'error',
            p.change.obj.subject,
            `conflicting changes of ${keyPath(p.change.path)}: ${prev.change.value} and ${p.change.value}`,
          ),
        );
      }
      continue;
    }
    seen.set(key, p);
    const list = byDoc.get(p.change.obj.docIndex) ?? [];
    list.push(p);
    byDoc.set(p.change.obj.docIndex, list);
  }

  const texts = docs.map((d) => d.segment.text);
  let changed = false;
  const pending: Result[] = [];
  const docIndexOfRl = rlDoc ? docs.findIndex((d) => d.segment === rlDoc.segment) : -1;
  // The ResourceList's own editor: its item edits are made here, its results below.
  let rlEdits: { editor: DocumentEditor; applied: Change[] } | undefined;
  for (const [docIndex, list] of byDoc) {
    const d = docs[docIndex] as { segment: Segment; parsed: ParsedSegment };
    if (d.parsed.duplicateKeys.length > 0) {
      throw new InputError('duplicate mapping key in a document eksfit must change', d.parsed.duplicateKeys[0]);
    }
    const editor = new DocumentEditor(d.segment.text, { aliasFree: d.parsed.fast === true });
    const applied: Change[] = [];
    for (const p of list) {
      const mark = editor.edits.length;
      try {
        editText(editor, p.change);
        applied.push(p.change);
        pending.push(...p.results);
      } catch (e) {
        if (!(e instanceof UneditableError)) throw e;
        editor.edits.length = mark;
        results.push(
          result(
            'warning',
            p.change.obj.subject,
            `left unchanged: ${e.message} (eksfit edits only what it can edit without rewriting the document)`,
          ),
        );
      }
    }
    if (docIndex === docIndexOfRl) {
      rlEdits = { editor, applied };
      continue; // written below, with the results
    }
    if (!editor.changed) continue;
    texts[docIndex] = verified(d, editor, applied, verify);
    changed = true;
  }
  results.unshift(...pending);
  const all = [...results, ...findings];

  if (rlDoc) {
    const d = rlDoc;
    const { editor, applied } = rlEdits ?? {
      editor: new DocumentEditor(d.segment.text, { aliasFree: d.parsed.fast === true }),
      applied: [],
    };
    changed = editor.changed;
    if ((changed || all.length > 0) && d.parsed.duplicateKeys.length > 0) {
      throw new InputError('duplicate mapping key in the ResourceList', d.parsed.duplicateKeys[0]);
    }
    if (all.length > 0) {
      const rlObj = { docIndex: docIndexOfRl, path: [], node: d.parsed.doc.contents as YAMLMap } as unknown as KObject;
      const change: Change = { op: 'append', obj: rlObj, path: [], key: 'results', items: toKrm(all) as never[] };
      const rl = d.parsed.doc.contents as YAMLMap;
      try {
        editText(editor, change);
      } catch (e) {
        if (!(e instanceof UneditableError)) throw e;
        // The end cannot take new lines (a block scalar that keeps its line breaks ends the text): put results first.
        try {
          if (rl.has('results')) throw e;
          editor.prependEntries(rl, [['results', toKrm(all) as never[]]]);
        } catch (e2) {
          if (!(e2 instanceof UneditableError)) throw e2;
          throw new InputError(
            `cannot add results to this ResourceList: ${e.message}`,
            positionOf(d.segment, rl.range?.[0] ?? 0),
          );
        }
      }
      applied.push(change);
    }
    texts[docIndexOfRl] = verified(d, editor, applied, verify);
  }

  return { output: joinFiles(texts, firstOfFile), results: all, changed };
}

/**
 * Joins document texts into one stream. Where a new file starts, a line end
 * and a `---` are added when the texts lack them, so the files stay apart.
 */
export function joinFiles(texts: readonly string[], firstOfFile: ReadonlySet<number>): string {
  let out = '';
  texts.forEach((text, i) => {
    let t = text;
    if (i > 0 && firstOfFile.has(i)) {
      // A byte-order mark is allowed only at the start of a stream.
      t = t.replace(/^\uFEFF/, '');
      if (!out.endsWith('\n')) out += '\n';
      if (/^(?:[ \t]*(?:#[^\n]*)?\r?\n)*%/.test(t)) {
        // A directive may only follow a document ended by `...`.
        if (!/(?:^|\n)\.\.\.[ \t]*(?:#[^\n]*)?\r?\n$/.test(out)) out += '...\n';
      } else if (!/^---(?:[ \t]|\r?\n|$)/.test(t)) out += '---\n';
    }
    out += t;
  });
  return out;
}

/** Applies the editor and checks that the text parses back to the intended values. */
function verified(
  d: { segment: Segment; parsed: ParsedSegment },
  editor: DocumentEditor,
  applied: readonly Change[],
  verify: boolean,
): string {
  const text = editor.apply();
  if (!editor.changed) return d.segment.text;
  if (!verify) return text;
  // The fast reader is held to parseDocument's exact output by its differential tests.
  const again = fastParse(text) ?? parseDocument(text, { version: '1.1', logLevel: 'error' });
  if (again.errors.length > 0) throw new Error(`internal: edited document does not parse: ${again.errors[0]?.message}`);
  let expected = d.parsed.doc.toJS({ maxAliasCount: 100 }) as unknown;
  for (const c of applied) expected = editValue(expected, c);
  const actual = again.toJS({ maxAliasCount: 100 }) as unknown;
  if (!deepEqual(expected, actual)) {
    throw new Error(
      `internal: edited document of ${d.segment.file} (document ${d.segment.index}) does not read back as intended`,
    );
  }
  return text;
}

/** Structural equality of plain YAML values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return String(a) === String(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  if (a instanceof Map || b instanceof Map || a instanceof Set || b instanceof Set)
    return JSON.stringify([...(a as Map<unknown, unknown>)]) === JSON.stringify([...(b as Map<unknown, unknown>)]);
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.prototype.hasOwnProperty.call(b, k) &&
      deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
