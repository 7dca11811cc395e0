/**
 * `eksfit webhook`: the policy applied to Pods at creation, as a mutating
 * admission webhook. A thin HTTPS shell around admission.ts (which decides):
 * it reads and bounds requests, answers AdmissionReviews, serves health,
 * readiness and Prometheus metrics, re-reads the certificate, key and policy
 * when their files change, logs JSON lines on standard error, and on SIGTERM
 * stops accepting, finishes what is in flight and exits 0. Node.js only.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:https';
import type * as Tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import minimist from 'minimist';
import { parseAllDocuments } from 'yaml';
import { Admitter, BadReview } from './admission.ts';
import type { Io } from './cli.ts';
import { ConfigError } from './errors.ts';
import { defaultPolicy, loadPolicy, type Policy } from './policy.ts';

export const WEBHOOK_USAGE = `Usage: eksfit webhook --cert FILE --key FILE [options]

Serves the policy as a mutating admission webhook for Pods (HTTPS):
  POST /mutate   an admission.k8s.io/v1 AdmissionReview in, one out (a JSONPatch)
  GET  /healthz  200 while the process runs
  GET  /readyz   200 when the policy and the certificate are loaded
  GET  /metrics  Prometheus text: reviews by outcome, errors, latency

Options:
      --cert FILE           TLS certificate (PEM; re-read when the file changes)
      --key FILE            TLS private key (PEM; re-read when the file changes)
      --port N              port (default 8443; not 9100: EKS uses it in every Pod)
      --address ADDR        address to listen on (default 0.0.0.0)
  -c, --config FILE         EksFitPolicy (default $EKSFIT_CONFIG, else the recommended preset;
                            re-read when the file changes, an invalid one is logged and ignored)
      --log-level LEVEL     error, info (default) or debug (one line per request)
      --shutdown-delay SEC  after SIGTERM, answer /readyz 503 and keep serving this long
                            before closing (default 0)
  -h, --help                this help
`;

/** Everything the server needs, parsed and resolved. */
export interface WebhookOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly port: number;
  readonly address: string;
  /** Policy file; undefined: the recommended preset. */
  readonly policyFile?: string;
  readonly logLevel: LogLevel;
  readonly log: (line: string) => void;
  /** Bodies above this are refused with 413. */
  readonly maxBodyBytes?: number;
  /** Time to receive a whole request. */
  readonly requestTimeoutMs?: number;
  /** How often the certificate, key and policy files are checked for changes. */
  readonly watchIntervalMs?: number;
  readonly shutdownDelayMs?: number;
  /** In-flight requests get this long after SIGTERM; then connections are cut. */
  readonly shutdownGraceMs?: number;
}

export type LogLevel = 'error' | 'info' | 'debug';
const LEVELS: Record<LogLevel, number> = { error: 0, info: 1, debug: 2 };

/** 3 MiB: the API server's own limit for a request body is 3 MiB; a Pod is far smaller. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** Counters for /metrics. */
class Metrics {
  readonly reviews = new Map<string, number>([
    ['patched', 0],
    ['unchanged', 0],
    ['failed_open', 0],
  ]);
  readonly badRequests = new Map<string, number>();
  readonly errors = new Map<string, number>([
    ['review', 0],
    ['certificate_reload', 0],
    ['policy_reload', 0],
  ]);
  readonly buckets = BUCKETS.map(() => 0);
  count = 0;
  sum = 0;
  memoHits = 0;
  inFlight = 0;
  certificateReloads = 0;
  policyReloads = 0;

  add(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    });
  }

  text(ready: boolean): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string, samples: [string, number][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
    };
    const labelled = (label: string, m: Map<string, number>): [string, number][] =>
      [...m].map(([k, v]) => [`{${label}="${k}"}`, v]);
    family(
      'eksfit_webhook_reviews_total',
      'counter',
      'AdmissionReviews answered, by outcome (failed_open: not evaluated, allowed unchanged).',
      labelled('outcome', this.reviews),
    );
    family(
      'eksfit_webhook_bad_requests_total',
      'counter',
      'Requests refused with an HTTP 4xx status, by code.',
      labelled('code', this.badRequests),
    );
    family(
      'eksfit_webhook_errors_total',
      'counter',
      'Errors: reviews not evaluated, certificate or policy reloads that failed.',
      labelled('kind', this.errors),
    );
    lines.push(
      '# HELP eksfit_webhook_review_duration_seconds Time to answer an AdmissionReview, from the request to the response.',
      '# TYPE eksfit_webhook_review_duration_seconds histogram',
    );
    BUCKETS.forEach((b, i) =>
      lines.push(`eksfit_webhook_review_duration_seconds_bucket{le="${b}"} ${this.buckets[i] ?? 0}`),
    );
    lines.push(
      `eksfit_webhook_review_duration_seconds_bucket{le="+Inf"} ${this.count}`,
      `eksfit_webhook_review_duration_seconds_sum ${this.sum}`,
      `eksfit_webhook_review_duration_seconds_count ${this.count}`,
    );
    family('eksfit_webhook_memo_hits_total', 'counter', 'Reviews answered from the memo of identical Pods.', [
      ['', this.memoHits],
    ]);
    family('eksfit_webhook_in_flight_requests', 'gauge', 'Requests being answered.', [['', this.inFlight]]);
    family('eksfit_webhook_certificate_reloads_total', 'counter', 'Certificate and key re-read after a change.', [
      ['', this.certificateReloads],
    ]);
    family('eksfit_webhook_policy_reloads_total', 'counter', 'Policy re-read after a change.', [
      ['', this.policyReloads],
    ]);
    family('eksfit_webhook_ready', 'gauge', '1 when the policy and the certificate are loaded.', [['', ready ? 1 : 0]]);
    return lines.join('\n') + '\n';
  }
}

/** A running webhook server. */
export class WebhookServer {
  private server: Server | undefined;
  private admitter: Admitter;
  private certificate: { cert: Buffer; key: Buffer } | undefined;
  private draining = false;
  private closed: Promise<void> | undefined;
  readonly metrics = new Metrics();
  private readonly level: number;
  private readonly watched: string[] = [];

  constructor(
    readonly options: WebhookOptions,
    policy: Policy,
  ) {
    this.admitter = new Admitter(policy);
    this.level = LEVELS[options.logLevel];
  }

  /** Loads the certificate, listens, and watches the files. Rejects when it cannot listen. */
  async start(): Promise<void> {
    // Loaded here, not imported at the top: the CLI's start-up does not pay for TLS.
    // getBuiltinModule (Node.js 20.16+) also works in the start-up snapshot, where import() does not.
    const builtin = typeof process.getBuiltinModule === 'function';
    const { createServer } = builtin ? process.getBuiltinModule('node:https') : await import('node:https');
    tls = builtin ? process.getBuiltinModule('node:tls') : await import('node:tls');
    this.certificate = readCertificate(this.options.certFile, this.options.keyFile);
    warmUp(this.admitter.policy);
    const server = createServer({
      cert: this.certificate.cert,
      key: this.certificate.key,
      minVersion: 'TLSv1.2',
      requestTimeout: this.options.requestTimeoutMs ?? 10_000,
      headersTimeout: Math.min(this.options.requestTimeoutMs ?? 10_000, 5_000),
      // How often those two are enforced (Node.js's default is every 30 s).
      connectionsCheckingInterval: Math.min(1_000, this.options.requestTimeoutMs ?? 10_000),
      // Longer than the API server's idle connections, so it does not reuse one being closed.
      keepAliveTimeout: 120_000,
    });
    server.on('request', (req, res) => this.guarded(req, res, () => this.handle(req, res)));
    server.on('tlsClientError', (e) => this.log('debug', 'TLS handshake failed', { error: e.message }));
    this.server = server;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.options.port, this.options.address, () => {
        server.off('error', fail);
        done();
      });
    });
    server.on('error', (e) => this.log('error', 'server error', { error: e.message }));
    const interval = this.options.watchIntervalMs ?? 2000;
    for (const f of [this.options.certFile, this.options.keyFile]) {
      watchFile(f, { interval, persistent: false }, () => this.reloadCertificate());
      this.watched.push(f);
    }
    if (this.options.policyFile) {
      watchFile(this.options.policyFile, { interval, persistent: false }, () => this.reloadPolicy());
      this.watched.push(this.options.policyFile);
    }
    this.log('info', 'listening', { address: this.options.address, port: this.port });
  }

  /** The port it listens on (useful with --port 0). */
  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a ? a.port : this.options.port;
  }

  /** True when the policy and the certificate are loaded and it is not shutting down. */
  get ready(): boolean {
    return this.certificate !== undefined && this.server !== undefined && !this.draining;
  }

  /**
   * Stops accepting connections, lets requests in flight finish (at most
   * shutdownGraceMs), and resolves when every connection is closed.
   */
  shutdown(): Promise<void> {
    if (this.closed) return this.closed;
    this.draining = true;
    for (const f of this.watched) unwatchFile(f);
    const server = this.server;
    this.closed = new Promise<void>((done) => {
      if (!server) return done();
      this.log('info', 'shutting down', { inFlight: this.metrics.inFlight });
      const close = (): void => {
        const cut = setTimeout(() => server.closeAllConnections(), this.options.shutdownGraceMs ?? 20_000);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          this.log('info', 'stopped', {});
          done();
        });
        server.closeIdleConnections();
      };
      const delay = this.options.shutdownDelayMs ?? 0;
      if (delay > 0) setTimeout(close, delay);
      else close();
    });
    return this.closed;
  }

  private reloadCertificate(): void {
    try {
      const next = readCertificate(this.options.certFile, this.options.keyFile);
      if (this.certificate && next.cert.equals(this.certificate.cert) && next.key.equals(this.certificate.key)) return;
      this.server?.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
      this.certificate = next;
      this.metrics.certificateReloads++;
      this.log('info', 'certificate reloaded', {});
    } catch (e) {
      // Mid-rotation the key and the certificate may not match yet: the next change completes it.
      this.metrics.add(this.metrics.errors, 'certificate_reload');
      this.log('error', 'certificate not reloaded, keeping the previous one', { error: (e as Error).message });
    }
  }

  private reloadPolicy(): void {
    const file = this.options.policyFile;
    if (!file) return;
    try {
      this.admitter = new Admitter(readPolicyFile(file));
      this.metrics.policyReloads++;
      this.log('info', 'policy reloaded', { policy: this.admitter.policy.name });
    } catch (e) {
      this.metrics.add(this.metrics.errors, 'policy_reload');
      this.log('error', 'policy not reloaded, keeping the previous one', { error: String(e) });
    }
  }

  private log(level: LogLevel, msg: string, fields: Record<string, unknown>): void {
    if (LEVELS[level] > this.level) return;
    this.options.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/mutate') {
      if (req.method !== 'POST') return this.refuse(req, res, 405, 'use POST');
      return this.mutate(req, res);
    }
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/healthz')
      return get ? this.send(res, 200, 'text/plain', 'ok\n') : this.refuse(req, res, 405, 'use GET');
    if (path === '/readyz') {
      if (!get) return this.refuse(req, res, 405, 'use GET');
      return this.send(res, this.ready ? 200 : 503, 'text/plain', this.ready ? 'ok\n' : 'not ready\n');
    }
    if (path === '/metrics') {
      if (!get) return this.refuse(req, res, 405, 'use GET');
      return this.send(res, 200, 'text/plain; version=0.0.4', this.metrics.text(this.ready));
    }
    return this.refuse(req, res, 404, 'not found (POST /mutate, GET /healthz, /readyz, /metrics)');
  }

  private mutate(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (type !== 'application/json') return this.refuse(req, res, 415, 'content type must be application/json');
    const limit = this.options.maxBodyBytes ?? MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return this.refuse(req, res, 413, `body over ${limit} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    this.metrics.inFlight++;
    let counted = true;
    const finish = (): void => {
      if (counted) this.metrics.inFlight--;
      counted = false;
    };
    res.on('close', finish);
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        this.refuse(req, res, 413, `body over ${limit} bytes`);
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => finish());
    req.on('end', () =>
      this.guarded(req, res, () => {
        if (over) return;
        let answer;
        try {
          answer = this.admitter.answer(Buffer.concat(chunks, size).toString('utf8'));
        } catch (e) {
          if (e instanceof BadReview) return this.refuse(req, res, 400, e.message);
          // answer() never throws otherwise; if it does, still never block a Pod.
          this.metrics.add(this.metrics.errors, 'review');
          this.log('error', 'internal error', { error: (e as Error).stack ?? String(e) });
          return this.refuse(req, res, 500, 'internal error');
        }
        const { admission, request } = answer;
        const outcome = admission.outcome === 'failedOpen' ? 'failed_open' : admission.outcome;
        this.metrics.add(this.metrics.reviews, outcome);
        if (admission.cached) this.metrics.memoHits++;
        this.send(res, 200, 'application/json', answer.response);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.metrics.observe(seconds);
        const fields = {
          uid: request.uid,
          namespace: request.namespace,
          name: admission.name,
          operation: request.operation,
          dryRun: request.dryRun === true,
          outcome,
          patchOps: admission.patch.length,
          warnings: admission.warnings.length,
          ms: Math.round(seconds * 1e6) / 1e3,
        };
        if (admission.outcome === 'failedOpen') {
          this.metrics.add(this.metrics.errors, 'review');
          this.log('error', 'Pod not evaluated, allowed unchanged', { ...fields, error: admission.error });
        } else this.log('debug', 'review', fields);
      }),
    );
  }

  /** Runs a handler; a bug in it answers 500 and is logged instead of ending the process. */
  private guarded(req: IncomingMessage, res: ServerResponse, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.metrics.add(this.metrics.errors, 'review');
      this.log('error', 'internal error', { url: req.url, error: (e as Error).stack ?? String(e) });
      if (!res.headersSent) this.refuse(req, res, 500, 'internal error');
      else res.destroy();
    }
  }

  private refuse(req: IncomingMessage, res: ServerResponse, code: number, message: string): void {
    if (code < 500) this.metrics.add(this.metrics.badRequests, String(code));
    this.log(code >= 500 ? 'error' : 'debug', 'request refused', { method: req.method, url: req.url, code, message });
    // Stop reading a body we refuse: the connection is not reused.
    if (!req.complete) res.setHeader('Connection', 'close');
    this.send(res, code, 'text/plain', `${message}\n`);
    if (!req.complete) res.on('finish', () => req.destroy());
  }

  private send(res: ServerResponse, code: number, type: string, body: string): void {
    if (res.headersSent) return;
    // A request that was in flight when SIGTERM came: its connection is not kept for another.
    if (this.draining) res.setHeader('Connection', 'close');
    res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}

/** Compiles the common path before the first request (the first review otherwise takes tens of ms, or more). */
function warmUp(policy: Policy): void {
  const pod = {
    metadata: { generateName: 'warm-up-', labels: { 'sidecar.istio.io/inject': 'true' } },
    spec: {
      containers: [
        {
          name: 'a',
          image: 'a',
          ports: [{ containerPort: 9100 }, { name: 'grpc', containerPort: 50051 }],
          env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }],
        },
      ],
    },
  };
  const body = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'warm-up',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      operation: 'CREATE',
      namespace: 'default',
      object: pod,
    },
  };
  // Without a memo, so every round is evaluated.
  const admitter = new Admitter(policy, 0);
  const text = JSON.stringify(body);
  for (let i = 0; i < 20; i++) admitter.answer(text);
}

let tls: typeof Tls | undefined;

function readCertificate(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  // Throws when they do not parse or do not belong together.
  tls?.createSecureContext({ cert, key });
  return { cert, key };
}

/** Reads a policy file: one YAML document, an EksFitPolicy (or a kpt ConfigMap). Throws ConfigError. */
export function readPolicyFile(path: string, shown = path): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read policy ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const docs = parseAllDocuments(text, { version: '1.1', logLevel: 'error' });
  if (!Array.isArray(docs)) throw new ConfigError(`${shown}: invalid YAML in policy`);
  const real = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  if (real.length !== 1)
    throw new ConfigError(`${shown}: a policy file holds exactly one document (found ${real.length})`);
  const doc = real[0] as (typeof real)[number];
  const err = doc.errors[0];
  if (err) throw new ConfigError(`${shown}: invalid YAML in policy: ${err.message.split('\n')[0]}`);
  return loadPolicy(doc.toJS({ maxAliasCount: 100 }), shown);
}

/** Parses `eksfit webhook` arguments. Throws ConfigError (exit 2). */
export function webhookOptions(argv: readonly string[], io: Io): WebhookOptions | 'help' {
  const args = minimist([...argv], {
    string: ['cert', 'key', 'port', 'address', 'config', 'log-level', 'shutdown-delay'],
    boolean: ['help'],
    alias: { c: 'config', h: 'help' },
    unknown: (a) => {
      throw new ConfigError(
        `webhook: unknown ${a.startsWith('-') ? 'option' : 'argument'} ${a}; see eksfit webhook --help`,
      );
    },
  });
  if (args.help) return 'help';
  for (const k of ['cert', 'key', 'port', 'address', 'config', 'log-level', 'shutdown-delay']) {
    if (Array.isArray(args[k])) throw new ConfigError(`webhook: --${k} given more than once`);
  }
  if (!args.cert || !args.key) throw new ConfigError('webhook: --cert FILE and --key FILE are required');
  const port = Number(args.port ?? 8443);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`webhook: --port must be a port number, not ${JSON.stringify(args.port)}`);
  if (port === 9100) throw new ConfigError('webhook: --port 9100 is the port EKS itself uses in every Pod');
  const level = (args['log-level'] ?? 'info') as string;
  if (!(level in LEVELS)) throw new ConfigError(`webhook: --log-level must be error, info or debug`);
  const delay = Number(args['shutdown-delay'] ?? 0);
  if (!Number.isFinite(delay) || delay < 0)
    throw new ConfigError('webhook: --shutdown-delay must be a number of seconds');
  const config = (args.config as string | undefined) ?? (io.env.EKSFIT_CONFIG || undefined);
  return {
    certFile: resolve(io.cwd, args.cert as string),
    keyFile: resolve(io.cwd, args.key as string),
    port,
    address: (args.address as string | undefined) ?? '0.0.0.0',
    ...(config ? { policyFile: resolve(io.cwd, config) } : {}),
    logLevel: level as LogLevel,
    log: io.stderr,
    shutdownDelayMs: delay * 1000,
  };
}

/**
 * `eksfit webhook ...`: serves until SIGTERM or SIGINT, then returns 0. A usage
 * error or an invalid policy returns 2; a certificate it cannot load or a port
 * it cannot listen on, 1.
 */
export async function webhookMain(argv: readonly string[], io: Io): Promise<number> {
  let options: WebhookOptions;
  let policy: Policy;
  try {
    const parsed = webhookOptions(argv, io);
    if (parsed === 'help') {
      io.stdout(WEBHOOK_USAGE);
      return 0;
    }
    options = parsed;
    policy = options.policyFile ? readPolicyFile(options.policyFile) : defaultPolicy();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr(`eksfit: ${e.toString()}\n`);
    return e.exitCode;
  }
  const server = new WebhookServer(options, policy);
  try {
    await server.start();
  } catch (e) {
    io.stderr(`eksfit: webhook: ${(e as Error).message}\n`);
    await server.shutdown();
    return 1;
  }
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void server.shutdown().then(done);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return 0;
}
