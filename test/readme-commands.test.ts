/**
 * Every command block (```sh) of README.md and examples/<example>/README.md, run
 * exactly as written: `bash -e -o pipefail -c <block>`, from the top of a copy of this
 * repository, with PATH set as `npm run tools` says (`.tools/bin` and `bin` first),
 * KUBECONFIG pointing at the tests' control plane, and Helm's and kustomize's folders
 * in a temp folder. The blocks of one README run in order in one copy, as a reader
 * would run them. Each block has an entry in CHECKS (what its output must be); a block
 * without one fails, so a new command cannot go untested. examples/README.md is not
 * run: its sections are README.md's (test/readme.test.ts keeps them equal).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
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
import { arr, field, obj, str } from './helpers/json.ts';
import { ROOT, cleanEnv, findTool, hostTest, removeTemps, tempDir, treeText } from './helpers/hosts.ts';

const EKS = 'eks.tke.cloud.tencent.com/';
const PATH_LINE = 'export PATH=$PWD/.tools/bin:$PWD/bin:$PATH';

/** The ```sh blocks of a Markdown file, as written (a block in a list item: without its indent). */
function blocks(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)].map((m) =>
    (m[2] as string)
      .split('\n')
      .map((l) => l.slice((m[1] as string).length))
      .join('\n')
      .trimEnd(),
  );
}

interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  /** The copy of the repository the block ran in. */
  readonly dir: string;
}

const expected = (p: string): string => readFileSync(join(ROOT, p), 'utf8');

/** The Pod annotations eksfit writes, read back from the live Deployment shop/payments. */
function livePaymentsAnnotations(cp: ControlPlane): Record<string, string> {
  const live = JSON.parse(cp.kubectlOk(['get', 'deployment', 'payments', '-n', 'shop', '-o', 'json']).stdout) as {
    spec: { template: { metadata: { annotations: Record<string, string> } } };
  };
  return Object.fromEntries(Object.entries(live.spec.template.metadata.annotations).filter(([k]) => k.startsWith(EKS)));
}

const KUBECTL_APPLY = 'bin/eksfit -c examples/cli/policy.yaml examples/cli/app.yaml | kubectl apply -f -';
function appliedForReal(r: Ran, cp: ControlPlane): void {
  assert.match(r.stdout, /^deployment\.apps\/payments (created|configured|unchanged)$/m);
  assert.match(r.stdout, /^service\/payments (created|configured|unchanged)$/m);
  assert.not.match(r.stdout, 'dry run');
  assert.equal(livePaymentsAnnotations(cp), {
    [`${EKS}ipvs-udp-timeout`]: '120s',
    [`${EKS}ipvs-tcp-timeout`]: '3600s',
    [`${EKS}metrics-port`]: '9120',
  });
}

type Check = ((r: Ran, cp: ControlPlane) => void) | { readonly skip: string } | { readonly background: string };

/**
 * What each block must print (or leave behind), by its exact text. A block that is not
 * run says why.
 */
const CHECKS: Record<string, Check> = {
  [`npm install && npm start     # set up, then fit the bundled example (examples/cli/app.yaml) with no policy
npm test                     # build, type-check and run every test (real hosts: run \`npm run tools\` first)`]: {
    skip: 'npm test is this very run; test/readme.test.ts checks that both commands are the ones package.json defines',
  },
  [`npm run tools
${PATH_LINE}`]: (r) => {
    assert.is(r.stdout.trimEnd().split('\n').pop(), PATH_LINE, 'npm run tools ends by printing the PATH line');
    for (const t of ['helm', 'helm3', 'helm4', 'kustomize', 'kube-apiserver', 'etcd', 'k8syaml']) {
      assert.ok(existsSync(join(r.dir, '.tools', 'bin', t)), `npm run tools put ${t} into .tools/bin`);
    }
  },
  'helm3 template shop examples/helm/chart --post-renderer bin/eksfit --post-renderer-args --config=examples/helm/policy.yaml':
    (r) => assert.fixture(r.stdout, expected('examples/helm3/expected.yaml')),
  'EKSFIT_CONFIG=examples/helm/policy.yaml helm3 template shop examples/helm/chart --post-renderer bin/eksfit': (r) =>
    assert.fixture(r.stdout, expected('examples/helm3/expected.yaml')),
  'helm3 template shop examples/helm/chart --post-renderer bin/eksfit --post-renderer-args --config=examples/helm/policy.yaml --show-only templates/deployment.yaml':
    (r) => assert.fixture(r.stdout, expected('examples/helm3/expected-show-only.yaml')),
  [`helm plugin install .
helm template shop examples/helm/chart --post-renderer eksfit --post-renderer-args --config=examples/helm/policy.yaml`]:
    (r) => {
      assert.match(r.stdout, 'Installed plugin: eksfit');
      assert.ok(r.stdout.endsWith(expected('examples/helm4/expected.yaml')), 'helm template prints expected.yaml');
    },
  'helm template shop examples/helm/chart --post-renderer eksfit --post-renderer-args --config=examples/helm/policy.yaml --post-renderer-args --report=/tmp/eksfit-report.txt':
    (r) => {
      assert.fixture(r.stdout, expected('examples/helm4/expected.yaml'));
      assert.match(readFileSync('/tmp/eksfit-report.txt', 'utf8'), 'ipvs-tcp-timeout');
    },
  'kustomize build --enable-alpha-plugins --enable-exec examples/kustomize/overlays/eks': (r) =>
    assert.fixture(r.stdout, expected('examples/kustomize/expected.yaml')),
  [`scripts/kustomize-plugin.sh
kubectl kustomize --enable-alpha-plugins examples/kubectl-kustomize`]: (r) =>
    assert.fixture(r.stdout, expected('examples/kubectl-kustomize/expected.yaml')),
  'scripts/kustomize-plugin.sh': (r) => assert.match(r.stderr, 'eksfit.dev/v1alpha1/eksfitpolicy/EksFitPolicy'),
  'kubectl kustomize --enable-alpha-plugins examples/kubectl-kustomize': (r) =>
    assert.fixture(r.stdout, expected('examples/kubectl-kustomize/expected.yaml')),
  [`kpt fn eval examples/kpt/orders --exec bin/eksfit --fn-config examples/kpt/orders/eksfit-policy.yaml -o unwrap
kpt fn eval examples/kpt/orders --exec bin/eksfit -o unwrap -- metricsPort=9120 tcpTimeout=3600s`]: (r) =>
    assert.fixture(
      r.stdout,
      expected('examples/kpt/expected-eval-fn-config.yaml') + expected('examples/kpt/expected-eval-key-value.yaml'),
    ),
  'kpt fn eval examples/kpt/orders --exec bin/eksfit --fn-config examples/kpt/orders/eksfit-policy.yaml -o unwrap': (
    r,
  ) => assert.fixture(r.stdout, expected('examples/kpt/expected-eval-fn-config.yaml')),
  'kpt fn eval examples/kpt/orders --exec bin/eksfit -o unwrap -- metricsPort=9120 tcpTimeout=3600s': (r) =>
    assert.fixture(r.stdout, expected('examples/kpt/expected-eval-key-value.yaml')),
  'kpt fn render examples/kpt/orders --allow-exec': (r) =>
    assert.fixture(treeText(join(r.dir, 'examples/kpt/orders')), expected('examples/kpt/expected-render-orders.txt')),
  [`kpt fn render examples/kpt/orders --allow-exec
kpt fn render examples/kpt/worker --allow-exec`]: (r) => {
    assert.fixture(treeText(join(r.dir, 'examples/kpt/orders')), expected('examples/kpt/expected-render-orders.txt'));
    assert.fixture(treeText(join(r.dir, 'examples/kpt/worker')), expected('examples/kpt/expected-render-worker.txt'));
  },
  [`bin/eksfit -c examples/cli/policy.yaml examples/cli/app.yaml
${KUBECTL_APPLY}`]: (r, cp) => {
    assert.ok(r.stdout.startsWith(expected('examples/cli/expected-policy.yaml')), 'eksfit prints expected-policy.yaml');
    appliedForReal(r, cp);
  },
  'bin/eksfit examples/cli/app.yaml': (r) => assert.fixture(r.stdout, expected('examples/cli/expected.yaml')),
  'bin/eksfit -c examples/cli/policy.yaml examples/cli/app.yaml': (r) =>
    assert.fixture(r.stdout, expected('examples/cli/expected-policy.yaml')),
  [KUBECTL_APPLY]: (r, cp) => appliedForReal(r, cp),
  'helm install eksfit deploy/chart -n eksfit-system --create-namespace -f examples/webhook/values.yaml': (r, cp) => {
    assert.match(r.stdout, /^STATUS: deployed$/m);
    const got = (what: string): unknown =>
      JSON.parse(
        cp.kubectlOk([
          'get',
          ...(what.includes('/') ? [what] : [what, 'eksfit-eksfit-webhook']),
          '-n',
          'eksfit-system',
          '-o',
          'json',
        ]).stdout,
      ) as unknown;
    // The API server stores what the chart made: the registration, with the values file's policy.
    let hook: Record<string, unknown>;
    try {
      hook = obj(got('mutatingwebhookconfiguration'), 'webhooks', 0);
    } finally {
      // Unregistered at once: no replica can run here (no nodes), and the shared control
      // plane's other Pods must not be sent to a Service with no endpoints.
      cp.kubectl(['delete', 'mutatingwebhookconfiguration', 'eksfit-eksfit-webhook', '--ignore-not-found']);
    }
    assert.is(hook.failurePolicy, 'Ignore');
    assert.is(field(hook, 'clientConfig', 'service', 'name'), 'eksfit-eksfit-webhook');
    assert.ok(arr(hook, 'namespaceSelector', 'matchExpressions', 0, 'values').includes('istio-system'));
    assert.match(str(got('configmap/eksfit-eksfit-webhook-policy'), 'data', 'policy.yaml'), 'crawler-eip');
    assert.is(
      str(got('deployment'), 'spec', 'template', 'spec', 'containers', 0, 'image'),
      'registry.example.com/eksfit:0.1.0',
    );
    assert.ok(str(got('secret/eksfit-eksfit-webhook-tls'), 'data', 'tls.crt').length > 0, 'the generated certificate');
  },
  'helm3 template node-exporter examples/node-exporter/chart -n monitoring | bin/eksfit': (r) =>
    assert.fixture(r.stdout, expected('examples/node-exporter/expected-preset.yaml')),
  'helm3 template node-exporter examples/node-exporter/chart -n monitoring | bin/eksfit -c examples/node-exporter/policy-remap.yaml':
    (r) => assert.fixture(r.stdout, expected('examples/node-exporter/expected-remap.yaml')),
  'helm3 template node-exporter examples/node-exporter/chart -n monitoring --post-renderer bin/eksfit --post-renderer-args --config=examples/node-exporter/policy-remap.yaml':
    (r) => assert.fixture(r.stdout, expected('examples/node-exporter/expected-remap.yaml')),
  'npm run control-plane': { background: 'runs until Ctrl-C: see controlPlaneByHand' },
};

/**
 * `npm run control-plane`, as written: it prints how to reach it; the printed kubectl
 * command must work; Ctrl-C (SIGINT) must stop it and remove its folder.
 */
async function controlPlaneByHand(block: string, dir: string, env: Record<string, string>): Promise<void> {
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', block], { cwd: dir, env, detached: true });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const t0 = Date.now();
    while (!out.includes('Ctrl-C stops it')) {
      if (child.exitCode !== null || Date.now() - t0 > 150_000) {
        assert.unreachable(`npm run control-plane did not get ready:\n${err}\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const line =
      /^ {2}(kubectl --server https:\/\/127\.0\.0\.1:\d+ --token \S+ --insecure-skip-tls-verify get namespaces)$/m.exec(
        out,
      );
    assert.ok(line, `no kubectl line in:\n${out}`);
    assert.match(out, /^ {2}export KUBECONFIG=\S+$/m);
    const get = spawnSync('bash', ['-c', line[1] as string], { env, encoding: 'utf8' });
    assert.is(get.status, 0, get.stderr);
    assert.match(get.stdout, /^default\s+Active/m);
  } finally {
    process.kill(-child.pid!, 'SIGINT');
  }
  await exited;
  const folder = /data and logs in (\S+)\)/.exec(out)?.[1];
  assert.ok(folder && !existsSync(folder), `Ctrl-C left ${folder} behind`);
}

/** What a copy of the repository needs for the commands (no node_modules, no .git, no .tools). */
const COPIED = [
  'bin',
  'deploy',
  'dist',
  'examples',
  'plugin.yaml',
  'scripts',
  'schema',
  'tools',
  'package.json',
  'test',
];

const READMES = [
  'README.md',
  ...readdirSync(join(ROOT, 'examples'))
    .filter((d) => existsSync(join(ROOT, 'examples', d, 'README.md')))
    .sort()
    .map((d) => `examples/${d}/README.md`),
];

/** The environment a reader has after the PATH line (and KUBECONFIG for the tests' control plane). */
function blockEnv(dir: string, home: string, cp: ControlPlane): Record<string, string> {
  return cleanEnv({
    ...cp.env,
    PATH: `${join(dir, '.tools', 'bin')}:${join(ROOT, '.tools', 'bin')}:${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    HELM_DATA_HOME: join(home, 'helm-data'),
    HELM_CONFIG_HOME: join(home, 'helm-config'),
    HELM_CACHE_HOME: join(home, 'helm-cache'),
    HELM_PLUGINS: join(home, 'helm-data', 'plugins'),
    XDG_CONFIG_HOME: join(home, 'config'),
  });
}

/** Runs a block as written, in `dir`. */
function runBlock(block: string, dir: string, env: Record<string, string>): Ran & { status: number | null } {
  const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, dir };
}

let cp: ControlPlane | undefined;
const C = suite('every README command block, run as written');
C.before(async () => {
  if (!controlPlaneAvailable()) return;
  cp = await controlPlane();
  // The namespace the examples' objects name, as a reader creates it first (the README says so).
  await cp.ensureNamespaces(['shop']);
});
C.after(async () => {
  removeTemps();
  await releaseControlPlane();
});

const TOOLS = [...CONTROL_PLANE_TOOLS, findTool('helm'), findTool('helm3'), findTool('kustomize'), findTool('kpt')];
const TOOL_NAMES = [...CONTROL_PLANE_TOOL_NAMES, 'helm', 'helm3', 'kustomize', 'kpt'];

C('every block has a check (or a reason it is not run)', () => {
  const missing = READMES.flatMap((f) =>
    blocks(f)
      .filter((b) => !(b in CHECKS))
      .map((b) => `${f}:\n${b}`),
  );
  assert.equal(missing, [], 'blocks without an entry in CHECKS');
  const used = new Set(READMES.flatMap(blocks));
  assert.equal(
    Object.keys(CHECKS).filter((k) => !used.has(k)),
    [],
    'CHECKS entries no README shows',
  );
});

for (const readme of READMES) {
  hostTest(C, `${readme}: every block, in order`, TOOLS, TOOL_NAMES, async () => {
    const toolsCached = spawnSync('bash', ['scripts/tools.sh', '--check'], { cwd: ROOT }).status === 0;
    const dir = tempDir('readme');
    for (const p of COPIED) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const home = tempDir('readme-home');
    mkdirSync(join(home, 'config'), { recursive: true });
    const env = blockEnv(dir, home, cp!);
    for (const block of blocks(readme)) {
      const check = CHECKS[block];
      if (check === undefined) return assert.unreachable(`no check for:\n${block}`);
      if ('skip' in check) continue;
      if ('background' in check) {
        await controlPlaneByHand(block, dir, env);
        continue;
      }
      if (block.startsWith('npm run tools') && !toolsCached) {
        assert.unreachable('npm run tools would build: the tools cache is incomplete (run npm run tools)');
      }
      const r = runBlock(block, dir, env);
      if (r.status !== 0) {
        assert.unreachable(
          `${readme}: exited ${r.status}:\n${block}\n--- stderr:\n${r.stderr}\n--- stdout:\n${r.stdout}`,
        );
      }
      try {
        check(r, cp!);
      } catch (e) {
        (e as Error).message = `${readme}, block:\n${block}\n${(e as Error).message}`;
        throw e;
      }
    }
  });
}

C.run();
