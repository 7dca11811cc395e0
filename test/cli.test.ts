import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './helpers/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const POD =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {sidecar.istio.io/inject: "true"}\nspec:\n  containers: [{name: a, image: a}]\n';
const POLICY =
  'apiVersion: eksfit.dev/v1alpha1\nkind: EksFitPolicy\nmetadata: {name: t}\nspec:\n  preset: none\n  rules: [{name: all, ipvs: {tcpTimeout: 60s}}]\n';

const cli = suite('main');
const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'eksfit-cli-'));
  temps.push(d);
  return d;
}
cli.after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

cli('--help and --version', async () => {
  const help = await runCli(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, 'Usage: eksfit');
  assert.match(help.stdout, 'Exit codes');
  const v = await runCli(['--version']);
  assert.match(v.stdout, /^eksfit \d+\.\d+\.\d+\n$/);
});

cli('an unknown option is a usage error: exit 2, nothing on stdout', async () => {
  const out = await runCli(['--frobnicate'], POD);
  assert.is(out.code, 2);
  assert.is(out.stdout, '');
  assert.match(out.stderr, 'unknown option --frobnicate');
});

cli('files and directories are read in order as one stream; - is stdin', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'm', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'm', 'b.yaml'), 'kind: ConfigMap\nmetadata: {name: b}\n');
  writeFileSync(join(dir, 'm', 'a.yml'), 'kind: ConfigMap\nmetadata: {name: a}');
  writeFileSync(join(dir, 'm', 'sub', 'c.json'), '{"kind": "ConfigMap", "metadata": {"name": "c"}}\n');
  writeFileSync(join(dir, 'm', 'notes.txt'), 'ignored');
  const out = await runCli(['-q', 'm', '-'], 'kind: ConfigMap\nmetadata: {name: stdin}\n', dir);
  assert.is(out.code, 0, out.stderr);
  assert.is(
    out.stdout,
    'kind: ConfigMap\nmetadata: {name: a}\n---\nkind: ConfigMap\nmetadata: {name: b}\n---\n{"kind": "ConfigMap", "metadata": {"name": "c"}}\n---\nkind: ConfigMap\nmetadata: {name: stdin}\n',
  );
});

cli('--diff over several files shows only the edits, not the --- that joins them', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.yaml'), 'kind: ConfigMap\nmetadata: {name: a}');
  writeFileSync(join(dir, 'b.yaml'), POD);
  const out = await runCli(['-q', '--diff', 'a.yaml', 'b.yaml'], '', dir);
  assert.is(out.code, 0, out.stderr);
  const changed = out.stdout.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));
  assert.ok(
    changed.every((l) => !/^[-+]---$/.test(l)),
    out.stdout,
  );
  assert.ok(
    changed.some((l) => l.includes('ipvs-udp-timeout')),
    out.stdout,
  );
});

cli('a ResourceList next to other documents is a stream, not a KRM call', async () => {
  const rl = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- ${POD.replace(/\n(?=.)/g, '\n  ')}`;
  const out = await runCli(['-q'], `${rl}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n`);
  assert.is(out.code, 0, out.stderr);
  assert.match(out.stdout, 'ipvs-udp-timeout', 'its items are still fitted, like a List');
  assert.not.match(out.stdout, 'results:');
  assert.ok(out.stdout.endsWith('---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n'));
});

cli('a missing file is an input error: exit 1, the path and the reason in words', async () => {
  const out = await runCli(['nope.yaml']);
  assert.is(out.code, 1);
  assert.is(out.stderr, 'eksfit: cannot read nope.yaml: no such file or folder\n');
});

cli('-c, then $EKSFIT_CONFIG', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'p.yaml'), POLICY);
  const a = await runCli(['-q', '-c', 'p.yaml'], POD, dir);
  assert.match(a.stdout, 'ipvs-tcp-timeout: "60s"');
  assert.not.match(a.stdout, 'udp');
  const b = await runCli(['-q'], POD, dir, { EKSFIT_CONFIG: 'p.yaml' });
  assert.is(b.stdout, a.stdout);
});

cli('a functionConfig wins over $EKSFIT_CONFIG, which is only a fallback', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'p.yaml'), POLICY);
  const rl = (fc: string): string =>
    `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- ${POD.replace(/\n(?=.)/g, '\n  ')}${fc}`;
  const withFc = await runCli(
    ['-q'],
    rl('functionConfig: {apiVersion: v1, kind: ConfigMap, data: {udpTimeout: 30s}}\n'),
    dir,
    { EKSFIT_CONFIG: 'p.yaml' },
  );
  assert.is(withFc.code, 0, withFc.stderr);
  assert.match(withFc.stdout, 'ipvs-udp-timeout: "30s"');
  assert.not.match(withFc.stdout, 'tcp-timeout');
  const without = await runCli(['-q'], rl(''), dir, { EKSFIT_CONFIG: 'p.yaml' });
  assert.match(without.stdout, 'ipvs-tcp-timeout: "60s"');
});

cli('a policy file with invalid YAML: exit 2 with its position', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'p.yaml'), 'apiVersion: eksfit.dev/v1alpha1\nkind: "EksFitPolicy\n');
  const out = await runCli(['-c', 'p.yaml'], POD, dir);
  assert.is(out.code, 2);
  assert.match(out.stderr, 'p.yaml:2:7: invalid YAML in policy');
  assert.is(out.stdout, '');
});

cli('legacy kustomize exec plugin: first argument is the config, stdin the stream', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'cfg'), POLICY);
  const out = await runCli(['cfg'], POD, dir, { KUSTOMIZE_PLUGIN_CONFIG_STRING: POLICY });
  assert.is(out.code, 0, out.stderr);
  assert.match(out.stdout, 'ipvs-tcp-timeout: "60s"');
});

cli('--report writes the report to a file; nothing else is written', async () => {
  const dir = tempDir();
  const out = await runCli(['-q', '--report', 'r.txt'], POD, dir);
  assert.is(out.code, 0);
  assert.equal(readdirSync(dir), ['r.txt']);
});

cli.run();

const bin = suite('bin/eksfit (spawned)');

bin('runs the bundle: stream in, stream out, report on stderr', () => {
  const r = spawnSync(join(ROOT, 'bin', 'eksfit'), [], { input: POD, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, 'ipvs-udp-timeout: "120s"');
  assert.match(r.stderr, 'eksfit: changed');
});

bin('bad input: one clear line, no stack, nothing on stdout', () => {
  const r = spawnSync(join(ROOT, 'bin', 'eksfit'), [], { input: 'a: "open\n', encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'eksfit: <stdin>:1:4: Missing closing "quote\n');
});

bin('a closed pipe (eksfit big.yaml | head) ends quietly, as cat does: no stack trace', () => {
  const dir = tempDir();
  const big = join(dir, 'big.yaml');
  // Large enough that the output does not fit in a pipe buffer once the reader has gone.
  writeFileSync(big, Array.from({ length: 3000 }, (_, i) => POD.replace('name: p', `name: p${i}`)).join('---\n'));
  const r = spawnSync(
    'sh',
    ['-c', `"$0" "$1" | head -c 10 >/dev/null; echo "status $?"`, join(ROOT, 'bin', 'eksfit'), big],
    {
      encoding: 'utf8',
    },
  );
  const e = spawnSync('sh', ['-c', `"$0" -q "$1" | head -c 10`, join(ROOT, 'bin', 'eksfit'), big], {
    encoding: 'utf8',
  });
  assert.is(e.stderr, '', 'nothing on standard error');
  assert.not.match(r.stderr, 'EPIPE');
  assert.not.match(r.stderr, 'internal error');
  const status = spawnSync(
    'bash',
    ['-c', 'set -o pipefail; "$0" -q "$1" | head -c 10 >/dev/null; echo $?', join(ROOT, 'bin', 'eksfit'), big],
    { encoding: 'utf8' },
  );
  assert.is(status.stdout.trim(), '141', 'the status of a process ended by SIGPIPE, as cat gives');
});

bin.run();
