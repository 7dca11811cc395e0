/**
 * The modes (--check, --diff, --strict, --format json, --report) on
 * the examples another suite documents, with their exit codes. The examples are
 * read, never written.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../src/cli.ts';
import { runCli } from './helpers/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP = 'examples/cli/app.yaml';
const POLICY = 'examples/cli/policy.yaml';
const BASE = 'examples/kustomize/base';

const ANNOTATIONS = [
  '+        eks.tke.cloud.tencent.com/ipvs-udp-timeout: "120s"',
  '+        eks.tke.cloud.tencent.com/ipvs-tcp-timeout: "1800s"',
  '+        eks.tke.cloud.tencent.com/metrics-port: "9110"',
];

const check = suite('--check on the examples');

check('examples/cli: changes and a warning to report, exit 1, the manifests are not written', async () => {
  const out = await runCli(['--check', APP], '', ROOT);
  assert.is(out.code, 1);
  assert.is(out.stderr, '');
  assert.match(
    out.stdout,
    /^RESOURCE +SPEC +CHANGED +FOUND\nDeployment\/shop\/payments +1C2G ×3 +ipvs-udp-timeout, ipvs-tcp-timeout, metrics-port +1 warning \(metricsScrape\)\n/,
  );
  assert.ok(out.stdout.endsWith('eksfit: would change; 3 changes, 1 warning, 0 errors\n'));
  assert.not.match(out.stdout, /apiVersion:/);
});

check('examples/cli with its policy: the policy decides, still exit 1', async () => {
  const out = await runCli(['--check', '-c', POLICY, APP], '', ROOT);
  assert.is(out.code, 1);
  assert.match(out.stdout, /set Pod annotation eks\.tke\.cloud\.tencent\.com\/metrics-port: "9120" \[payments\]/);
  assert.match(out.stdout, /set Pod annotation eks\.tke\.cloud\.tencent\.com\/ipvs-tcp-timeout: "3600s" \[payments\]/);
});

check('examples/kustomize/base (a directory): exit 1', async () => {
  const out = await runCli(['--check', BASE], '', ROOT);
  assert.is(out.code, 1);
  assert.match(out.stdout, /Deployment\/orders \(examples\/kustomize\/base\/deployment\.yaml#0\)/);
  assert.ok(out.stdout.endsWith('eksfit: would change; 3 changes, 1 warning, 0 errors\n'));
});

check("eksfit's own output is EKS-ready: --check on it exits 0", async () => {
  for (const [config, input] of [
    [[], APP],
    [['-c', POLICY], APP],
    [[], BASE],
  ] as const) {
    const args = [...config, input];
    const fixed = await runCli(['-q', ...args], '', ROOT);
    assert.is(fixed.code, 0, args.join(' '));
    const again = await runCli(['--check', ...config, '-'], fixed.stdout, ROOT);
    assert.is(again.code, 0, `${args.join(' ')}: ${again.stdout}`);
    // Notes (a rule overriding the preset) may remain; nothing to change or warn about.
    assert.ok(again.stdout.endsWith('eksfit: no change needed; 0 changes, 0 warnings, 0 errors\n'), again.stdout);
  }
});

check('--check --format json: the findings as JSON on standard output', async () => {
  const out = await runCli(['--check', '--format', 'json', APP], '', ROOT);
  assert.is(out.code, 1);
  const json = JSON.parse(out.stdout) as {
    changed: boolean;
    summary: Record<string, number>;
    results: { severity: string }[];
  };
  assert.is(json.changed, true);
  assert.equal(json.summary, { changes: 3, error: 0, warning: 1, info: 3 });
  assert.ok(json.results.every((r) => ['error', 'warning', 'info'].includes(r.severity)));
});

check('--check --report FILE: the same report in the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eksfit-'));
  try {
    const file = join(dir, 'report.txt');
    const out = await runCli(['--check', '--report', file, APP], '', ROOT);
    assert.is(out.code, 1);
    assert.is(readFileSync(file, 'utf8'), out.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const diff = suite('--diff on the examples');

diff('examples/cli: a unified diff of the three annotations, report on stderr, exit 0', async () => {
  const out = await runCli(['--diff', APP], '', ROOT);
  assert.is(out.code, 0);
  assert.ok(out.stdout.startsWith(`--- ${APP}\n+++ eksfit\n@@ `), out.stdout);
  const added = out.stdout.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
  assert.equal(added, ANNOTATIONS);
  assert.not.match(out.stdout, /^-(?!--)/m, 'nothing removed');
  assert.match(out.stderr, /eksfit: changed; 3 changes, 1 warning, 0 errors\n$/);
});

diff(
  'examples/kustomize/base (a directory): the annotations are the only change to the Deployment, exit 0',
  async () => {
    const out = await runCli(['--diff', BASE], '', ROOT);
    assert.is(out.code, 0);
    const added = out.stdout.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    // The files are joined into one stream, so `---` separators may appear between them.
    assert.equal(
      added.filter((l) => l !== '+---'),
      ['+      annotations:', ...ANNOTATIONS],
    );
    assert.not.match(out.stdout, /^-(?!--)/m, 'nothing removed');
  },
);

diff('nothing to change: empty diff, exit 0; --strict turns the warning into an error, exit 1', async () => {
  const fixed = await runCli(['-q', APP], '', ROOT);
  const none = await runCli(['--diff', '-'], fixed.stdout, ROOT);
  assert.is(none.code, 0);
  assert.is(none.stdout, '');
  const strict = await runCli(['--diff', '--strict', APP], '', ROOT);
  assert.is(strict.code, 1);
  assert.match(strict.stderr, /1 error\n$/);
});

diff('colour on a terminal only, and never with NO_COLOR', async () => {
  const text = readFileSync(join(ROOT, APP), 'utf8');
  const runTty = async (env: Record<string, string>): Promise<string> => {
    let stdout = '';
    await main(['--diff', '-q', '-'], {
      stdin: async () => new TextEncoder().encode(text),
      stdout: (t) => void (stdout += t),
      stderr: () => {},
      env,
      cwd: ROOT,
      isTTY: true,
    });
    return stdout;
  };
  assert.match(await runTty({}), /\x1b\[32m\+ {8}eks\.tke\.cloud\.tencent\.com\/ipvs-udp-timeout/);
  assert.not.match(await runTty({ NO_COLOR: '1' }), /\x1b\[/);
  assert.not.match((await runCli(['--diff', '-q', APP], '', ROOT)).stdout, /\x1b\[/);
});

check.run();
diff.run();
