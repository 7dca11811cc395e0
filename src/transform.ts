/**
 * The pure core: `transform(sources, options) -> { output, results }`.
 * It knows nothing of argv, files, stdin or which host called. It runs the
 * stages in order (docs/architecture.md):
 *
 *   input.ts   read the documents, find the objects (and a ResourceList)
 *   policy.ts  the policy: given, else the functionConfig, else the fallback
 *   plan.ts    decide every change and finding (fixes: fix.ts; checks: audit.ts)
 *   render.ts  write the changes as text, verify, join, add a ResourceList's results
 *
 * and returns the whole output at once (never a part of it).
 */
import type { Billing } from './billing.ts';
import { ConfigError } from './errors.ts';
import { readInput, unreadConfigMaps, type Input, type Source } from './input.ts';
import { planObjects } from './plan.ts';
import { defaultPolicy, loadPolicy, type Policy } from './policy.ts';
import { joinFiles, render, type Rendered } from './render.ts';
import { result, type Result } from './results.ts';
import type { KObject } from './workload.ts';

export type { Source };

export interface TransformOptions {
  /** The policy; when absent, a ResourceList's functionConfig, else `fallbackPolicy`. */
  readonly policy?: Policy;
  /** The policy when neither `policy` nor a functionConfig gives one (e.g. $EKSFIT_CONFIG). Default: the recommended preset. */
  readonly fallbackPolicy?: Policy;
  /** Namespace assumed for objects without one (like `helm -n`). Default `default`. */
  readonly namespace?: string;
  /** Warnings become errors (`--strict`): in the results returned and in a ResourceList's. */
  readonly strict?: boolean;
}

export interface TransformOutput {
  readonly mode: 'krm' | 'stream';
  /** The output, joined when read: the shell writes `outputParts` instead. */
  readonly output: string;
  /** The output in pieces, in order (a large output is never made into one string to be written). */
  readonly outputParts: readonly string[];
  readonly results: readonly Result[];
  /** True when at least one document changed. */
  readonly changed: boolean;
  /** What EKS bills each pod-bearing object (none when the functionConfig is invalid). */
  readonly billing: Billing;
  /** The input as one stream (files joined as in `output`), for diffs; built when read. */
  readonly input: string;
  /** The functionConfig was an invalid policy (KRM mode): output carries error results. */
  readonly policyError?: ConfigError;
}

/** Transforms the input: see the module comment. Throws InputError or ConfigError. */
export function transform(sources: readonly Source[], options: TransformOptions = {}): TransformOutput {
  const fallback = options.policy ?? options.fallbackPolicy ?? defaultPolicy();
  // Only a ResourceList's functionConfig can still change the policy, and a
  // ResourceList is always read: the fallback's kinds decide what to read.
  const input = readInput(sources, fallback.kinds);
  const mode = input.resourceList ? 'krm' : 'stream';
  const chosen = choosePolicy(input, options.policy, fallback);
  if (chosen instanceof ConfigError) {
    const problems = chosen.problems.map((p) => result('error', undefined, `invalid functionConfig: ${p}`));
    const errors = [result('error', undefined, chosen.message), ...problems];
    const rendered = render(input, { changes: [], findings: errors }, { strict: false });
    return outputOf(input, mode, rendered, { workloads: [] }, chosen);
  }
  // Every edited document is read back before anything is written. A workload
  // whose edit cannot be made, or would not read back, is planned again as left
  // unchanged, so that the checks and the report see what is really written.
  const leftUnchanged = new Map<KObject, string>();
  const configMaps = unreadConfigMaps(input, options.namespace ?? 'default');
  for (;;) {
    const plan = planObjects(input.objects, chosen, {
      ...(options.namespace ? { namespace: options.namespace } : {}),
      configMaps,
      leftUnchanged,
    });
    const rendered = render(
      input,
      {
        changes: plan.changes,
        conflicts: plan.conflicts,
        findings: [...input.warnings, ...plan.results],
        planned: plan.planned,
      },
      { strict: options.strict ?? false },
    );
    const before = leftUnchanged.size;
    for (const [obj, why] of rendered.refused) if (!leftUnchanged.has(obj)) leftUnchanged.set(obj, why);
    // Each round leaves at least one more workload unchanged: this ends.
    if (rendered.refused.size === 0 || leftUnchanged.size === before)
      return outputOf(input, mode, rendered, plan.billing);
  }
}

/** The output, with the joined input built only when a caller reads it (`--diff`). */
function outputOf(
  input: Input,
  mode: TransformOutput['mode'],
  rendered: Rendered,
  billing: Billing,
  policyError?: ConfigError,
): TransformOutput {
  let joined: string | undefined;
  let output: string | undefined;
  return {
    mode,
    outputParts: rendered.parts,
    get output(): string {
      output ??= rendered.parts.join('');
      return output;
    },
    results: rendered.results,
    changed: rendered.changed,
    billing,
    ...(policyError ? { policyError } : {}),
    get input(): string {
      joined ??= joinFiles(
        input.docs.map((d) => d.segment.text),
        input.firstOfFile,
      );
      return joined;
    },
  };
}

/** The policy of the run: the one given, else a ResourceList's functionConfig, else the fallback. */
function choosePolicy(input: Input, given: Policy | undefined, fallback: Policy): Policy | ConfigError {
  if (given || !input.resourceList) return fallback;
  const fc = input.functionConfig();
  if (fc === undefined) return fallback;
  try {
    return loadPolicy(fc, 'functionConfig');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e;
  }
}
