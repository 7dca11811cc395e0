/**
 * bin/eksfit starts whatever the machine does to it (issue 12): any
 * NODE_OPTIONS, a snapshot that another node built, an empty environment
 * (Helm 4 starts plugins with one), the npm package installed from its
 * tarball. Every test spawns the executable; the odd cases run on a copy of
 * the package in a temporary folder, so the checkout is never touched.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findTool, hostTest } from './helpers/hosts.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const BIN = join(ROOT, 'bin', 'eksfit');
const APP = join(ROOT, 'examples', 'cli', 'app.yaml');
const NODE = realpathSync(process.execPath);
const temps: string[] = [];
function tempDir(label: string): string {
  const d = mkdtempSync(join(tmpdir(), `eksfit-${label}-`));
  temps.push(d);
  return d;
}

function run(
  bin: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  opts: { input?: string; cwd?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(bin, [...args], { env: env, encoding: 'utf8', ...opts });
}

/** What eksfit writes for examples/cli/app.yaml, from the bundle run directly. */
const EXPECTED = spawnSync(NODE, [join(ROOT, 'dist', 'eksfit.mjs'), '-q', APP], { encoding: 'utf8' }).stdout;

function ok(r: SpawnSyncReturns<string>, what: string): void {
  assert.is(r.status, 0, `${what}: exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  assert.is(r.stdout, EXPECTED, what);
  assert.ok(EXPECTED.includes('ipvs-udp-timeout'), 'the example is changed');
}

/** A copy of the package (bin/eksfit and the bundle) in a temporary folder. */
function packageCopy(label: string): string {
  const dir = tempDir(label);
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  copyFileSync(BIN, join(dir, 'bin', 'eksfit'));
  chmodSync(join(dir, 'bin', 'eksfit'), 0o755);
  copyFileSync(join(ROOT, 'dist', 'eksfit.mjs'), join(dir, 'dist', 'eksfit.mjs'));
  copyFileSync(join(ROOT, 'plugin.yaml'), join(dir, 'plugin.yaml'));
  return dir;
}

/** A node outside every standard folder that leaves a mark when it runs (the node of nvm, fnm, asdf, Homebrew). */
function hiddenNode(): { node: string; marker: string } {
  const dir = tempDir('node');
  const marker = join(dir, 'ran');
  const node = join(dir, 'versions', 'node', 'bin', 'node');
  mkdirSync(join(dir, 'versions', 'node', 'bin'), { recursive: true });
  writeFileSync(node, `#!/bin/sh\necho ran > '${marker}'\nexec '${NODE}' "$@"\n`);
  chmodSync(node, 0o755);
  return { node, marker };
}

const Snapshot = suite('bin/eksfit: the start-up snapshot never stops it');

Snapshot('the checkout: eksfit runs (with the snapshot npm run build made, when it could make one)', () => {
  if (!existsSync(join(ROOT, 'dist', 'eksfit.blob'))) console.log('  (no snapshot was built here: the bundle runs)');
  ok(run(BIN, ['-q', APP], { ...process.env, NODE_OPTIONS: '' }), 'no NODE_OPTIONS');
});

for (const options of [
  '--max-old-space-size=4096',
  '--expose-gc',
  '--jitless',
  '--max-old-space-size=4096 --expose-gc',
]) {
  Snapshot(`NODE_OPTIONS=${options}: runs (the snapshot was built without it)`, () => {
    const r = run(BIN, ['-q', APP], { ...process.env, NODE_OPTIONS: options });
    ok(r, options);
    assert.not.match(r.stderr, /snapshot/i);
  });
}

/** A package copy with an unusable snapshot (garbage) and a stamp made by `stamp`. */
function withGarbageSnapshot(label: string, stamp: (file: string) => void): string {
  const dir = packageCopy(label);
  writeFileSync(join(dir, 'dist', 'eksfit.blob'), 'not a snapshot');
  writeFileSync(join(dir, 'dist', 'eksfit.node'), `${NODE}\n`);
  stamp(join(dir, 'dist', 'eksfit.blob.stamp'));
  return join(dir, 'bin', 'eksfit');
}

/** The stamp npm run build writes: node, NODE_OPTIONS, version; node's modification time. */
function goodStamp(file: string, options = ''): void {
  writeFileSync(file, `${NODE}\nNODE_OPTIONS=${options}\n${process.version}\n`);
  assert.is(spawnSync('touch', ['-r', NODE, file]).status, 0);
}

Snapshot('control: a stamp that matches this node makes bin/eksfit use the snapshot (here garbage: node fails)', () => {
  const bin = withGarbageSnapshot('stamp-ok', (f) => goodStamp(f));
  const r = run(bin, ['-q', APP], { ...process.env, NODE_OPTIONS: '' });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /snapshot/i, 'node tried the snapshot');
});

Snapshot('a snapshot of another node (stamp time differs: an upgrade, an npm unpack): the bundle runs', () => {
  const bin = withGarbageSnapshot('stamp-time', (f) => {
    goodStamp(f);
    utimesSync(f, new Date(), new Date()); // newer than node, as after npm unpacked it
  });
  ok(run(bin, ['-q', APP], { ...process.env, NODE_OPTIONS: '' }), 'newer stamp');
  const older = withGarbageSnapshot('stamp-old', (f) => {
    goodStamp(f);
    utimesSync(f, new Date(2001, 1, 1), new Date(2001, 1, 1));
  });
  ok(run(older, ['-q', APP], { ...process.env, NODE_OPTIONS: '' }), 'older stamp');
});

Snapshot('a snapshot stamped for another node path, or other NODE_OPTIONS, or with no stamp: the bundle runs', () => {
  const other = withGarbageSnapshot('stamp-path', (f) => {
    goodStamp(f);
    const text = readFileSync(f, 'utf8').replace(NODE, '/opt/node-22/bin/node');
    writeFileSync(f, text);
    spawnSync('touch', ['-r', NODE, f]);
  });
  ok(run(other, ['-q', APP], { ...process.env, NODE_OPTIONS: '' }), 'other path');
  const opts = withGarbageSnapshot('stamp-options', (f) => goodStamp(f, '--expose-gc'));
  ok(run(opts, ['-q', APP], { ...process.env, NODE_OPTIONS: '' }), 'stamp with options, none now');
  const opts2 = withGarbageSnapshot('stamp-options2', (f) => goodStamp(f));
  ok(run(opts2, ['-q', APP], { ...process.env, NODE_OPTIONS: '--jitless' }), 'no options in stamp, some now');
  const none = withGarbageSnapshot('stamp-none', () => {});
  ok(run(none, ['-q', APP], { ...process.env, NODE_OPTIONS: '' }), 'no stamp');
});

Snapshot.run();

const Env = suite('bin/eksfit: an empty environment (what Helm 4 gives a plugin)');

Env('env -i bin/eksfit, and PATH pointing at a folder without node', () => {
  ok(run('/usr/bin/env', ['-i', BIN, '-q'], {}, { input: readFileSync(APP, 'utf8') }), 'env -i');
  ok(run(BIN, ['-q', APP], { PATH: '/nonexistent' }), 'PATH=/nonexistent');
  ok(run(BIN, ['-q', APP], { PATH: tempDir('empty-path') }), 'PATH=an empty folder');
});

Env('the node recorded at install is used, also where PATH does not lead to it', () => {
  const pkg = packageCopy('recorded');
  const { node, marker } = hiddenNode();
  writeFileSync(join(pkg, 'dist', 'eksfit.node'), `${node}\n`);
  ok(run('/usr/bin/env', ['-i', join(pkg, 'bin', 'eksfit'), '-q', APP], {}), 'env -i');
  assert.ok(existsSync(marker), 'the recorded node ran');
});

Env('a recorded node that is gone: node from PATH', () => {
  const pkg = packageCopy('recorded-gone');
  writeFileSync(join(pkg, 'dist', 'eksfit.node'), '/nonexistent/bin/node\n');
  const { node, marker } = hiddenNode();
  ok(run(join(pkg, 'bin', 'eksfit'), ['-q', APP], { PATH: join(node, '..') }), 'PATH');
  assert.ok(existsSync(marker), 'the node on PATH ran');
});

Env('no node anywhere: exit 127, one line naming PATH and the recorded node', () => {
  const pkg = packageCopy('no-node');
  writeFileSync(join(pkg, 'dist', 'eksfit.node'), '/nonexistent/bin/node\n');
  // The standard folders bin/eksfit adds to PATH hold this machine's node: point them elsewhere.
  const script = join(pkg, 'bin', 'eksfit');
  writeFileSync(script, readFileSync(script, 'utf8').replace('/usr/local/bin:/usr/bin:/bin', '/nonexistent'));
  const r = run(script, ['-q', APP], { PATH: '/nonexistent' });
  assert.is(r.status, 127);
  assert.is(r.stdout, '');
  assert.is(
    r.stderr,
    'eksfit: cannot find Node.js (20 or later): not on PATH (/nonexistent:/nonexistent), and /nonexistent/bin/node (recorded at install) is gone\n',
  );
});

Env('npm run build records this node', () => {
  assert.is(readFileSync(join(ROOT, 'dist', 'eksfit.node'), 'utf8'), `${NODE}\n`);
});

const helm4 = findTool('helm4');
hostTest(
  Env,
  'the real Helm 4 plugin runs eksfit with a node that is not on any default path',
  [helm4],
  ['helm4'],
  () => {
    const pkg = packageCopy('helm4-plugin');
    const { node, marker } = hiddenNode();
    writeFileSync(join(pkg, 'dist', 'eksfit.node'), `${node}\n`);
    const home = tempDir('helm4-home');
    const env = {
      PATH: '/nonexistent',
      HOME: home,
      HELM_DATA_HOME: join(home, 'data'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_CACHE_HOME: join(home, 'cache'),
    };
    const install = run(helm4 as string, ['plugin', 'install', pkg], env);
    assert.is(install.status, 0, install.stderr);
    const r = run(
      helm4 as string,
      ['template', 'shop', join(ROOT, 'examples/helm/chart'), '--post-renderer', 'eksfit'],
      env,
    );
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, 'eks.tke.cloud.tencent.com/ipvs-');
    assert.ok(existsSync(marker), 'the recorded node ran');
  },
);

Env.run();

const Pack = suite('the npm package');

Pack('package.json: no runtime dependencies, only run-time files, a repository', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.is(pkg.dependencies, undefined, 'the bundle holds ajv, minimist and yaml');
  assert.equal(pkg.files, [
    'bin/eksfit',
    'dist/eksfit.mjs',
    'schema',
    'plugin.yaml',
    'scripts/install.mjs',
    'scripts/kustomize-plugin.sh',
  ]);
  assert.match(JSON.stringify(pkg.repository), 'github.com/');
});

Pack('npm pack, install the tarball into an empty folder, npx eksfit (also with NODE_OPTIONS)', () => {
  const dir = tempDir('pack');
  const env = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
  const pack = run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], env, { cwd: ROOT });
  assert.is(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  const shipped = (info?.files ?? []).map((f) => f.path).sort();
  assert.ok(shipped.includes('dist/eksfit.mjs'), shipped.join(' '));
  assert.not.ok(
    shipped.some((f) => /blob|snapshot|eksfit\.node/.test(f)),
    `no snapshot and no recorded node in the package: ${shipped.join(' ')}`,
  );
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{"name": "app", "private": true}\n');
  const install = run('npm', ['install', join(dir, info?.filename ?? '')], env, { cwd: app });
  assert.is(install.status, 0, install.stderr);
  ok(run('npx', ['eksfit', '-q', APP], env, { cwd: app }), 'npx eksfit');
  ok(
    run('npx', ['eksfit', '-q', APP], { ...env, NODE_OPTIONS: '--max-old-space-size=4096' }, { cwd: app }),
    'NODE_OPTIONS',
  );
  ok(run(join(app, 'node_modules', '.bin', 'eksfit'), ['-q', APP], { PATH: '/nonexistent' }), 'the .bin link, no PATH');
});

Pack.after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
Pack.run();

// Standard input is read with blocking reads of fd 0 (a file, a pipe), and through
// process.stdin where that fails (a non-blocking descriptor says EAGAIN; libuv, Go
// and shells all give a child blocking stdio, so perl (in every Debian base system)
// sets O_NONBLOCK on it and then runs eksfit).
const Stdin = suite('bin/eksfit: standard input read whole, however it arrives');

/** Runs `cmd` with the input written into its stdin pipe in `pieces`, with pauses; stdout, stderr, exit code. */
async function fed(cmd: string, args: readonly string[], pieces: readonly string[]) {
  const child = spawn(cmd, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  for (const p of pieces) {
    child.stdin.write(p);
    await new Promise((r) => setTimeout(r, 150));
  }
  child.stdin.end();
  return { code: await exited, out, err };
}

const appText = readFileSync(APP, 'utf8');
const thirds = [appText.slice(0, 100), appText.slice(100, 400), appText.slice(400)];

Stdin('a pipe written in three pieces, with pauses: the whole stream', async () => {
  const r = await fed(BIN, ['-q'], thirds);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, EXPECTED);
});

Stdin('a non-blocking pipe that is empty for a while (EAGAIN): the whole stream, through process.stdin', async () => {
  const nonBlocking =
    'use Fcntl; fcntl(STDIN, F_SETFL, fcntl(STDIN, F_GETFL, 0) | O_NONBLOCK) or die $!; exec @ARGV or die $!';
  const r = await fed('perl', ['-e', nonBlocking, BIN, '-q'], thirds);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, EXPECTED);
});

Stdin('a file: the whole file', () => {
  const r = spawnSync(BIN, ['-q'], { stdio: [openSync(APP, 'r'), 'pipe', 'pipe'], encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, EXPECTED);
});

Stdin.after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
Stdin.run();
