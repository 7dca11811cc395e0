/**
 * A real chart that listens on 9100: examples/node-exporter/chart,
 * modelled on the prometheus-community node-exporter chart (DaemonSet on the
 * host network, hostPort and probes on 9100, a Service with targetPort 9100,
 * `--web.listen-address=[$(HOST_IP)]:9100`), rendered by the real
 * `helm template` (Helm 3) and piped through the real bin/eksfit, with the
 * recommended preset and with a remap policy. Outputs are compared with the
 * checked-in examples/node-exporter/expected-*.yaml (UPDATE_GOLDEN=1 rewrites
 * them), and every changed field is checked against the rendered chart.
 * A missing helm3 skips these tests outside CI and fails them in CI
 * (test/helpers/hosts.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import {
  EKSFIT,
  findTool,
  golden,
  hostTest,
  readmeShows,
  removeTemps,
  run,
  runOk,
  shown,
  tempDir,
} from './helpers/hosts.ts';
import { join } from 'node:path';

const helm3 = findTool('helm3');
const README = 'examples/node-exporter/README.md';
const CHART = 'examples/node-exporter/chart';
const POLICY = 'examples/node-exporter/policy-remap.yaml';
const TEMPLATE = ['template', 'node-exporter', CHART, '-n', 'monitoring'];
const METRICS_PORT = 'eks.tke.cloud.tencent.com/metrics-port';

const NE = suite('host: node-exporter chart (helm template | eksfit), port 9100');

let home = '';
const env = (): Record<string, string> => ({
  HELM_DATA_HOME: join(home, 'data'),
  HELM_CONFIG_HOME: join(home, 'config'),
  HELM_CACHE_HOME: join(home, 'cache'),
});
NE.before(() => {
  home = tempDir('node-exporter');
});
NE.after(removeTemps);

/** The chart as Helm renders it. */
function render(): string {
  return runOk(helm3!, TEMPLATE, { env: env() }).stdout;
}

type Doc = Record<string, unknown>;

function docs(stream: string): Doc[] {
  return parseAllDocuments(stream)
    .map((d) => {
      assert.is(d.errors.length, 0, `output does not parse: ${d.errors[0]?.message}`);
      return d.toJS() as Doc | null;
    })
    .filter((d): d is Doc => d !== null);
}

/** Every leaf that differs between two plain values: `Kind/name path: old -> new`. */
function changes(before: string, after: string): string[] {
  const a = docs(before);
  const b = docs(after);
  assert.is(b.length, a.length, 'same number of documents');
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string, at: string): void => {
    if (
      typeof x === 'object' &&
      x !== null &&
      typeof y === 'object' &&
      y !== null &&
      Array.isArray(x) === Array.isArray(y)
    ) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) walk((x as Doc)[k], (y as Doc)[k], Array.isArray(x) ? `${path}[${k}]` : `${path}.${k}`, at);
      return;
    }
    if (x !== y) out.push(`${at} ${path.slice(1)}: ${JSON.stringify(x)} -> ${JSON.stringify(y)}`);
  };
  a.forEach((d, i) => {
    const md = (d.metadata ?? {}) as Doc;
    walk(d, b[i], '', `${String(d.kind)}/${String(md.name)}`);
  });
  return out;
}

/** eksfit as users run it: `helm template ... | bin/eksfit [args]`. */
function eksfit(args: readonly string[], input: string): { stdout: string; stderr: string } {
  const r = run(EKSFIT, args, { input });
  assert.is(r.status, 0, `bin/eksfit ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  const again = run(EKSFIT, args, { input: r.stdout });
  assert.is(again.status, 0, 'second run');
  assert.fixture(again.stdout, r.stdout, 'eksfit(eksfit(x)) must equal eksfit(x)');
  return r;
}

const C = 'spec.template.spec.containers[0]';

hostTest(
  NE,
  'recommended preset: metrics-port "9110" on the DaemonSet\'s Pods, nothing else changes',
  [helm3],
  ['helm3'],
  () => {
    readmeShows(README, `${shown(['helm3', ...TEMPLATE])} | bin/eksfit`);
    const rendered = render();
    // The chart really is on 9100 everywhere eksfit looks for a port (containerPort, hostPort, probes, args, Service).
    for (const needle of [
      'containerPort: 9100',
      'hostPort: 9100',
      'port: 9100',
      'targetPort: 9100',
      '--web.listen-address=[$(HOST_IP)]:9100',
      'hostNetwork: true',
    ]) {
      assert.ok(rendered.includes(needle), `rendered chart should contain ${needle}`);
    }
    const r = eksfit([], rendered);
    golden('examples/node-exporter/expected-preset.yaml', r.stdout);
    assert.equal(changes(rendered, r.stdout), [
      `DaemonSet/node-exporter spec.template.metadata.annotations.${METRICS_PORT}: undefined -> "9110"`,
    ]);
    assert.match(r.stderr, `set Pod annotation ${METRICS_PORT}: "9110"`);
    assert.match(r.stderr, 'EKS metrics move from <pod-ip>:9100 to <pod-ip>:9110');
    // Text-level edit: the rendered chart is kept line for line around the new annotation.
    assert.is(r.stdout.replace(`        ${METRICS_PORT}: "9110"\n`, ''), rendered);
  },
);

hostTest(
  NE,
  'remap policy: node-exporter moves to 9101 with everything that points at 9100',
  [helm3],
  ['helm3'],
  () => {
    readmeShows(README, `${shown(['helm3', ...TEMPLATE])} | bin/eksfit -c ${POLICY}`);
    const rendered = render();
    const r = eksfit(['-c', POLICY], rendered);
    golden('examples/node-exporter/expected-remap.yaml', r.stdout);
    assert.equal(changes(rendered, r.stdout), [
      'Service/node-exporter spec.ports[0].targetPort: 9100 -> 9101',
      `DaemonSet/node-exporter ${C}.args[4]: "--web.listen-address=[$(HOST_IP)]:9100" -> "--web.listen-address=[$(HOST_IP)]:9101"`,
      `DaemonSet/node-exporter ${C}.ports[0].containerPort: 9100 -> 9101`,
      `DaemonSet/node-exporter ${C}.ports[0].hostPort: 9100 -> 9101`,
      `DaemonSet/node-exporter ${C}.livenessProbe.httpGet.port: 9100 -> 9101`,
      `DaemonSet/node-exporter ${C}.readinessProbe.httpGet.port: 9100 -> 9101`,
    ]);
    // The Service's own port stays, so clients and scrape configs by Service port are unaffected.
    const svc = docs(r.stdout).find((d) => d.kind === 'Service') as Doc;
    assert.equal((svc.spec as Doc).ports, [{ port: 9100, targetPort: 9101, protocol: 'TCP', name: 'metrics' }]);
    assert.not.match(r.stdout, METRICS_PORT, "remap replaces the preset's metrics-port for this Pod");
    assert.match(r.stderr, 'args[4] of container "node-exporter" now names port 9101');
    assert.not.match(r.stderr, 'must be told', 'the --web.listen-address argument tells the process');
  },
);

hostTest(NE, 'the same remap as a Helm 3 post-renderer gives the same bytes as the pipe', [helm3], ['helm3'], () => {
  const args = [...TEMPLATE, '--post-renderer', 'bin/eksfit', '--post-renderer-args', `--config=${POLICY}`];
  readmeShows(README, shown(['helm3', ...args]));
  const piped = eksfit(['-c', POLICY], render()).stdout;
  assert.fixture(runOk(helm3!, args, { env: env() }).stdout, piped);
});

NE.run();
