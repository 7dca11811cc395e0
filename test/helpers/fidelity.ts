/**
 * The oracle of the property and fuzz suites: what must hold between an input
 * stream and eksfit's output, written independently of src/ (its own document
 * splitter, its own table of pod-bearing kinds, its own idea of which fields
 * eksfit may touch). Each check throws an Error that says what broke and in
 * which document.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import { MAX_ALIAS_COUNT } from '../../src/values.ts';

/**
 * Cuts a stream into documents the way the YAML spec allows: a document starts
 * at a `---` line (column 0, then a space, a tab or the line end), or at the
 * `%` directives before it, and ends after a `...` line. Text before a `---`
 * line (comments) belongs to the previous piece. Joining the pieces gives the
 * text back.
 */
export function splitDocs(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/(?<=\n)/);
  let cur = '';
  let ended = false;
  let prefix = true;
  let directives = false;
  lines.forEach((line, i) => {
    const l = i === 0 ? line.replace(/^\uFEFF/, '') : line;
    if (/^---(?:[ \t]|\r?\n|$)/.test(l)) {
      if (cur !== '' && !directives) {
        out.push(cur);
        cur = '';
      }
      cur += line;
      ended = prefix = directives = false;
      return;
    }
    if ((ended || prefix) && l.startsWith('%')) {
      if (ended && cur !== '') {
        out.push(cur);
        cur = '';
      }
      directives = true;
      ended = false;
    } else if (prefix && !/^[ \t]*(#|\r?\n|$)/.test(l)) prefix = false;
    cur += line;
    if (/^\.\.\.(?:[ \t]|\r?\n|$)/.test(l)) {
      out.push(cur);
      cur = '';
      ended = prefix = true;
      directives = false;
    }
  });
  if (cur !== '') out.push(cur);
  return out;
}

/** A document's value: parsed as YAML 1.1, integers kept exact. Throws on any YAML error. */
export function valueOf(text: string, what = 'document'): unknown {
  const doc = parseDocument(text, { version: '1.1', intAsBigInt: true, uniqueKeys: false });
  if (doc.errors.length > 0) throw new Error(`${what} does not parse: ${doc.errors[0]?.message}\n${text}`);
  return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
}

/** What identifies an object: apiVersion, kind, namespace, name (and a List's items). */
export function identity(value: unknown): unknown {
  if (!isRecord(value))
    return value === null || value === undefined ? '(empty)' : `(${Array.isArray(value) ? 'sequence' : 'scalar'})`;
  const md = isRecord(value.metadata) ? value.metadata : {};
  const id = [String(value.apiVersion), String(value.kind), String(md.namespace ?? ''), String(md.name ?? '')];
  return Array.isArray(value.items) ? [id, value.items.map(identity)] : id;
}

/** The comment markers (`# c<N> ...`) written by the generators, in order. */
export function commentMarks(text: string): string[] {
  return text.match(/# c\d+(?: [^\r\n]*)?/g) ?? [];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------
// What eksfit may touch

const EKS = 'eks.tke.cloud.tencent.com/';

/** Pod-bearing kinds: group ('' = core) and path to the Pod template. */
const KINDS: readonly { kind: string; group: string | undefined; path: readonly string[] }[] = [
  { kind: 'Pod', group: '', path: [] },
  { kind: 'Deployment', group: 'apps', path: ['spec', 'template'] },
  { kind: 'StatefulSet', group: 'apps', path: ['spec', 'template'] },
  { kind: 'DaemonSet', group: 'apps', path: ['spec', 'template'] },
  { kind: 'ReplicaSet', group: 'apps', path: ['spec', 'template'] },
  { kind: 'ReplicationController', group: '', path: ['spec', 'template'] },
  { kind: 'Job', group: 'batch', path: ['spec', 'template'] },
  { kind: 'CronJob', group: 'batch', path: ['spec', 'jobTemplate', 'spec', 'template'] },
  { kind: 'PodTemplate', group: '', path: ['template'] },
];

/** What the oracle needs to know of a policy (the EksFitPolicy object, or undefined for the default). */
export interface Ownership {
  readonly kinds: readonly { kind: string; group: string | undefined; path: readonly string[] }[];
  /** Annotation keys eksfit may write in a Pod template. */
  readonly annotations: ReadonlySet<string>;
  /** The preset's rules apply (to any workload showing a trait). */
  readonly preset: boolean;
  readonly rules: readonly Record<string, unknown>[];
  /** Some rule remaps ports (containers, probes, args, env, Services follow). */
  readonly remap: boolean;
  readonly env: ReadonlySet<string>;
  readonly placement: boolean;
}

/** Reads what eksfit may touch from a policy object (an EksFitPolicy), or the default policy. */
export function ownership(policy: Record<string, unknown> | undefined): Ownership {
  const spec = isRecord(policy?.spec) ? policy.spec : {};
  const rules = (Array.isArray(spec.rules) ? spec.rules : []) as Record<string, unknown>[];
  const extra = (Array.isArray(spec.podTemplatePaths) ? spec.podTemplatePaths : []) as {
    apiVersion?: string;
    kind: string;
    path: string;
  }[];
  const annotations = new Set(
    ['ipvs-udp-timeout', 'ipvs-tcp-timeout', 'metrics-port', 'eip-attributes', 'eip-claim-delete-policy'].map(
      (k) => EKS + k,
    ),
  );
  for (const r of rules) for (const k of Object.keys(isRecord(r.annotations) ? r.annotations : {})) annotations.add(k);
  const ports = rules.map((r) => (isRecord(r.ports) ? r.ports : {}));
  return {
    kinds: [
      ...extra.map((p) => ({
        kind: p.kind,
        group:
          p.apiVersion === undefined
            ? undefined
            : p.apiVersion.includes('/')
              ? (p.apiVersion.split('/')[0] as string)
              : '',
        path: p.path.split('.'),
      })),
      ...KINDS,
    ],
    annotations,
    preset: spec.preset !== 'none',
    rules,
    remap: ports.some((p) => p.strategy === 'remap'),
    env: new Set(ports.map((p) => p.env).filter((e): e is string => typeof e === 'string')),
    placement: rules.some((r) => r.placement !== undefined),
  };
}

function kindRow(o: Ownership, obj: Record<string, unknown>): { path: readonly string[] } | undefined {
  const apiVersion = String(obj.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return o.kinds.find((k) => k.kind === String(obj.kind ?? '') && (k.group === undefined || k.group === group));
}

/** The objects of a document: itself, or a List's items. */
function objectsOf(value: unknown): Record<string, unknown>[] {
  if (!isRecord(value)) return [];
  if (String(value.kind ?? '').endsWith('List') && Array.isArray(value.items)) return value.items.filter(isRecord);
  return [value];
}

function glob(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return re.test(text);
}

/** A conservative reading of a selector: false only when it surely does not match (labels are not read). */
function mayMatch(sel: unknown, obj: Record<string, unknown>): boolean {
  if (!isRecord(sel)) return true;
  const md = isRecord(obj.metadata) ? obj.metadata : {};
  if (Array.isArray(sel.kinds) && !sel.kinds.includes(String(obj.kind))) return false;
  if (Array.isArray(sel.names) && !sel.names.some((g: string) => glob(g, String(md.name ?? '')))) return false;
  if (Array.isArray(sel.namespaces) && !sel.namespaces.some((g: string) => glob(g, String(md.namespace ?? 'default'))))
    return false;
  return true;
}

/** True when eksfit may change this document under the policy: it holds a selected workload, or a Service and some rule remaps. */
export function maySelect(o: Ownership, value: unknown): boolean {
  return objectsOf(value).some((obj) => {
    if (String(obj.kind) === 'Service' && o.remap) return true;
    if (!kindRow(o, obj)) return false;
    return o.preset || o.rules.some((r) => mayMatch(r.match, obj));
  });
}

/**
 * A copy of a document's value without what eksfit may write: its annotations
 * in Pod templates, and, when the policy asks for them, remapped ports,
 * placement and the env it sets. Mappings and lists left empty by the removal
 * (or null in the input) are dropped, so that `annotations:` created by eksfit
 * compares equal to none.
 */
export function withoutOwned(o: Ownership, value: unknown): unknown {
  const copy = unshared(value);
  for (const obj of objectsOf(copy)) {
    if (String(obj.kind) === 'Service' && o.remap) {
      if (isRecord(obj.spec) && Array.isArray(obj.spec.ports))
        for (const p of obj.spec.ports) if (isRecord(p)) delete p.targetPort;
      // prometheus.io/port-style annotations of a Service selecting a remapped Pod follow it.
      const md = isRecord(obj.metadata) ? obj.metadata : undefined;
      if (md && isRecord(md.annotations))
        for (const k of Object.keys(md.annotations)) if (/(^|[./])port$/.test(k)) delete md.annotations[k];
    }
    const row = kindRow(o, obj);
    if (!row) continue;
    let t: unknown = obj;
    for (const k of row.path) t = isRecord(t) ? t[k] : undefined;
    if (!isRecord(t)) continue;
    const md = isRecord(t.metadata) ? t.metadata : undefined;
    if (md) {
      if (isRecord(md.annotations)) {
        for (const k of Object.keys(md.annotations)) {
          if (o.annotations.has(k) || (o.remap && /(^|[./])port$/.test(k))) delete md.annotations[k];
        }
      }
      prune(md, 'annotations');
    }
    prune(t, 'metadata');
    if (o.placement && t.spec === null) delete t.spec;
    const spec = isRecord(t.spec) ? t.spec : undefined;
    if (!spec) continue;
    if (o.placement) {
      if (isRecord(spec.nodeSelector)) delete spec.nodeSelector['node.kubernetes.io/instance-type'];
      prune(spec, 'nodeSelector');
      if (Array.isArray(spec.tolerations))
        spec.tolerations = spec.tolerations.filter((x) => !(isRecord(x) && x.key === `${EKS}eklet`));
      prune(spec, 'tolerations');
      stripAffinity(spec);
      prune(t, 'spec');
    }
    if (o.remap) {
      for (const list of ['containers', 'initContainers']) {
        for (const c of Array.isArray(spec[list]) ? (spec[list] as unknown[]) : []) {
          if (!isRecord(c)) continue;
          for (const p of Array.isArray(c.ports) ? c.ports : []) {
            if (isRecord(p)) {
              delete p.containerPort;
              delete p.hostPort;
            }
          }
          for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) stripHandlerPorts(c[probe]);
          if (isRecord(c.lifecycle)) for (const hook of ['postStart', 'preStop']) stripHandlerPorts(c.lifecycle[hook]);
          for (const f of ['command', 'args']) {
            if (Array.isArray(c[f]))
              c[f] = (c[f] as unknown[]).map((a) => (typeof a === 'string' ? a.replace(/\d+/g, '#') : a));
          }
          if (Array.isArray(c.env)) c.env = c.env.filter((e) => !(isRecord(e) && o.env.has(String(e.name))));
          prune(c, 'env');
        }
      }
    }
  }
  return copy;
}

/** A deep copy in which every alias is a copy of its own (toJS shares them), so a change through one shows. */
function unshared(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unshared);
  if (isRecord(v) && !(v instanceof Date))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unshared(x)]));
  return v;
}

function stripHandlerPorts(h: unknown): void {
  if (!isRecord(h)) return;
  for (const k of ['httpGet', 'tcpSocket', 'grpc']) if (isRecord(h[k])) delete h[k].port;
}

function stripAffinity(spec: Record<string, unknown>): void {
  const a = spec.affinity;
  if (!isRecord(a) || !isRecord(a.nodeAffinity)) return;
  const req = a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (isRecord(req) && Array.isArray(req.nodeSelectorTerms)) {
    for (const term of req.nodeSelectorTerms) {
      if (isRecord(term) && Array.isArray(term.matchExpressions)) {
        term.matchExpressions = term.matchExpressions.filter(
          (e) => !(isRecord(e) && e.key === 'node.kubernetes.io/instance-type' && e.operator === 'NotIn'),
        );
        prune(term, 'matchExpressions');
      }
    }
    req.nodeSelectorTerms = req.nodeSelectorTerms.filter((t) => !(isRecord(t) && Object.keys(t).length === 0));
    prune(req, 'nodeSelectorTerms');
  }
  prune(a.nodeAffinity, 'requiredDuringSchedulingIgnoredDuringExecution');
  prune(a, 'nodeAffinity');
  prune(spec, 'affinity');
}

/** Drops `key` from `m` when it is null, an empty mapping or an empty list. */
function prune(m: Record<string, unknown>, key: string): void {
  if (!(key in m)) return;
  const v = m[key];
  if (v === null || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0)) delete m[key];
}

// ---------------------------------------------------------------------------
// The checks

function fail(message: string, input: string, output: string): never {
  throw new Error(`${message}\n--- input ---\n${input}\n--- output ---\n${output}`);
}

/**
 * Checks the fidelity guarantees between one input stream and eksfit's output
 * (stream mode, one file): same documents in the same order; a document eksfit
 * may not select is byte-identical; in the others every value outside the
 * owned paths is unchanged and every comment is still there, in order; the
 * output parses.
 */
export function checkFidelity(o: Ownership, input: string, output: string): void {
  const ins = splitDocs(input);
  const outs = splitDocs(output);
  if (ins.join('') !== input) fail('oracle: splitDocs lost text of the input', input, output);
  if (outs.length !== ins.length) fail(`document count: ${ins.length} in, ${outs.length} out`, input, output);
  ins.forEach((a, i) => {
    const b = outs[i] as string;
    const va = valueOf(a.replace(/^\uFEFF/, ''), `input document ${i}`);
    const vb = valueOf(b.replace(/^\uFEFF/, ''), `output document ${i}`);
    if (!isDeepStrictEqual(identity(va), identity(vb)))
      fail(
        `document ${i}: identity ${JSON.stringify(identity(va))} became ${JSON.stringify(identity(vb), big)}`,
        input,
        output,
      );
    if (a === b) return;
    if (!maySelect(o, va)) fail(`document ${i} is not selected by the policy, yet its text changed`, input, output);
    const [sa, sb] = [withoutOwned(o, va), withoutOwned(o, vb)];
    if (!isDeepStrictEqual(sa, sb))
      fail(
        `document ${i}: a value outside the paths eksfit owns changed:\n${JSON.stringify(sa, big)}\n${JSON.stringify(sb, big)}`,
        input,
        output,
      );
    const [ca, cb] = [commentMarks(a), commentMarks(b)];
    if (!isDeepStrictEqual(ca, cb))
      fail(`document ${i}: comments differ: ${JSON.stringify(ca)} -> ${JSON.stringify(cb)}`, input, output);
    if (a.includes('\r\n') && /(?<!\r)\n/.test(b) && !/(?<!\r)\n/.test(a))
      fail(`document ${i}: CRLF document got LF lines`, input, output);
  });
}

/** JSON.stringify replacer for bigints. */
export function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}
