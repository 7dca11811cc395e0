/**
 * deploy/chart rendered by the real Helm 3 and Helm 4: the objects it makes,
 * the webhook registration, and the self-signed TLS it generates, checked by
 * serving it with the webhook. (That kube-apiserver accepts the objects, a
 * server dry run, is tested where a control plane runs.)
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { loadPolicy } from '../src/policy.ts';
import { WebhookServer } from '../src/webhook.ts';
import { findTool, hostTest, ROOT, runOk } from './helpers/hosts.ts';
import { arr, asObject, field, type JsonObject as Obj, obj, str } from './helpers/json.ts';

const NS = 'eksfit-system';
const CHART = join(ROOT, 'deploy', 'chart');

function render(helm: string, ...set: string[]): Obj[] {
  const out = runOk(helm, ['template', 'eksfit', CHART, '--namespace', NS, ...set.flatMap((s) => ['--set', s])]);
  const docs = parseAllDocuments(out.stdout);
  assert.ok(Array.isArray(docs));
  for (const d of docs) assert.equal(d.errors, [], 'the output parses');
  return docs
    .map((d) => d.toJS() as unknown)
    .filter((o) => o !== null)
    .map((o) => asObject(o, 'a rendered document'));
}

const one = (objs: Obj[], kind: string): Obj => {
  const found = objs.filter((o) => o.kind === kind);
  assert.is(found.length, 1, `one ${kind}`);
  return asObject(found[0]);
};

for (const [tool, name] of [
  [findTool('helm3'), 'helm3'],
  [findTool('helm4'), 'helm4'],
] as const) {
  const s = suite(`deploy/chart with ${name}`);

  hostTest(s, 'helm lint passes', [tool], [name], () => {
    const out = runOk(tool as string, ['lint', CHART, '--namespace', NS]);
    assert.match(out.stdout, '0 chart(s) failed');
  });

  hostTest(s, 'default values: the objects, the registration, the Deployment', [tool], [name], () => {
    const objs = render(tool as string);
    assert.equal(objs.map((o) => o.kind).sort(), [
      'ConfigMap',
      'Deployment',
      'MutatingWebhookConfiguration',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
    const mwc = one(objs, 'MutatingWebhookConfiguration');
    const hook = obj(mwc, 'webhooks', 0);
    assert.is(arr(mwc, 'webhooks').length, 1);
    assert.equal(hook.rules, [
      { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
    ]);
    assert.is(hook.failurePolicy, 'Ignore');
    assert.is(hook.reinvocationPolicy, 'IfNeeded');
    assert.is(hook.sideEffects, 'None');
    assert.is(hook.timeoutSeconds, 5);
    assert.equal(hook.admissionReviewVersions, ['v1']);
    assert.equal(field(hook, 'namespaceSelector', 'matchExpressions', 0), {
      key: 'kubernetes.io/metadata.name',
      operator: 'NotIn',
      values: ['kube-system', NS],
    });
    assert.equal(field(hook, 'objectSelector', 'matchExpressions'), [
      { key: 'eksfit.dev/skip', operator: 'NotIn', values: ['true'] },
    ]);
    const svc = one(objs, 'Service');
    assert.equal(field(hook, 'clientConfig', 'service'), {
      name: str(svc, 'metadata', 'name'),
      namespace: NS,
      path: '/mutate',
      port: 443,
    });

    const dep = one(objs, 'Deployment');
    assert.is(field(dep, 'spec', 'replicas'), 2);
    const pod = obj(dep, 'spec', 'template');
    assert.is(field(pod, 'metadata', 'labels', 'eksfit.dev/skip'), 'true');
    assert.is(field(pod, 'spec', 'securityContext', 'runAsNonRoot'), true);
    const c = obj(pod, 'spec', 'containers', 0);
    assert.is(field(c, 'securityContext', 'readOnlyRootFilesystem'), true);
    assert.is(field(c, 'securityContext', 'allowPrivilegeEscalation'), false);
    assert.equal(field(c, 'resources', 'requests'), { cpu: '250m', memory: '512Mi' });
    assert.equal(field(c, 'resources', 'limits'), { cpu: '250m', memory: '512Mi' });
    assert.equal(
      [field(c, 'readinessProbe', 'httpGet', 'path'), field(c, 'livenessProbe', 'httpGet', 'path')],
      ['/readyz', '/healthz'],
    );
    assert.is(field(c, 'readinessProbe', 'httpGet', 'scheme'), 'HTTPS');
    assert.equal(c.ports, [{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
    assert.is(field(c, 'args', 0), 'webhook');
    assert.ok(arr(c, 'args').includes('--config=/etc/eksfit/policy/policy.yaml'));
    const pdb = one(objs, 'PodDisruptionBudget');
    assert.is(field(pdb, 'spec', 'minAvailable'), 1);
    assert.equal(field(pdb, 'spec', 'selector', 'matchLabels'), field(dep, 'spec', 'selector', 'matchLabels'));
    assert.equal(field(svc, 'spec', 'selector'), field(dep, 'spec', 'selector', 'matchLabels'));

    const cm = one(objs, 'ConfigMap');
    const policy = loadPolicy(parseAllDocuments(str(cm, 'data', 'policy.yaml'))[0]?.toJS(), 'policy.yaml');
    assert.is(policy.preset, 'recommended');
  });

  hostTest(
    s,
    'self-signed TLS: the CA in caBundle signs the served certificate, for the Service name',
    [tool],
    [name],
    async () => {
      const objs = render(tool as string);
      const secret = one(objs, 'Secret');
      const hook = obj(one(objs, 'MutatingWebhookConfiguration'), 'webhooks', 0);
      const pem = (b64: string): string => Buffer.from(b64, 'base64').toString();
      const caBundle = str(hook, 'clientConfig', 'caBundle');
      assert.is(str(secret, 'data', 'ca.crt'), caBundle);
      const ca = new X509Certificate(pem(caBundle));
      const crt = new X509Certificate(pem(str(secret, 'data', 'tls.crt')));
      assert.ok(crt.verify(ca.publicKey), 'signed by the CA');
      const host = `${str(hook, 'clientConfig', 'service', 'name')}.${NS}.svc`;
      assert.is(crt.checkHost(host), host);
      // The webhook serves it, and a client trusting only caBundle accepts it for the Service's name.
      const dir = mkdtempSync(join(tmpdir(), 'eksfit-chart-'));
      writeFileSync(join(dir, 'tls.crt'), pem(str(secret, 'data', 'tls.crt')));
      writeFileSync(join(dir, 'tls.key'), pem(str(secret, 'data', 'tls.key')));
      const srv = new WebhookServer(
        {
          certFile: join(dir, 'tls.crt'),
          keyFile: join(dir, 'tls.key'),
          port: 0,
          address: '127.0.0.1',
          logLevel: 'error',
          log: () => {},
        },
        loadPolicy(null, 'none'),
      );
      await srv.start();
      try {
        const status = await new Promise<number>((done, fail) => {
          const req = request(
            {
              host: '127.0.0.1',
              port: srv.port,
              path: '/readyz',
              servername: host,
              ca: pem(caBundle),
              agent: false,
            },
            (res) => {
              res.resume();
              done(res.statusCode ?? 0);
            },
          );
          req.on('error', fail);
          req.end();
        });
        assert.is(status, 200);
      } finally {
        await srv.shutdown();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  hostTest(
    s,
    'certManager.enabled: Issuer and Certificate, CA injected by annotation, no generated Secret',
    [tool],
    [name],
    () => {
      const objs = render(tool as string, 'certManager.enabled=true');
      assert.not.ok(objs.some((o) => o.kind === 'Secret'));
      const cert = one(objs, 'Certificate');
      const issuer = one(objs, 'Issuer');
      assert.equal(issuer.spec, { selfSigned: {} });
      const mwc = one(objs, 'MutatingWebhookConfiguration');
      assert.is(
        field(mwc, 'metadata', 'annotations', 'cert-manager.io/inject-ca-from'),
        `${NS}/${str(cert, 'metadata', 'name')}`,
      );
      assert.is(field(mwc, 'webhooks', 0, 'clientConfig', 'caBundle'), undefined);
      const dep = one(objs, 'Deployment');
      assert.is(
        field(dep, 'spec', 'template', 'spec', 'volumes', 0, 'secret', 'secretName'),
        str(cert, 'spec', 'secretName'),
      );
      const service = str(mwc, 'webhooks', 0, 'clientConfig', 'service', 'name');
      assert.ok(arr(cert, 'spec', 'dnsNames').includes(`${service}.${NS}.svc`));
      // Your own issuer instead of the self-signed one.
      const own = render(
        tool as string,
        'certManager.enabled=true',
        'certManager.issuerRef.name=corp-ca',
        'certManager.issuerRef.kind=ClusterIssuer',
      );
      assert.not.ok(own.some((o) => o.kind === 'Issuer'));
      assert.equal(field(one(own, 'Certificate'), 'spec', 'issuerRef'), { name: 'corp-ca', kind: 'ClusterIssuer' });
    },
  );

  hostTest(s, 'values: failure policy, excluded namespaces, the policy', [tool], [name], () => {
    const objs = render(
      tool as string,
      'webhook.failurePolicy=Fail',
      'webhook.excludeNamespaces={istio-system,monitoring}',
      'policy.spec.preset=none',
    );
    const hook = obj(one(objs, 'MutatingWebhookConfiguration'), 'webhooks', 0);
    assert.is(hook.failurePolicy, 'Fail');
    assert.equal(field(hook, 'namespaceSelector', 'matchExpressions', 0, 'values'), [
      'kube-system',
      NS,
      'istio-system',
      'monitoring',
    ]);
    const cm = one(objs, 'ConfigMap');
    assert.is(loadPolicy(parseAllDocuments(str(cm, 'data', 'policy.yaml'))[0]?.toJS(), 'p').preset, 'none');
  });

  hostTest(s, 'the values example in docs/webhook.md renders to a valid policy', [tool], [name], () => {
    const docs = readFileSync(join(ROOT, 'docs', 'webhook.md'), 'utf8');
    const example = /```yaml\n(policy:[\s\S]*?)```/.exec(docs)?.[1];
    assert.ok(example, 'a values example starting with policy:');
    const dir = mkdtempSync(join(tmpdir(), 'eksfit-chart-'));
    try {
      writeFileSync(join(dir, 'values.yaml'), example);
      const out = runOk(tool as string, [
        'template',
        'eksfit',
        CHART,
        '--namespace',
        NS,
        '-f',
        join(dir, 'values.yaml'),
      ]);
      const objs = parseAllDocuments(out.stdout)
        .map((d) => d.toJS() as unknown)
        .filter((o) => o !== null)
        .map((o) => asObject(o));
      const cm = one(objs, 'ConfigMap');
      const policy = loadPolicy(parseAllDocuments(str(cm, 'data', 'policy.yaml'))[0]?.toJS(), 'docs example');
      assert.equal(
        policy.rules.filter((r) => !r.preset).map((r) => r.name),
        ['grpc-clients', 'crawler-eip'],
      );
      const hook = obj(one(objs, 'MutatingWebhookConfiguration'), 'webhooks', 0);
      assert.ok(arr(hook, 'namespaceSelector', 'matchExpressions', 0, 'values').includes('istio-system'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  s.run();
}
