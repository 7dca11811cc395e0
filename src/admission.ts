/**
 * Admission: the policy applied to one Pod at creation, as a mutating webhook
 * answers it. Pure: an AdmissionReview (plain JSON) and a Policy in, an
 * AdmissionReview with a JSONPatch out. The decision is the render-time one:
 * the Pod is planned as data by the same planner (`planObjects`, plan.ts),
 * with no text, no renderer and no reading back, and the patch is the
 * difference between the Pod and its planned value, limited to the Pod fields
 * a webhook may fix (annotations, node selector, tolerations, node affinity).
 * It never denies: a Pod eksfit cannot evaluate is allowed unchanged, with an
 * admission warning saying why.
 */
import type { Change } from './changes.ts';
import { planObjects } from './plan.ts';
import type { Policy } from './policy.ts';
import { isObject } from './values.ts';
import type { Result } from './results.ts';
import { objectOfValue } from './workload.ts';

/** One RFC 6902 operation; eksfit only adds and replaces. */
export interface PatchOp {
  readonly op: 'add' | 'replace';
  readonly path: string;
  readonly value: unknown;
}

/** What eksfit decides for one Pod. */
export interface Admission {
  readonly patch: readonly PatchOp[];
  /** Admission warnings, each at most WARNING_LENGTH characters, at most MAX_WARNINGS. */
  readonly warnings: readonly string[];
  /** `patched`: a patch; `unchanged`: nothing to do; `failedOpen`: not evaluated (allowed unchanged, warned). */
  readonly outcome: 'patched' | 'unchanged' | 'failedOpen';
  /** The name the policy's `names` were matched against (see policyName). */
  readonly name?: string;
  /** Why the Pod was not evaluated (failedOpen only), for the log. */
  readonly error?: string;
}

/** A request the webhook must refuse with HTTP 400: not an AdmissionReview. */
export class BadReview extends Error {
  override readonly name = 'BadReview';
}

/** Kubernetes shows each warning in one line; the API server truncates longer ones. */
export const WARNING_LENGTH = 120;
export const MAX_WARNINGS = 8;

/**
 * Checks about a whole input, not one Pod: at admission they would judge a
 * single Pod (pods per cluster, replicas) or every rule that this Pod does
 * not match (unmatchedRule), so they are left out.
 */
export const NOT_AT_ADMISSION: ReadonlySet<string> = new Set([
  'unmatchedRule',
  'podsPerCluster',
  'replicasPerWorkload',
  'instancesPerSecurityGroup',
]);

/** Label a ReplicaSet's Pods carry: the hash its name ends with (`<deployment>-<hash>`). */
const POD_TEMPLATE_HASH = 'pod-template-hash';
/** A CronJob names its Jobs `<cronjob>-<scheduled time in minutes since 1970>` (8 digits until the year 2160). */
const CRONJOB_SUFFIX = /-\d{8,}$/;

/**
 * The name a Pod's `names` selectors are matched against. A Pod with a name
 * keeps it. A Pod created by a controller has only `generateName`
 * (`<owner>-`); then the owner's workload, where Kubernetes makes it
 * derivable: a ReplicaSet's Pod is matched as its Deployment (the ReplicaSet's
 * name without `-<pod-template-hash>`), a Job's Pod as its CronJob when the
 * Job's name ends in the CronJob controller's `-<8 or more digits>` suffix,
 * else as the owner itself (the generateName without its trailing `-`).
 */
export function policyName(pod: Record<string, unknown>): string {
  const md = isObject(pod.metadata) ? pod.metadata : {};
  if (typeof md.name === 'string' && md.name !== '') return md.name;
  const generate = typeof md.generateName === 'string' ? md.generateName : '';
  const base = generate.endsWith('-') ? generate.slice(0, -1) : generate;
  const owners = Array.isArray(md.ownerReferences) ? md.ownerReferences.filter(isObject) : [];
  const owner = owners.find((o) => o.controller === true) ?? owners[0];
  const kind = owner && typeof owner.kind === 'string' ? owner.kind : '';
  const ownerName = owner && typeof owner.name === 'string' && owner.name !== '' ? owner.name : base;
  if (kind === 'ReplicaSet') {
    const labels = isObject(md.labels) ? md.labels : {};
    const hash = labels[POD_TEMPLATE_HASH];
    if (typeof hash === 'string' && hash !== '' && ownerName.endsWith(`-${hash}`))
      return ownerName.slice(0, -hash.length - 1);
    return ownerName;
  }
  if (kind === 'Job' && CRONJOB_SUFFIX.test(ownerName)) return ownerName.replace(CRONJOB_SUFFIX, '');
  return ownerName;
}

/** A JSON Pointer segment (RFC 6901): `~` as `~0`, `/` as `~1`. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Shortens a message to fit one admission warning. */
export function warning(message: string): string {
  const one = `eksfit: ${message.replace(/\s+/g, ' ').trim()}`;
  return one.length <= WARNING_LENGTH ? one : `${one.slice(0, WARNING_LENGTH - 1)}\u2026`;
}

/** Options of `admitPod`. */
export interface AdmitOptions {
  /** Namespace of the request (the Pod's own may be empty at creation). */
  readonly namespace?: string;
}

/**
 * Decides the patch and warnings for a Pod being created. Never throws:
 * anything unexpected becomes `failedOpen` with a warning.
 */
export function admitPod(pod: unknown, policy: Policy, options: AdmitOptions = {}): Admission {
  return failOpen(() => evaluate(pod, podInput(pod, options), policy));
}

/** The answer of `decide`, or failedOpen with a warning saying why it threw. */
function failOpen(decide: () => Admission): Admission {
  try {
    return decide();
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] || e.name : String(e);
    return {
      patch: [],
      warnings: [warning(`Pod not evaluated, allowed unchanged: ${why}`)],
      outcome: 'failedOpen',
      error: why,
    };
  }
}

/** What the webhook logs of a request (the same for every request a memo entry answers). */
export interface RequestInfo {
  readonly uid: string;
  readonly namespace?: string;
  readonly operation?: string;
  readonly dryRun?: boolean;
}

/** An AdmissionReview answered from its text (Admitter.answer). */
export interface TextAnswer {
  /** The AdmissionReview answer, as JSON text. */
  readonly response: string;
  readonly admission: Admission & { readonly cached: boolean };
  readonly request: RequestInfo;
}

/**
 * The start of an AdmissionReview as the API server writes it (Go's
 * encoding/json: fields in declaration order, no spaces), up to the request's
 * uid, which the group captures: the only part of the text that differs
 * between the requests for the Pods of one ReplicaSet or Job. Either order of
 * kind and apiVersion.
 */
const REVIEW_HEAD =
  /^\{(?:"kind":"AdmissionReview","apiVersion":"admission\.k8s\.io\/v1"|"apiVersion":"admission\.k8s\.io\/v1","kind":"AdmissionReview"),"request":\{"uid":"([^"\\]*)"/;
/** What JSON.stringify(reviewResponse(uid, …)) starts with, before the uid. */
const RESPONSE_HEAD = '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":';

const MANAGED_FIELDS = '"managedFields":[';

/**
 * A memo key: `text` without its first `managedFields` array, which the API
 * server fills before admission with the time of the request to the second
 * (so replicas created a second apart differ there) and which planning never
 * reads (podInput drops it). The key starts with where the array was, so two
 * texts with the same key differ at most in that array. The pattern cannot
 * match inside a JSON string (its quotes would be escaped); an array that does
 * not close leaves no key ('').
 */
function withoutManagedFields(text: string): string {
  const at = text.indexOf(MANAGED_FIELDS);
  if (at < 0) return `-:${text}`;
  let depth = 0;
  for (let i = at + MANAGED_FIELDS.length - 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, past escapes
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) depth++;
    else if ((c === 0x5d || c === 0x7d) && --depth === 0) return `${at}:${text.slice(0, at)}${text.slice(i + 1)}`;
  }
  return '';
}

interface MemoEntry {
  readonly admission: Admission;
  /** The response text after its uid. */
  readonly tail: string;
  readonly request: Omit<RequestInfo, 'uid'>;
}

/**
 * Answers AdmissionReviews from their text, with a memo: the Pods of one
 * ReplicaSet or Job reach the webhook identical (no name yet, no uid), in
 * requests whose text differs only in the request's uid, so a scale-up is
 * evaluated once. The memo's key is the request text without that uid and
 * without the Pod's managedFields (requests as the API server writes them;
 * others are always evaluated): two texts with the same key differ at most in
 * that one string and that array, so they are the same Pod as planning reads
 * it, the same namespace and operation, and get the same answer. The
 * policy is kept for the Admitter's lifetime. Bounded in entries and in
 * characters; least recently used entries go first.
 */
export class Admitter {
  private readonly memo = new Map<string, MemoEntry>();
  /** Characters of all keys: the memo is bounded in memory as well as in entries. */
  private chars = 0;
  constructor(
    readonly policy: Policy,
    readonly capacity = 1000,
    /** A request longer than this is not kept; all kept requests together stay under 64 times it. */
    readonly maxRequestChars = 64 * 1024,
  ) {}

  /**
   * The answer to an AdmissionReview given as JSON text. Throws BadReview for
   * a text that is not JSON or not an AdmissionReview.
   */
  answer(text: string): TextAnswer {
    const head = text.length <= this.maxRequestChars ? REVIEW_HEAD.exec(text) : null;
    const uid = head?.[1];
    const key =
      head && uid !== undefined
        ? withoutManagedFields(text.slice(0, head[0].length - uid.length - 1) + text.slice(head[0].length - 1))
        : '';
    const hit = key === '' ? undefined : this.memo.get(key);
    if (hit && uid !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.memo.delete(key);
      this.memo.set(key, hit);
      return {
        response: `${RESPONSE_HEAD}${JSON.stringify(uid)}${hit.tail}`,
        admission: { ...hit.admission, cached: true },
        request: { ...hit.request, uid },
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new BadReview('body is not JSON');
    }
    const reviewed = review(body, this.policy);
    const { admission, request } = reviewed;
    const response = JSON.stringify(reviewed.response);
    const info: RequestInfo = {
      uid: request.uid,
      ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
      ...(request.operation !== undefined ? { operation: request.operation } : {}),
      ...(request.dryRun !== undefined ? { dryRun: request.dryRun } : {}),
    };
    const uidText = JSON.stringify(request.uid);
    if (
      key !== '' &&
      uid === request.uid &&
      admission.outcome !== 'failedOpen' &&
      this.capacity > 0 &&
      response.startsWith(RESPONSE_HEAD + uidText)
    ) {
      const { uid: _u, ...rest } = info;
      this.memo.set(key, { admission, tail: response.slice(RESPONSE_HEAD.length + uidText.length), request: rest });
      this.chars += key.length;
      while (this.memo.size > this.capacity || this.chars > 64 * this.maxRequestChars) {
        const oldest = this.memo.keys().next().value as string;
        this.memo.delete(oldest);
        this.chars -= oldest.length;
      }
    }
    return { response, admission: { ...admission, cached: false }, request: info };
  }
}

/** The object planned: the Pod with its policy name and namespace, without managedFields and status. */
function podInput(
  pod: unknown,
  options: AdmitOptions,
): Record<string, unknown> & { metadata: Record<string, unknown> } {
  if (!isObject(pod)) throw new Error('the request carries no Pod object');
  const md = isObject(pod.metadata) ? pod.metadata : {};
  const namespace =
    options.namespace || (typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default');
  const name = policyName(pod);
  // What planning needs of the Pod: managedFields and status only cost time.
  const { managedFields: _m, ...metadata } = md;
  const { status: _s, ...rest } = pod;
  return { ...rest, apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name, namespace } };
}

/** The decision for `pod`, given as planned (`input`, from podInput). */
function evaluate(pod: unknown, input: ReturnType<typeof podInput>, policy: Policy): Admission {
  if (!isObject(pod)) throw new Error('the request carries no Pod object');
  const md = isObject(pod.metadata) ? pod.metadata : {};
  const namespace = input.metadata.namespace as string;
  const name = input.metadata.name as string;
  const obj = objectOfValue(input);
  const plan = planObjects([obj], policy, { namespace, skipChecks: NOT_AT_ADMISSION, billing: false });
  // The results in the order a render gives them: the changes', the conflicts, the findings.
  const warnings = findings([...plan.changes.flatMap((c) => c.results), ...plan.conflicts, ...plan.results]);
  const after = plan.planned.get(obj);
  if (after === undefined) return done([], warnings, name);
  const patch: PatchOp[] = [];
  const beforeMd = input.metadata;
  const afterMd = isObject(after.metadata) ? after.metadata : {};
  mapPatch(patch, '/metadata/annotations', beforeMd.annotations, afterMd.annotations);
  const beforeSpec = isObject(pod.spec) ? pod.spec : undefined;
  const afterSpec = isObject(after.spec) ? after.spec : {};
  const specPatch: PatchOp[] = [];
  mapPatch(specPatch, '/spec/nodeSelector', beforeSpec?.nodeSelector, afterSpec.nodeSelector);
  listPatch(specPatch, '/spec/tolerations', beforeSpec?.tolerations, afterSpec.tolerations);
  wholePatch(specPatch, '/spec/affinity', beforeSpec?.affinity, afterSpec.affinity);
  if (specPatch.length > 0 && ownerKind(md) === 'DaemonSet') {
    // The DaemonSet controller pins each Pod to its node: a placement would leave it unschedulable.
    warnings.push(warning('placement not applied to a DaemonSet Pod (each is pinned to its node)'));
  } else if (specPatch.length > 0 && beforeSpec === undefined) {
    patch.push({ op: 'add', path: '/spec', value: pick(afterSpec, ['nodeSelector', 'tolerations', 'affinity']) });
  } else patch.push(...specPatch);
  // Anything else planned (ports.strategy remap moves containers) is a render-time fix only.
  const other = plan.changes.every((c) => patchable(c.change)) ? [] : changedFields(input, after);
  if (other.length > 0)
    warnings.push(warning(`not applied at admission (render time only): changes to ${other.join(', ')}`));
  return done(patch, warnings, name);
}

function done(patch: PatchOp[], warnings: string[], name: string): Admission {
  const bounded =
    warnings.length > MAX_WARNINGS
      ? [...warnings.slice(0, MAX_WARNINGS - 1), warning(`${warnings.length - MAX_WARNINGS + 1} more findings`)]
      : warnings;
  return { patch, warnings: bounded, outcome: patch.length > 0 ? 'patched' : 'unchanged', name };
}

/** Warnings and errors of the plan, as admission warnings (errors are not denials: eksfit never blocks). */
function findings(results: readonly Result[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.severity === 'info') continue;
    const w = warning(r.message);
    if (!out.includes(w)) out.push(w);
  }
  return out;
}

function ownerKind(md: Record<string, unknown>): string | undefined {
  const owners = Array.isArray(md.ownerReferences) ? md.ownerReferences.filter(isObject) : [];
  const owner = owners.find((o) => o.controller === true) ?? owners[0];
  return owner && typeof owner.kind === 'string' ? owner.kind : undefined;
}

/** String maps (annotations, nodeSelector): one `add`/`replace` per key, or the whole map when there was none. */
function mapPatch(out: PatchOp[], path: string, before: unknown, after: unknown): void {
  if (!isObject(after)) return;
  if (!isObject(before)) {
    if (Object.keys(after).length > 0) out.push({ op: 'add', path, value: after });
    return;
  }
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) out.push({ op: 'add', path: `${path}/${escapePointer(k)}`, value: v });
    else if (!sameJson(before[k], v)) out.push({ op: 'replace', path: `${path}/${escapePointer(k)}`, value: v });
  }
}

/** Lists (tolerations): items appended with `/-`, or the whole list when it was absent or changed otherwise. */
function listPatch(out: PatchOp[], path: string, before: unknown, after: unknown): void {
  if (!Array.isArray(after) || sameJson(before, after)) return;
  if (!Array.isArray(before)) {
    out.push({ op: 'add', path, value: after });
    return;
  }
  if (after.length > before.length && before.every((b, i) => sameJson(b, after[i]))) {
    for (const item of after.slice(before.length)) out.push({ op: 'add', path: `${path}/-`, value: item });
  } else out.push({ op: 'replace', path, value: after });
}

/** Anything else (affinity): the whole value. */
function wholePatch(out: PatchOp[], path: string, before: unknown, after: unknown): void {
  if (after === undefined || sameJson(before, after)) return;
  out.push({ op: before === undefined ? 'add' : 'replace', path, value: after });
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** The spec fields the patch covers. */
const PATCHED_SPEC: ReadonlySet<unknown> = new Set(['nodeSelector', 'tolerations', 'affinity']);

/**
 * Whether a planned change writes only below fields the patch covers
 * (annotations, node selector, tolerations, affinity): then nothing else of
 * the Pod can differ, and changedFields need not compare it all.
 */
function patchable(c: Change): boolean {
  const full = c.op === 'entries' ? [...(c.at ?? []), ...c.path] : c.op === 'append' ? [...c.path, c.key] : [...c.path];
  const keys: unknown[] = full.length === 1 && c.op === 'entries' ? c.entries.map(([k]) => k) : [full[1]];
  if (full[0] === 'metadata') return keys.every((k) => k === 'annotations');
  if (full[0] === 'spec') return keys.every((k) => PATCHED_SPEC.has(k));
  return false;
}

/** Pod fields below spec and metadata that differ, besides the ones the patch covers. */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const out: string[] = [];
  const covered = PATCHED_SPEC;
  const bs = isObject(before.spec) ? before.spec : {};
  const as = isObject(after.spec) ? after.spec : {};
  for (const k of new Set([...Object.keys(bs), ...Object.keys(as)])) {
    if (!covered.has(k) && !sameJson(bs[k], as[k])) out.push(`spec.${k}`);
  }
  const bm = isObject(before.metadata) ? before.metadata : {};
  const am = isObject(after.metadata) ? after.metadata : {};
  for (const k of new Set([...Object.keys(bm), ...Object.keys(am)])) {
    if (k !== 'annotations' && !sameJson(bm[k], am[k])) out.push(`metadata.${k}`);
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  // The planned value shares what no change wrote with the Pod (plan.ts): often the very same object.
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

// ------------------------------------------------------------ AdmissionReview

/** The parts of an AdmissionReview request eksfit reads. */
export interface ReviewRequest {
  readonly uid: string;
  readonly kind?: { readonly group?: string; readonly version?: string; readonly kind?: string };
  readonly operation?: string;
  readonly subResource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly object?: unknown;
  readonly dryRun?: boolean;
}

/** A parsed AdmissionReview (admission.k8s.io/v1), or throws BadReview. */
export function readReview(body: unknown): ReviewRequest {
  if (!isObject(body)) throw new BadReview('not an AdmissionReview: the body is not a JSON object');
  if (body.kind !== 'AdmissionReview') throw new BadReview('not an AdmissionReview: kind is not AdmissionReview');
  if (body.apiVersion !== 'admission.k8s.io/v1')
    throw new BadReview('unsupported apiVersion: only admission.k8s.io/v1 AdmissionReview');
  const req = body.request;
  if (!isObject(req)) throw new BadReview('AdmissionReview without request');
  if (typeof req.uid !== 'string' || req.uid === '') throw new BadReview('AdmissionReview request without uid');
  return req as unknown as ReviewRequest;
}

/** The AdmissionReview answer for a request. */
export function reviewResponse(uid: string, admission: Pick<Admission, 'patch' | 'warnings'>): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(admission.patch.length > 0
        ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(admission.patch)).toString('base64') }
        : {}),
      ...(admission.warnings.length > 0 ? { warnings: admission.warnings } : {}),
    },
  };
}

/**
 * Answers one AdmissionReview (parsed JSON). Only a Pod CREATE is evaluated;
 * anything else the webhook is sent is allowed unchanged. A dry-run request
 * is answered like any other: eksfit has no side effects. Throws BadReview
 * for a body that is not an AdmissionReview.
 */
export function review(
  body: unknown,
  policy: Policy,
): { readonly response: Record<string, unknown>; readonly admission: Admission; readonly request: ReviewRequest } {
  const request = readReview(body);
  const isPod = request.kind?.kind === 'Pod' && (request.kind.group ?? '') === '' && !request.subResource;
  const admission: Admission =
    isPod && request.operation === 'CREATE'
      ? admitPod(request.object, policy, request.namespace ? { namespace: request.namespace } : {})
      : { patch: [], warnings: [], outcome: 'unchanged' };
  return { response: reviewResponse(request.uid, admission), admission, request };
}
