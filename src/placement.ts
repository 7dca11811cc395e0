/**
 * The placement fix (standard TKE clusters that have super nodes, docs/eks.md
 * section 6): `placement: superNode` adds the node selector
 * `INSTANCE_TYPE: eklet` and a toleration of the eklet
 * taint; `avoidSuperNode` adds a required node affinity `NotIn [eklet]` to
 * every node selector term. DaemonSets are placed only when the rule's
 * `match.kinds` names DaemonSet.
 */
import type { PlannedChange } from './changes.ts';
import { EKLET, EKLET_TAINT, INSTANCE_TYPE, toleratesEklet } from './eks.ts';
import type { Fix } from './fix.ts';
import type { Rule } from './policy.ts';
import { keyPath, result, type Result } from './results.ts';
import { isObject } from './values.ts';
import type { Workload } from './workload.ts';

export const placementFix: Fix = {
  name: 'placement',
  vetoes: (w, rule) =>
    rule.placement !== undefined && w.obj.kind === 'DaemonSet' && !rule.match.kinds?.includes('DaemonSet'),
  plan(ctx, rule) {
    if (!rule.placement) return {};
    // One decision per workload: the last rule that says where the Pod runs (a later rule wins, reported).
    const decider = [...ctx.rules].reverse().find((r) => r.placement !== undefined);
    if (decider && decider !== rule) {
      if (decider.placement === rule.placement) return {};
      const message = `rule ${JSON.stringify(decider.name)} overrides placement ${rule.placement} of rule ${JSON.stringify(rule.name)} with ${decider.placement}`;
      return { results: [result('info', ctx.workload.obj.subject, message, { tags: { rule: decider.name } })] };
    }
    return planPlacement(ctx.workload, rule);
  },
};

/** Node selector, toleration or affinity for super nodes. */
function planPlacement(w: Workload, rule: Rule): { changes: PlannedChange[]; results?: Result[] } {
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
    e.values.includes(EKLET) &&
    (op === 'NotIn' || e.values.every((v) => v === EKLET));
  const sel = isObject(spec.nodeSelector) ? spec.nodeSelector : {};
  // The Pod's own scheduling already says the opposite: adding ours would leave it no node at all.
  const keptOff = terms.length > 0 && terms.every((t) => exprsOf(t).some((e) => eklet(e, 'NotIn')));
  const pinned = sel[INSTANCE_TYPE] === EKLET;
  if ((rule.placement === 'superNode' && keptOff) || (rule.placement === 'avoidSuperNode' && pinned)) {
    const why = keptOff
      ? `its node affinity keeps it off super nodes (${INSTANCE_TYPE} NotIn [eklet])`
      : `its node selector ${INSTANCE_TYPE}: eklet puts it on super nodes`;
    const message = `placement ${rule.placement} of rule ${JSON.stringify(rule.name)} not applied: ${why}; both together would leave the Pod no node`;
    return { changes: [], results: [result('warning', subject, message, { tags })] };
  }
  if (rule.placement === 'superNode') {
    // A required node affinity `In [eklet]` in every term already says the same.
    const byAffinity = terms.length > 0 && terms.every((t) => exprsOf(t).some((e) => eklet(e, 'In')));
    if (sel[INSTANCE_TYPE] !== EKLET && !byAffinity) {
      const cur = sel[INSTANCE_TYPE];
      out.push({
        change: {
          op: 'entries',
          obj: w.obj,
          path: [...tp, 'spec', 'nodeSelector'],
          entries: [[INSTANCE_TYPE, EKLET]],
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
                proposedValue: EKLET,
              },
              tags,
            },
          ),
        ],
      });
    }
    if (!toleratesEklet(spec)) {
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
              ['nodeSelector', { [INSTANCE_TYPE]: EKLET }],
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
    const term = { key: INSTANCE_TYPE, operator: 'NotIn', values: [EKLET] };
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
  return { changes: out };
}

function nodeAtPath(w: Workload, path: string[]): unknown {
  let v: unknown = w.templateValue;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  return isObject(v) ? v : undefined;
}
