/**
 * Helpers for the host tests (test/hosts.test.ts): finding the real host
 * binaries, running a command the way a user types it, comparing with a
 * checked-in expected output (rewritten with UPDATE_GOLDEN=1), and temp dirs.
 *
 * A host binary is looked up in .tools/bin (filled by `npm run tools`), then
 * on PATH. In CI (CI=true) a missing binary fails its tests; elsewhere they are
 * skipped, and a loud notice names the command that installs it.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';

/** The repository's top directory. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
/** The real eksfit executable, as users run it. */
export const EKSFIT = join(ROOT, 'bin', 'eksfit');
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
export const UPDATE = process.env.UPDATE_GOLDEN === '1';
const TOOLS_BIN = join(ROOT, '.tools', 'bin');
const INSTALL_HINT = 'npm run tools';

/** The path of a host binary, or undefined when it is nowhere to be found. */
export function findTool(name: string): string | undefined {
  const dirs = [TOOLS_BIN, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const warned = new Set<string>();

/**
 * Registers `name` on `suite` when every tool is present. A missing tool fails
 * the test in CI and skips it elsewhere, with a notice on stderr.
 */
export function hostTest(
  suite: Test,
  name: string,
  tools: readonly (string | undefined)[],
  toolNames: readonly string[],
  fn: () => void | Promise<void>,
): void {
  const missing = toolNames.filter((_, i) => tools[i] === undefined);
  if (missing.length === 0 && eksfitBuilt()) {
    suite(name, fn);
    return;
  }
  const why =
    missing.length > 0
      ? `missing host binar${missing.length > 1 ? 'ies' : 'y'}: ${missing.join(', ')} (install: ${INSTALL_HINT})`
      : `${EKSFIT} cannot run: dist/eksfit.mjs is missing (build: npm run build)`;
  if (IN_CI) {
    suite(name, () => assert.unreachable(`CI=true and ${why}`));
    return;
  }
  if (!warned.has(why)) {
    if (warned.size === 0) process.on('exit', () => process.stderr.write(skipNotice()));
    warned.add(why);
    process.stderr.write(`\n!!! SKIPPING host tests: ${why}\n\n`);
  }
  suite.skip(name, fn);
}

function skipNotice(): string {
  const lines = [...warned].map((w) => `!!!   ${w}`);
  return `\n!!! Host tests were SKIPPED (they fail when CI=true):\n${lines.join('\n')}\n\n`;
}

function eksfitBuilt(): boolean {
  return existsSync(EKSFIT) && existsSync(join(ROOT, 'dist', 'eksfit.mjs'));
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly input?: string;
}

/**
 * The environment every host command starts from: the caller's, without
 * anything that would change what a host or eksfit does (a policy, a plugin
 * home, Helm's folders, a real cluster).
 */
export function cleanEnv(extra: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(HELM_|KUSTOMIZE_|EKSFIT_|XDG_CONFIG_HOME$|KUBECONFIG$)/.test(k)) continue;
    env[k] = v;
  }
  env.KUBECONFIG = join(tmpdir(), 'eksfit-hosts-no-kubeconfig');
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs a command to completion (never through a shell). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: cleanEnv(opts.env),
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command that must succeed; a failure shows the command and its stderr. */
export function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const r = run(cmd, args, opts);
  if (r.status !== 0) {
    assert.unreachable(
      `${[cmd, ...args].join(' ')} exited ${r.status}\n--- stderr:\n${r.stderr}\n--- stdout:\n${r.stdout}`,
    );
  }
  return r;
}

/**
 * Compares `actual` with the checked-in file `path` (relative to the repo);
 * with UPDATE_GOLDEN=1 writes it instead.
 */
export function golden(path: string, actual: string): void {
  const file = join(ROOT, path);
  if (UPDATE) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) assert.unreachable(`${path} does not exist; create it with UPDATE_GOLDEN=1 npm test`);
  assert.fixture(actual, readFileSync(file, 'utf8'), `${path} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

const temps: string[] = [];

/** A new empty temp directory, removed by removeTemps(). */
export function tempDir(label: string): string {
  const d = mkdtempSync(join(tmpdir(), `eksfit-${label}-`));
  temps.push(d);
  return d;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A copy of a repository directory in a temp dir; returns the copy's path. */
export function copyOf(repoPath: string, label: string): string {
  const dest = join(tempDir(label), repoPath.split('/').pop() ?? 'copy');
  cpSync(join(ROOT, repoPath), dest, { recursive: true });
  return dest;
}

/**
 * Copies repository paths into one new temp dir, keeping their relative
 * layout (for kustomizations that point at each other); returns the temp dir.
 */
export function copyAll(repoPaths: readonly string[], label: string): string {
  const root = tempDir(label);
  for (const p of repoPaths) cpSync(join(ROOT, p), join(root, p), { recursive: true });
  return root;
}

/** Every file under `dir` (relative, sorted) with its exact bytes. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** A directory as one text: each file under a `==> path <==` line. */
export function treeText(dir: string): string {
  return [...readTree(dir)].map(([p, text]) => `==> ${p} <==\n${text}`).join('\n');
}

/** The lines of `text` that are YAML comments (trimmed), to check none is lost. */
export function commentLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => {
      const i = l.indexOf('#');
      return i < 0 || /["']/.test(l.slice(0, i)) ? '' : l.slice(i).trim();
    })
    .filter((c) => c.length > 1);
}

/** A command as the README shows it: words joined, quoted only when needed. */
export function shown(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Asserts that each README (an example's, examples/README.md) shows `command` verbatim. */
export function readmeShows(readmes: string | readonly string[], command: string): void {
  for (const readme of typeof readmes === 'string' ? [readmes] : readmes) {
    const text = readFileSync(join(ROOT, readme), 'utf8').replace(/\\\n\s*/g, '');
    assert.ok(text.includes(command), `${readme} should show the command the test runs:\n  ${command}`);
  }
}
