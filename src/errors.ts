/**
 * The two kinds of failure eksfit reports with an exit code. Expected problems
 * in manifests are results (see results.ts), not errors.
 */

/** Where something is in the input: file, 1-based line and column. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Formats a position the way compilers do: `file:line:col`. */
export function formatPosition(pos: SourcePosition): string {
  return `${pos.file}:${pos.line}:${pos.column}`;
}

/** Input that cannot be processed (malformed YAML, invalid UTF-8, ...): exit 1. */
export class InputError extends Error {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly position?: SourcePosition,
  ) {
    super(message);
    this.name = 'InputError';
  }

  override toString(): string {
    return this.position ? `${formatPosition(this.position)}: ${this.message}` : this.message;
  }
}

/** A usage error or an invalid policy: exit 2. `problems` lists every policy problem at once. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }

  override toString(): string {
    return [this.message, ...this.problems.map((p) => `  - ${p}`)].join('\n');
  }
}
