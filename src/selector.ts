/**
 * Selection of workloads. A workload matches a selector iff ALL its given
 * fields match; an empty selector matches everything.
 */
import type { Selector } from './policy.ts';
import type { Workload } from './workload.ts';

/** A Kubernetes LabelSelector. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly Requirement[];
}

/** One `matchExpressions` entry. */
export interface Requirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** True when `labels` satisfy the selector (Kubernetes semantics). */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    const value = labels[req.key];
    switch (req.operator) {
      case 'In':
        if (!has || !(req.values ?? []).includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && (req.values ?? []).includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/**
 * Parses the kubectl string form: `app=web,tier in (a,b),!legacy,env!=dev`.
 * Throws an Error naming the offending part.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: Requirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (part === '') throw new Error(`empty requirement in ${JSON.stringify(text)}`);
    let m: RegExpExecArray | null;
    if ((m = /^([^\s=!(),]+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(part))) {
      const values = (m[3] as string).split(',').map((v) => v.trim());
      // Like kubectl: `in ()` is an empty set, and `in (a,)` an empty value.
      if ((m[3] as string).trim() === '') throw new Error(`${JSON.stringify(part)}: the set of values cannot be empty`);
      if (values.some((v) => v === '' || !isLabelValue(v)))
        throw new Error(`invalid values in ${JSON.stringify(part)}`);
      matchExpressions.push({ key: checkKey(m[1] as string, part), operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part))) {
      const key = checkKey(m[1] as string, part);
      const value = m[3] as string;
      if (!isLabelValue(value)) throw new Error(`invalid value in ${JSON.stringify(part)}`);
      if (m[2] === '!=') matchExpressions.push({ key, operator: 'NotIn', values: [value] });
      else if (key in matchLabels && matchLabels[key] !== value) throw new Error(`${key} cannot equal two values`);
      else matchLabels[key] = value;
    } else if ((m = /^!\s*([^\s=!(),]+)$/.exec(part))) {
      matchExpressions.push({ key: checkKey(m[1] as string, part), operator: 'DoesNotExist' });
    } else if (/^[^\s=!(),]+$/.test(part)) {
      matchExpressions.push({ key: checkKey(part, part), operator: 'Exists' });
    } else {
      throw new Error(
        `cannot parse ${JSON.stringify(part)} (expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key)`,
      );
    }
  }
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  };
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function checkKey(key: string, part: string): string {
  if (!KEY.test(key)) throw new Error(`invalid label key ${JSON.stringify(key)} in ${JSON.stringify(part)}`);
  return key;
}

function isLabelValue(v: string): boolean {
  return v === '' || /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v);
}

/** Glob match: `*` any run of characters, `?` one character. */
export function globMatch(pattern: string, text: string): boolean {
  const re = globCache.get(pattern) ?? compileGlob(pattern);
  return re.test(text);
}

const globCache = new Map<string, RegExp>();
function compileGlob(pattern: string): RegExp {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  globCache.set(pattern, re);
  return re;
}

/** True when the workload matches a selector (every given field); `namespace` is the workload's. */
export function selectorMatches(sel: Selector, w: Workload, namespace: string): boolean {
  if (sel.kinds && !sel.kinds.includes(w.obj.kind)) return false;
  if (sel.namespaces && !sel.namespaces.some((g) => globMatch(g, namespace))) return false;
  if (sel.names && !sel.names.some((g) => globMatch(g, w.obj.name))) return false;
  if (sel.labelSelector && !matchesLabels(sel.labelSelector, w.labels)) return false;
  return true;
}

/** True for an absent selector or one with no field (in `exclude`, it excludes nothing). */
export function isEmptySelector(sel: Selector | undefined): boolean {
  return (
    !sel ||
    (sel.kinds === undefined &&
      sel.namespaces === undefined &&
      sel.names === undefined &&
      sel.labelSelector === undefined)
  );
}
