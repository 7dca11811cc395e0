/**
 * The webhook server: in-process for the HTTP behaviour, and the real
 * `bin/eksfit webhook` as a child for SIGTERM. A test CA and server
 * certificates are made with openssl in a temp directory (helpers/testca.ts).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebhookServer, type WebhookOptions } from '../src/webhook.ts';
import { defaultPolicy } from '../src/policy.ts';
import { field, obj, parseObject, str } from './helpers/json.ts';
import { runCli } from './helpers/run.ts';
import { testCa } from './helpers/testca.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const ca = testCa('eksfit-webhook-');
const dir = ca.dir;
ca.leaf('one');
ca.leaf('two');
copyFileSync(join(dir, 'one.crt'), join(dir, 'tls.crt'));
copyFileSync(join(dir, 'one.key'), join(dir, 'tls.key'));
const CA = ca.caPem;

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly fingerprint: string;
}

function call(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path, ca: CA, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), fingerprint }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

function podReview(uid: string, object: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      operation: 'CREATE',
      namespace: 'team',
      object,
      ...extra,
    },
  });
}
const ISTIO_POD = {
  metadata: { name: 'p', labels: { 'sidecar.istio.io/inject': 'true' } },
  spec: { containers: [{ name: 'a', image: 'a' }] },
};

const logs: string[] = [];
function options(over: Partial<WebhookOptions> = {}): WebhookOptions {
  return {
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    port: 0,
    address: '127.0.0.1',
    logLevel: 'debug',
    log: (l) => void logs.push(l),
    watchIntervalMs: 100,
    maxBodyBytes: 64 * 1024,
    ...over,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const server = suite('webhook server');
let srv: WebhookServer;
server.before(async () => {
  srv = new WebhookServer(options(), defaultPolicy());
  await srv.start();
});
server.after(async () => {
  await srv.shutdown();
});

server('GET /healthz, /readyz answer 200', async () => {
  assert.equal(
    [(await call(srv.port, 'GET', '/healthz')).status, (await call(srv.port, 'GET', '/readyz')).status],
    [200, 200],
  );
});

server('POST /mutate answers the AdmissionReview with a JSONPatch and logs one JSON line at debug level', async () => {
  const r = await call(srv.port, 'POST', '/mutate', podReview('uid-7', ISTIO_POD, { dryRun: true }));
  assert.is(r.status, 200);
  const response = obj(parseObject(r.body), 'response');
  assert.is(response.uid, 'uid-7');
  assert.is(response.allowed, true);
  assert.equal(JSON.parse(Buffer.from(str(response, 'patch'), 'base64').toString()), [
    { op: 'add', path: '/metadata/annotations', value: { 'eks.tke.cloud.tencent.com/ipvs-udp-timeout': '120s' } },
  ]);
  const line = logs.map((l) => parseObject(l, 'a log line')).find((l) => l.uid === 'uid-7');
  assert.ok(line, 'a log line for the review');
  assert.is(line.outcome, 'patched');
  assert.is(line.dryRun, true);
  assert.is(line.level, 'debug');
});

server('a Pod it cannot evaluate is allowed unchanged with a warning (HTTP 200)', async () => {
  const r = await call(srv.port, 'POST', '/mutate', podReview('uid-8', 'not a pod'));
  assert.is(r.status, 200);
  const response = obj(parseObject(r.body), 'response');
  assert.is(response.allowed, true);
  assert.is(response.patch, undefined);
  assert.match(str(response, 'warnings', 0), 'Pod not evaluated');
  assert.ok(logs.some((l) => l.includes('"level":"error"') && l.includes('uid-8')));
});

server('bad requests get a 4xx and a short message, and the server keeps serving', async () => {
  const p = srv.port;
  const cases: [Reply, number][] = [
    [await call(p, 'POST', '/mutate', '{}', { 'content-type': 'text/plain' }), 415],
    [await call(p, 'POST', '/mutate', 'not json'), 400],
    [await call(p, 'POST', '/mutate', '{"kind":"Pod"}'), 400],
    [
      await call(p, 'POST', '/mutate', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })),
      400,
    ],
    [await call(p, 'POST', '/mutate', 'x'.repeat(100 * 1024)), 413],
    [
      await call(p, 'POST', '/mutate', 'x'.repeat(100 * 1024), {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      }),
      413,
    ],
    [await call(p, 'GET', '/mutate'), 405],
    [await call(p, 'GET', '/nothing'), 404],
  ];
  cases.forEach(([r, code], i) => {
    assert.is(r.status, code, `case ${i}: ${r.body}`);
    assert.ok(r.body.length > 0 && r.body.length < 200, r.body);
  });
  assert.is((await call(p, 'GET', '/healthz')).status, 200);
});

server('GET /metrics: Prometheus text with reviews by outcome, bad requests, errors and latency', async () => {
  const r = await call(srv.port, 'GET', '/metrics');
  assert.is(r.status, 200);
  assert.match(r.body, /^eksfit_webhook_reviews_total\{outcome="patched"\} [1-9]/m);
  assert.match(r.body, /^eksfit_webhook_reviews_total\{outcome="failed_open"\} [1-9]/m);
  assert.match(r.body, /^eksfit_webhook_bad_requests_total\{code="415"\} 1$/m);
  assert.match(r.body, /^eksfit_webhook_bad_requests_total\{code="413"\} 2$/m);
  assert.match(r.body, /^eksfit_webhook_errors_total\{kind="review"\} [1-9]/m);
  assert.match(r.body, /^eksfit_webhook_review_duration_seconds_bucket\{le="\+Inf"\} [1-9]/m);
  assert.match(r.body, /^# TYPE eksfit_webhook_review_duration_seconds histogram$/m);
  assert.match(r.body, /^eksfit_webhook_ready 1$/m);
});

server('a new certificate and key are served after the files change, without a restart', async () => {
  const before = (await call(srv.port, 'GET', '/healthz')).fingerprint;
  // cert-manager writes both files; a moment with a mismatched pair is logged and skipped.
  copyFileSync(join(dir, 'two.crt'), join(dir, 'tls.crt'));
  await sleep(30);
  copyFileSync(join(dir, 'two.key'), join(dir, 'tls.key'));
  let after = before;
  for (let i = 0; i < 50 && after === before; i++) {
    await sleep(100);
    after = (await call(srv.port, 'GET', '/healthz')).fingerprint;
  }
  assert.is.not(after, before, 'the new certificate is served');
  assert.match((await call(srv.port, 'GET', '/metrics')).body, /^eksfit_webhook_certificate_reloads_total [1-9]/m);
});

server('a Secret volume update (the kubelet swaps a ..data symlink) is picked up too', async () => {
  // The kubelet's layout: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/, swapped by a rename.
  const vol = join(dir, 'volume');
  mkdirSync(join(vol, '..v1'), { recursive: true });
  mkdirSync(join(vol, '..v2'), { recursive: true });
  copyFileSync(join(dir, 'one.crt'), join(vol, '..v1', 'tls.crt'));
  copyFileSync(join(dir, 'one.key'), join(vol, '..v1', 'tls.key'));
  copyFileSync(join(dir, 'two.crt'), join(vol, '..v2', 'tls.crt'));
  copyFileSync(join(dir, 'two.key'), join(vol, '..v2', 'tls.key'));
  symlinkSync('..v1', join(vol, '..data'));
  symlinkSync('..data/tls.crt', join(vol, 'tls.crt'));
  symlinkSync('..data/tls.key', join(vol, 'tls.key'));
  const s = new WebhookServer(
    options({ certFile: join(vol, 'tls.crt'), keyFile: join(vol, 'tls.key') }),
    defaultPolicy(),
  );
  await s.start();
  try {
    const before = (await call(s.port, 'GET', '/healthz')).fingerprint;
    symlinkSync('..v2', join(vol, '..data_tmp'));
    renameSync(join(vol, '..data_tmp'), join(vol, '..data'));
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await sleep(100);
      after = (await call(s.port, 'GET', '/healthz')).fingerprint;
    }
    assert.is.not(after, before, 'the swapped-in certificate is served');
  } finally {
    await s.shutdown();
  }
});

server('a request that does not arrive in time is answered 408 and closed', async () => {
  const s = new WebhookServer(options({ requestTimeoutMs: 300 }), defaultPolicy());
  await s.start();
  try {
    const started = Date.now();
    const status = await new Promise<number | string>((done) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: s.port,
          method: 'POST',
          path: '/mutate',
          ca: CA,
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': '1000' },
        },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
      req.write('{"apiVersion":');
    });
    assert.ok(status === 408 || status === 'ECONNRESET', String(status));
    assert.ok(Date.now() - started < 5000, 'well before the default timeout');
  } finally {
    await s.shutdown();
  }
});

const policy = suite('webhook policy file');

policy('the policy file is re-read when it changes; an invalid one is logged and the previous kept', async () => {
  const file = join(dir, 'policy.yaml');
  const rule = (t: string): string =>
    `apiVersion: eksfit.dev/v1alpha1\nkind: EksFitPolicy\nmetadata: {name: t}\nspec:\n  preset: none\n  rules: [{name: all, ipvs: {tcpTimeout: ${t}}}]\n`;
  writeFileSync(file, rule('60s'));
  const { readPolicyFile } = await import('../src/webhook.ts');
  const s = new WebhookServer(options({ policyFile: file }), readPolicyFile(file));
  await s.start();
  const tcp = async (): Promise<unknown> => {
    const r = obj(parseObject((await call(s.port, 'POST', '/mutate', podReview('u', ISTIO_POD))).body), 'response');
    const patch = field(r, 'patch');
    return typeof patch === 'string'
      ? field(JSON.parse(Buffer.from(patch, 'base64').toString()) as unknown, 0, 'value')
      : undefined;
  };
  try {
    assert.equal(await tcp(), { 'eks.tke.cloud.tencent.com/ipvs-tcp-timeout': '60s' });
    await sleep(20);
    writeFileSync(file, rule('120s'));
    let v = await tcp();
    for (let i = 0; i < 50 && JSON.stringify(v).includes('60s'); i++) {
      await sleep(100);
      v = await tcp();
    }
    assert.equal(v, { 'eks.tke.cloud.tencent.com/ipvs-tcp-timeout': '120s' });
    writeFileSync(file, rule('forever'));
    for (let i = 0; i < 50 && !logs.some((l) => l.includes('policy not reloaded')); i++) await sleep(100);
    assert.ok(logs.some((l) => l.includes('policy not reloaded')));
    assert.equal(await tcp(), { 'eks.tke.cloud.tencent.com/ipvs-tcp-timeout': '120s' });
  } finally {
    await s.shutdown();
  }
});

const cli = suite('eksfit webhook command');

cli('usage errors and an invalid policy exit 2 with one line; --help', async () => {
  writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: eksfit.dev/v1alpha1\nkind: EksFitPolicy\nspec: {preset: maybe}\n');
  const help = await runCli(['webhook', '--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, 'Usage: eksfit webhook');
  for (const [argv, text] of [
    [['webhook'], '--cert FILE and --key FILE are required'],
    [['webhook', '--cert', 'a', '--key', 'b', '--port', '9100'], 'EKS itself uses'],
    [['webhook', '--cert', 'a', '--key', 'b', '--port', 'x'], '--port must be'],
    [['webhook', '--cert', 'a', '--key', 'b', '--frob'], 'unknown option --frob'],
    [['webhook', '--cert', 'a', '--key', 'b', '-c', join(dir, 'bad.yaml')], 'invalid EksFitPolicy'],
  ] as const) {
    const out = await runCli(argv);
    assert.is(out.code, 2, out.stderr);
    assert.match(out.stderr, text);
  }
  const missing = await runCli([
    'webhook',
    '--cert',
    join(dir, 'nope.crt'),
    '--key',
    join(dir, 'nope.key'),
    '--port',
    '0',
  ]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, 'nope.crt');
});

cli('bin/eksfit webhook: SIGTERM stops accepting, finishes the request in flight, exits 0', async () => {
  const child = spawn(
    join(ROOT, 'bin', 'eksfit'),
    ['webhook', '--cert', join(dir, 'one.crt'), '--key', join(dir, 'one.key'), '--port', '0', '--address', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const port = await new Promise<number>((done, fail) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /"msg":"listening".*"port":(\d+)/.exec(stderr);
      if (m) done(Number(m[1]));
    });
    child.on('exit', () => fail(new Error(`exited: ${stderr}`)));
  });
  const body = podReview('in-flight', ISTIO_POD);
  let refused: boolean | undefined;
  // A request in flight: headers and half the body sent before SIGTERM.
  const reply = new Promise<Reply>((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/mutate',
        ca: CA,
        // Kept alive, as the API server does: the server must still close it to exit.
        agent: new Agent({ keepAlive: true }),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), fingerprint: '' }),
        );
      },
    );
    req.on('error', fail);
    req.write(body.slice(0, 40));
    setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => {
        // No new connections once it stops accepting.
        void call(port, 'GET', '/healthz')
          .then(
            () => false,
            (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED',
          )
          .then((r) => {
            refused = r;
            req.end(body.slice(40));
          });
      }, 300);
    }, 300);
  });
  const r = await reply;
  const answered = Date.now();
  assert.is(refused, true, 'new connections refused after SIGTERM');
  assert.is(r.status, 200);
  assert.is(field(parseObject(r.body), 'response', 'uid'), 'in-flight');
  assert.is(await exited, 0, stderr);
  assert.ok(Date.now() - answered < 5000, 'exits once the request is answered, not after a keep-alive timeout');
  assert.match(stderr, '"msg":"stopped"');
});

cli.after(() => ca.remove());
server.run();
policy.run();
cli.run();
