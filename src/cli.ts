/**
 * The shell: argv, files, standard streams and exit codes. `main` takes its
 * streams as parameters so tests drive it in-process; `run` binds it to this
 * process. Standard output carries only the result; everything meant for a
 * person goes to standard error (or to --report FILE).
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import minimist from 'minimist';
import { ConfigError, formatPosition, InputError } from './errors.ts';
import { loadPolicy, type Policy } from './policy.ts';
import { formatJson, formatReport } from './report.ts';
import type { Result } from './results.ts';
import { decodeUtf8, MAX_ALIAS_COUNT, parseSegment, splitSegments } from './documents.ts';
import { transform, type Source } from './transform.ts';
import { unifiedDiff } from './diff.ts';
import { VERSION } from './version.ts';

/** What `main` needs from its environment. */
export interface Io {
  readonly stdin: () => Promise<Uint8Array>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly isTTY?: boolean;
}

export const USAGE = `Usage: eksfit [options] [FILE|DIR|-]...

Makes Kubernetes manifests fit Tencent Cloud serverless Kubernetes (EKS).
Reads a ResourceList (KRM function) or a multi-document YAML stream from the
files given (directories: *.yaml, *.yml, *.json, recursively; - or nothing:
standard input) and writes the result to standard output.

Options:
  -c, --config FILE   EksFitPolicy to apply (default: a ResourceList's
                      functionConfig, else $EKSFIT_CONFIG, else the recommended preset)
  -n, --namespace NS  namespace of objects that name none (default: default)
      --check         change nothing: print every finding and every change that
                      would be made; exit 1 if there is any, 0 if EKS-ready
      --diff          print a unified diff of the changes instead of the result
      --strict        treat warnings as errors
      --format FMT    report format: text (default) or json
      --report FILE   also write the report to FILE (Helm 4 hides stderr)
  -q, --quiet         no report on standard error (errors still)
  -h, --help          this help
      --version       the version

Exit codes: 0 ok; 1 errors in the input or error results (and, with --check,
any change or warning); 2 usage error or invalid policy.
`;

/** Runs eksfit with `argv` (without node and script). Returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let reportPath: string | undefined;
  try {
    const args = minimist([...argv], {
      string: ['config', 'namespace', 'format', 'report'],
      boolean: ['quiet', 'help', 'version', 'check', 'diff', 'strict'],
      alias: { c: 'config', q: 'quiet', h: 'help', n: 'namespace' },
      unknown: (a) => {
        if (a.startsWith('-') && a !== '-') throw new ConfigError(`unknown option ${a}; see eksfit --help`);
        return true;
      },
    });
    if (args.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (args.version) {
      io.stdout(`eksfit ${VERSION}\n`);
      return 0;
    }
    const format = (args.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json')
      throw new ConfigError(`--format must be text or json, not ${JSON.stringify(format)}`);
    for (const k of ['config', 'namespace', 'format', 'report'] as const) {
      if (Array.isArray(args[k])) throw new ConfigError(`--${k} given more than once`);
    }
    reportPath = args.report ? resolve(io.cwd, args.report as string) : undefined;
    let files = (args._ as unknown[]).map(String);

    // Legacy kustomize exec plugin: the config object's temp file comes first.
    let configFile = args.config as string | undefined;
    if (io.env.KUSTOMIZE_PLUGIN_CONFIG_STRING !== undefined && files.length > 0 && configFile === undefined) {
      configFile = files[0];
      files = files.slice(1);
    }
    const policy = configFile !== undefined ? readPolicy(resolve(io.cwd, configFile), configFile) : undefined;
    // $EKSFIT_CONFIG is a fallback: a functionConfig given by the host wins over it.
    const envConfig = io.env.EKSFIT_CONFIG || undefined;
    const fallbackPolicy =
      policy === undefined && envConfig !== undefined ? readPolicy(resolve(io.cwd, envConfig), envConfig) : undefined;

    const sources = await readSources(files, io);
    const namespace = args.namespace as string | undefined;
    const out = transform(sources, {
      ...(policy ? { policy } : {}),
      ...(fallbackPolicy ? { fallbackPolicy } : {}),
      ...(namespace ? { namespace } : {}),
      verify: shouldVerify(sources, io.env.EKSFIT_VERIFY),
      strict: Boolean(args.strict),
    });
    // --strict was applied once, in the core: the results here and a ResourceList's agree.
    const results: readonly Result[] = out.results;
    const errors = results.some((r) => r.severity === 'error');
    // In stream mode an error result means nothing is written to standard output.
    const failed = errors && out.mode === 'stream' && !args.check && !args.diff;
    const report =
      format === 'json'
        ? formatJson(results, out.changed)
        : formatReport(results, { changed: out.changed, check: Boolean(args.check), failed });
    if (reportPath)
      writeFileSync(reportPath, out.policyError ? `eksfit: ${out.policyError.toString()}\n${report}` : report);

    if (out.policyError) {
      io.stdout(out.output);
      io.stderr(`eksfit: ${out.policyError.toString()}\n`);
      return 2;
    }
    if (args.check) {
      io.stdout(report);
      return errors || out.changed || results.some((r) => r.severity === 'warning') ? 1 : 0;
    }
    if (args.diff) {
      io.stdout(diffOf(sources, out.input, out.output, io.isTTY === true && !io.env.NO_COLOR));
      if (!args.quiet) io.stderr(report);
      return errors ? 1 : 0;
    }
    if (out.mode === 'krm') {
      // kustomize shows standard error but not results: the report goes there too.
      if (!args.quiet) io.stderr(report);
      io.stdout(out.output);
      return errors ? 1 : 0;
    }
    if (errors) {
      io.stderr(report);
      return 1;
    }
    if (!args.quiet) io.stderr(report);
    io.stdout(out.output);
    return 0;
  } catch (e) {
    if (e instanceof InputError || e instanceof ConfigError) {
      io.stderr(`eksfit: ${e.toString()}\n`);
      // Helm 4 hides standard error: the report file is where the user looks.
      if (reportPath) writeFileSync(reportPath, `eksfit: ${e.toString()}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

/** Inputs up to this size have every edit parsed back and checked (a few ms); larger ones only when asked. */
export const VERIFY_LIMIT = 1024 * 1024;

/** EKSFIT_VERIFY=1 always checks edits by parsing them back, =0 never; else inputs up to VERIFY_LIMIT. */
function shouldVerify(sources: readonly Source[], env: string | undefined): boolean {
  if (env === '1') return true;
  if (env === '0') return false;
  return sources.reduce((n, s) => n + s.text.length, 0) <= VERIFY_LIMIT;
}

function diffOf(sources: readonly Source[], input: string, output: string, colour: boolean): string {
  return unifiedDiff(input, output, {
    from: sources.length === 1 ? (sources[0] as Source).file : 'input',
    to: 'eksfit',
    colour,
  });
}

function readPolicy(path: string, shown: string): Policy {
  let text: string;
  try {
    text = decodeUtf8(readFileSync(path), shown);
  } catch (e) {
    if (e instanceof InputError) throw new ConfigError(e.toString());
    throw new ConfigError(`cannot read policy ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const segments = splitSegments(text, shown).filter((s) => /^\s*[^\s#-]/m.test(s.text.replace(/^---.*$/m, '')));
  if (segments.length !== 1)
    throw new ConfigError(`${shown}: a policy file holds exactly one document (found ${segments.length})`);
  const seg = segments[0] as (typeof segments)[number];
  // The same reader as for manifests: syntax errors, alias bombs and deep nesting
  // are refused with their position; duplicate keys are an error in a policy.
  let parsed;
  try {
    parsed = parseSegment(seg);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new ConfigError(`${e.position ? formatPosition(e.position) + ': ' : ''}invalid YAML in policy: ${e.message}`);
  }
  const dup = parsed.duplicateKeys[0];
  if (dup) throw new ConfigError(`${formatPosition(dup)}: invalid YAML in policy: duplicate mapping key`);
  const doc = parsed.doc;
  return loadPolicy(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), shown);
}

async function readSources(files: readonly string[], io: Io): Promise<Source[]> {
  if (files.length === 0) return [{ file: '<stdin>', text: decodeUtf8(await io.stdin(), '<stdin>') }];
  const sources: Source[] = [];
  for (const f of files) {
    if (f === '-') {
      sources.push({ file: '<stdin>', text: decodeUtf8(await io.stdin(), '<stdin>') });
      continue;
    }
    const path = resolve(io.cwd, f);
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new ConfigError(`cannot read ${f}: no such file or directory`);
    }
    const list = st.isDirectory()
      ? listManifests(path).map((p) => ({ p, shown: join(f, p.slice(path.length + 1)) }))
      : [{ p: path, shown: f }];
    for (const { p, shown } of list) sources.push({ file: shown, text: decodeUtf8(readFileSync(p), shown) });
  }
  return sources;
}

/** *.yaml, *.yml and *.json below `dir`, recursively, in a stable (sorted) order. */
export function listManifests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listManifests(p));
    else if (/\.(ya?ml|json)$/i.test(name)) out.push(p);
  }
  return out;
}

/** Binds `main` to this process. */
export async function run(): Promise<number> {
  const chunks: Buffer[] = [];
  const io: Io = {
    stdin: async () => {
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stdout.isTTY === true,
  };
  try {
    return await main(process.argv.slice(2), io);
  } catch (e) {
    process.stderr.write(
      `eksfit: internal error (a bug; please report it with the input):\n${(e as Error).stack ?? String(e)}\n`,
    );
    return 70;
  }
}
