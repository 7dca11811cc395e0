/**
 * eksfit against the Kubernetes YAML reader (the k8syaml oracle, test/helpers/k8syaml.ts):
 * for every YAML or JSON file under test/fixtures and examples,
 * - eksfit refuses a stream exactly when Kubernetes cannot read it, and
 * - what eksfit writes, read by Kubernetes, is what Kubernetes reads in the input,
 *   apart from the fields eksfit reports changing (each with its proposed value).
 * Known disagreements are listed in EXPECTED_DISAGREEMENTS with the reason; the
 * list is exact (a listed file that agrees fails too, so the list shrinks as eksfit
 * is fixed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, hostTest } from './helpers/hosts.ts';
import { K8SYAML, fieldPath, k8sError, k8sRead, valueAt, type K8sDoc } from './helpers/k8syaml.ts';
import { runCli } from './helpers/run.ts';

/**
 * Files where eksfit and Kubernetes disagree today (issue #11 fixes the reader), by
 * path, with what happens. `refuses`: eksfit refuses what Kubernetes reads;
 * `accepts`: eksfit reads what Kubernetes refuses; `differs`: both read it, but the
 * output means something else to Kubernetes than the input apart from the reported changes.
 */
const EXPECTED_DISAGREEMENTS: Record<string, { readonly kind: Disagreement; readonly why: string }> = {
  // Not a difference in reading YAML: a ResourceList whose items are not a list of
  // objects is refused by design (no KRM host sends one); Kubernetes reads the YAML.
  'test/fixtures/hostile-input/resourcelist-items-not-a-list.yaml': {
    kind: 'refuses',
    why: 'ResourceList items must be a list (a malformed function call, refused on purpose)',
  },
  'test/fixtures/hostile-input/resourcelist-items-not-mappings.yaml': {
    kind: 'refuses',
    why: 'ResourceList items[1] is not a mapping (a malformed function call, refused on purpose)',
  },
};

/** refuses / accepts / differs as above; fails: eksfit ends in an internal error (exit 70). */
type Disagreement = 'refuses' | 'accepts' | 'differs' | 'fails';

/** eksfit in-process with the recommended preset and a JSON report; an internal error is exit 70. */
async function eksfit(input: string | Uint8Array): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    return await runCli(['--format', 'json', '-'], input);
  } catch (e) {
    return { code: 70, stdout: '', stderr: `internal error: ${(e as Error).message}` };
  }
}

const EXTENSIONS = /\.(ya?ml|json)$/;

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (EXTENSIONS.test(e.name)) out.push(relative(ROOT, p));
    }
  };
  walk(join(ROOT, dir));
  return out;
}

interface Change {
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly path: string;
  readonly value: unknown;
}

/** The changes eksfit reports (--format json): results with a field and a proposed value. */
function changes(report: string): Change[] {
  let parsed: { results?: unknown[] };
  try {
    parsed = JSON.parse(report) as { results?: unknown[] };
  } catch {
    return [];
  }
  const out: Change[] = [];
  const seen = new Set<string>();
  for (const r of parsed.results ?? []) {
    const x = r as {
      resourceRef?: { kind?: string; name?: string; namespace?: string };
      field?: { path?: string; proposedValue?: unknown };
    };
    if (x.field?.path === undefined || !('proposedValue' in (x.field ?? {}))) continue;
    // a warning about a change names the same field again
    const key = JSON.stringify([x.resourceRef?.kind, x.resourceRef?.name, x.resourceRef?.namespace, x.field.path]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      kind: x.resourceRef?.kind,
      name: x.resourceRef?.name,
      namespace: x.resourceRef?.namespace,
      path: x.field.path,
      value: x.field.proposedValue,
    });
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const segments = fieldPath;
const at = valueAt;

/**
 * Removes the changed field from `out` and `inp` (copies), and where the change created
 * its parent (an annotations map that was missing or null), puts the input's parent back.
 */
function strip(inp: unknown, out: unknown, segs: readonly (string | number)[]): [unknown, unknown] {
  const a = structuredClone(inp);
  const b = structuredClone(out);
  for (const v of [a, b]) {
    const parent = at(v, segs.slice(0, -1));
    const last = segs[segs.length - 1];
    if (parent && typeof parent === 'object' && last !== undefined)
      delete (parent as Record<string | number, unknown>)[last];
  }
  for (let i = segs.length - 1; i >= 1; i--) {
    const pa = at(a, segs.slice(0, i));
    const pb = at(b, segs.slice(0, i));
    if (isObj(pb) && Object.keys(pb).length === 0 && !(isObj(pa) && Object.keys(pa).length > 0)) {
      const holder = at(b, segs.slice(0, i - 1));
      const key = segs[i - 1] as string | number;
      if (holder && typeof holder === 'object') {
        if (pa === undefined) delete (holder as Record<string | number, unknown>)[key];
        else (holder as Record<string | number, unknown>)[key] = pa;
      }
    }
  }
  return [a, b];
}

/** The objects a change may concern: top-level objects, List items and ResourceList items. */
function targets(value: unknown, c: Change): Obj[] {
  const out: Obj[] = [];
  const visit = (v: unknown): void => {
    if (!isObj(v)) return;
    const md = isObj(v.metadata) ? v.metadata : {};
    if (v.kind === c.kind && md.name === c.name) out.push(v);
    if (Array.isArray(v.items)) v.items.forEach(visit);
  };
  visit(value);
  return out;
}

/** Compares what Kubernetes reads in the input and in eksfit's output; undefined when equal. */
function difference(inDocs: readonly K8sDoc[], outDocs: readonly K8sDoc[], report: string): string | undefined {
  const values = (docs: readonly K8sDoc[]): unknown[] =>
    docs.map((d) => ('json' in d ? d.json : undefined)).filter((v) => v !== null);
  let a = values(inDocs);
  let b = values(outDocs);
  if (a.length !== b.length) return `${a.length} objects in, ${b.length} out`;
  // A ResourceList comes back with eksfit's `results` in place of the input's.
  const noResults = (v: unknown): unknown => (isObj(v) && v.kind === 'ResourceList' ? { ...v, results: undefined } : v);
  a = JSON.parse(JSON.stringify(a.map(noResults))) as unknown[];
  b = JSON.parse(JSON.stringify(b.map(noResults))) as unknown[];
  for (const c of changes(report)) {
    const segs = segments(c.path);
    for (let i = 0; i < a.length; i++) {
      const ta = targets(a[i], c);
      const tb = targets(b[i], c);
      if (tb.length === 0) continue;
      if (ta.length !== tb.length) return `${c.kind}/${c.name}: ${ta.length} matching objects in, ${tb.length} out`;
      for (let j = 0; j < tb.length; j++) {
        const got = at(tb[j], segs);
        if (segs.length > 0 && JSON.stringify(c.path).includes('annotations') && got !== c.value) {
          return `${c.kind}/${c.name} ${c.path}: Kubernetes reads ${JSON.stringify(got)}, eksfit reported ${JSON.stringify(c.value)}`;
        }
        const [sa, sb] = strip(ta[j], tb[j], segs);
        Object.assign(ta[j] as Obj, sa);
        for (const k of Object.keys(tb[j] as Obj)) delete (tb[j] as Obj)[k];
        Object.assign(tb[j] as Obj, sb);
      }
    }
  }
  for (let i = 0; i < a.length; i++) {
    if (!isDeepStrictEqual(a[i], b[i])) {
      return `object ${i} differs apart from the reported changes:\n  in:  ${JSON.stringify(a[i]).slice(0, 600)}\n  out: ${JSON.stringify(b[i]).slice(0, 600)}`;
    }
  }
  return undefined;
}

const S = suite('eksfit reads YAML as Kubernetes does (k8syaml oracle)');
const ALL = [...files('test/fixtures'), ...files('examples')];
const seen = new Set<string>();

hostTest(
  S,
  `every fixture and example file: same verdict, same values (${ALL.length} files)`,
  [K8SYAML],
  ['k8syaml'],
  async () => {
    const problems: string[] = [];
    const disagreements = new Map<string, string>();
    let compared = 0;
    for (const file of ALL) {
      const bytes = readFileSync(join(ROOT, file));
      const [inDocs, run] = await Promise.all([k8sRead(bytes), eksfit(bytes)]);
      const k8sErr = k8sError(inDocs);
      // refused as input: "eksfit: FILE:LINE:COLUMN: why", nothing on stdout (an error
      // result, such as eipConflict, also ends with no output, but the input was read)
      const eksfitRefused = run.code !== 0 && run.stdout === '' && /^eksfit: .*:\d+:\d+: /m.test(run.stderr);
      seen.add(file);
      let kind: Disagreement | undefined;
      let detail = '';
      if (run.code === 70) {
        kind = 'fails';
        detail = run.stderr;
      } else if (k8sErr === undefined && eksfitRefused) {
        kind = 'refuses';
        detail = run.stderr.trim().split('\n')[0] ?? '';
      } else if (k8sErr !== undefined && !eksfitRefused) {
        kind = 'accepts';
        detail = k8sErr;
      } else if (k8sErr === undefined && run.stdout !== '') {
        const outDocs = await k8sRead(run.stdout);
        const outErr = k8sError(outDocs);
        if (outErr !== undefined) {
          kind = 'differs';
          detail = `Kubernetes cannot read eksfit's output: ${outErr}`;
        } else {
          const d = difference(inDocs, outDocs, run.stderr);
          if (d !== undefined) {
            kind = 'differs';
            detail = d;
          }
          compared++;
        }
      }
      if (kind) disagreements.set(file, `${kind}: ${detail}`);
      const expected = EXPECTED_DISAGREEMENTS[file];
      if (kind && !expected) problems.push(`${file}: ${kind}: ${detail}`);
      else if (!kind && expected)
        problems.push(
          `${file}: listed as a disagreement (${expected.kind}) but eksfit and Kubernetes now agree: remove it from EXPECTED_DISAGREEMENTS`,
        );
      else if (kind && expected && expected.kind !== kind)
        problems.push(`${file}: listed as "${expected.kind}", but now "${kind}": ${detail}`);
    }
    for (const f of Object.keys(EXPECTED_DISAGREEMENTS)) if (!seen.has(f)) problems.push(`${f}: listed but not found`);
    if (process.env.K8S_READER_LIST === '1') {
      for (const [f, d] of disagreements) process.stderr.write(`${f}\n  ${d}\n`);
    }
    assert.ok(compared > 100, `only ${compared} files were compared value by value`);
    assert.ok(problems.length === 0, `eksfit and the Kubernetes reader disagree:\n${problems.join('\n')}`);
  },
);

/**
 * A first corpus of tricky-but-valid (and invalid) YAML from issue #11, each in a Pod
 * eksfit must change (a container on port 9100). Issue #11 grows this corpus.
 */
const POD_SPEC = `spec:
  containers:
    - name: exporter
      image: prom/node-exporter
      ports:
        - containerPort: 9100
`;
const CORPUS: Record<string, string> = {
  'single-quoted scalar continued at column 0': `apiVersion: v1
kind: Pod
metadata:
  name: sq
  labels:
    description: 'line one.

      line two.

'
${POD_SPEC}`,
  'double-quoted scalar continued at column 0': `apiVersion: v1
kind: Pod
metadata:
  name: dq
  labels:
    message: "one
two"
${POD_SPEC}`,
  'flow mapping continued at column 0': `apiVersion: v1
kind: Pod
metadata:
  name: flow
  labels: {a: b,
c: d}
${POD_SPEC}`,
  'plain scalar continued below its key (refused by both)': `apiVersion: v1
kind: Pod
metadata:
  name: plain
  labels:
    a: one
two
${POD_SPEC}`,
  'tab after a colon': `apiVersion: v1
kind: Pod
metadata:
  name:\ttabbed
${POD_SPEC}`,
  'multi-line flow mapping with a comment': `apiVersion: v1
kind: Pod
metadata:
  name: flowcomment
  annotations: {
    a: b, # keep me
  }
${POD_SPEC}`,
  'flow key without a value': `apiVersion: v1
kind: Pod
metadata: {name: flowkey, labels: {app: a}, annotations}
${POD_SPEC}`,
  'explicit ? key': `apiVersion: v1
kind: Pod
? metadata
: name: qkey
${POD_SPEC}`,
  'CRLF line ends': `apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: crlf\r\n${POD_SPEC.replace(/\n/g, '\r\n')}`,
  'byte order mark': `\uFEFFapiVersion: v1
kind: Pod
metadata:
  name: bom
${POD_SPEC}`,
  'anchors and a merge key in the annotations': `apiVersion: v1
kind: Pod
metadata:
  name: merge
  labels: &l {app: a}
  annotations:
    <<: *l
    x: y
${POD_SPEC}`,
  'a JSON document': `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "json", "labels": {"app": "a"}},
 "spec": {"containers": [{"name": "e", "image": "e", "ports": [{"containerPort": 9100}]}]}}
`,
  'YAML 1.1 boolean (hostNetwork: yes)': `apiVersion: v1
kind: Pod
metadata:
  name: yes11
spec:
  hostNetwork: yes
  containers:
    - name: exporter
      image: prom/node-exporter
      ports:
        - containerPort: 9100
`,
  'duplicate key in a document eksfit changes': `apiVersion: v1
kind: Pod
metadata:
  name: dup
  labels: {app: a}
  labels: {app: b}
${POD_SPEC}`,
};

/** Cases of CORPUS where eksfit and Kubernetes disagree today (issue #11), with what happens. */
const CORPUS_DISAGREEMENTS: Record<string, Disagreement> = {};

hostTest(S, `a corpus of tricky YAML (${Object.keys(CORPUS).length} streams)`, [K8SYAML], ['k8syaml'], async () => {
  const problems: string[] = [];
  for (const [name, text] of Object.entries(CORPUS)) {
    const [inDocs, run] = await Promise.all([k8sRead(text), eksfit(text)]);
    const k8sErr = k8sError(inDocs);
    const eksfitRefused = run.code !== 0 && run.stdout === '' && /^eksfit: .*:\d+:\d+: /m.test(run.stderr);
    let kind: Disagreement | undefined;
    let detail = '';
    if (run.code === 70) [kind, detail] = ['fails', run.stderr];
    else if (k8sErr === undefined && eksfitRefused)
      [kind, detail] = ['refuses', run.stderr.trim().split('\n')[0] ?? ''];
    else if (k8sErr !== undefined && !eksfitRefused) [kind, detail] = ['accepts', k8sErr];
    else if (k8sErr === undefined && run.stdout !== '') {
      const outDocs = await k8sRead(run.stdout);
      const outErr = k8sError(outDocs);
      const d =
        outErr !== undefined ? `Kubernetes cannot read the output: ${outErr}` : difference(inDocs, outDocs, run.stderr);
      if (d !== undefined) [kind, detail] = ['differs', d];
    }
    if (process.env.K8S_READER_LIST === '1' && kind) process.stderr.write(`${name}\n  ${kind}: ${detail}\n`);
    const expected = CORPUS_DISAGREEMENTS[name];
    if (kind !== expected) {
      problems.push(
        `${name}: expected ${expected ?? 'agreement'}, got ${kind ?? 'agreement'}${detail ? `: ${detail}` : ''}`,
      );
    }
  }
  assert.ok(problems.length === 0, `eksfit and the Kubernetes reader:\n${problems.join('\n')}`);
});

S.run();
