/**
 * The Kubernetes YAML reader as an oracle: `k8syaml --batch` (tools/k8syaml, built by
 * `npm run tools` into .tools/bin) reads a stream exactly as kubectl and Helm read
 * manifests (k8s.io/apimachinery's YAMLOrJSONDecoder, sigs.k8s.io/yaml per document) and
 * says, per document, what Kubernetes sees: the JSON value, nothing (an empty or `null`
 * document, which kubectl skips), or the error that ends the stream.
 *
 * One process per test process, started on first use, stopped at exit; requests are
 * JSON lines, answered in order, so hundreds of streams cost one process:
 *
 *   const docs = await k8sRead('a: 1\n---\nb: [\n');
 *   // [{ json: { a: 1 } }, { error: 'error converting YAML to JSON: yaml: line 2: ...' }]
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { findTool } from './hosts.ts';

export const K8SYAML = findTool('k8syaml');

/** One document as Kubernetes reads it: a value, `null` (skipped by kubectl), or an error. */
export type K8sDoc = { readonly json: unknown } | { readonly error: string };

interface Handle {
  ref?: () => void;
  unref?: () => void;
}

/** Keeps node alive while an answer is awaited, and not after. */
function hold(): void {
  const out = child?.stdout as unknown as Handle | undefined;
  if (pending.size > 0) out?.ref?.();
  else out?.unref?.();
}

interface Pending {
  resolve(docs: K8sDoc[]): void;
  reject(e: Error): void;
}

let child: ChildProcessWithoutNullStreams | undefined;
let nextId = 0;
let stderr = '';
const pending = new Map<number, Pending>();

function start(): ChildProcessWithoutNullStreams {
  if (child) return child;
  if (!K8SYAML) throw new Error('k8syaml is missing from .tools/bin (run: npm run tools)');
  const c = spawn(K8SYAML, ['--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
  c.stderr.setEncoding('utf8');
  c.stderr.on('data', (d: string) => (stderr += d));
  createInterface({ input: c.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { id: number; docs: K8sDoc[]; error?: string };
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    hold();
    if (msg.error) p.reject(new Error(`k8syaml: ${msg.error}`));
    else p.resolve(msg.docs);
  });
  c.on('exit', (code, signal) => {
    child = undefined;
    for (const p of pending.values()) p.reject(new Error(`k8syaml exited (${code ?? signal}): ${stderr}`));
    pending.clear();
  });
  // The process never keeps node alive by itself: only a pending request does (see hold).
  c.unref();
  for (const s of [c.stdin, c.stdout, c.stderr]) (s as unknown as Handle).unref?.();
  process.once('exit', () => c.kill());
  child = c;
  return c;
}

/** What Kubernetes reads in `stream` (text, or bytes that need not be UTF-8). */
export function k8sRead(stream: string | Uint8Array): Promise<K8sDoc[]> {
  const c = start();
  const id = nextId++;
  const req =
    typeof stream === 'string' ? { id, text: stream } : { id, base64: Buffer.from(stream).toString('base64') };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    hold();
    c.stdin.write(`${JSON.stringify(req)}\n`);
  });
}

/** The stream's verdict: the error Kubernetes stops at, or undefined when it reads it all. */
export function k8sError(docs: readonly K8sDoc[]): string | undefined {
  const last = docs[docs.length - 1];
  return last && 'error' in last ? last.error : undefined;
}

/** The values of the documents kubectl would send (no empty or `null` documents; a stream that fails: throws). */
export function k8sObjects(docs: readonly K8sDoc[]): unknown[] {
  const err = k8sError(docs);
  if (err !== undefined) throw new Error(`Kubernetes cannot read the stream: ${err}`);
  return docs.map((d) => (d as { json: unknown }).json).filter((v) => v !== null);
}

/** A field path as eksfit reports it (`spec.template.metadata.annotations["a/b"]`, `containers[0]`) as segments. */
export function fieldPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.?([^.[\]"]+)|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(JSON.parse(`"${m[2]}"`) as string);
    else out.push(Number(m[3]));
    if (re.lastIndex === path.length) return out;
  }
  // a form this reader does not know: the whole parent counts
  return out.slice(0, -1);
}

/** The value at `segs` in `v`, or undefined. */
export function valueAt(v: unknown, segs: readonly (string | number)[]): unknown {
  let cur = v;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}
