/**
 * Where eksfit meets the user's machine (issue 12): file-system trouble is an
 * input error with the path and the reason in words (never exit 70 and a
 * stack), folders skip hidden names, --report overwrites nothing the user
 * owns, an empty --check gate fails, and the command line is one table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fsReason } from '../src/files.ts';
import { optionLines, OPTIONS, USAGE } from '../src/options.ts';
import { runCli } from './helpers/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'eksfit');
const POD =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {sidecar.istio.io/inject: "true"}\nspec:\n  containers: [{name: a, image: a}]\n';
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n';

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'eksfit-edges-'));
  temps.push(d);
  return d;
}

/** bin/eksfit in `cwd`. */
function eksfit(
  args: readonly string[],
  cwd: string,
  input = '',
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(BIN, [...args], { cwd, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function noStack(stderr: string): void {
  assert.not.match(stderr, /^\s+at /m, 'no stack trace');
  assert.not.match(stderr, /internal error/, 'not reported as a bug');
}

const Fs = suite('file-system trouble (bin/eksfit)');

Fs('a dangling editor lock file (.#app.yaml) in a folder is skipped with every hidden name', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'm', '.git'), { recursive: true });
  writeFileSync(join(dir, 'm', 'app.yaml'), CM);
  symlinkSync('user@host.1234:1700000000', join(dir, 'm', '.#app.yaml'));
  writeFileSync(join(dir, 'm', '.git', 'config.yaml'), 'not: [a manifest');
  writeFileSync(join(dir, 'm', '.hidden.yaml'), 'kind: ConfigMap\nmetadata: {name: hidden}\n');
  const r = eksfit(['-q', 'm'], dir);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, CM);
  const explicit = eksfit(['-q', 'm/.hidden.yaml'], dir);
  assert.is(explicit.code, 0, explicit.stderr);
  assert.match(explicit.stdout, 'name: hidden', 'a file named explicitly is always read');
});

Fs('a dangling symbolic link named like a manifest: exit 1, its path and "dangling symbolic link"', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'm'));
  writeFileSync(join(dir, 'm', 'a.yaml'), CM);
  symlinkSync('gone.yaml', join(dir, 'm', 'b.yaml'));
  symlinkSync('gone.txt', join(dir, 'm', 'notes.txt'));
  const r = eksfit(['m'], dir);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'eksfit: cannot read m/b.yaml: dangling symbolic link (its target does not exist)\n');
  const named = eksfit(['m/b.yaml'], dir);
  assert.is(named.code, 1);
  assert.is(named.stderr, 'eksfit: cannot read m/b.yaml: dangling symbolic link (its target does not exist)\n');
});

Fs('symbolic link loops: exit 1, "symbolic link loop"', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'm', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'm', 'a.yaml'), CM);
  symlinkSync('..', join(dir, 'm', 'sub', 'up'));
  const r = eksfit(['m'], dir);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^eksfit: cannot read m\/sub\/up: symbolic link loop/);
  noStack(r.stderr);
  const self = tempDir();
  symlinkSync('self.yaml', join(self, 'self.yaml'));
  const s = eksfit(['self.yaml'], self);
  assert.is(s.code, 1, s.stderr);
  assert.is(s.stderr, 'eksfit: cannot read self.yaml: symbolic link loop\n');
});

Fs('a policy that is a folder or missing: exit 2, the reason in words', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'somedir'));
  const r = eksfit(['-c', 'somedir'], dir, POD);
  assert.is(r.code, 2);
  assert.is(r.stderr, 'eksfit: cannot read policy somedir: is a folder, not a file\n');
});

Fs('reasons in words for what tests cannot provoke as root', () => {
  assert.is(fsReason({ code: 'EACCES' }), 'permission denied');
  assert.is(fsReason({ code: 'EPERM' }), 'permission denied');
  assert.is(fsReason({ code: 'EISDIR' }), 'is a folder, not a file');
  assert.is(fsReason({ code: 'ELOOP' }), 'symbolic link loop');
  assert.is(fsReason({ code: 'ENOTDIR' }), 'a part of the path is not a folder');
});

(process.getuid?.() === 0 ? Fs.skip : Fs)('an unreadable file: exit 1, "permission denied" (not as root)', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.yaml'), CM, { mode: 0o000 });
  const r = eksfit(['a.yaml'], dir);
  assert.is(r.code, 1);
  assert.is(r.stderr, 'eksfit: cannot read a.yaml: permission denied\n');
});

Fs.run();

const Report = suite('--report overwrites nothing the user owns');

Report('--report naming an input: exit 2, the input untouched', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'app.yaml'), POD);
  for (const args of [
    ['--report', 'app.yaml', 'app.yaml'],
    ['--report', './app.yaml', '.'],
    ['-c', 'app.yaml', '--report', 'app.yaml', '-'],
  ]) {
    const r = eksfit(args, dir, POD);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /--report .*app\.yaml: is one of the inputs; it would be overwritten/);
    assert.is(readFileSync(join(dir, 'app.yaml'), 'utf8'), POD, args.join(' '));
  }
});

Report('--check --report app.yaml on empty input: the manifest app.yaml is not replaced', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'app.yaml'), POD);
  const r = eksfit(['--check', '--report', 'app.yaml'], dir, '');
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, 'exists and is not an eksfit report');
  assert.is(readFileSync(join(dir, 'app.yaml'), 'utf8'), POD);
});

Report('an earlier report is replaced, atomically (no temporary file stays)', async () => {
  const dir = tempDir();
  const first = await runCli(['-q', '--report', 'r.txt'], POD, dir);
  assert.is(first.code, 0, first.stderr);
  const before = readFileSync(join(dir, 'r.txt'), 'utf8');
  assert.match(before, /^eksfit: changed/m);
  const json = await runCli(['-q', '--format', 'json', '--report', 'r.txt'], CM, dir);
  assert.is(json.code, 0, json.stderr);
  assert.match(readFileSync(join(dir, 'r.txt'), 'utf8'), /^\{\n {2}"changed": false/);
  const again = await runCli(['-q', '--report', 'r.txt'], 'a: "open\n', dir);
  assert.is(again.code, 1);
  assert.is(readFileSync(join(dir, 'r.txt'), 'utf8'), 'eksfit: <stdin>:1:4: Missing closing "quote\n');
  const back = await runCli(['-q', '--report', 'r.txt'], POD, dir);
  assert.is(back.code, 0, back.stderr);
  assert.equal(readdirSync(dir), ['r.txt']);
});

Report('--report onto a folder, a symbolic link or into a missing folder: an error naming it, no stack', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'target.txt'), '');
  symlinkSync('target.txt', join(dir, 'link.txt'));
  const folder = eksfit(['--report', 'folder'], dir, POD);
  assert.is(folder.code, 2);
  assert.is(folder.stderr, 'eksfit: --report folder: is a folder, not a file\n');
  assert.is(folder.stdout, '');
  const link = eksfit(['--report', 'link.txt'], dir, POD);
  assert.is(link.code, 2);
  assert.match(link.stderr, 'is a symbolic link');
  const missing = eksfit(['--report', 'nope/r.txt'], dir, POD);
  assert.is(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /^eksfit: cannot write report nope\/r\.txt: no such folder nope\n$/m);
  noStack(missing.stderr);
  assert.is(missing.stdout, '', 'nothing on stdout when the report cannot be written');
  assert.equal(readdirSync(dir).sort(), ['folder', 'link.txt', 'target.txt']);
});

Report.run();

const Gate = suite('an empty gate fails');

Gate('--check with no manifests: empty stdin, a folder without manifests, only empty documents: exit 1', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'empty', '.git'), { recursive: true });
  writeFileSync(join(dir, 'empty', 'notes.txt'), 'x');
  writeFileSync(join(dir, 'empty', '.git', 'a.yaml'), CM);
  writeFileSync(join(dir, 'blank.yaml'), '# nothing here\n---\n---\n...\n');
  const stdin = eksfit(['--check'], dir, '');
  assert.is(stdin.code, 1);
  assert.match(stdin.stderr, /^eksfit: no manifests found in <stdin>/);
  const folder = await runCli(['--check', 'empty'], '', dir);
  assert.is(folder.code, 1);
  assert.match(folder.stderr, /^eksfit: no manifests found in empty \(no \*\.yaml, \*\.yml or \*\.json file/);
  const blank = await runCli(['--check', 'blank.yaml'], '', dir);
  assert.is(blank.code, 1);
  assert.match(blank.stderr, /^eksfit: no manifests found in blank\.yaml \(only empty documents\)/);
  const dash = await runCli(['--check', '-'], '\n', dir);
  assert.is(dash.code, 1);
  assert.match(dash.stderr, /^eksfit: no manifests found in <stdin> \(only empty documents\)/);
  const one = await runCli(['--check', '-'], '---\n{a: 1}\n', dir);
  assert.is(one.code, 0, 'a flow mapping after --- is a manifest');
  // content on the --- line: Kubernetes refuses the stream ("invalid Yaml document separator")
  const onLine = await runCli(['--check', '-'], '--- {a: 1}\n', dir);
  assert.is(onLine.code, 1);
  assert.match(onLine.stderr, /^eksfit: <stdin>:1:5: invalid document separator/);
});

Gate('filter mode: empty in, empty out, exit 0 (what Helm and kpt expect)', async () => {
  const r = eksfit(['-q'], tempDir(), '');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
});

Gate.run();

const Cli = suite('the command line is one table');

Cli('-n is a namespace name (RFC 1123 label): a bad one is a usage error', async () => {
  for (const bad of ['Bad_NS!', 'UPPER', 'a.b', 'trail-', 'a'.repeat(64), '']) {
    const r = await runCli(['-n', bad], POD);
    assert.is(r.code, 2, bad);
    assert.match(r.stderr, 'is not a namespace name', bad);
  }
  const ok = await runCli(['-q', '-n', 'team-a1'], POD);
  assert.is(ok.code, 0, ok.stderr);
});

Cli('--diff with --check is a usage error (not silently dropped)', async () => {
  const r = await runCli(['--diff', '--check'], POD);
  assert.is(r.code, 2);
  assert.match(r.stderr, '--check and --diff do not go together');
});

Cli('the usage text and the README list exactly the parser table', () => {
  for (const o of OPTIONS) assert.match(USAGE, `--${o.name}`);
  assert.ok(USAGE.includes(optionLines()));
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.ok(
    readme.includes('```\neksfit [options] [FILE|DIR|-]...\n' + optionLines(true) + '```\n'),
    `README's Command line block should be:\n${optionLines(true)}`,
  );
});

Cli("the README's exit-code table lists every code eksfit uses", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const code of [0, 1, 2, 70, 127]) assert.match(readme, new RegExp(`^\\| ${code} \\|`, 'm'), `exit ${code}`);
  assert.match(readme, /^## Troubleshooting$/m);
});

Cli.after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
Cli.run();
