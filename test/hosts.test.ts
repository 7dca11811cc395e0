/**
 * Every host, really run: each example in examples/ is run with the real host
 * binary (Helm 3, Helm 4, kustomize, kubectl kustomize, kpt, kubectl) and the
 * real bin/eksfit, and compared with its checked-in expected output.
 * UPDATE_GOLDEN=1 rewrites the expected outputs. Host binaries come from
 * `npm run tools`; see test/helpers/hosts.ts for what happens when one is missing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { asObject, field, type JsonObject } from './helpers/json.ts';
import {
  EKSFIT,
  ROOT,
  commentLines,
  copyAll,
  copyOf,
  findTool,
  golden,
  hostTest,
  readTree,
  readmeShows,
  removeTemps,
  run,
  runOk,
  shown,
  tempDir,
  treeText,
} from './helpers/hosts.ts';

const helm3 = findTool('helm3');
const helm4 = findTool('helm4');
const kustomize = findTool('kustomize');
const kubectl = findTool('kubectl');
const kpt = findTool('kpt');

const EKS = 'eks.tke.cloud.tencent.com/';
/** The examples' index, whose sections the main README copies. */
const INDEX = 'examples/README.md';
const INVALID_POLICY = `apiVersion: eksfit.dev/v1alpha1
kind: EksFitPolicy
metadata:
  name: broken
spec:
  rules:
    - name: dns
      ipvs:
        udpTimeout: 2 minutes
`;

/** The documents of a YAML stream as plain objects. */
function docs(stream: string): JsonObject[] {
  return parseAllDocuments(stream)
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null)
    .map((d) => asObject(d, 'a document'));
}

/** The pod-template annotations of a workload (the kinds the examples use). */
function podAnnotations(doc: JsonObject): JsonObject {
  const t =
    doc.kind === 'Pod'
      ? doc
      : doc.kind === 'CronJob'
        ? field(doc, 'spec', 'jobTemplate', 'spec', 'template')
        : field(doc, 'spec', 'template');
  return asObject(field(t, 'metadata', 'annotations') ?? {}, 'the Pod annotations');
}

function eksAnnotations(doc: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(podAnnotations(doc)).filter(([k]) => k.startsWith(EKS)));
}

function find(all: JsonObject[], kind: string, name: string): JsonObject {
  const d = all.find((x) => x.kind === kind && field(x, 'metadata', 'name') === name);
  assert.ok(d, `no ${kind} ${name} in the output`);
  return d;
}

/** Every annotation eksfit wrote is a YAML string (EKS ignores numbers). */
function eksValuesAreStrings(stream: string): void {
  for (const d of docs(stream)) {
    for (const [k, v] of Object.entries(eksAnnotations(d))) {
      assert.type(v, 'string', `${d.kind}/${field(d, 'metadata', 'name')}: ${k} must be a string`);
    }
  }
}

// ---------------------------------------------------------------- Helm 3
const H3 = suite('host: Helm 3 (--post-renderer <path>)');
const chart = 'examples/helm/chart';
const h3Args = [
  'template',
  'shop',
  chart,
  '--post-renderer',
  'bin/eksfit',
  '--post-renderer-args',
  '--config=examples/helm/policy.yaml',
];

// Helm 3 gets folders of its own: a Helm 4 plugin in the user's folders would
// make it print errors (it cannot read postrenderer/v1 plugins).
let h3Home = '';
const h3Env = (extra: Record<string, string> = {}): Record<string, string> => ({
  HELM_DATA_HOME: join(h3Home, 'data'),
  HELM_CONFIG_HOME: join(h3Home, 'config'),
  HELM_CACHE_HOME: join(h3Home, 'cache'),
  ...extra,
});
H3.before(() => {
  h3Home = tempDir('helm3');
});
H3.after(removeTemps);

// Neither Helm tells a post-renderer the release namespace: objects a chart renders
// without metadata.namespace count as `default` unless --namespace says otherwise.
const NS_POLICY = `apiVersion: eksfit.dev/v1alpha1
kind: EksFitPolicy
metadata: {name: payments}
spec:
  rules:
    - name: payments-team
      match: {namespaces: [payments]}
      annotations: {example.com/team: payments}
`;
const NS_NOTE = 'taken as namespace "default" for the rules that name namespaces';

/** `helm template -n payments` with a namespace rule, with and without --namespace for eksfit; the --report text. */
function namespaceRun(
  helm: string,
  postRenderer: string,
  env: Record<string, string>,
  passNamespace: boolean,
): { team: unknown; report: string } {
  const dir = tempDir('helm-namespace');
  const policy = join(dir, 'policy.yaml');
  const report = join(dir, 'report.txt');
  writeFileSync(policy, NS_POLICY);
  const args = ['template', 'shop', chart, '-n', 'payments', '--post-renderer', postRenderer];
  for (const a of [`--config=${policy}`, `--report=${report}`, ...(passNamespace ? ['--namespace=payments'] : [])])
    args.push('--post-renderer-args', a);
  const r = runOk(helm, args, { env });
  const deployment = find(docs(r.stdout), 'Deployment', 'shop-orders') as {
    spec: { template: { metadata: { annotations?: Record<string, unknown> } } };
  };
  return {
    team: deployment.spec.template.metadata.annotations?.['example.com/team'],
    report: readFileSync(report, 'utf8'),
  };
}

hostTest(H3, 'helm template --post-renderer bin/eksfit --post-renderer-args --config=FILE', [helm3], ['helm3'], () => {
  const r = runOk(helm3!, h3Args, { env: h3Env() });
  readmeShows(['examples/helm3/README.md', INDEX], shown(['helm3', ...h3Args]));
  golden('examples/helm3/expected.yaml', r.stdout);
  const sources = r.stdout.split('\n').filter((l) => l.startsWith('# Source: '));
  assert.equal(sources, [
    '# Source: orders/templates/configmap.yaml',
    '# Source: orders/templates/service.yaml',
    '# Source: orders/templates/deployment.yaml',
    '# Source: orders/templates/migrate-job.yaml',
  ]);
  const all = docs(r.stdout);
  assert.equal(eksAnnotations(find(all, 'Deployment', 'shop-orders')), {
    [`${EKS}ipvs-udp-timeout`]: '120s',
    [`${EKS}ipvs-tcp-timeout`]: '3600s',
    [`${EKS}metrics-port`]: '9110',
  });
  // Helm 3 does not send hooks to a post-renderer (helm/helm#7891).
  assert.equal(eksAnnotations(find(all, 'Job', 'shop-orders-migrate')), {});
  eksValuesAreStrings(r.stdout);
});

hostTest(H3, 'the policy may come from EKSFIT_CONFIG instead of an argument', [helm3], ['helm3'], () => {
  const args = ['template', 'shop', chart, '--post-renderer', 'bin/eksfit'];
  readmeShows('examples/helm3/README.md', `EKSFIT_CONFIG=examples/helm/policy.yaml ${shown(['helm3', ...args])}`);
  const r = runOk(helm3!, args, { env: h3Env({ EKSFIT_CONFIG: 'examples/helm/policy.yaml' }) });
  golden('examples/helm3/expected.yaml', r.stdout);
});

hostTest(H3, '--show-only still finds templates (# Source: kept)', [helm3], ['helm3'], () => {
  const args = [...h3Args, '--show-only', 'templates/deployment.yaml'];
  readmeShows('examples/helm3/README.md', shown(['helm3', ...args]));
  golden('examples/helm3/expected-show-only.yaml', runOk(helm3!, args, { env: h3Env() }).stdout);
});

hostTest(H3, 'an invalid policy fails helm template and shows why', [helm3], ['helm3'], () => {
  const policy = join(tempDir('helm3'), 'broken.yaml');
  writeFileSync(policy, INVALID_POLICY);
  const r = run(
    helm3!,
    ['template', 'shop', chart, '--post-renderer', 'bin/eksfit', '--post-renderer-args', `--config=${policy}`],
    { env: h3Env() },
  );
  assert.is.not(r.status, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, 'error while running post render');
  assert.match(r.stderr, 'udpTimeout');
});

hostTest(
  H3,
  '-n payments: a namespace rule applies with --post-renderer-args=--namespace=payments',
  [helm3],
  ['helm3'],
  () => {
    readmeShows('README.md', '--post-renderer-args=--namespace=');
    const withNs = namespaceRun(helm3!, 'bin/eksfit', h3Env(), true);
    assert.is(withNs.team, 'payments');
    assert.not.match(withNs.report, NS_NOTE);
    const without = namespaceRun(helm3!, 'bin/eksfit', h3Env(), false);
    assert.is(without.team, undefined);
    assert.match(without.report, NS_NOTE);
    assert.match(without.report, '--post-renderer-args=--namespace=NS');
  },
);

// ---------------------------------------------------------------- Helm 4
const H4 = suite('host: Helm 4 (postrenderer/v1 plugin)');
let helmHome = '';
const h4Env = (): Record<string, string> => ({
  HELM_DATA_HOME: join(helmHome, 'data'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  // Helm 4.1.4 installs into $HELM_DATA_HOME/plugins whatever HELM_PLUGINS says.
  HELM_PLUGINS: join(helmHome, 'data', 'plugins'),
});
const h4Args = [
  'template',
  'shop',
  chart,
  '--post-renderer',
  'eksfit',
  '--post-renderer-args',
  '--config=examples/helm/policy.yaml',
];

H4.before(() => {
  helmHome = tempDir('helm4');
});
H4.after(removeTemps);

hostTest(H4, 'helm plugin install <repo> installs plugin.yaml as post-renderer eksfit', [helm4], ['helm4'], () => {
  readmeShows(['examples/helm4/README.md', INDEX], 'helm plugin install .');
  const r = runOk(helm4!, ['plugin', 'install', '.'], { env: h4Env() });
  assert.match(r.stdout + r.stderr, 'Installed plugin: eksfit');
  const list = runOk(helm4!, ['plugin', 'list'], { env: h4Env() });
  assert.match(list.stdout, /^eksfit\s+0\.1\.0\s+postrenderer\/v1\s/m);
  assert.not.match(list.stderr, 'failed to load plugin');
});

hostTest(H4, 'helm template --post-renderer eksfit: every document keeps its file', [helm4], ['helm4'], () => {
  const r = runOk(helm4!, h4Args, { env: h4Env() });
  readmeShows(['examples/helm4/README.md', INDEX], shown(['helm', ...h4Args]));
  golden('examples/helm4/expected.yaml', r.stdout);
  // A document that comes back without postrender.helm.sh/postrender-filename
  // is filed by Helm 4 under "generated-by-postrender-N.yaml".
  assert.not.match(r.stdout, 'generated-by-postrender');
  assert.not.match(r.stdout, 'postrender-filename');
  const sources = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('# Source: '))
    .sort();
  assert.equal(sources, [
    '# Source: orders/templates/configmap.yaml',
    '# Source: orders/templates/deployment.yaml',
    '# Source: orders/templates/migrate-job.yaml',
    '# Source: orders/templates/service.yaml',
  ]);
  const all = docs(r.stdout);
  assert.equal(eksAnnotations(find(all, 'Deployment', 'shop-orders')), {
    [`${EKS}ipvs-udp-timeout`]: '120s',
    [`${EKS}ipvs-tcp-timeout`]: '3600s',
    [`${EKS}metrics-port`]: '9110',
  });
  // Helm 4 post-renders hooks too: the migration Job has an Istio sidecar.
  assert.equal(eksAnnotations(find(all, 'Job', 'shop-orders-migrate')), { [`${EKS}ipvs-udp-timeout`]: '120s' });
  eksValuesAreStrings(r.stdout);
});

hostTest(H4, '--show-only finds a post-rendered hook', [helm4], ['helm4'], () => {
  const r = runOk(helm4!, [...h4Args, '--show-only', 'templates/migrate-job.yaml'], { env: h4Env() });
  assert.match(r.stdout, '# Source: orders/templates/migrate-job.yaml');
  assert.match(r.stdout, `${EKS}ipvs-udp-timeout: "120s"`);
});

hostTest(H4, 'a failure is hidden by Helm 4 but written to the --report file', [helm4], ['helm4'], () => {
  const dir = tempDir('helm4-report');
  const policy = join(dir, 'broken.yaml');
  const report = join(dir, 'report.txt');
  writeFileSync(policy, INVALID_POLICY);
  const args = [
    'template',
    'shop',
    chart,
    '--post-renderer',
    'eksfit',
    '--post-renderer-args',
    `--config=${policy}`,
    '--post-renderer-args',
    `--report=${report}`,
  ];
  readmeShows('examples/helm4/README.md', '--post-renderer-args --report=');
  const r = run(helm4!, args, { env: h4Env() });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, 'plugin "eksfit" exited with error');
  assert.ok(existsSync(report), 'eksfit --report wrote no file when the policy is invalid');
  assert.match(readFileSync(report, 'utf8'), 'udpTimeout');
});

hostTest(
  H4,
  '-n payments: a namespace rule applies with --post-renderer-args=--namespace=payments',
  [helm4],
  ['helm4'],
  () => {
    // Helm 4 hides the plugin's standard error: the note is read from the --report file.
    const withNs = namespaceRun(helm4!, 'eksfit', h4Env(), true);
    assert.is(withNs.team, 'payments');
    assert.not.match(withNs.report, NS_NOTE);
    const without = namespaceRun(helm4!, 'eksfit', h4Env(), false);
    assert.is(without.team, undefined);
    assert.match(without.report, NS_NOTE);
  },
);

// ---------------------------------------------------------------- kustomize
const KZ = suite('host: kustomize build (KRM exec function in transformers:)');
const kzOverlay = 'examples/kustomize/overlays/eks';
const kzArgs = ['build', '--enable-alpha-plugins', '--enable-exec', kzOverlay];
KZ.after(removeTemps);

hostTest(
  KZ,
  'kustomize build --enable-alpha-plugins --enable-exec runs eksfit after namePrefix',
  [kustomize],
  ['kustomize'],
  () => {
    const r = runOk(kustomize!, kzArgs);
    readmeShows(['examples/kustomize/README.md', INDEX], shown(['kustomize', ...kzArgs]));
    golden('examples/kustomize/expected.yaml', r.stdout);
    const all = docs(r.stdout);
    assert.equal(
      all.map((d) => `${d.kind}/${field(d, 'metadata', 'namespace')}/${field(d, 'metadata', 'name')}`),
      ['ConfigMap/shop/eks-orders', 'Service/shop/eks-orders', 'Deployment/shop/eks-orders'],
    );
    // The rule matches the prefixed name eks-orders: 3600s, not the preset's 1800s.
    assert.equal(eksAnnotations(find(all, 'Deployment', 'eks-orders')), {
      [`${EKS}ipvs-udp-timeout`]: '120s',
      [`${EKS}ipvs-tcp-timeout`]: '3600s',
      [`${EKS}metrics-port`]: '9110',
    });
    assert.not.match(r.stdout, 'config.kubernetes.io/');
    eksValuesAreStrings(r.stdout);
  },
);

hostTest(KZ, 'without --enable-exec kustomize skips the function silently', [kustomize], ['kustomize'], () => {
  const r = runOk(kustomize!, ['build', '--enable-alpha-plugins', kzOverlay]);
  assert.not.match(r.stdout, EKS);
});

hostTest(KZ, 'an invalid policy fails the build and eksfit says why on stderr', [kustomize], ['kustomize'], () => {
  const copy = copyOf('examples/kustomize', 'kustomize');
  const fn = join(copy, 'overlays/eks/eksfit.yaml');
  const text = readFileSync(fn, 'utf8')
    .replace('../../../../bin/eksfit', EKSFIT)
    .replace('tcpTimeout: "3600s"', 'tcpTimeout: "an hour"');
  writeFileSync(fn, text);
  const r = run(kustomize!, ['build', '--enable-alpha-plugins', '--enable-exec', join(copy, 'overlays/eks')]);
  assert.is.not(r.status, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, 'tcpTimeout');
});

// ---------------------------------------------------------------- kubectl kustomize
const KK = suite('host: kubectl kustomize (legacy exec plugin)');
let pluginHome = '';
const kkDir = 'examples/kubectl-kustomize';
const kkArgs = ['kustomize', '--enable-alpha-plugins', kkDir];
KK.before(() => {
  pluginHome = tempDir('kustomize-plugins');
});
KK.after(removeTemps);

hostTest(KK, 'scripts/kustomize-plugin.sh links bin/eksfit into a plugin home', [kubectl], ['kubectl'], () => {
  readmeShows(['examples/kubectl-kustomize/README.md', INDEX], 'scripts/kustomize-plugin.sh');
  runOk('bash', ['scripts/kustomize-plugin.sh', pluginHome]);
  assert.ok(existsSync(join(pluginHome, 'eksfit.dev/v1alpha1/eksfitpolicy/EksFitPolicy')));
});

hostTest(KK, 'KUSTOMIZE_PLUGIN_HOME=... kubectl kustomize --enable-alpha-plugins', [kubectl], ['kubectl'], () => {
  const r = runOk(kubectl!, kkArgs, { env: { KUSTOMIZE_PLUGIN_HOME: pluginHome } });
  readmeShows(['examples/kubectl-kustomize/README.md', INDEX], shown(['kubectl', ...kkArgs]));
  golden('examples/kubectl-kustomize/expected.yaml', r.stdout);
  const all = docs(r.stdout);
  assert.equal(eksAnnotations(find(all, 'Deployment', 'eks-orders')), {
    [`${EKS}ipvs-udp-timeout`]: '120s',
    [`${EKS}ipvs-tcp-timeout`]: '1800s',
    [`${EKS}metrics-port`]: '9110',
  });
  assert.not.match(r.stdout, 'config.kubernetes.io/');
  eksValuesAreStrings(r.stdout);
});

hostTest(KK, 'standalone kustomize runs the same legacy plugin', [kubectl, kustomize], ['kubectl', 'kustomize'], () => {
  const r = runOk(kustomize!, ['build', '--enable-alpha-plugins', kkDir], {
    env: { KUSTOMIZE_PLUGIN_HOME: pluginHome },
  });
  golden('examples/kubectl-kustomize/expected.yaml', r.stdout);
});

hostTest(KK, 'without --enable-alpha-plugins kubectl kustomize refuses the plugin', [kubectl], ['kubectl'], () => {
  const r = run(kubectl!, ['kustomize', kkDir], { env: { KUSTOMIZE_PLUGIN_HOME: pluginHome } });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, 'external plugins disabled');
});

hostTest(KK, 'kubectl kustomize silently skips an exec KRM function', [kubectl], ['kubectl'], () => {
  const r = runOk(kubectl!, ['kustomize', '--enable-alpha-plugins', kzOverlay]);
  assert.not.match(r.stdout, EKS);
});

hostTest(KK, "an invalid policy fails kubectl kustomize with eksfit's message", [kubectl], ['kubectl'], () => {
  const copy = join(copyAll([kkDir, 'examples/kustomize/base'], 'kubectl-kustomize'), kkDir);
  writeFileSync(join(copy, 'eksfit.yaml'), INVALID_POLICY);
  const r = run(kubectl!, ['kustomize', '--enable-alpha-plugins', copy], {
    env: { KUSTOMIZE_PLUGIN_HOME: pluginHome },
  });
  assert.is.not(r.status, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, 'udpTimeout');
});

// ---------------------------------------------------------------- kpt
const KPT = suite('host: kpt (fn eval --exec, fn render --allow-exec)');
const pathWithEksfit = (): string => `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}`;
KPT.after(removeTemps);

hostTest(KPT, 'kpt fn eval --exec bin/eksfit --fn-config FILE', [kpt], ['kpt'], () => {
  const pkg = 'examples/kpt/orders';
  const before = treeText(join(ROOT, pkg));
  const args = ['fn', 'eval', pkg, '--exec', 'bin/eksfit', '--fn-config', `${pkg}/eksfit-policy.yaml`, '-o', 'unwrap'];
  readmeShows(['examples/kpt/README.md', INDEX], shown(['kpt', ...args]));
  const r = runOk(kpt!, args);
  golden('examples/kpt/expected-eval-fn-config.yaml', r.stdout);
  assert.is(treeText(join(ROOT, pkg)), before, '-o unwrap must not write the package');
  assert.equal(eksAnnotations(find(docs(r.stdout), 'Deployment', 'orders')), {
    [`${EKS}ipvs-udp-timeout`]: '120s',
    [`${EKS}ipvs-tcp-timeout`]: '3600s',
    [`${EKS}metrics-port`]: '9110',
  });
  eksValuesAreStrings(r.stdout);
});

hostTest(KPT, 'kpt fn eval --exec bin/eksfit -- key=value', [kpt], ['kpt'], () => {
  const args = [
    'fn',
    'eval',
    'examples/kpt/orders',
    '--exec',
    'bin/eksfit',
    '-o',
    'unwrap',
    '--',
    'metricsPort=9120',
    'tcpTimeout=3600s',
  ];
  readmeShows(['examples/kpt/README.md', INDEX], shown(['kpt', ...args]));
  const r = runOk(kpt!, args);
  golden('examples/kpt/expected-eval-key-value.yaml', r.stdout);
  assert.equal(eksAnnotations(find(docs(r.stdout), 'Deployment', 'orders')), {
    [`${EKS}ipvs-udp-timeout`]: '120s',
    [`${EKS}ipvs-tcp-timeout`]: '3600s',
    [`${EKS}metrics-port`]: '9120',
  });
});

for (const name of ['orders', 'worker'] as const) {
  const variant = name === 'orders' ? 'configPath' : 'configMap';
  hostTest(KPT, `kpt fn render --allow-exec: Kptfile pipeline with ${variant} (${name})`, [kpt], ['kpt'], () => {
    readmeShows(
      ['examples/kpt/README.md', ...(name === 'orders' ? [INDEX] : [])],
      `kpt fn render examples/kpt/${name} --allow-exec`,
    );
    const copy = copyOf(`examples/kpt/${name}`, `kpt-${name}`);
    const before = readTree(copy);
    runOk(kpt!, ['fn', 'render', copy, '--allow-exec'], { env: { PATH: pathWithEksfit() } });
    const after = readTree(copy);
    const once = treeText(copy);
    golden(`examples/kpt/expected-render-${name}.txt`, once);
    assert.equal([...after.keys()], [...before.keys()], 'the same files, no more, no less');
    for (const [file, text] of before) {
      assert.equal(commentLines(after.get(file) ?? ''), commentLines(text), `${file}: comments kept`);
      assert.equal(
        docs(after.get(file) ?? '').map((d) => `${d.kind}/${field(d, 'metadata', 'name')}`),
        docs(text).map((d) => `${d.kind}/${field(d, 'metadata', 'name')}`),
        `${file}: documents kept in order`,
      );
    }
    assert.not.match(treeText(copy), 'internal.config.kubernetes.io');
    // A second render changes nothing: eksfit's edits are stable.
    runOk(kpt!, ['fn', 'render', copy, '--allow-exec'], { env: { PATH: pathWithEksfit() } });
    assert.fixture(treeText(copy), once, 'a second render changed files');
  });
}

hostTest(
  KPT,
  "an invalid policy: kpt fn render reports [FAIL] with eksfit's results and writes nothing",
  [kpt],
  ['kpt'],
  () => {
    const copy = copyOf('examples/kpt/orders', 'kpt-invalid');
    const policy = join(copy, 'eksfit-policy.yaml');
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('tcpTimeout: "3600s"', 'tcpTimeout: "an hour"'));
    const before = treeText(copy);
    const results = tempDir('kpt-results');
    const r = run(kpt!, ['fn', 'render', copy, '--allow-exec', '--results-dir', results], {
      env: { PATH: pathWithEksfit() },
    });
    assert.is.not(r.status, 0);
    const out = r.stdout + r.stderr;
    assert.match(out, '[FAIL] "eksfit"');
    assert.match(out, '[error]');
    assert.match(out, 'tcpTimeout');
    assert.is(treeText(copy), before, 'no file may change');
    const list = readFileSync(join(results, 'results.yaml'), 'utf8');
    assert.match(list, /severity: error/);
    assert.match(list, /tcpTimeout/);
  },
);

// ---------------------------------------------------------------- plain CLI
const CLI = suite('host: plain CLI (files and pipes)');
CLI.after(removeTemps);

hostTest(CLI, 'npm start: bin/eksfit examples/cli/app.yaml', [], [], () => {
  const r = runOk(EKSFIT, ['examples/cli/app.yaml']);
  readmeShows('examples/cli/README.md', 'bin/eksfit examples/cli/app.yaml');
  golden('examples/cli/expected.yaml', r.stdout);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.is(pkg.scripts.start, 'bin/eksfit examples/cli/app.yaml');
  assert.equal(eksAnnotations(find(docs(r.stdout), 'Deployment', 'payments')), {
    [`${EKS}ipvs-udp-timeout`]: '120s',
    [`${EKS}ipvs-tcp-timeout`]: '1800s',
    [`${EKS}metrics-port`]: '9110',
  });
  assert.equal(
    commentLines(r.stdout),
    commentLines(readFileSync(join(ROOT, 'examples/cli/app.yaml'), 'utf8')),
    'comments kept',
  );
  eksValuesAreStrings(r.stdout);
});

hostTest(CLI, 'bin/eksfit -c examples/cli/policy.yaml, from a file and from stdin', [], [], () => {
  const args = ['-c', 'examples/cli/policy.yaml', 'examples/cli/app.yaml'];
  readmeShows(['examples/cli/README.md', INDEX], shown(['bin/eksfit', ...args]));
  const r = runOk(EKSFIT, args);
  golden('examples/cli/expected-policy.yaml', r.stdout);
  assert.equal(eksAnnotations(find(docs(r.stdout), 'Deployment', 'payments')), {
    [`${EKS}ipvs-udp-timeout`]: '120s',
    [`${EKS}ipvs-tcp-timeout`]: '3600s',
    [`${EKS}metrics-port`]: '9120',
  });
  const piped = runOk(EKSFIT, ['-c', 'examples/cli/policy.yaml', '-'], {
    input: readFileSync(join(ROOT, 'examples/cli/app.yaml'), 'utf8'),
  });
  assert.fixture(piped.stdout, r.stdout);
});

hostTest(CLI, 'a directory: its *.yaml files in sorted order (Kptfile, no extension, is not read)', [], [], () => {
  const r = runOk(EKSFIT, ['examples/kpt/worker']);
  assert.equal(
    docs(r.stdout).map((d) => `${d.kind}/${field(d, 'metadata', 'name')}`),
    ['CronJob/settlement-report', 'Pod/netshoot'],
  );
  assert.equal(eksAnnotations(find(docs(r.stdout), 'Pod', 'netshoot')), { [`${EKS}metrics-port`]: '9110' });
});

// kubectl apply --dry-run=client needs an API server even for a dry run (it
// discovers resource types first). Offline, `kubectl annotate --local` reads the
// stream with the same decoder (every document must be an object with
// apiVersion, kind, name and well-typed metadata) and touches no cluster.
hostTest(CLI, 'the output reads as Kubernetes objects for kubectl (offline)', [kubectl], ['kubectl'], () => {
  const out = runOk(EKSFIT, ['-c', 'examples/cli/policy.yaml', 'examples/cli/app.yaml']).stdout;
  const r = runOk(
    kubectl!,
    ['annotate', '--local', '--dry-run=client', '-o', 'name', '-f', '-', 'eksfit.dev/unused-'],
    { input: out },
  );
  assert.equal(r.stdout.trim().split('\n'), ['configmap/payments', 'deployment.apps/payments', 'service/payments']);
});

for (const s of [H3, H4, KZ, KK, KPT, CLI]) s.run();
