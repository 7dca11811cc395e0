/**
 * Planning: which rules apply to which workload, what each fix asks for, which
 * rule wins where two want the same thing, what the checks find, and how
 * severe each result is. It reads objects (KObject) and returns changes as
 * data, never text: transform.ts hands them to render.ts, and an admission
 * webhook can plan one Pod (`objectOfValue` in workload.ts) and turn the
 * changes into a JSONPatch.
 */
import { foldDaemonSets, podViews, runChecks, sizeWorkloads, withoutIgnored, type PlannedValues } from './audit.ts';
import type { Billing } from './billing.ts';
import { writeAnnotations } from './annotations.ts';
import { editValue, writtenPath, type PlannedChange } from './changes.ts';
import { previousNames } from './input.ts';
import { isSkipped, SKIP } from './eks.ts';
import { FIXES, type Fix, type FixContext } from './fix.ts';
import type { Policy, Rule } from './policy.ts';
import { grpcClientReason, GrpcServices, istioReason, type ConfigMapLookup, type NamespaceLabels } from './preset.ts';
import { keyPath, result, type Result } from './results.ts';
import { selectorMatches, isEmptySelector } from './selector.ts';
import { serviceOf, ServiceIndex, type ServiceView } from './services.ts';
import { isObject, stringMap } from './values.ts';
import { readByLibrary, workloadOf, type KObject, type Workload } from './workload.ts';

/** What planning decided. */
export interface Plan {
  /** The changes, each once, in the order they are to be made. */
  readonly changes: readonly PlannedChange[];
  /** Two rules or workloads asked for different values of one field: only the first is made. */
  readonly conflicts: readonly Result[];
  /** Findings and notes (the results of the changes travel with the changes). */
  readonly results: readonly Result[];
  /** Each changed object's plain value with every planned change applied. */
  readonly planned: PlannedValues;
  /** What EKS bills each pod-bearing object, as planned (the reports' spec and cost). */
  readonly billing: Billing;
}

/** Decides every change and finding for the objects under the policy. */
export function planObjects(
  objects: readonly KObject[],
  policy: Policy,
  options: {
    namespace?: string;
    fixes?: readonly Fix[];
    /** ConfigMaps of the input that are not among `objects` (input.ts passes them through as text). */
    configMaps?: ConfigMapLookup;
    /**
     * Workloads whose edits could not be made (render.ts said why): they get no
     * change, a warning with the reason, and the checks see them as they are.
     */
    leftUnchanged?: ReadonlyMap<KObject, string>;
    /** Checks not to run (admission has no use for the ones about a whole input). */
    skipChecks?: ReadonlySet<string>;
    /** false: no bills (an empty `billing`); admission answers none. */
    billing?: boolean;
  } = {},
): Plan {
  const defaultNamespace = options.namespace ?? 'default';
  const namespaceOf = (o: KObject): string => o.namespace ?? defaultNamespace;
  const namespaces = new Map<string, Record<string, string>>();
  const configMapObjects = new Map<string, Record<string, string>>();
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
    if (obj.kind === 'ConfigMap' && obj.apiVersion === 'v1') {
      const md = isObject(obj.value.metadata) ? obj.value.metadata : {};
      for (const name of [obj.name, ...previousNames(md)])
        if (!configMapObjects.has(`${namespaceOf(obj)}/${name}`))
          configMapObjects.set(`${namespaceOf(obj)}/${name}`, stringMap(obj.value.data));
      continue;
    }
    const svc = serviceOf(obj);
    if (svc) {
      services.push(svc);
      continue;
    }
    const look = workloadOf(obj, policy.kinds);
    if (look.kind === 'invalid') {
      const message = `the Pod template at ${look.path} is not a mapping; ${obj.kind} left unchanged`;
      results.push(result('error', obj.subject, message, { field: { path: look.path } }));
    } else if (look.kind === 'ok') {
      workloads.push(look.workload);
    }
  }

  const hits = new Set<Rule>();
  const index = new ServiceIndex(services, namespaceOf);
  const more = options.configMaps;
  const configMaps: ConfigMapLookup = (ns, name) => configMapObjects.get(`${ns}/${name}`) ?? more?.(ns, name);
  // Which Services select which workloads: once, by the index, for both the gRPC Services and the fixes.
  const selecting = new Map(workloads.map((w) => [w, index.selecting(w)] as const));
  const selectedBy = new Map<ServiceView, Workload[]>();
  for (const [w, svcs] of selecting)
    for (const svc of svcs) {
      const list = selectedBy.get(svc);
      if (list) list.push(w);
      else selectedBy.set(svc, [w]);
    }
  const grpc = new GrpcServices(services, workloads, namespaceOf, selectedBy);
  const env: Environment = {
    policy,
    namespaces,
    namespaceOf,
    fixes: options.fixes ?? FIXES,
    grpc,
    configMaps,
    leftUnchanged: options.leftUnchanged ?? new Map(),
  };
  for (const w of workloads) {
    if (isSkipped(w)) {
      results.push(result('info', w.obj.subject, `skipped: labelled or annotated ${SKIP}: "true"`));
      continue;
    }
    const planned = planWorkload(w, selecting.get(w) ?? [], env);
    for (const r of planned.rules) hits.add(r);
    changes.push(...planned.changes);
    results.push(...planned.results);
  }
  for (const rule of options.skipChecks?.has('unmatchedRule') ? [] : policy.rules) {
    if (!rule.preset && !hits.has(rule)) {
      results.push(
        result('warning', undefined, `rule ${JSON.stringify(rule.name)} matched no workload`, {
          tags: { rule: rule.name, check: 'unmatchedRule' },
        }),
      );
    }
  }
  const note = options.namespace === undefined ? namespaceNote(policy, workloads, services) : undefined;
  if (note) results.push(note);
  const { unique, conflicts } = deduplicate(changes);
  const planned = plannedValues(unique);
  const checkInput = { objects, workloads, services, policy, namespaceOf };
  const views = podViews(checkInput, planned);
  results.push(...runChecks(checkInput, views, options.skipChecks));
  return {
    billing: options.billing === false ? { workloads: [] } : sizeWorkloads(checkInput, views),
    changes: unique,
    conflicts,
    results: foldDaemonSets(applySeverities(withoutIgnored(results, objects, policy.kinds), policy)),
    planned,
  };
}

/** What planning one workload needs besides the workload. */
interface Environment {
  readonly policy: Policy;
  readonly namespaces: NamespaceLabels;
  readonly namespaceOf: (o: KObject) => string;
  readonly fixes: readonly Fix[];
  readonly grpc: GrpcServices;
  readonly configMaps: ConfigMapLookup;
  readonly leftUnchanged: ReadonlyMap<KObject, string>;
}

/**
 * The rules of the policy that apply to the workload, in policy order, each
 * with why it applies when a trait (`when`) decided it.
 */
export function rulesFor(
  w: Workload,
  namespace: string,
  env: Environment,
): { readonly rule: Rule; readonly because?: string }[] {
  const out: { rule: Rule; because?: string }[] = [];
  for (const rule of env.policy.rules) {
    if (!selectorMatches(rule.match, w, namespace)) continue;
    if (!isEmptySelector(rule.exclude) && rule.exclude && selectorMatches(rule.exclude, w, namespace)) continue;
    let because: string | undefined;
    if (rule.when === 'istio') {
      because = istioReason(w, namespace, env.namespaces);
      if (because === undefined) continue;
    }
    if (rule.when === 'grpc') {
      because = grpcClientReason(w, namespace, env.grpc, env.configMaps);
      if (because === undefined) continue;
    }
    if (env.fixes.some((f) => f.vetoes?.(w, rule))) continue;
    out.push(because === undefined ? { rule } : { rule, because });
  }
  return out;
}

/**
 * A note (when no --namespace was given) when rules select namespaces and
 * workloads or Services of the input have none: they were taken as `default`. Helm never tells a
 * post-renderer the release namespace, so `helm -n payments` renders objects
 * without one, and a rule on `namespaces: [payments]` would silently not match.
 */
function namespaceNote(
  policy: Policy,
  workloads: readonly Workload[],
  services: readonly ServiceView[],
): Result | undefined {
  const named = policy.rules.some(
    (r) => !r.preset && ((r.match.namespaces?.length ?? 0) > 0 || (r.exclude?.namespaces?.length ?? 0) > 0),
  );
  if (!named) return undefined;
  const without = [...workloads.map((w) => w.obj), ...services.map((s) => s.obj)].filter(
    (o) => o.namespace === undefined && !o.localConfig,
  );
  if (without.length === 0) return undefined;
  const n = without.length;
  return result(
    'info',
    undefined,
    `${n} object${n > 1 ? 's' : ''} without metadata.namespace ${n > 1 ? 'were' : 'was'} taken as namespace "default" for the rules that name namespaces; pass the real one with --namespace=NS (Helm: --post-renderer-args=--namespace=NS; Helm does not tell a post-renderer the release namespace)`,
  );
}

/**
 * Plans one workload: every fix for every rule that applies, in policy order.
 * Where two rules want the same Pod annotation the later one wins (reported).
 */
function planWorkload(
  w: Workload,
  selecting: readonly ServiceView[],
  env: Environment,
): { rules: readonly Rule[]; changes: PlannedChange[]; results: Result[] } {
  const namespace = env.namespaceOf(w.obj);
  const applying = rulesFor(w, namespace, env);
  const rules = applying.map((a) => a.rule);
  const because = new Map(applying.flatMap((a) => (a.because === undefined ? [] : [[a.rule, a.because] as const])));
  const wanted = new Map<string, { value: string; rule: Rule; because?: string }>();
  const ctx: FixContext = {
    workload: w,
    namespace,
    selecting,
    namespaceOf: env.namespaceOf,
    rules,
    sizing: env.policy.sizing,
    planned: (key) => wanted.get(key),
  };
  const changes: PlannedChange[] = [];
  const results: Result[] = [];
  const annPath = [...w.row.templatePath, 'metadata', 'annotations'];
  const refused = env.leftUnchanged.get(w.obj);
  if (refused !== undefined) {
    // Nothing is planned: only what the final state decides (e.g. port 9100 still in use) is said.
    const message = `left unchanged: ${refused} (eksfit edits only what it can edit without rewriting the document)`;
    results.push(result('warning', w.obj.subject, message));
    const bare: FixContext = { ...ctx, rules: [], planned: () => undefined };
    for (const fix of env.fixes) results.push(...(fix.finish?.(bare).results ?? []));
    return { rules, changes, results };
  }
  for (const rule of rules) {
    const wants: (readonly [string, string])[] = [];
    for (const fix of env.fixes) {
      const p = fix.plan(ctx, rule);
      wants.push(...(p.annotations ?? []));
      changes.push(...(p.changes ?? []));
      results.push(...(p.results ?? []));
    }
    for (const [key, value] of wants) {
      const prev = wanted.get(key);
      if (prev && prev.value !== value) {
        results.push(
          result(
            'info',
            w.obj.subject,
            `rule ${JSON.stringify(rule.name)} overrides ${key}=${JSON.stringify(prev.value)} of rule ${JSON.stringify(prev.rule.name)} with ${JSON.stringify(value)}`,
            { field: { path: keyPath([...annPath, key]), currentValue: prev.value }, tags: { rule: rule.name } },
          ),
        );
      }
      const why = because.get(rule);
      wanted.set(key, why === undefined ? { value, rule } : { value, rule, because: why });
    }
  }
  for (const fix of env.fixes) {
    const p = fix.finish?.(ctx) ?? {};
    for (const key of p.withdraw ?? []) wanted.delete(key);
    changes.push(...(p.changes ?? []));
    results.push(...(p.results ?? []));
  }
  const written = writeAnnotations(w, wanted);
  if (written.change) changes.unshift(written.change);
  results.push(...written.notes);
  return { rules, changes: changes.map((c) => ({ ...c, owner: w.obj })), results };
}

/** Each change once; two different values for one scalar are a conflict (the first is kept). */
function deduplicate(changes: readonly PlannedChange[]): { unique: PlannedChange[]; conflicts: Result[] } {
  const unique: PlannedChange[] = [];
  const conflicts: Result[] = [];
  const seen = new Map<string, PlannedChange>();
  for (const p of changes) {
    const c = p.change;
    const at = 'at' in c ? (c.at ?? []).join('.') : '';
    const key = `${c.obj.docIndex}|${c.obj.path.join('.')}|${c.op}|${at}|${c.path.join('.')}`;
    const prev = seen.get(key);
    if (!prev) {
      seen.set(key, p);
      unique.push(p);
    } else if (c.op === 'scalar' && prev.change.op === 'scalar' && prev.change.value !== c.value) {
      const message = `conflicting changes of ${keyPath(c.path)}: ${prev.change.value} and ${c.value}`;
      conflicts.push(result('error', c.obj.subject, message));
    }
  }
  return { unique, conflicts };
}

/**
 * Each changed object's plain value after its changes, computed once for the
 * checks and for verification. An object the yaml library read is cloned
 * whole (its value may share nodes through aliases, as the text does). An
 * object whose value is a tree (the fast reader's: no aliases; or one that
 * comes from no text, `objectOfValue`) is copied only along the paths its
 * changes write to: the rest is shared with the object's value, which nothing
 * writes to.
 */
function plannedValues(changes: readonly PlannedChange[]): Map<KObject, Record<string, unknown>> {
  const out = new Map<KObject, Record<string, unknown>>();
  const copied = new Set<object>();
  for (const { change } of changes) {
    const obj = change.obj;
    let value = out.get(obj);
    if (!value) {
      value = readByLibrary(obj) ? structuredClone(obj.value) : { ...obj.value };
      copied.add(value);
      out.set(obj, value);
    }
    if (!readByLibrary(obj)) copyAlong(value, writtenPath(change), copied);
    // editValue works on a whole document: it finds the object at its path.
    let doc: unknown = value;
    for (let i = obj.path.length - 1; i >= 0; i--) {
      const part = obj.path[i] as string | number;
      doc = typeof part === 'number' ? Object.assign([], { [part]: doc }) : { [part]: doc };
    }
    editValue(doc, change);
  }
  return out;
}

/** Replaces each mapping and sequence along `path` below `root` by a copy, once (`copied` holds the copies). */
function copyAlong(root: Record<string, unknown>, path: readonly (string | number)[], copied: Set<object>): void {
  let cur: Record<string | number, unknown> = root;
  for (const key of path) {
    let next = cur[key];
    if (typeof next !== 'object' || next === null) return;
    if (!copied.has(next)) {
      next = Array.isArray(next) ? [...(next as unknown[])] : { ...(next as Record<string, unknown>) };
      copied.add(next as object);
      cur[key] = next;
    }
    cur = next as Record<string | number, unknown>;
  }
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
