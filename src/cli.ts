/**
 * The shell: argv, files, standard streams and exit codes. `main` takes its
 * streams as parameters so tests drive it in-process; `run` binds it to this
 * process. Standard output carries only the result; everything meant for a
 * person goes to standard error (or to --report FILE).
 */
import { readFileSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, formatPosition, InputError } from './errors.ts';
import { fsReason, inputFiles, readInput, type InputFile } from './files.ts';
import { parseOptions, USAGE } from './options.ts';
import { loadPolicy, type Policy } from './policy.ts';
import { formatJson, formatReport } from './report.ts';
import { checkNotInput, checkReportPath, writeReport } from './reportfile.ts';
import type { Result } from './results.ts';
import { decodeUtf8, MAX_ALIAS_COUNT, parseSegment, splitSegments } from './documents.ts';
import { transform, type Source } from './transform.ts';
import { unifiedDiff } from './diff.ts';
import { VERSION } from './version.ts';

export { USAGE };

/** What `main` needs from its environment. */
export interface Io {
  readonly stdin: () => Promise<Uint8Array>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly isTTY?: boolean;
}

/** Runs eksfit with `argv` (without node and script). Returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  // The server is loaded only for `eksfit webhook`: the CLI does not need it.
  if (argv[0] === 'webhook') return (await import('./webhook.ts')).webhookMain(argv.slice(1), io);
  let report: { path: string; shown: string } | undefined;
  try {
    const args = parseOptions(argv);
    if (args.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (args.version) {
      io.stdout(`eksfit ${VERSION}\n`);
      return 0;
    }
    const reportTarget =
      args.report !== undefined ? { path: resolve(io.cwd, args.report), shown: args.report } : undefined;
    let files = args.files;

    // Legacy kustomize exec plugin: the config object's temp file comes first.
    let configFile = args.config;
    if (io.env.KUSTOMIZE_PLUGIN_CONFIG_STRING !== undefined && files.length > 0 && configFile === undefined) {
      configFile = files[0];
      files = files.slice(1);
    }
    // $EKSFIT_CONFIG is a fallback: a functionConfig given by the host wins over it.
    const envConfig = configFile === undefined ? io.env.EKSFIT_CONFIG || undefined : undefined;
    // The report path is checked before anything is read, so that no error report lands where it must not.
    const inputs = files.map((f) => (f === '-' ? undefined : inputFiles(f, io.cwd)));
    if (reportTarget) {
      const paths = [configFile, envConfig].filter((p) => p !== undefined).map((p) => resolve(io.cwd, p));
      for (const list of inputs) for (const f of list ?? []) paths.push(f.path);
      checkNotInput(reportTarget.path, reportTarget.shown, paths);
      checkReportPath(reportTarget.path, reportTarget.shown);
      report = reportTarget;
    }
    const policy = configFile !== undefined ? readPolicy(resolve(io.cwd, configFile), configFile) : undefined;
    const fallbackPolicy = envConfig !== undefined ? readPolicy(resolve(io.cwd, envConfig), envConfig) : undefined;

    const sources = await readSources(inputs, io);
    if (args.check && !sources.some((s) => hasContent(s.text)))
      throw new InputError(
        `no manifests found in ${files.length === 0 ? '<stdin>' : files.map((f) => (f === '-' ? '<stdin>' : f)).join(', ')}${
          sources.length === 0
            ? ' (no *.yaml, *.yml or *.json file; names starting with "." are skipped)'
            : ' (only empty documents)'
        }`,
      );
    const namespace = args.namespace;
    const out = transform(sources, {
      ...(policy ? { policy } : {}),
      ...(fallbackPolicy ? { fallbackPolicy } : {}),
      ...(namespace ? { namespace } : {}),
      strict: args.strict,
    });
    // --strict was applied once, in the core: the results here and a ResourceList's agree.
    const results: readonly Result[] = out.results;
    const errors = results.some((r) => r.severity === 'error');
    // In stream mode an error result means nothing is written to standard output.
    const failed = errors && out.mode === 'stream' && !args.check && !args.diff;
    const text =
      args.format === 'json'
        ? formatJson(results, out.changed, out.billing)
        : formatReport(results, { changed: out.changed, check: args.check, failed, billing: out.billing });
    if (report)
      writeReport(report.path, report.shown, out.policyError ? `eksfit: ${out.policyError.toString()}\n${text}` : text);

    if (out.policyError) {
      writeOutput(io, out.outputParts);
      io.stderr(`eksfit: ${out.policyError.toString()}\n`);
      return 2;
    }
    if (args.check) {
      io.stdout(text);
      return errors || out.changed || results.some((r) => r.severity === 'warning') ? 1 : 0;
    }
    if (args.diff) {
      io.stdout(diffOf(sources, out.input, out.output, io.isTTY === true && !io.env.NO_COLOR));
      if (!args.quiet) io.stderr(text);
      return errors ? 1 : 0;
    }
    if (out.mode === 'krm') {
      // kustomize shows standard error but not results: the report goes there too.
      if (!args.quiet) io.stderr(text);
      writeOutput(io, out.outputParts);
      return errors ? 1 : 0;
    }
    if (errors) {
      io.stderr(text);
      return 1;
    }
    if (!args.quiet) io.stderr(text);
    writeOutput(io, out.outputParts);
    return 0;
  } catch (e) {
    if (e instanceof InputError || e instanceof ConfigError) {
      io.stderr(`eksfit: ${e.toString()}\n`);
      // Helm 4 hides standard error: the report file is where the user looks.
      if (report) {
        try {
          writeReport(report.path, report.shown, `eksfit: ${e.toString()}\n`);
        } catch (w) {
          if (!(w instanceof InputError)) throw w;
          io.stderr(`eksfit: ${w.toString()}\n`);
        }
      }
      return e.exitCode;
    }
    throw e;
  }
}

/**
 * True when `text` holds a document with content: a line that is not blank,
 * not a comment, not a directive and not a bare `---` or `...` marker.
 */
function hasContent(text: string): boolean {
  const line = /^[ \t]*([^\s#].*)$/gm;
  for (let m = line.exec(text); m; m = line.exec(text)) {
    const l = m[1] as string;
    if (l.startsWith('%')) continue;
    const marker = /^(---|\.\.\.)(?:[ \t]+(.*))?$/.exec(l);
    if (marker && !marker[2]?.replace(/^#.*/, '').trim()) continue;
    return true;
  }
  return false;
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
    throw new ConfigError(`cannot read policy ${shown}: ${fsReason(e)}`);
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

/** Reads the inputs (`undefined`: standard input) in order. */
async function readSources(inputs: readonly (readonly InputFile[] | undefined)[], io: Io): Promise<Source[]> {
  if (inputs.length === 0) return [{ file: '<stdin>', text: decodeUtf8(await io.stdin(), '<stdin>') }];
  const sources: Source[] = [];
  for (const list of inputs) {
    if (list === undefined) sources.push({ file: '<stdin>', text: decodeUtf8(await io.stdin(), '<stdin>') });
    else for (const f of list) sources.push({ file: f.shown, text: decodeUtf8(readInput(f), f.shown) });
  }
  return sources;
}

/** Exit status of a process that wrote to a closed pipe (as `cat` does: killed by SIGPIPE, 128 + 13). */
export const EXIT_EPIPE = 141;

/**
 * A reader that went away (`eksfit big.yaml | head`, a Helm that stopped
 * reading) ends eksfit quietly, as it ends `cat`; Node.js ignores SIGPIPE and
 * would otherwise die of the stream's unhandled EPIPE error with a stack trace.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_EPIPE);
    throw e;
  });
}

/**
 * Reads standard input to its end with blocking reads of file descriptor 0,
 * which a file or a pipe (what every host gives) allows: setting up
 * `process.stdin` costs milliseconds of start-up. Returns false, with what it
 * read in `chunks`, when fd 0 cannot be read that way (a non-blocking pipe
 * says EAGAIN, or any other error): the stream reads the rest, or reports
 * the error as before.
 */
function readStdinSync(chunks: Buffer[]): boolean {
  let size = 256 * 1024;
  let buf = Buffer.allocUnsafe(size);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EOF') return true;
      return false;
    }
    if (n === 0) return true;
    chunks.push(buf.subarray(0, n));
    // The rest of the buffer for the next read, or a new (larger) one when little is left.
    if (buf.length - n >= 64 * 1024) buf = buf.subarray(n);
    else buf = Buffer.allocUnsafe((size = Math.min(size * 2, 16 * 1024 * 1024)));
  }
}

/**
 * Writes the output in pieces of 64 KiB or a little more: never as one string
 * (and one buffer for it) as large as the output (pieces of 1 MiB would go to
 * V8's large-object space, which no scavenge frees). Only a whole, successful output is
 * written, so this writes nothing that a later error would take back.
 */
function writeOutput(io: Io, parts: readonly string[]): void {
  let group: string[] = [];
  let size = 0;
  for (const part of parts) {
    group.push(part);
    size += part.length;
    if (size >= 64 * 1024) {
      io.stdout(group.join(''));
      group = [];
      size = 0;
    }
  }
  if (group.length > 0 || parts.length === 0) io.stdout(group.join(''));
}

/** Binds `main` to this process. */
export async function run(): Promise<number> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const io: Io = {
    stdin: async () => {
      // Local to the call: the chunks (as large as the input) must not outlive it.
      const chunks: Buffer[] = [];
      if (!readStdinSync(chunks)) for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
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
