// `npm run bench:webhook` (issue 16): latency and errors of `eksfit webhook`
// under load, next to a bare Node.js HTTPS server that allows everything,
// measured in the same run.
//
//   node bench/webhook.mjs [--reviews N] [--concurrency C] [--rounds R] [--distinct] [--no-build] [--out FILE]
//                          [--cpu-prof DIR]   (V8 CPU profiles of both servers, DIR/bare.cpuprofile and DIR/eksfit.cpuprofile)
//
// `npm run bench` (bench/run.mjs) runs it too, once with --distinct and once
// without, and puts both in its tables.
//
// How it measures:
// - A test CA and a server certificate are made with openssl in a temp dir.
// - Both servers run as child processes on 127.0.0.1: `node dist/eksfit.mjs
//   webhook` (the recommended preset) and bench/bare-webhook.mjs (reads the
//   body, parses it, answers allowed with the uid: the least any webhook does).
// - The load comes from this process: an HTTPS keep-alive agent with C
//   sockets (the API server keeps its connections too), C requests always in
//   flight, N reviews per server per round. The rounds alternate between the
//   servers; a warm-up round of each comes first and is not counted.
// - The reviews: Pods as controllers create them (generateName, owner
//   references, the injected ServiceAccount volume and tolerations, and
//   managedFields whose time moves every 7 reviews), a quarter
//   each with an Istio label, a gRPC port, port 9100, nothing. By default
//   every Pod is sent 20 times in a row, as the replicas of a Deployment
//   arrive (the first is evaluated, 19 come from eksfit's memo of identical
//   Pods), and every round has new Pods; --distinct makes every Pod different.
// - An error is anything but HTTP 200 with an AdmissionReview for the same uid
//   and allowed: true (and for eksfit, the patch the preset must make).
// - Latency: from writing the request to reading the whole response.
//   p50, p99 and max over all counted rounds, per server.
// Results: a table on stdout and bench/out/webhook.json (or --out FILE).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const OUT = path.join(BENCH, 'out');

function parseArgs(argv) {
  const o = {
    reviews: 4000,
    concurrency: 16,
    rounds: 3,
    distinct: false,
    build: true,
    out: path.join(OUT, 'webhook.json'),
    cpuProf: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) {
        process.stderr.write(`bench: ${a} needs a whole number >= 1\n`);
        process.exit(2);
      }
      return n;
    };
    if (a === '--reviews') o.reviews = num();
    else if (a === '--concurrency') o.concurrency = num();
    else if (a === '--rounds') o.rounds = num();
    else if (a === '--distinct') o.distinct = true;
    else if (a === '--no-build') o.build = false;
    else if (a === '--out' && argv[i + 1] !== undefined) o.out = path.resolve(argv[++i]);
    else if (a === '--cpu-prof' && argv[i + 1] !== undefined) o.cpuProf = path.resolve(argv[++i]);
    else {
      process.stderr.write(
        'usage: node bench/webhook.mjs [--reviews N] [--concurrency C] [--rounds R] [--distinct] [--no-build] [--out FILE] [--cpu-prof DIR]\n',
      );
      process.exit(a === '-h' || a === '--help' ? 0 : 2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------- setup

const bundle = path.join(ROOT, 'dist', 'eksfit.mjs');
const newest = (dir) =>
  Math.max(
    ...spawnSync('git', ['ls-files', dir], { cwd: ROOT, encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map((f) => (existsSync(path.join(ROOT, f)) ? statSync(path.join(ROOT, f)).mtimeMs : 0)),
  );
if (opts.build && (!existsSync(bundle) || statSync(bundle).mtimeMs < newest('src'))) {
  process.stderr.write('bench: building dist/eksfit.mjs\n');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'eksfit-bench-webhook-'));
const openssl = (...args) => {
  const r = spawnSync('openssl', args, { cwd: tmp, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
};
openssl(
  'req',
  '-x509',
  '-newkey',
  'rsa:2048',
  '-nodes',
  '-keyout',
  'ca.key',
  '-out',
  'ca.crt',
  '-days',
  '1',
  '-subj',
  '/CN=bench-ca',
);
writeFileSync(path.join(tmp, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=127.0.0.1');
openssl(
  'x509',
  '-req',
  '-in',
  'tls.csr',
  '-CA',
  'ca.crt',
  '-CAkey',
  'ca.key',
  '-CAcreateserial',
  '-out',
  'tls.crt',
  '-days',
  '1',
  '-extfile',
  'ext',
);
const CA = readFileSync(path.join(tmp, 'ca.crt'));

/** Starts a server child that logs `"port":N` on stderr; resolves with its port. */
function startServer(name, args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((done, fail) => {
    child.stderr.on('data', (c) => {
      err += c;
      const m = /"port":(\d+)/.exec(err);
      if (m) done({ name, child, port: Number(m[1]), stderr: () => err });
    });
    child.on('exit', (code) => fail(new Error(`${name} exited ${code}: ${err}`)));
  });
}

const certArgs = [
  '--cert',
  path.join(tmp, 'tls.crt'),
  '--key',
  path.join(tmp, 'tls.key'),
  '--port',
  '0',
  '--address',
  '127.0.0.1',
];
const profile = (name) => (opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProf, '--cpu-prof-name', name] : []);
const servers = [
  await startServer('bare Node.js HTTPS', [
    ...profile('bare.cpuprofile'),
    path.join(BENCH, 'bare-webhook.mjs'),
    ...certArgs,
  ]),
  await startServer('eksfit webhook', [
    ...profile('eksfit.cpuprofile'),
    bundle,
    'webhook',
    ...certArgs,
    '--log-level',
    'info',
  ]),
];

// ---------------------------------------------------------------- reviews

/** Deterministic PRNG (mulberry32), so every run sends the same Pods. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS = ['istio', 'grpc', '9100', 'plain'];
function makePod(i, rand) {
  const kind = KINDS[i % 4];
  const app = `app-${i}`;
  const hash = Math.floor(rand() * 1e9).toString(36);
  const ports = [{ name: 'http', containerPort: 8080, protocol: 'TCP' }];
  if (kind === 'grpc') ports.push({ name: 'grpc', containerPort: 50051, protocol: 'TCP' });
  if (kind === '9100') ports.push({ name: 'metrics', containerPort: 9100, protocol: 'TCP' });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${app}-${hash}-`,
      namespace: `team-${i % 7}`,
      labels: { app, 'pod-template-hash': hash, ...(kind === 'istio' ? { 'sidecar.istio.io/inject': 'true' } : {}) },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${app}-${hash}`,
          uid: `uid-${i}`,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: `registry.example/${app}:1.${i}`,
          args: ['--listen', ':8080'],
          ports,
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            // A gRPC client signal (the preset gives the TCP timeout to clients, not servers).
            ...(kind === 'grpc' ? [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }] : []),
          ],
          resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
          readinessProbe: { httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 5 },
          volumeMounts: [
            { name: 'kube-api-access-x', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
          ],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      volumes: [
        {
          name: 'kube-api-access-x',
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            ],
            defaultMode: 420,
          },
        },
      ],
    },
  };
}

const rand = prng(16);
// Fresh Pods in every round (the memo starts cold for each): each sent 20 times, or once with --distinct.
const distinctPods = Math.ceil((opts.reviews * (opts.rounds + 1)) / (opts.distinct ? 1 : 20));
const pods = Array.from({ length: Math.min(distinctPods, 200_000) }, (_, i) => makePod(i, rand));
let sent = 0;
function nextReview() {
  const i = sent++;
  // Replicas arrive together: Pod k is sent ~20 times in a row (interleaved by the concurrency).
  const k = opts.distinct ? i % pods.length : Math.floor(i / 20) % pods.length;
  const pod = pods[k];
  return {
    uid: `review-${i}`,
    kind: KINDS[k % 4],
    // In the order kube-apiserver writes it (kind first).
    body: JSON.stringify({
      kind: 'AdmissionReview',
      apiVersion: 'admission.k8s.io/v1',
      request: {
        uid: `review-${i}`,
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        operation: 'CREATE',
        namespace: pod.metadata.namespace,
        userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
        // As kube-apiserver sends it: managedFields filled in, with the time to the second
        // (replicas sent a "second" apart here, every 7 reviews, differ there).
        object: {
          ...pod,
          metadata: {
            ...pod.metadata,
            managedFields: [
              {
                manager: 'kube-controller-manager',
                operation: 'Update',
                apiVersion: 'v1',
                time: new Date(Date.UTC(2026, 11, 7, 10, 0, 0) + Math.floor(i / 7) * 1000)
                  .toISOString()
                  .replace('.000', ''),
                fieldsType: 'FieldsV1',
                fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {} } } },
              },
            ],
          },
        },
        dryRun: false,
      },
    }),
  };
}

// ---------------------------------------------------------------- load

const EXPECT = {
  istio: 'ipvs-udp-timeout',
  grpc: 'ipvs-tcp-timeout',
  9100: 'metrics-port',
};

function one(agent, port, review, checkPatch) {
  return new Promise((done) => {
    const t0 = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/mutate',
        agent,
        ca: CA,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(review.body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          let ok = res.statusCode === 200;
          try {
            const r = JSON.parse(Buffer.concat(chunks).toString()).response;
            ok = ok && r.uid === review.uid && r.allowed === true;
            if (ok && checkPatch) {
              const want = EXPECT[review.kind];
              const patch = r.patch ? Buffer.from(r.patch, 'base64').toString() : '';
              ok = want ? patch.includes(want) : patch === '';
            }
          } catch {
            ok = false;
          }
          done({ ms, ok });
        });
        res.on('error', () => done({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: false }));
      },
    );
    req.on('error', () => done({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: false }));
    req.end(review.body);
  });
}

async function round(server, n) {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const samples = [];
  let errors = 0;
  let left = n;
  const t0 = performance.now();
  const worker = async () => {
    while (left > 0) {
      left--;
      const r = await one(agent, server.port, nextReview(), server.name.startsWith('eksfit'));
      samples.push(r.ms);
      if (!r.ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { samples, errors, seconds };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const loadBefore = os.loadavg()[0];
const results = new Map(servers.map((s) => [s.name, { samples: [], errors: 0, seconds: 0 }]));
try {
  for (const s of servers) {
    sent = 0;
    await round(s, Math.min(opts.reviews, 500)); // warm-up, not counted
  }
  for (let r = 0; r < opts.rounds; r++) {
    // Alternate, rotating the order each round; both servers get the same reviews.
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) {
      sent = (r + 1) * opts.reviews;
      const out = await round(s, opts.reviews);
      const acc = results.get(s.name);
      acc.samples.push(...out.samples);
      acc.errors += out.errors;
      acc.seconds += out.seconds;
    }
  }
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
}

const rows = [...results].map(([name, acc]) => {
  const sorted = acc.samples.sort((a, b) => a - b);
  return {
    server: name,
    reviews: sorted.length,
    errors: acc.errors,
    p50: pct(sorted, 50),
    p99: pct(sorted, 99),
    max: sorted[sorted.length - 1],
    perSecond: sorted.length / acc.seconds,
  };
});
const [bare, eksfit] = rows;
const ratio = eksfit.p99 / bare.p99;
const f = (ms) => ms.toFixed(2).padStart(8);
console.log(
  `\neksfit webhook under load: ${opts.reviews} reviews x ${opts.rounds} rounds per server, concurrency ${opts.concurrency}, ` +
    `${opts.distinct ? 'every Pod distinct' : 'each Pod 20 times (replicas), new Pods every round'}\n`,
);
console.log('server                 reviews  errors    p50 ms   p99 ms   max ms   reviews/s');
for (const r of rows)
  console.log(
    `${r.server.padEnd(22)} ${String(r.reviews).padStart(7)} ${String(r.errors).padStart(7)} ${f(r.p50)} ${f(r.p99)} ${f(r.max)} ${r.perSecond.toFixed(0).padStart(11)}`,
  );
const goal = ratio <= 2 && eksfit.errors === 0 && bare.errors === 0;
console.log(`\np99 eksfit / bare: ${ratio.toFixed(2)} (goal <= 2, zero errors): ${goal ? 'met' : 'NOT met'}`);
const loadAfter = os.loadavg()[0];
if (Math.max(loadBefore, loadAfter) > os.cpus().length / 2)
  console.log(
    `note: load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)} on ${os.cpus().length} cores: figures are noisy`,
  );
mkdirSync(path.dirname(opts.out), { recursive: true });
writeFileSync(
  opts.out,
  JSON.stringify(
    {
      options: opts,
      distinctPods: pods.length,
      node: process.version,
      cpus: os.cpus().length,
      load: [loadBefore, loadAfter],
      rows,
      p99Ratio: ratio,
      goalMet: goal,
      commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || null,
    },
    null,
    2,
  ) + '\n',
);
rmSync(tmp, { recursive: true, force: true });
process.exitCode = goal ? 0 : 1;
