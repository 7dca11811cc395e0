/**
 * The command line's one option table: the parser and the usage text (and the
 * README's "Command line" block, held equal by a test) are made from it.
 */
import minimist from 'minimist';
import { ConfigError } from './errors.ts';

/** One option: its long name, an optional one-letter alias, its argument (string options) and its help. */
export interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  /** The argument's placeholder; a boolean option has none. */
  readonly arg?: string;
  /** Help lines; the first is the summary (the README shows only it). */
  readonly help: readonly string[];
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'config',
    short: 'c',
    arg: 'FILE',
    help: [
      'EksFitPolicy to apply',
      "(default: a ResourceList's functionConfig, else $EKSFIT_CONFIG,",
      'else the recommended preset)',
    ],
  },
  {
    name: 'namespace',
    short: 'n',
    arg: 'NS',
    help: ['namespace of objects that name none (default: default)'],
  },
  {
    name: 'check',
    help: [
      'change nothing: report every finding and change; exit 1 if any',
      '(and if there are no manifests at all), 0 if EKS-ready',
    ],
  },
  { name: 'diff', help: ['print a unified diff of the changes instead of the result'] },
  { name: 'strict', help: ['treat warnings as errors'] },
  { name: 'format', arg: 'FMT', help: ['report format: text (default) or json'] },
  {
    name: 'report',
    arg: 'FILE',
    help: [
      'also write the report to FILE (Helm 4 hides stderr)',
      '(not an input; an existing FILE must be an earlier report)',
    ],
  },
  { name: 'quiet', short: 'q', help: ['no report on standard error (errors still)'] },
  { name: 'help', short: 'h', help: ['this help'] },
  { name: 'version', help: ['the version'] },
];

/** What the command line asks for. */
export interface Options {
  readonly config?: string;
  readonly namespace?: string;
  readonly check: boolean;
  readonly diff: boolean;
  readonly strict: boolean;
  readonly format: 'text' | 'json';
  readonly report?: string;
  readonly quiet: boolean;
  readonly help: boolean;
  readonly version: boolean;
  /** The operands: files, folders, `-`. */
  readonly files: readonly string[];
}

/** A Kubernetes namespace name: an RFC 1123 label. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Parses `argv` (without node and script) by OPTIONS. Throws ConfigError (exit 2) on a usage error. */
export function parseOptions(argv: readonly string[]): Options {
  const strings = OPTIONS.filter((o) => o.arg).map((o) => o.name);
  const args = minimist([...argv], {
    string: strings,
    boolean: OPTIONS.filter((o) => !o.arg).map((o) => o.name),
    alias: Object.fromEntries(
      OPTIONS.flatMap((o): [string, string][] => (o.short === undefined ? [] : [[o.short, o.name]])),
    ),
    unknown: (a) => {
      if (a.startsWith('-') && a !== '-') throw new ConfigError(`unknown option ${a}; see eksfit --help`);
      return true;
    },
  });
  for (const k of strings) {
    if (Array.isArray(args[k])) throw new ConfigError(`--${k} given more than once`);
  }
  const str = (k: string): string | undefined => (args[k] === undefined ? undefined : String(args[k]));
  const format = str('format') ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new ConfigError(`--format must be text or json, not ${JSON.stringify(format)}`);
  const namespace = str('namespace');
  if (namespace !== undefined && !NAMESPACE.test(namespace))
    throw new ConfigError(
      `--namespace ${JSON.stringify(namespace)} is not a namespace name (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63)`,
    );
  if (args.check && args.diff)
    throw new ConfigError('--check and --diff do not go together: --check already lists every change it would make');
  for (const k of ['config', 'report'] as const) {
    if (str(k) === '') throw new ConfigError(`--${k} needs a file name`);
  }
  const config = str('config');
  const report = str('report');
  return {
    ...(config !== undefined ? { config } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(report !== undefined ? { report } : {}),
    check: Boolean(args.check),
    diff: Boolean(args.diff),
    strict: Boolean(args.strict),
    format,
    quiet: Boolean(args.quiet),
    help: Boolean(args.help),
    version: Boolean(args.version),
    files: (args._ as unknown[]).map(String),
  };
}

/** The option lines of the usage text; `summary` keeps only each option's first help line (the README's form). */
export function optionLines(summary = false): string {
  const lines: string[] = [];
  for (const o of OPTIONS) {
    const head = `  ${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.arg ? ` ${o.arg}` : ''}`;
    const [first = '', ...rest] = o.help;
    lines.push(`${head.padEnd(22)}${first}`);
    if (!summary) for (const r of rest) lines.push(`${' '.repeat(22)}${r}`);
  }
  return lines.join('\n') + '\n';
}

export const USAGE = `Usage: eksfit [options] [FILE|DIR|-]...
       eksfit webhook --cert FILE --key FILE [--port 8443] [-c POLICY]   (see eksfit webhook --help)

Makes Kubernetes manifests fit Tencent Cloud serverless Kubernetes (EKS).
Reads a ResourceList (KRM function) or a multi-document YAML stream from the
files given (folders: *.yaml, *.yml, *.json, recursively, hidden names
skipped; - or nothing: standard input) and writes the result to standard output.

Options:
${optionLines()}
Exit codes: 0 ok; 1 errors in the input (or a file that cannot be read) or
error results (and, with --check, any change or warning, or no manifests);
2 usage error or invalid policy; 70 a bug in eksfit.
`;
