/**
 * A real Kubernetes control plane for the tests: etcd and kube-apiserver (built by
 * `npm run tools` into .tools/bin) on loopback, in a temp folder, for one test
 * process. No nodes, scheduler or controllers: objects are stored and validated
 * by the API server exactly as a cluster would; Pods stay Pending.
 *
 * - free ports, a static token in system:masters, AlwaysAllow, a service-account
 *   key made with node:crypto, `--disable-admission-plugins ServiceAccount` (no
 *   controller creates service accounts), service IPs from 10.0.0.0/24;
 * - `controlPlane()` starts it once per process and waits until /readyz answers
 *   (a clear error, with the logs' last lines, when it does not);
 * - it is stopped when the process exits, whatever the reason; the folder (and
 *   the logs in it) is removed unless the process fails, then its path is printed.
 *
 * `npm run control-plane` (scripts/control-plane.ts) starts the same one by hand.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, findTool, type RunResult } from './hosts.ts';

export const KUBE_APISERVER = findTool('kube-apiserver');
export const ETCD = findTool('etcd');
export const KUBECTL = findTool('kubectl');
/** The binaries a control-plane test needs, and their names (for hostTest). */
export const CONTROL_PLANE_TOOLS = [KUBE_APISERVER, ETCD, KUBECTL] as const;
export const CONTROL_PLANE_TOOL_NAMES = ['kube-apiserver', 'etcd', 'kubectl'] as const;

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  readonly server: string;
  readonly token: string;
  /** A kubeconfig file for the server (insecure-skip-tls-verify, the token). */
  readonly kubeconfig: string;
  /** The flags that point kubectl at it without a kubeconfig. */
  readonly kubectlFlags: readonly string[];
  /** KUBECONFIG (and kubectl's cache folder) for a command run against it. */
  readonly env: Readonly<Record<string, string>>;
  /** The temp folder: etcd's data, certificates, keys, logs. */
  readonly dir: string;
  /** Runs kubectl against it (never through a shell). */
  kubectl(args: readonly string[], input?: string): RunResult;
  /** Runs kubectl; a non-zero exit throws with the command and its output. */
  kubectlOk(args: readonly string[], input?: string): RunResult;
  /** A kubeconfig whose context's namespace is `ns` (for objects that name none, without -n). */
  kubeconfigFor(ns: string): string;
  /** GET/POST/PATCH/DELETE on the API (the token; the server's self-signed certificate). */
  api(method: string, path: string, body?: unknown, contentType?: string): Promise<[number, string]>;
  /**
   * Server-side apply of one object with dryRun=All and strict field validation
   * (what `kubectl apply --server-side --dry-run=server` sends): [HTTP status, message].
   * Kinds are found through discovery (cached; a kind the server does not serve: 404).
   */
  dryRunApply(obj: Record<string, unknown>, defaultNamespace?: string): Promise<[number, string]>;
  /** Creates the namespaces (once each; those that exist are fine). */
  ensureNamespaces(names: Iterable<string>): Promise<void>;
  /** Stops both processes; removes the folder unless `keep`. Idempotent, synchronous. */
  stop(keep?: boolean): void;
}

export interface StartOptions {
  /** How long to wait for /readyz (default 120 s: a busy 2-core machine). */
  readonly readyTimeoutMs?: number;
  /** Where etcd and kube-apiserver write their logs (default: files in the folder). */
  readonly logTo?: 'files' | 'inherit';
}

/** A free TCP port on loopback (closed again; used right away). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A request with the token; resolves with [status, body], or [0, error message]. */
function call(
  server: string,
  token: string,
  path: string,
  method = 'GET',
  body?: unknown,
  contentType = 'application/json',
): Promise<[number, string]> {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (data !== undefined) headers['Content-Type'] = contentType;
    const req = request(`${server}${path}`, { method, headers, rejectUnauthorized: false, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve([res.statusCode ?? 0, body]));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve([0, e.message]));
    req.end(data);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts etcd and kube-apiserver; resolves when the API server is ready. */
export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  if (!KUBE_APISERVER || !ETCD) {
    throw new Error(`kube-apiserver or etcd is missing from .tools/bin (run: npm run tools)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'eksfit-controlplane-'));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},eksfit-admin,eksfit-admin,"system:masters"\n`, { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  mkdirSync(join(dir, 'certs'));
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - name: eksfit-test
    cluster: {server: "${server}", insecure-skip-tls-verify: true}
users:
  - name: eksfit-admin
    user: {token: "${token}"}
contexts:
  - name: eksfit-test
    context: {cluster: eksfit-test, user: eksfit-admin}
current-context: eksfit-test
`,
    { mode: 0o600 },
  );

  const children: ChildProcess[] = [];
  const fds: number[] = [];
  const start = (name: string, bin: string, args: string[]): ChildProcess => {
    let stdio: 'inherit' | ['ignore', number, number] = 'inherit';
    if (opts.logTo !== 'inherit') {
      const fd = openSync(join(dir, `${name}.log`), 'a');
      fds.push(fd);
      stdio = ['ignore', fd, fd];
    }
    const child = spawn(bin, args, { cwd: dir, stdio });
    child.unref();
    children.push(child);
    return child;
  };

  let stopped = false;
  // apiVersion/kind -> [resource, namespaced], from discovery
  const resources = new Map<string, Promise<Map<string, [string, boolean]>>>();
  const discover = (apiVersion: string): Promise<Map<string, [string, boolean]>> => {
    let p = resources.get(apiVersion);
    if (!p) {
      p = call(server, token, apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`).then(
        ([status, body]) => {
          const m = new Map<string, [string, boolean]>();
          if (status !== 200) return m;
          const list = JSON.parse(body) as { resources: { name: string; kind: string; namespaced: boolean }[] };
          for (const r of list.resources) if (!r.name.includes('/')) m.set(r.kind, [r.name, r.namespaced]);
          return m;
        },
      );
      resources.set(apiVersion, p);
    }
    return p;
  };
  const namespaces = new Set<string>();
  // A failing test process keeps the folder (the logs); Ctrl-C or a clean exit removes it.
  const onExit = (code: number): void => cp.stop(code !== 0 && !signalled);
  const cp: ControlPlane = {
    server,
    token,
    kubeconfig,
    kubectlFlags: ['--server', server, '--token', token, '--insecure-skip-tls-verify'],
    env: { KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'kubectl-cache') },
    dir,
    kubectl(args, input) {
      if (!KUBECTL) throw new Error('kubectl is not on PATH');
      const r = spawnSync(KUBECTL, args, {
        env: cleanEnv(cp.env),
        input: input ?? '',
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      if (r.error) throw r.error;
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    kubeconfigFor(ns) {
      const file = join(dir, `kubeconfig-${ns}`);
      if (!existsSync(file)) {
        writeFileSync(
          file,
          readFileSync(kubeconfig, 'utf8').replace(
            '{cluster: eksfit-test, user: eksfit-admin}',
            `{cluster: eksfit-test, user: eksfit-admin, namespace: "${ns}"}`,
          ),
          { mode: 0o600 },
        );
      }
      return file;
    },
    api(method, path, body, contentType) {
      return call(server, token, path, method, body, contentType);
    },
    async dryRunApply(obj, defaultNamespace = 'default') {
      const apiVersion = String(obj.apiVersion ?? '');
      const kind = String(obj.kind ?? '');
      const md = (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as Record<
        string,
        unknown
      >;
      if (typeof md.name !== 'string' || md.name === '') return [422, 'metadata.name is missing'];
      const r = (await discover(apiVersion)).get(kind);
      if (!r) return [404, `the server does not serve ${apiVersion} ${kind}`];
      const [resource, namespaced] = r;
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const ns = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : defaultNamespace;
      const path = `${base}${namespaced ? `/namespaces/${encodeURIComponent(ns)}` : ''}/${resource}/${encodeURIComponent(md.name)}`;
      const [status, body] = await call(
        server,
        token,
        `${path}?dryRun=All&fieldManager=eksfit-test&force=true&fieldValidation=Strict`,
        'PATCH',
        obj,
        'application/apply-patch+yaml',
      );
      let message = body;
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        // not JSON
      }
      return [status, status >= 200 && status < 300 ? 'ok' : message];
    },
    async ensureNamespaces(names) {
      for (const n of names) {
        if (namespaces.has(n)) continue;
        const [status, body] = await call(server, token, '/api/v1/namespaces', 'POST', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: n },
        });
        if (status !== 201 && status !== 409) throw new Error(`creating namespace ${n}: ${status} ${body}`);
        namespaces.add(n);
      }
    },
    kubectlOk(args, input) {
      const r = cp.kubectl(args, input);
      if (r.status !== 0) {
        throw new Error(
          `kubectl ${args.join(' ')} exited ${r.status}\n--- stderr:\n${r.stderr}\n--- stdout:\n${r.stdout}`,
        );
      }
      return r;
    },
    stop(keep = false) {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      for (const c of children.reverse()) {
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
      for (const fd of fds) closeSync(fd);
      if (keep) process.stderr.write(`control plane: logs and data kept in ${dir}\n`);
      else rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  process.on('exit', onExit);

  const etcd = start('etcd', ETCD, [
    '--name=eksfit',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=eksfit=http://127.0.0.1:${peerPort}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  const apiserver = start('kube-apiserver', KUBE_APISERVER, [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--secure-port=${apiPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=AlwaysAllow',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--disable-admission-plugins=ServiceAccount',
    // as most clusters: privileged containers (a node exporter) are allowed
    '--allow-privileged=true',
  ]);

  const timeout = opts.readyTimeoutMs ?? 120_000;
  const t0 = Date.now();
  let last: [number, string] = [0, 'not asked yet'];
  for (;;) {
    const dead = [etcd, apiserver].find((c) => c.exitCode !== null || c.signalCode !== null);
    const late = Date.now() - t0 > timeout;
    if (dead || late) {
      const why = dead
        ? `${dead === etcd ? 'etcd' : 'kube-apiserver'} exited (${dead.exitCode ?? dead.signalCode})`
        : `kube-apiserver was not ready after ${Math.round(timeout / 1000)} s (last /readyz: ${last[0]} ${last[1].slice(0, 500)})`;
      const logs =
        opts.logTo === 'inherit'
          ? ''
          : `\n--- etcd.log (last lines):\n${tail(join(dir, 'etcd.log'))}\n--- kube-apiserver.log (last lines):\n${tail(join(dir, 'kube-apiserver.log'))}`;
      cp.stop(true);
      throw new Error(`control plane did not start: ${why}${logs}`);
    }
    last = await call(server, token, '/readyz');
    if (last[0] === 200) break;
    await sleep(300);
  }
  return cp;
}

let shared: Promise<ControlPlane> | undefined;

/** The process's control plane, started on first use (one per test process). */
export function controlPlane(): Promise<ControlPlane> {
  shared ??= startControlPlane();
  return shared;
}

/**
 * Stops the process's control plane (a suite's `after`), so it does not take CPU from
 * the suites that follow; the next controlPlane() starts a new one (about 3 s).
 */
export async function releaseControlPlane(): Promise<void> {
  const p = shared;
  shared = undefined;
  const cp = await p?.catch(() => undefined);
  cp?.stop();
}

/** True when the binaries are there (tests decide with hostTest what a missing one means). */
export function controlPlaneAvailable(): boolean {
  return [KUBE_APISERVER, ETCD, KUBECTL].every((t) => t !== undefined && existsSync(t));
}

// A test process stopped by a signal still stops its control plane (the 'exit' hook).
let signalled = false;
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
for (const [sig, n] of Object.entries(SIGNALS)) {
  if (process.listenerCount(sig) === 0) {
    process.once(sig, () => {
      signalled = true;
      process.exit(128 + n);
    });
  }
}
