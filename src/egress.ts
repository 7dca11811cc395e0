/**
 * The egress fix: a rule's `egress.eip` becomes the Pod annotation
 * eip-attributes (EKS then creates an EIP for each Pod) and
 * `egress.claimDeletePolicy` the annotation eip-claim-delete-policy
 * (docs/eks.md, section 4).
 */
import { EKS_ANNOTATIONS } from './eks.ts';
import type { Fix } from './fix.ts';
import { keyPath, result, type Result } from './results.ts';

export const egressFix: Fix = {
  name: 'egress',
  plan(ctx, rule) {
    const w = ctx.workload;
    const wants: [string, string][] = [];
    const results: Result[] = [];
    if (rule.egress?.eip !== undefined) {
      // eip-id-list (existing EIPs) and eip-attributes (new ones) must not be combined.
      const idList = ctx.planned(EKS_ANNOTATIONS.eipIdList)?.value ?? w.annotations[EKS_ANNOTATIONS.eipIdList];
      if (idList === undefined) wants.push([EKS_ANNOTATIONS.eipAttributes, JSON.stringify(rule.egress.eip)]);
      else {
        results.push(
          result(
            'warning',
            w.obj.subject,
            `rule ${JSON.stringify(rule.name)}: ${EKS_ANNOTATIONS.eipAttributes} not set, because the Pod already binds existing EIPs with ${EKS_ANNOTATIONS.eipIdList}: ${JSON.stringify(idList)} (the two must not be combined)`,
            {
              field: {
                path: keyPath([...w.row.templatePath, 'metadata', 'annotations', EKS_ANNOTATIONS.eipIdList]),
                currentValue: idList,
              },
              tags: { rule: rule.name, check: 'eipConflict' },
            },
          ),
        );
      }
    }
    if (rule.egress?.claimDeletePolicy)
      wants.push([EKS_ANNOTATIONS.eipClaimDeletePolicy, rule.egress.claimDeletePolicy]);
    return { annotations: wants, results };
  },
  finish(ctx) {
    // The delete policy only means something for an EIP that EKS creates (eip-attributes),
    // decided on the final state so that a second run decides the same.
    const claim = ctx.planned(EKS_ANNOTATIONS.eipClaimDeletePolicy);
    if (
      !claim ||
      ctx.planned(EKS_ANNOTATIONS.eipAttributes) ||
      ctx.workload.annotations[EKS_ANNOTATIONS.eipAttributes] !== undefined
    )
      return {};
    return {
      withdraw: [EKS_ANNOTATIONS.eipClaimDeletePolicy],
      results: [
        result(
          'warning',
          ctx.workload.obj.subject,
          `rule ${JSON.stringify(claim.rule.name)}: egress.claimDeletePolicy not written: the Pod gets no EIP from EKS (no ${EKS_ANNOTATIONS.eipAttributes}), so it would do nothing`,
          { tags: { rule: claim.rule.name } },
        ),
      ],
    };
  },
};
