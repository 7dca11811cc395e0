/**
 * A fix: one kind of change a rule can ask for (ipvs timeouts and Pod
 * annotations, an EIP, getting off EKS's metrics port, super-node placement). Each is a
 * small unit with one interface, in the spirit of kyaml's `Filter`: given the
 * workload and the rule, it returns planned changes and results. It reads
 * nothing but its arguments and writes nothing: plan.ts calls every fix of
 * `FIXES` for every rule that applies, in policy order, and resolves
 * precedence between rules. A new fix is a module and a line in `FIXES`;
 * neither the planner nor transform.ts changes (docs/architecture.md).
 */
import type { PlannedChange } from './changes.ts';
import type { Rule, SizingPolicy } from './policy.ts';
import type { Result } from './results.ts';
import type { ServiceView } from './services.ts';
import type { KObject, Workload } from './workload.ts';
import { annotationsFix } from './annotations.ts';
import { egressFix } from './egress.ts';
import { portsFix } from './ports.ts';
import { placementFix } from './placement.ts';
import { sizingFix } from './billing.ts';

/** What a fix may look at besides the rule. */
export interface FixContext {
  /** The workload: its object, Pod template, labels, annotations and containers (as in the input). */
  readonly workload: Workload;
  /** Its namespace (metadata.namespace, else the default one). */
  readonly namespace: string;
  /** The Services of the input that select its Pods, in input order. */
  readonly selecting: readonly ServiceView[];
  readonly namespaceOf: (o: KObject) => string;
  /** Every rule that applies to the workload, in policy order (the preset's first). */
  readonly rules: readonly Rule[];
  /** The policy's Pod sizing settings (`spec.sizing`). */
  readonly sizing: SizingPolicy;
  /** What the rules before this one want for a Pod annotation, and which rule wants it. */
  planned(key: string): { readonly value: string; readonly rule: Rule } | undefined;
}

/** What a fix plans for one workload under one rule (or, from `finish`, under all of them). */
export interface FixPlan {
  /** Pod annotations the rule wants, in order; the planner decides between rules and writes them. */
  readonly annotations?: readonly (readonly [string, string])[];
  /** Edits of the workload (or of objects that follow it, such as Services), each with the results that explain it. */
  readonly changes?: readonly PlannedChange[];
  /** Findings and notes. */
  readonly results?: readonly Result[];
  /** `finish` only: Pod annotations wanted by the rules that are not to be written after all. */
  readonly withdraw?: readonly string[];
}

/** One kind of fix. */
export interface Fix {
  /** For messages and docs: `annotations`, `egress`, `ports`, `placement`, `sizing`. */
  readonly name: string;
  /** True when the rule must not apply to this workload at all (no change, not counted as a match). */
  vetoes?(workload: Workload, rule: Rule): boolean;
  /** What `rule` asks of the workload. */
  plan(ctx: FixContext, rule: Rule): FixPlan;
  /** After every rule has been planned, before the Pod annotations are written: what only the final state decides. */
  finish?(ctx: FixContext): FixPlan;
}

/** The fixes, in the order they are planned for each rule (and so the order of their edits and results). */
export const FIXES: readonly Fix[] = [annotationsFix, egressFix, portsFix, placementFix, sizingFix];
