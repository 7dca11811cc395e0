// `npm run bench`: times eksfit against bare Node.js start-up, a
// parse-and-serialise baseline on the `yaml` library and `kubectl kustomize`,
// on deterministic streams of 160, 800 and 8,000 resources; then `eksfit
// webhook` under load next to a bare Node.js HTTPS server (bench/webhook.mjs).
//
//   node bench/run.mjs [--runs N] [--quick] [--sizes 160,800,8000]
//                      [--timeout SECONDS] [--budget SECONDS]
//                      [--mem auto|gnu-time|node] [--no-build] [--no-webhook]
//
// Env: EKSFIT_BIN (default bin/eksfit; a stand-in can be put there to test
// the harness), KUBECTL (default `kubectl` on PATH).
//
// How it measures:
// - One warm-up run of every command first: it captures the output (checked:
//   exit status, document count, the annotations the recommended preset must
//   add) and measures peak RSS. No timing is taken from it.
// - Then timed rounds, the commands alternating round-robin (the order rotates
//   every round), stdin from the stream file, stdout and stderr to /dev/null.
//   The two start-up commands run several times per round: they are short
//   and noisy. Medians are reported.
// - Peak memory: GNU time's %M (max RSS of the child and its descendants) when
//   /usr/bin/time is GNU time; otherwise Node children are preloaded with
//   bench/maxrss.cjs (process.resourceUsage().maxRSS at exit) and other
//   children (kubectl) are sampled from /proc/PID/status VmHWM every 2 ms,
//   which can miss a last spike. The memory runs are never the timed runs.
// - A run longer than --timeout (default 30 s) is killed; that command is
//   then reported as "> timeout" and left out of the timed rounds (kubectl
//   kustomize on 8,000 resources takes minutes: it is superlinear).
// - Without --runs, the number of rounds is chosen from the warm-up so that
//   the whole bench stays within --budget (default 210 s), between 3 and 15.
// - After the timed rounds, the webhook (issue 16): bench/webhook.mjs as a
//   child, twice: every Pod new (--distinct, the headline: no memo hits) and
//   each Pod 20 times (replicas). 4,000 reviews x 3 rounds per server
//   (--quick: 2,000 x 2), 16 in flight; p50, p99, errors, and the p99 ratio
//   against the bare server (goal <= 2 with no errors) join the tables.
//   It runs dist/eksfit.mjs, so not with a stand-in EKSFIT_BIN.

import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCrdStream, generateStream, smallDeployment } from './generate.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const OUT = path.join(BENCH, 'out');
const started = performance.now();
// the commit measured: read before the runs, others may commit while they go on
const commitAtStart =
  spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: path.dirname(path.dirname(fileURLToPath(import.meta.url))),
    encoding: 'utf8',
  }).stdout?.trim() || null;
const loadBefore = os.loadavg()[0];

// ---------------------------------------------------------------- options

function usage(code) {
  (code ? process.stderr : process.stdout).write(
    `usage: node bench/run.mjs [--runs N] [--quick] [--sizes 160,800,8000] [--timeout S] [--budget S]
                          [--mem auto|gnu-time|node] [--no-build] [--no-webhook]
  --runs N      timed rounds (default: as many as fit in --budget, 3..15)
  --quick       3 rounds, fewer start-up repeats, no kustomize on 8,000 resources,
                the webhook with 2,000 reviews x 2 rounds
  --sizes LIST  stream sizes (default 160,800,8000)
  --timeout S   kill a single run after S seconds (default 30)
  --budget S    time budget for choosing the default --runs (default 210)
  --mem M       peak-memory method (default auto: GNU time if present, else node)
  --no-build    do not rebuild dist/eksfit.mjs when src/ is newer
  --no-webhook  leave out the webhook under load (bench/webhook.mjs)
env: EKSFIT_BIN=path (default bin/eksfit), KUBECTL=path (default kubectl)
`,
  );
  process.exit(code);
}

function parseArgs(argv) {
  const o = {
    runs: null,
    quick: false,
    sizes: [160, 800, 8000],
    timeout: 30,
    budget: 210,
    mem: 'auto',
    build: true,
    webhook: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) {
        process.stderr.write(`bench: ${flag} needs a value\n`);
        usage(2);
      }
      return v;
    };
    const num = (v, min) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) {
        process.stderr.write(`bench: ${flag} ${v}: not a number >= ${min}\n`);
        usage(2);
      }
      return n;
    };
    switch (flag) {
      case '--runs':
        o.runs = Math.floor(num(value(), 1));
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--sizes':
        o.sizes = value()
          .split(',')
          .map((s) => Math.floor(num(s, 1)));
        break;
      case '--timeout':
        o.timeout = num(value(), 1);
        break;
      case '--budget':
        o.budget = num(value(), 10);
        break;
      case '--mem':
        o.mem = value();
        if (!['auto', 'gnu-time', 'node'].includes(o.mem)) usage(2);
        break;
      case '--no-build':
        o.build = false;
        break;
      case '--no-webhook':
        o.webhook = false;
        break;
      case '-h':
      case '--help':
        usage(0);
        break;
      default:
        process.stderr.write(`bench: unknown argument ${a}\n`);
        usage(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

// ---------------------------------------------------------------- setup

mkdirSync(OUT, { recursive: true });

/** Write only when the bytes differ, so repeated runs keep file times (and page cache) stable. */
function writeIfChanged(file, text) {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const eksfitBin = path.resolve(ROOT, process.env.EKSFIT_BIN || 'bin/eksfit');
const standIn = Boolean(process.env.EKSFIT_BIN);
if (!standIn && opts.build) {
  const dist = path.join(ROOT, 'dist/eksfit.mjs');
  const src = path.join(ROOT, 'src');
  const stale = !existsSync(dist) || (existsSync(src) && newestMtime(src) > statSync(dist).mtimeMs);
  if (stale) {
    log('building dist/eksfit.mjs (npm run build)');
    const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (b.status !== 0) {
      log('the build failed; fix it or pass --no-build');
      process.exit(1);
    }
  }
}
if (!existsSync(eksfitBin)) {
  log(`${path.relative(ROOT, eksfitBin)} does not exist (set EKSFIT_BIN to test the harness with a stand-in)`);
  process.exit(1);
}

// Children find this same `node` first, so bin/eksfit (#!/usr/bin/env node)
// runs on the Node.js the bench itself runs on.
const childEnv = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
};
for (const k of ['EKSFIT_CONFIG', 'KUSTOMIZE_PLUGIN_CONFIG_STRING', 'NODE_OPTIONS', 'EKSFIT_BENCH_RSS_FILE'])
  delete childEnv[k];

function which(name) {
  if (name.includes('/')) return existsSync(name) ? path.resolve(name) : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir || '.', name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not there
    }
  }
  return null;
}
const kubectl = which(process.env.KUBECTL || 'kubectl');
if (!kubectl) log('kubectl not found: the kustomize comparison is skipped (set KUBECTL)');

/**
 * A tool `npm run tools` provides: $ENV, else .tools/bin, else the tools cache
 * (the version pinned in tools/versions.env), else PATH when `onPath` (not for
 * yq: another program of that name, a jq wrapper, is common).
 */
function tool(env, name, cacheKey, onPath) {
  if (process.env[env]) return which(process.env[env]);
  const found = which(path.join(ROOT, '.tools/bin', name));
  if (found) return found;
  if (!cacheKey) return onPath ? which(name) : null;
  const versions = existsSync(path.join(ROOT, 'tools/versions.env'))
    ? readFileSync(path.join(ROOT, 'tools/versions.env'), 'utf8')
    : '';
  const version = new RegExp(`^${cacheKey.env}=(\\S+)`, 'm').exec(versions)?.[1];
  const cache =
    process.env.EKSFIT_TOOLS_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'eksfit-tools');
  return (
    (version ? which(path.join(cache, `${cacheKey.name}-${version}`, name)) : null) ?? (onPath ? which(name) : null)
  );
}
const yq = tool('YQ', 'yq', { env: 'YQ_VERSION', name: 'yq' });
if (!yq) log('yq not found: the yq comparison is skipped (npm run tools builds it; or set YQ)');
const helm3 = tool('HELM3', 'helm3', null, true);
if (!helm3) log('helm3 not found: the Helm post-renderer measurement is skipped (npm run tools; or set HELM3)');
const appPolicy = path.join(BENCH, 'policy-app.yaml');
const appYq = path.join(BENCH, 'app.yq');
const chartDir = path.join(BENCH, 'chart');

// ---------------------------------------------------------------- inputs

const inputs = {};
const oneDeployment = path.join(OUT, 'deployment.yaml');
writeIfChanged(oneDeployment, smallDeployment());
for (const size of opts.sizes) {
  const { text, expect } = generateStream(size);
  const file = path.join(OUT, `stream-${size}.yaml`);
  writeIfChanged(file, text);
  const kdir = path.join(OUT, `kustomize-${size}`);
  mkdirSync(kdir, { recursive: true });
  writeIfChanged(path.join(kdir, 'stream.yaml'), text);
  writeIfChanged(
    path.join(kdir, 'kustomization.yaml'),
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - stream.yaml\ncommonAnnotations:\n  eksfit.dev/bench: "1"\n',
  );
  inputs[size] = { file, kdir, bytes: Buffer.byteLength(text), expect };
}
const crdInput = (() => {
  const { text, expect } = generateCrdStream();
  const file = path.join(OUT, 'stream-crd.yaml');
  writeIfChanged(file, text);
  return { file, bytes: Buffer.byteLength(text), expect };
})();
log(
  `inputs in ${path.relative(ROOT, OUT)}/: CRD stream of ${crdInput.expect.documents} CRDs (${(crdInput.bytes / 1e6).toFixed(2)} MB), ${opts.sizes.map((s) => `${s} resources (${(inputs[s].bytes / 1e6).toFixed(2)} MB)`).join(', ')}`,
);

// ---------------------------------------------------------------- commands

const startupRepeat = opts.quick ? 2 : 3;
const commands = [
  {
    id: 'node',
    label: 'node -e 0',
    size: null,
    argv: [process.execPath, '-e', '0'],
    node: true,
    repeat: startupRepeat,
  },
  {
    id: 'eksfit-1',
    label: 'eksfit, 1 Deployment (stdin)',
    size: 1,
    argv: [eksfitBin],
    stdin: oneDeployment,
    node: true,
    eksfit: true,
    repeat: startupRepeat,
  },
];
for (const size of opts.sizes) {
  const { file, kdir } = inputs[size];
  commands.push({
    id: `eksfit-${size}`,
    label: 'eksfit (recommended preset)',
    size,
    argv: [eksfitBin],
    stdin: file,
    node: true,
    eksfit: true,
    repeat: 1,
  });
  commands.push({
    id: `baseline-${size}`,
    label: 'yaml parse + serialise baseline',
    size,
    argv: [process.execPath, path.join(BENCH, 'baseline.mjs')],
    stdin: file,
    node: true,
    repeat: 1,
  });
  if (yq) {
    const counts = [['eksfit.dev/bench annotations', /eksfit\.dev\/bench:/g, inputs[size].expect.appLabel]];
    commands.push({
      id: `eksfit-app-${size}`,
      label: 'eksfit, one rule (app label -> annotation)',
      size,
      argv: [eksfitBin, '-c', appPolicy],
      stdin: file,
      node: true,
      repeat: 1,
      counts,
    });
    commands.push({
      id: `yq-${size}`,
      label: 'yq, the same selection and annotation',
      size,
      argv: [yq, '-p', 'yaml', '-o', 'yaml', '--from-file', appYq, '-'],
      stdin: file,
      node: false,
      repeat: 1,
      counts,
    });
  }
  if (size === 800) {
    commands.push({
      id: `eksfit-diff-${size}`,
      label: 'eksfit --diff (recommended preset)',
      size,
      argv: [eksfitBin, '--diff'],
      stdin: file,
      node: true,
      repeat: 1,
      documents: null,
      counts: [['diff hunks', /^@@ /gm, null]],
    });
  }
  if (kubectl && !(opts.quick && size >= 8000)) {
    commands.push({
      id: `kustomize-${size}`,
      label: 'kubectl kustomize (commonAnnotations)',
      size,
      argv: [kubectl, 'kustomize', kdir],
      node: false,
      repeat: 1,
    });
  }
}

commands.push(
  {
    id: 'eksfit-crd',
    label: `eksfit on CRDs (${(crdInput.bytes / 1e6).toFixed(1)} MB)`,
    size: crdInput.expect.documents,
    argv: [eksfitBin],
    stdin: crdInput.file,
    node: true,
    repeat: 1,
    counts: [],
  },
  {
    id: 'parse-crd',
    label: 'yaml parseAllDocuments on CRDs',
    size: crdInput.expect.documents,
    argv: [process.execPath, path.join(BENCH, 'parse.mjs')],
    stdin: crdInput.file,
    node: true,
    repeat: 1,
    documents: null,
    counts: [],
  },
);
if (helm3) {
  const helmArgv = [helm3, 'template', 'bench', chartDir];
  commands.push(
    {
      id: 'helm3',
      label: 'helm3 template (bench/chart)',
      size: 150,
      argv: helmArgv,
      node: false,
      repeat: 1,
      counts: [],
    },
    {
      id: 'helm3-eksfit',
      label: 'helm3 template --post-renderer bin/eksfit',
      size: 150,
      argv: [...helmArgv, '--post-renderer', eksfitBin],
      node: false,
      repeat: 1,
      // bench/chart: applications 0..49, port 9100 unless i % 3 == 2, gRPC when i % 4 == 0
      counts: [
        ['metrics-port annotations', /eks\.tke\.cloud\.tencent\.com\/metrics-port:/g, 34],
        ['ipvs-tcp-timeout annotations', /eks\.tke\.cloud\.tencent\.com\/ipvs-tcp-timeout:/g, 13],
      ],
    },
  );
}

// ---------------------------------------------------------------- memory method

function gnuTimeWorks() {
  const probe = path.join(OUT, '.time-probe');
  if (!existsSync('/usr/bin/time')) return false;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', probe, process.execPath, '-e', '0'], { stdio: 'ignore' });
  const ok = r.status === 0 && existsSync(probe) && /^\d+\s*$/.test(readFileSync(probe, 'utf8'));
  rmSync(probe, { force: true });
  return ok;
}
let memMethod = opts.mem;
if (memMethod === 'auto') memMethod = gnuTimeWorks() ? 'gnu-time' : 'node';
else if (memMethod === 'gnu-time' && !gnuTimeWorks()) {
  log('--mem gnu-time: /usr/bin/time is not GNU time (apt-get install time)');
  process.exit(2);
}
log(
  `peak memory via ${memMethod === 'gnu-time' ? 'GNU time %M' : 'Node preload (maxRSS) and /proc VmHWM sampling for non-Node children'}`,
);

// ---------------------------------------------------------------- one run

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function vmHwmKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs cmd once. capture: a path prefix for .out/.err files (else /dev/null);
 * mem: measure peak RSS. Resolves { ms, code, signal, timedOut, peakKiB, cpuS }.
 */
function runOnce(cmd, { capture = null, mem = false } = {}) {
  return new Promise((resolve, reject) => {
    const fds = [];
    const open = (p, flags) => {
      const fd = openSync(p, flags);
      fds.push(fd);
      return fd;
    };
    const stdin = cmd.stdin ? open(cmd.stdin, 'r') : 'ignore';
    const stdout = capture ? open(`${capture}.out`, 'w') : 'ignore';
    const stderr = capture ? open(`${capture}.err`, 'w') : 'ignore';
    let argv = cmd.argv;
    let env = childEnv;
    let memFile = null;
    let sampler = null;
    let sampledKiB = 0;
    if (mem) {
      memFile = path.join(OUT, `.mem-${cmd.id}`);
      rmSync(memFile, { force: true });
      if (memMethod === 'gnu-time') {
        argv = ['/usr/bin/time', '-f', '%M %U %S', '-o', memFile, ...argv];
      } else if (cmd.node) {
        env = {
          ...childEnv,
          NODE_OPTIONS: `--require ${JSON.stringify(path.join(BENCH, 'maxrss.cjs'))}`,
          EKSFIT_BENCH_RSS_FILE: memFile,
        };
      }
    }
    // the fast reader's bail reasons (src/fastyaml.ts), recorded on the warm-up runs of eksfit
    if (capture && cmd.argv.includes(eksfitBin)) {
      rmSync(`${capture}.bails`, { force: true });
      env = { ...env, EKSFIT_FASTYAML_BAILS: `${capture}.bails` };
    }
    const t0 = performance.now();
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: [stdin, stdout, stderr], detached: true });
    } catch (err) {
      fds.forEach(closeSync);
      reject(err);
      return;
    }
    if (mem && memMethod === 'node' && !cmd.node) {
      const sample = () => {
        const seen = [child.pid];
        for (let i = 0; i < seen.length; i++) {
          sampledKiB = Math.max(sampledKiB, vmHwmKiB(seen[i]));
          seen.push(...childrenOf(seen[i]));
        }
      };
      sample();
      sampler = setInterval(sample, 2);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // under GNU time, kill what it runs so that it still reports %M; then the group
      for (const pid of memMethod === 'gnu-time' && mem ? childrenOf(child.pid) : []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      setTimeout(
        () => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // gone already
          }
        },
        mem && memMethod === 'gnu-time' ? 2000 : 0,
      );
    }, opts.timeout * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      fds.forEach(closeSync);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      fds.forEach(closeSync);
      // descendants that outlive the command (none expected) must not pile up
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone: the normal case
      }
      let peakKiB = null;
      let cpuS = null;
      if (mem && memMethod === 'gnu-time' && existsSync(memFile)) {
        // with a killed child GNU time writes "Command terminated by signal 9" first
        const line = readFileSync(memFile, 'utf8').trim().split('\n').pop();
        const [kib, user, sys] = line.split(/\s+/).map(Number);
        peakKiB = Number.isFinite(kib) ? kib : null;
        cpuS = Number.isFinite(user + sys) ? user + sys : null;
      } else if (mem && memMethod === 'node' && cmd.node && existsSync(memFile)) {
        peakKiB = Math.max(
          ...readFileSync(memFile, 'utf8')
            .trim()
            .split('\n')
            .map((l) => Number(l.split(' ')[1]) || 0),
        );
      } else if (mem && memMethod === 'node' && !cmd.node) {
        peakKiB = sampledKiB || null;
      }
      if (memFile) rmSync(memFile, { force: true });
      // GNU time passes the child's exit status through
      resolve({ ms, code, signal, timedOut, peakKiB, cpuS });
    });
  });
}

// ---------------------------------------------------------------- checks

const count = (text, re) => (text.match(re) ?? []).length;

/** What a warm-up run's output says about the work done. */
function checkOutput(cmd, r, capture) {
  const problems = [];
  const facts = {};
  if (r.timedOut) return { ok: false, problems: [`timed out after ${opts.timeout} s`], facts };
  if (r.code !== 0) problems.push(`exit status ${r.code ?? r.signal}`);
  const out = readFileSync(`${capture}.out`, 'utf8');
  facts.outputBytes = Buffer.byteLength(out);
  if (cmd.size && cmd.size > 1 && cmd.documents !== null) {
    // kustomize and the yaml library drop the leading `---`; eksfit keeps the stream as it came
    const docs = count(out, /^---[ \t]*$/gm) + (/^(?!---)/.test(out) ? 1 : 0);
    facts.documents = docs;
    if (docs !== cmd.size) problems.push(`${docs} documents out of ${cmd.size}`);
  }
  if (cmd.eksfit) {
    const exp = cmd.size === 1 ? { metricsPort: 1, grpc: 0, istio: 0 } : inputs[cmd.size].expect;
    facts.metricsPortAnnotations = count(out, /eks\.tke\.cloud\.tencent\.com\/metrics-port:/g);
    facts.tcpTimeoutAnnotations = count(out, /eks\.tke\.cloud\.tencent\.com\/ipvs-tcp-timeout:/g);
    facts.udpTimeoutAnnotations = count(out, /eks\.tke\.cloud\.tencent\.com\/ipvs-udp-timeout:/g);
    facts.expected = { metricsPort: exp.metricsPort, tcpTimeout: exp.grpc, udpTimeout: exp.istio };
    if (facts.metricsPortAnnotations !== exp.metricsPort)
      problems.push(`${facts.metricsPortAnnotations} metrics-port annotations, expected ${exp.metricsPort}`);
    if (facts.tcpTimeoutAnnotations !== exp.grpc)
      problems.push(`${facts.tcpTimeoutAnnotations} ipvs-tcp-timeout annotations, expected ${exp.grpc}`);
    if (facts.udpTimeoutAnnotations !== exp.istio)
      problems.push(`${facts.udpTimeoutAnnotations} ipvs-udp-timeout annotations, expected ${exp.istio}`);
  }
  for (const [what, re, want] of cmd.counts ?? []) {
    const n = count(out, re);
    facts[what] = n;
    if (want === null ? n === 0 : n !== want) problems.push(`${n} ${what}, expected ${want ?? 'some'}`);
  }
  if (existsSync(`${capture}.bails`)) {
    // lines `count<TAB>characters<TAB>reason`, one file per process (helm runs eksfit once)
    const bails = {};
    for (const line of readFileSync(`${capture}.bails`, 'utf8').split('\n').filter(Boolean)) {
      const [n, chars, reason] = line.split('\t');
      bails[reason] ??= { documents: 0, characters: 0 };
      bails[reason].documents += Number(n);
      bails[reason].characters += Number(chars);
    }
    facts.fastReaderBails = bails;
  } else if (cmd.argv.includes(eksfitBin)) facts.fastReaderBails = {};
  if (cmd.id.startsWith('kustomize-')) {
    facts.benchAnnotations = count(out, /eksfit\.dev\/bench: "1"/g);
  }
  return { ok: problems.length === 0, problems, facts };
}

function bailText(bails) {
  const e = Object.entries(bails).sort((a, b) => b[1].documents - a[1].documents);
  return e.length ? e.map(([reason, b]) => `${b.documents}× ${reason}`).join(', ') : 'none';
}

// ---------------------------------------------------------------- run it

const stats = new Map(
  commands.map((c) => [c.id, { samples: [], peakKiB: null, cpuS: null, warmupMs: null, timedOut: false, check: null }]),
);

log(`warm-up: one checked run of each of ${commands.length} commands (timeout ${opts.timeout} s)`);
for (const cmd of commands) {
  const capture = path.join(OUT, `warmup-${cmd.id}`);
  const r = await runOnce(cmd, { capture, mem: true });
  const s = stats.get(cmd.id);
  s.warmupMs = r.ms;
  s.peakKiB = r.peakKiB;
  s.cpuS = r.cpuS;
  s.timedOut = r.timedOut;
  s.check = checkOutput(cmd, r, capture);
  log(
    `  ${cmd.id}: ${r.timedOut ? `> ${opts.timeout * 1000} ms (killed)` : `${r.ms.toFixed(0)} ms`}, peak ${r.peakKiB ? (r.peakKiB / 1024).toFixed(1) : '?'} MiB` +
      (s.check.ok ? '' : `  !! ${s.check.problems.join('; ')}`) +
      (s.check.facts.fastReaderBails ? `, fast reader bails: ${bailText(s.check.facts.fastReaderBails)}` : ''),
  );
}

const active = commands.filter((c) => !stats.get(c.id).timedOut);
const roundCost = active.reduce((t, c) => t + stats.get(c.id).warmupMs * c.repeat, 0) / 1000;
let runs = opts.runs;
if (runs === null) {
  const left = opts.budget - (performance.now() - started) / 1000;
  runs = opts.quick ? 3 : Math.max(3, Math.min(15, Math.floor(left / Math.max(roundCost, 0.001))));
}
log(`${runs} timed rounds of ~${roundCost.toFixed(1)} s each`);

const round = [];
for (let k = 0; k < startupRepeat; k++) round.push(...active.filter((c) => c.repeat > 1));
round.push(...active.filter((c) => c.repeat === 1));
const timedFrom = (performance.now() - started) / 1000;
for (let i = 0; i < runs; i++) {
  const order = round.map((_, j) => round[(j + i) % round.length]);
  for (const cmd of order) {
    const r = await runOnce(cmd);
    const s = stats.get(cmd.id);
    if (r.timedOut || r.code !== 0) {
      s.failures = (s.failures ?? 0) + 1;
      log(`  ${cmd.id}: ${r.timedOut ? 'killed at the timeout' : `exit status ${r.code ?? r.signal}`}`);
    }
    if (!r.timedOut) s.samples.push(r.ms);
  }
  const elapsed = (performance.now() - started) / 1000;
  log(`  round ${i + 1}/${runs} done (${elapsed.toFixed(0)} s)`);
  // rounds can be slower than the warm-up (a busy machine): stop within the budget
  const perRound = (elapsed - timedFrom) / (i + 1);
  if (opts.runs === null && i + 1 >= 3 && i + 1 < runs && elapsed + perRound > opts.budget) {
    log(`  stopping after ${i + 1} rounds: another would pass the ${opts.budget} s budget`);
    runs = i + 1;
    break;
  }
}

// ---------------------------------------------------------------- the webhook

/**
 * bench/webhook.mjs as a child: `eksfit webhook` and the bare server, measured
 * in the same run. Its JSON (rows: bare, eksfit), or null with why not.
 */
function webhookRun(mode) {
  const out = path.join(OUT, `webhook-${mode}.json`);
  rmSync(out, { force: true });
  const [reviews, rounds] = opts.quick ? [2000, 2] : [4000, 3];
  const args = [path.join(BENCH, 'webhook.mjs'), '--reviews', String(reviews), '--rounds', String(rounds)];
  args.push('--concurrency', '16', '--no-build', '--out', out, ...(mode === 'distinct' ? ['--distinct'] : []));
  log(
    `webhook under load, ${mode === 'distinct' ? 'every Pod new' : 'replicas'}: ${reviews} reviews x ${rounds} rounds per server`,
  );
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 600_000 });
  for (const line of (r.stdout ?? '').split('\n')) if (line.trim()) log(`  ${line}`);
  if (!existsSync(out)) {
    const why = r.error?.message ?? (r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? `exit status ${r.status}`;
    log(`  webhook bench failed: ${why}`);
    return { mode, error: why || `exit status ${r.status}` };
  }
  return { mode, ...JSON.parse(readFileSync(out, 'utf8')) };
}

let webhook = [];
if (!opts.webhook) log('webhook under load: left out (--no-webhook)');
else if (standIn) log('webhook under load: left out (a stand-in EKSFIT_BIN; it runs dist/eksfit.mjs)');
else if (!existsSync(path.join(ROOT, 'dist/eksfit.mjs'))) log('webhook under load: left out (no dist/eksfit.mjs)');
else webhook = [webhookRun('distinct'), webhookRun('replicas')];
const loadAfter = os.loadavg()[0];

// ---------------------------------------------------------------- report

function median(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const results = commands.map((c) => {
  const s = stats.get(c.id);
  return {
    id: c.id,
    command: c.label,
    resources: c.size,
    runs: s.samples.length,
    medianMs: s.timedOut ? null : median(s.samples),
    minMs: s.samples.length ? Math.min(...s.samples) : null,
    maxMs: s.samples.length ? Math.max(...s.samples) : null,
    samplesMs: s.samples.map((x) => Math.round(x * 10) / 10),
    timedOut: s.timedOut,
    timeoutMs: s.timedOut ? opts.timeout * 1000 : undefined,
    warmupMs: s.warmupMs,
    peakMiB: s.peakKiB === null ? null : s.peakKiB / 1024,
    peakIsLowerBound: s.timedOut || undefined,
    cpuSeconds: s.cpuS,
    failures: s.failures ?? 0,
    check: s.check,
  };
});
const byId = Object.fromEntries(results.map((r) => [r.id, r]));

function ratio(name, a, b, field, goal) {
  const x = byId[a]?.[field];
  const y = byId[b]?.[field];
  let value = x != null && y != null && y > 0 ? x / y : null;
  let note;
  if (value === null && byId[a] && byId[b]?.timedOut && x != null && field === 'medianMs') {
    // the reference was killed at the timeout: eksfit/reference is at most this
    value = x / byId[b].timeoutMs;
    note = 'upper bound: the reference was killed at the timeout';
  }
  // the same ratio run by run (both commands ran in the same round, under the
  // same load): steadier than the ratio of medians on a busy machine
  let paired = null;
  const sa = stats.get(a)?.samples;
  const sb = stats.get(b)?.samples;
  if (field === 'medianMs' && sa?.length && sa.length === sb?.length) paired = median(sa.map((t, i) => t / sb[i]));
  return {
    name,
    numerator: a,
    denominator: b,
    field,
    value,
    paired,
    goal,
    met: value === null ? null : value <= goal,
    note,
  };
}

// the goals of issue 18
const ratios = [
  ratio('start-up: eksfit (1 Deployment) / node -e 0', 'eksfit-1', 'node', 'medianMs', 1.15),
  ratio('160 resources: eksfit / kubectl kustomize', 'eksfit-160', 'kustomize-160', 'medianMs', 0.6),
  ratio('800 resources: eksfit / kubectl kustomize', 'eksfit-800', 'kustomize-800', 'medianMs', 0.2),
  ratio('800 resources: eksfit one rule / yq', 'eksfit-app-800', 'yq-800', 'medianMs', 1.0),
  ratio('8,000 resources: eksfit one rule / yq', 'eksfit-app-8000', 'yq-8000', 'medianMs', 0.5),
  ratio('8,000 resources: eksfit / yaml baseline, time', 'eksfit-8000', 'baseline-8000', 'medianMs', 0.25),
  ratio('8,000 resources: eksfit / yaml baseline, peak memory', 'eksfit-8000', 'baseline-8000', 'peakMiB', 0.5),
  ratio('CRD stream: eksfit / yaml parseAllDocuments', 'eksfit-crd', 'parse-crd', 'medianMs', 0.3),
  ratio('800 resources: eksfit --diff / plain, time', 'eksfit-diff-800', 'eksfit-800', 'medianMs', 1.5),
  ratio('800 resources: eksfit --diff / plain, peak memory', 'eksfit-diff-800', 'eksfit-800', 'peakMiB', 2.0),
  ratio('helm3 template of 150 resources: with eksfit / without', 'helm3-eksfit', 'helm3', 'medianMs', 2.0),
  ...webhook.map(webhookRatio),
];

/** The webhook's goal (issue 16): p99 at most 2x the bare server's, with no errors. */
function webhookRatio(w) {
  const name = `webhook p99, ${w.mode === 'distinct' ? 'every Pod new' : 'replicas'}: eksfit / bare HTTPS`;
  const [bare, eksfit] = w.rows ?? [];
  const errors = bare && eksfit ? bare.errors + eksfit.errors : null;
  const value = bare && eksfit && bare.p99 > 0 ? eksfit.p99 / bare.p99 : null;
  return {
    name,
    numerator: 'eksfit webhook',
    denominator: 'bare Node.js HTTPS',
    field: 'p99Ms',
    value,
    paired: null,
    goal: 2.0,
    met: value === null ? null : value <= 2.0 && errors === 0,
    note: w.error ? `failed: ${w.error}` : errors ? `${errors} errors` : undefined,
  };
}

function osName() {
  try {
    return (
      /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? `${os.type()} ${os.release()}`
    );
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}
function firstLine(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: childEnv, cwd: ROOT, timeout: 10000 });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : null;
}
const machine = {
  cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
  cores: os.availableParallelism?.() ?? os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${osName()} (${os.type()} ${os.release()})`,
  node: process.version,
  kubectl: kubectl ? firstLine([kubectl, 'version', '--client']) : null,
  eksfit: firstLine([eksfitBin, '--version']),
  eksfitBin: path.relative(ROOT, eksfitBin),
  commit: commitAtStart,
  srcChanged: Boolean(
    spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim(),
  ),
  standIn,
};

const json = {
  date: new Date().toISOString(),
  machine,
  options: { runs, startupRepeat, quick: opts.quick, timeoutS: opts.timeout, memory: memMethod },
  inputs: Object.fromEntries(
    opts.sizes.map((s) => [
      s,
      { file: path.relative(ROOT, inputs[s].file), bytes: inputs[s].bytes, expect: inputs[s].expect },
    ]),
  ),
  results,
  webhook,
  ratios,
  totalSeconds: (performance.now() - started) / 1000,
  loadAverage: { before: loadBefore, after: loadAfter },
};
writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);

const fmtMs = (r) =>
  r.timedOut
    ? `> ${r.timeoutMs}`
    : r.medianMs === null
      ? 'n/a'
      : r.medianMs < 100
        ? r.medianMs.toFixed(1)
        : r.medianMs.toFixed(0);
const fmtMiB = (r) => (r.peakMiB === null ? 'n/a' : `${r.peakIsLowerBound ? '≥ ' : ''}${r.peakMiB.toFixed(1)}`);
const fmtRange = (r) =>
  r.minMs === null ? '' : `${r.minMs.toFixed(r.minMs < 100 ? 1 : 0)}–${r.maxMs.toFixed(r.maxMs < 100 ? 1 : 0)}`;
const rows = results.map((r) => [
  r.command,
  r.resources === null ? '–' : String(r.resources),
  fmtMs(r),
  fmtRange(r),
  fmtMiB(r),
  r.cpuSeconds === null || r.cpuSeconds === undefined ? 'n/a' : r.cpuSeconds.toFixed(2),
  String(r.runs),
  r.timedOut
    ? 'killed at timeout'
    : r.check?.ok === false
      ? 'FAILED'
      : r.failures
        ? `${r.failures} failed run(s)`
        : 'ok',
]);
const head = ['command', 'resources', 'median ms', 'min–max ms', 'peak MiB', 'CPU s', 'runs', 'check'];
const ratioRows = ratios.map((q) => [
  q.name,
  q.value === null ? 'n/a' : `${q.note && q.field === 'medianMs' ? '≤ ' : ''}${q.value.toFixed(2)}`,
  q.paired === null ? '' : q.paired.toFixed(2),
  `≤ ${q.goal}`,
  q.met === null ? 'n/a' : q.met ? 'met' : 'NOT met',
]);
const ratioHead = ['goal', 'measured', 'paired', 'target', ''];
const webhookHead = ['webhook under load', 'server', 'reviews', 'errors', 'p50 ms', 'p99 ms', 'max ms', 'reviews/s'];
const webhookRows = webhook.flatMap((w) =>
  (w.rows ?? []).map((r, i) => [
    i > 0
      ? ''
      : `${w.mode === 'distinct' ? 'every Pod new' : 'replicas (each Pod 20x)'}, ${w.options.concurrency} in flight`,
    r.server,
    String(r.reviews),
    String(r.errors),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    r.max.toFixed(1),
    r.perSecond.toFixed(0),
  ]),
);
const webhookText = webhookRows.length ? `\n${textTable(webhookHead, webhookRows, 2)}\n` : '';
const webhookMd = webhookRows.length ? `\n${mdTable(webhookHead, webhookRows)}\n` : '';

function textTable(headRow, body, rightFrom) {
  const widths = headRow.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((c, i) => (i >= rightFrom && i < r.length - 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headRow), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
function mdTable(headRow, body) {
  const esc = (c) => c.replace(/\|/g, '\\|');
  return [
    `| ${headRow.map(esc).join(' | ')} |`,
    `|${headRow.map(() => ' --- ').join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

const machineLine = `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node.js ${machine.node}${machine.kubectl ? `, kubectl ${machine.kubectl.replace(/^Client Version:\s*/, '')}` : ''}`;
const footer = `${runs} rounds (start-up commands ${startupRepeat}× per round), medians; measured = ratio of the medians, paired = median of the per-run ratios within a round; peak memory = max RSS via ${memMethod}; CPU s = user + system time of the warm-up run (GNU time only)${webhook.length ? `; webhook: latency from writing a review to reading the whole answer, p50/p99/max over all counted rounds, both servers alternating in the same run (bench/webhook.mjs)` : ''}; ${json.totalSeconds.toFixed(0)} s in all.`;
const bailLines = results
  .filter((r) => r.check?.facts?.fastReaderBails)
  .map((r) => `${r.id}: ${bailText(r.check.facts.fastReaderBails)}`);
process.stdout.write(
  `\n${textTable(head, rows, 1)}\n${webhookText}\n${textTable(ratioHead, ratioRows, 1)}\n\nfast reader bails (warm-up runs):\n${bailLines.map((l) => `  ${l}\n`).join('')}\nmachine: ${machineLine}\n${footer}\n` +
    results
      .filter((r) => r.check?.ok === false && !r.timedOut)
      .map((r) => `check FAILED for ${r.id}: ${r.check.problems.join('; ')}\n`)
      .join('') +
    webhook
      .filter((w) => w.error)
      .map((w) => `webhook bench FAILED (${w.mode}): ${w.error}\n`)
      .join('') +
    (Math.max(loadBefore, loadAfter) > machine.cores / 2
      ? `NOTE: the machine was busy (1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${machine.cores} cores): figures are noisy.\n`
      : '') +
    (standIn ? `NOTE: EKSFIT_BIN=${process.env.EKSFIT_BIN} is a stand-in, not bin/eksfit.\n` : '') +
    `results: ${path.relative(ROOT, path.join(OUT, 'results.json'))}, ${path.relative(ROOT, path.join(OUT, 'results.md'))}\n`,
);
writeFileSync(
  path.join(OUT, 'results.md'),
  `${mdTable(
    head.slice(0, 7),
    rows.map((r) => r.slice(0, 7)),
  )}\n${webhookMd}\n${mdTable(ratioHead.slice(0, 4).concat(['met']), ratioRows)}\n\nMeasured on: ${machineLine}. ${footer}\n\n` +
    `Fast reader bails (warm-up runs):\n\n${bailLines.map((l) => `- ${l}`).join('\n')}\n`,
);
