/**
 * `eksfit webhook` called by a real kube-apiserver (test/helpers/controlplane.ts):
 * bin/eksfit webhook serves a certificate of a test CA (helpers/testca.ts) on
 * 127.0.0.1; a MutatingWebhookConfiguration points the API server at
 * https://127.0.0.1:PORT/mutate with that CA as caBundle; Pods are created with
 * kubectl and their annotations read back from the API server. Then the webhook
 * is stopped and a Pod is still created (failurePolicy: Ignore). And the chart's
 * rendered output (Helm 3 and Helm 4) is accepted by the API server (server dry run).
 *
 * The control plane is shared by every suite of the process: the registration only
 * selects namespaces labelled with this run's token, and is deleted in `after`.
 * The control plane runs without the ServiceAccount admission plugin (no controller
 * makes service accounts), so the Pods need no `default` ServiceAccount.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CONTROL_PLANE_TOOLS,
  CONTROL_PLANE_TOOL_NAMES,
  controlPlane,
  controlPlaneAvailable,
  releaseControlPlane,
  type ControlPlane,
} from './helpers/controlplane.ts';
import { EKSFIT, ROOT, findTool, hostTest, runOk } from './helpers/hosts.ts';
import { asObject, field, obj, parseObject, type JsonObject } from './helpers/json.ts';
import { testCa, type TestCa } from './helpers/testca.ts';

const EKS = 'eks.tke.cloud.tencent.com/';
const RUN = randomBytes(4).toString('hex');
const NS = `eksfit-webhook-${RUN}`;
const HOOK = `eksfit-webhook-test-${RUN}`;
const LABEL = 'eksfit.dev/webhook-test';

const POLICY = `apiVersion: eksfit.dev/v1alpha1
kind: EksFitPolicy
metadata: {name: cluster-test}
spec:
  preset: recommended
  rules:
    - name: batch
      match: {labelSelector: {matchLabels: {tier: batch}}}
      ipvs: {tcpTimeout: 900s}
    - name: web-api          # a Deployment's name: its Pods have generated names
      match: {names: [web-api]}
      ipvs: {tcpTimeout: 60s}
`;

let cp: ControlPlane | undefined;
let ca: TestCa | undefined;
let webhook: ChildProcess | undefined;
let webhookLog = '';
let port = 0;

/** A Pod of one container (image never pulled: the control plane has no nodes). */
function pod(name: string, over: { labels?: Record<string, string>; ports?: number[] } = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, ...(over.labels ? { labels: over.labels } : {}) },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/app:1',
          ...(over.ports ? { ports: over.ports.map((p) => ({ containerPort: p })) } : {}),
        },
      ],
    },
  };
}

/** kubectl create of one object; the object as the API server stored it, and kubectl's stderr (warnings). */
function create(o: JsonObject, ...flags: string[]): { object: JsonObject; stderr: string } {
  const r = cp!.kubectlOk(['create', '-f', '-', '-o', 'json', ...flags], JSON.stringify(o));
  return { object: parseObject(r.stdout, 'kubectl create'), stderr: r.stderr };
}

/** The Pod's annotations read back from the API server (kubectl get). */
function liveAnnotations(name: string): JsonObject {
  const live = parseObject(cp!.kubectlOk(['get', 'pod', name, '-n', NS, '-o', 'json']).stdout);
  return asObject(field(live, 'metadata', 'annotations') ?? {}, `${name}'s annotations`);
}

const eks = (annotations: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith(EKS)));

async function startWebhook(): Promise<void> {
  const policy = join(ca!.dir, 'policy.yaml');
  writeFileSync(policy, POLICY);
  const { cert, key } = ca!.leaf('webhook');
  webhookLog = '';
  const child = spawn(
    EKSFIT,
    ['webhook', '--cert', cert, '--key', key, '--port', '0', '--address', '127.0.0.1', '-c', policy],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  webhook = child;
  port = await new Promise<number>((done, fail) => {
    child.stderr?.on('data', (c: Buffer) => {
      webhookLog += c.toString();
      const m = /"msg":"listening".*"port":(\d+)/.exec(webhookLog);
      if (m) done(Number(m[1]));
    });
    child.on('exit', () => fail(new Error(`eksfit webhook exited: ${webhookLog}`)));
  });
}

/** eksfit_webhook_memo_hits_total from the webhook's /metrics. */
async function memoHits(): Promise<number> {
  const text = await new Promise<string>((done, fail) => {
    const req = httpsGet({ host: '127.0.0.1', port, path: '/metrics', ca: ca!.caPem }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => done(body));
    });
    req.on('error', fail);
  });
  const m = /^eksfit_webhook_memo_hits_total (\d+)$/m.exec(text);
  if (!m) throw new Error(`no memo hits in /metrics:\n${text}`);
  return Number(m[1]);
}

/** Stops the webhook with SIGTERM; its exit code. */
async function stopWebhook(): Promise<number | null> {
  const child = webhook;
  webhook = undefined;
  if (!child || child.exitCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

const W = suite('eksfit webhook called by kube-apiserver');

W.before(async () => {
  if (!controlPlaneAvailable() || !findTool('kubectl')) return;
  cp = await controlPlane();
  ca = testCa('eksfit-webhook-cluster-');
  cp.kubectlOk(
    ['create', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { [LABEL]: RUN } } }),
  );
  await startWebhook();
  cp.kubectlOk(
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: HOOK },
      webhooks: [
        {
          name: 'pods.eksfit.dev',
          clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: ca.caPem.toString('base64') },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          // Only this run's namespace: the other suites' Pods on the shared control plane are not sent.
          namespaceSelector: { matchLabels: { [LABEL]: RUN } },
          failurePolicy: 'Ignore',
          reinvocationPolicy: 'IfNeeded',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 10,
        },
      ],
    }),
  );
  // The API server picks a new registration up a moment later: dry runs until it calls the webhook.
  const t0 = Date.now();
  for (;;) {
    const probe = create(pod('probe', { labels: { 'sidecar.istio.io/inject': 'true' } }), '--dry-run=server');
    if (field(probe.object, 'metadata', 'annotations', `${EKS}ipvs-udp-timeout`) !== undefined) break;
    if (Date.now() - t0 > 30_000) throw new Error(`the API server never called the webhook; its log:\n${webhookLog}`);
    await new Promise((r) => setTimeout(r, 250));
  }
});

W.after(async () => {
  cp?.kubectl(['delete', 'mutatingwebhookconfiguration', HOOK, '--ignore-not-found']);
  cp?.kubectl(['delete', 'namespace', NS, '--wait=false']);
  await stopWebhook();
  ca?.remove();
  await releaseControlPlane();
});

const TOOLS = [...CONTROL_PLANE_TOOLS];
const NAMES = [...CONTROL_PLANE_TOOL_NAMES];

hostTest(W, 'a Pod with a port on 9100: metrics-port moved, and kubectl prints the warning', TOOLS, NAMES, () => {
  const { object, stderr } = create(pod('exporter', { ports: [9100] }));
  assert.is(field(object, 'metadata', 'annotations', `${EKS}metrics-port`), '9110');
  assert.equal(eks(liveAnnotations('exporter')), { [`${EKS}metrics-port`]: '9110' });
  assert.match(stderr, /Warning: eksfit: .*9110/);
});

hostTest(W, 'an Istio-labelled Pod: the UDP timeout for the sidecar', TOOLS, NAMES, () => {
  create(pod('meshed', { labels: { 'sidecar.istio.io/inject': 'true' } }));
  assert.equal(eks(liveAnnotations('meshed')), { [`${EKS}ipvs-udp-timeout`]: '120s' });
});

hostTest(W, "a Pod matched by a policy rule's labelSelector: the rule's annotation", TOOLS, NAMES, () => {
  create(pod('nightly', { labels: { tier: 'batch' } }));
  assert.equal(eks(liveAnnotations('nightly')), { [`${EKS}ipvs-tcp-timeout`]: '900s' });
});

hostTest(W, 'a Pod labelled eksfit.dev/skip: "true" is left alone (by the webhook itself)', TOOLS, NAMES, () => {
  // The registration has no objectSelector: the webhook is called and must skip it.
  create(pod('skipped', { labels: { 'sidecar.istio.io/inject': 'true', 'eksfit.dev/skip': 'true', tier: 'batch' } }));
  assert.equal(eks(liveAnnotations('skipped')), {});
  assert.not.match(webhookLog, /"level":"error"/);
});

hostTest(W, 'a server dry run is answered like any other, and nothing is stored', TOOLS, NAMES, () => {
  const { object } = create(pod('dry', { labels: { tier: 'batch' } }), '--dry-run=server');
  assert.is(field(object, 'metadata', 'annotations', `${EKS}ipvs-tcp-timeout`), '900s');
  const get = cp!.kubectl(['get', 'pod', 'dry', '-n', NS]);
  assert.is.not(get.status, 0);
  assert.match(get.stderr, 'NotFound');
});

hostTest(
  W,
  "a Deployment's Pod (generateName, pod-template-hash, ReplicaSet owner): the rule for the Deployment's name",
  TOOLS,
  NAMES,
  async () => {
    const p = pod('unused', { labels: { 'pod-template-hash': '5d8f7c9b4' } });
    const metadata = obj(p, 'metadata');
    delete metadata.name;
    metadata.generateName = 'web-api-5d8f7c9b4-';
    metadata.ownerReferences = [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-api-5d8f7c9b4',
        uid: '0b3c5d3e-7d7e-4f7e-9a5e-5d8f7c9b4000',
        controller: true,
      },
    ];
    const hitsBefore = await memoHits();
    const { object } = create(p);
    const name = field(object, 'metadata', 'name');
    assert.type(name, 'string');
    assert.match(name as string, /^web-api-5d8f7c9b4-[a-z0-9]{5}$/);
    assert.equal(eks(liveAnnotations(name as string)), { [`${EKS}ipvs-tcp-timeout`]: '60s' });
    // The next replica, a second later (its managedFields carry another time): the API
    // server's request differs only in its uid and that time, so it is answered from the
    // memo (the text as kube-apiserver writes it is what the memo keys).
    await new Promise((r) => setTimeout(r, 1100));
    const second = field(create(p).object, 'metadata', 'name');
    assert.is.not(second, name);
    assert.equal(eks(liveAnnotations(second as string)), { [`${EKS}ipvs-tcp-timeout`]: '60s' });
    assert.is(await memoHits(), hitsBefore + 1, webhookLog);
  },
);

hostTest(
  W,
  'webhook stopped (SIGTERM): Pods are still created, unchanged (failurePolicy: Ignore)',
  TOOLS,
  NAMES,
  async () => {
    assert.is(await stopWebhook(), 0, webhookLog);
    assert.match(webhookLog, '"msg":"stopped"');
    create(pod('after-stop', { labels: { 'sidecar.istio.io/inject': 'true' } }));
    assert.equal(eks(liveAnnotations('after-stop')), {});
  },
);

W.run();

// deploy/chart's rendered output, accepted by the API server. The cert-manager variant
// (Issuer, Certificate) is only rendered (test/webhook-chart.test.ts): its CRDs are not
// installed on the test control plane.
const C = suite("deploy/chart's output accepted by kube-apiserver (server dry run)");
const CHART_NS = `eksfit-chart-${RUN}`;
C.before(async () => {
  if (!controlPlaneAvailable()) return;
  cp = await controlPlane();
  await cp.ensureNamespaces([CHART_NS]);
});
C.after(async () => {
  cp?.kubectl(['delete', 'namespace', CHART_NS, '--wait=false']);
  await releaseControlPlane();
});

for (const name of ['helm3', 'helm4'] as const) {
  const helm = findTool(name);
  hostTest(
    C,
    `${name} template deploy/chart | kubectl apply --dry-run=server`,
    [...TOOLS, helm],
    [...NAMES, name],
    () => {
      const out = cp!.kubectlOk(['version', '--output=json']); // the server answers
      assert.ok(out.stdout.includes('serverVersion'));
      const rendered = runOk(helm!, [
        'template',
        'eksfit',
        join(ROOT, 'deploy', 'chart'),
        '--namespace',
        CHART_NS,
      ]).stdout;
      const applied = cp!.kubectlOk(['apply', '--dry-run=server', '-n', CHART_NS, '-f', '-'], rendered);
      const F = 'eksfit-eksfit-webhook';
      for (const created of [
        `serviceaccount/${F}`,
        `configmap/${F}-policy`,
        `secret/${F}-tls`,
        `service/${F}`,
        `deployment.apps/${F}`,
        `poddisruptionbudget.policy/${F}`,
        `mutatingwebhookconfiguration.admissionregistration.k8s.io/${F}`,
      ]) {
        assert.ok(applied.stdout.split('\n').includes(`${created} created (server dry run)`), applied.stdout);
      }
      assert.is(applied.stdout.trimEnd().split('\n').length, 7, applied.stdout);
    },
  );
}

C.run();
