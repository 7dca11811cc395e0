/**
 * The fuzz target: random and mutated documents through the CLI's
 * `main`, in-process. What must hold for every input:
 * - no exception escapes `main` (an escape is a crash: exit 70 and a stack trace);
 * - the exit code is 0, 1 or 2, and a failure prints no stack trace;
 * - in stream mode, a non-zero exit prints nothing on stdout;
 * - exit 0 only with output that keeps the fidelity guarantees: the same
 *   documents in the same order, untouched documents byte-identical (and so
 *   every document eksfit could not read), changed ones equal outside the
 *   paths eksfit owns with every comment kept, and a second run changes nothing.
 *
 * Inputs: generated streams (test/helpers/streams.ts) and the golden and
 * hostile fixtures, mutated by byte flips, deletions, duplications, spliced
 * YAML tokens, indentation shifts and truncation. `fuzzInput` is the
 * fast-check arbitrary; test/fuzz/run.ts drives it (`npm run fuzz`).
 * FUZZ_IGNORE (a regular expression) skips failures already known.
 */
import { isDeepStrictEqual } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { policy as policyArb } from '../helpers/policies.ts';
import { stream } from '../helpers/streams.ts';
import {
  commentMarks,
  identity,
  isRecord,
  maySelect,
  ownership,
  splitDocs,
  withoutOwned,
  type Ownership,
} from '../helpers/fidelity.ts';
import { runCli, type RunOutput } from '../helpers/run.ts';
import { parseDocument } from 'yaml';
import { MAX_ALIAS_COUNT } from '../../src/values.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

/** Input files of the golden and hostile fixtures: real-looking seeds to mutate. */
function fixtureSeeds(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(FIXTURES).sort()) {
    const d = join(FIXTURES, dir);
    for (const name of readdirSync(d).sort()) {
      if (name === 'input.yaml' || (dir.startsWith('hostile-input') && name.endsWith('.yaml')))
        out.push(readFileSync(join(d, name), 'utf8'));
    }
  }
  return out;
}

const SEEDS = fixtureSeeds();

/** Fragments that make YAML interesting when spliced in. */
const TOKENS = [
  ': ',
  '- ',
  '---\n',
  '...\n',
  '--- # c\n',
  '&a ',
  '*a',
  '<<: *a\n',
  '!!str ',
  '!!binary ',
  '!e!x ',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  ',',
  '\t',
  '\r\n',
  '\n',
  '# c\n',
  '|\n',
  '|-\n',
  '>+\n',
  '? ',
  '%YAML 1.1\n',
  '%TAG !e! tag:e,2000:\n',
  '\uFEFF',
  'yes',
  '0755',
  '~',
  'null',
  '1e3',
  '9100',
  '50051',
  'istio-proxy',
  'sidecar.istio.io/inject: "true"\n',
  'containerPort: 9100\n',
  'kind: Pod\n',
  'kind: ResourceList\n',
  'items:\n',
  'annotations:\n',
  'template:\n',
  'eks.tke.cloud.tencent.com/metrics-port: "9110"\n',
  '日本',
  '🚀',
  'é',
  // shapes of issues #11 and #14 (reading): a BOM after a line break, directives after `...`,
  // keys at Kubernetes' length limit, quoted and flow values continued at column 0
  '\n\uFEFF',
  '...\n%x\n',
  '...\n%YAML 1.2\n---\n',
  '\n%YAML 1.2\n',
  `${'k'.repeat(1024)}: v\n`,
  `s:\n${'k'.repeat(1025)}: v\n`,
  "description: 'line one.\n\n  line two.\n\n'\n",
  'message: "one\ntwo"\n',
  'labels: {a: b,\nc: d}\n',
  'ports: [9100,\n9110]\n',
  'a: 1\na: 2\n',
  '--- |\n',
].map((t) => new TextEncoder().encode(t));

/** One mutation of a byte string; positions are fractions of its length. */
type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly byte: number }
  | { readonly op: 'delete'; readonly at: number; readonly len: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly len: number }
  | { readonly op: 'insert'; readonly at: number; readonly token: number }
  | { readonly op: 'indent'; readonly at: number; readonly by: number }
  | { readonly op: 'truncate'; readonly at: number };

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fraction, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fraction, len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fraction, len: fc.integer({ min: 1, max: 200 }) }),
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fraction,
      token: fc.integer({ min: 0, max: TOKENS.length - 1 }),
    }),
  },
  // (-40: a line moved to column 0, as a continuation that Kubernetes still reads)
  fc.record({ op: fc.constant('indent' as const), at: fraction, by: fc.integer({ min: -40, max: 4 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fraction }),
);

/** Applies the mutations in order. */
export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = input;
  for (const m of mutations) {
    const at = Math.floor(m.at * (b.length + 1));
    switch (m.op) {
      case 'flip':
        if (b.length > 0) {
          b = b.slice();
          b[Math.min(at, b.length - 1)] = m.byte;
        }
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(at + m.len));
        break;
      case 'duplicate':
        b = concat(b.subarray(0, at + m.len), b.subarray(at));
        break;
      case 'insert':
        b = concat(b.subarray(0, at), TOKENS[m.token] as Uint8Array, b.subarray(at));
        break;
      case 'indent': {
        const lineStart = b.lastIndexOf(0x0a, at - 1) + 1;
        if (m.by > 0) b = concat(b.subarray(0, lineStart), new Uint8Array(m.by).fill(0x20), b.subarray(lineStart));
        else {
          let n = 0;
          while (n < -m.by && b[lineStart + n] === 0x20) n++;
          b = concat(b.subarray(0, lineStart), b.subarray(lineStart + n));
        }
        break;
      }
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

/** A fuzz case: the bytes on standard input, and the policy (an EksFitPolicy object), if any. */
export interface FuzzCase {
  readonly input: Uint8Array;
  readonly policy: Record<string, unknown> | undefined;
}

/** Generated or fixture seeds, mutated 0 to 6 times; sometimes plain random bytes. */
export const fuzzInput: fc.Arbitrary<FuzzCase> = fc.record({
  input: fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.oneof(stream, fc.constantFrom(...SEEDS)), fc.array(mutation, { maxLength: 6 }))
        .map(([text, ms]) => mutate(new TextEncoder().encode(text), ms)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => new TextEncoder().encode(s)) },
  ),
  policy: fc.option(
    policyArb.map((p) => p.doc),
    { freq: 3, nil: undefined },
  ),
});

/** Where policies are written for `-c`, one file per distinct policy. */
let policyDir: string | undefined;
const policyFiles = new Map<string, string>();

function policyFile(policy: Record<string, unknown>): string {
  const json = JSON.stringify(policy);
  let path = policyFiles.get(json);
  if (!path) {
    policyDir ??= mkdtempSync(join(tmpdir(), 'eksfit-fuzz-'));
    path = join(policyDir, `p${policyFiles.size}.json`);
    writeFileSync(path, json);
    policyFiles.set(json, path);
  }
  return path;
}

/** Exit codes seen, for the run's summary. */
export const exits = new Map<number, number>();

/** FUZZ_IGNORE: a regular expression of failures already known, so that a run can look past them. */
const IGNORE = process.env.FUZZ_IGNORE ? new RegExp(process.env.FUZZ_IGNORE) : undefined;

/** Runs one case and checks everything above; throws an Error saying what broke. */
export async function fuzzOne(c: FuzzCase): Promise<void> {
  try {
    await check(c);
  } catch (e) {
    if (IGNORE?.test(String((e as Error).message))) {
      exits.set(-1, (exits.get(-1) ?? 0) + 1);
      return;
    }
    throw e;
  }
}

async function check({ input, policy }: FuzzCase): Promise<void> {
  const args = policy ? ['-q', '-c', policyFile(policy)] : ['-q'];
  let r: RunOutput;
  try {
    r = await runCli(args, input);
  } catch (e) {
    throw new Error(`crash: an exception escaped main: ${(e as Error).stack ?? String(e)}`);
  }
  exits.set(r.code, (exits.get(r.code) ?? 0) + 1);
  if (![0, 1, 2].includes(r.code)) throw new Error(`exit ${r.code}:\n${r.stderr}`);
  if (/^\s+at .+[(:]/m.test(r.stderr) || /internal error/.test(r.stderr))
    throw new Error(`stack trace or internal error on stderr:\n${r.stderr}`);
  const out = r.stdout === '' ? undefined : tryValue(r.stdout);
  const krm = out !== undefined && isRecord(out.value) && out.value.kind === 'ResourceList';
  if (r.code !== 0) {
    if (r.stdout !== '' && !krm) throw new Error(`exit ${r.code} with output on stdout:\n${r.stdout.slice(0, 2000)}`);
    return;
  }
  if (krm) {
    // A ResourceList: the properties suite checks its items; here it must at least read back.
    if (splitDocs(r.stdout).filter((d) => tryValue(d)?.value != null).length !== 1)
      throw new Error(`ResourceList output does not read back:\n${r.stdout.slice(0, 2000)}`);
    return;
  }
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(input);
  checkOutput(ownership(policy), text, r.stdout);
  const again = await runCli(args, r.stdout);
  if (again.code !== 0 || again.stdout !== r.stdout)
    throw new Error(
      `second run: exit ${again.code}, output ${again.stdout === r.stdout ? 'same' : 'different'}\n${again.stderr}`,
    );
}

/** A document's value, or undefined when it does not parse. */
function tryValue(text: string): { value: unknown } | undefined {
  try {
    // (With its byte-order mark, as eksfit reads it: the yaml library counts columns after a BOM its own way.)
    const doc = parseDocument(text, { version: '1.1', intAsBigInt: true, uniqueKeys: false });
    // The library measures an implicit key from the end of the previous node; Kubernetes' reader
    // reads any key of at most 1,024 characters (test/reading.test.ts checks this against k8syaml).
    const errors = doc.errors.filter(
      (e) =>
        e.code !== 'KEY_OVER_1024_CHARS' || e.pos[1] - (e.pos[0] + /^\s*/.exec(text.slice(e.pos[0]))![0].length) > 1024,
    );
    if (errors.length > 0) return undefined;
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch {
    return undefined;
  }
}

/** The fidelity checks for an exit 0, allowing for documents the oracle cannot read (they must be untouched). */
function checkOutput(o: Ownership, input: string, output: string): void {
  const ins = splitDocs(input);
  const outs = splitDocs(output);
  if (outs.length !== ins.length) throw new Error(`document count: ${ins.length} in, ${outs.length} out`);
  ins.forEach((a, i) => {
    const b = outs[i] as string;
    if (a === b) return;
    const va = tryValue(a);
    const vb = tryValue(b);
    if (!va) throw new Error(`document ${i} does not parse, yet eksfit changed it`);
    if (!vb) throw new Error(`document ${i}: the output does not parse`);
    if (!isDeepStrictEqual(identity(va.value), identity(vb.value))) throw new Error(`document ${i}: identity changed`);
    if (!maySelect(o, va.value)) throw new Error(`document ${i} is not selected, yet it changed`);
    if (!isDeepStrictEqual(withoutOwned(o, va.value), withoutOwned(o, vb.value)))
      throw new Error(`document ${i}: a value outside the owned paths changed`);
    if (!isDeepStrictEqual(commentMarks(a), commentMarks(b))) throw new Error(`document ${i}: comments changed`);
  });
}
