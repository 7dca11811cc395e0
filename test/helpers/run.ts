/**
 * Drives the CLI in-process (`main` with captured streams), for golden and
 * unit tests.
 */
import { main } from '../../src/cli.ts';

export interface RunOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs eksfit with `argv`, `stdin` as standard input, in `cwd`. */
export async function runCli(
  argv: readonly string[],
  stdin: string | Uint8Array = '',
  cwd = process.cwd(),
  env: Record<string, string> = {},
): Promise<RunOutput> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: async () => (typeof stdin === 'string' ? new TextEncoder().encode(stdin) : stdin),
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { ...env },
    cwd,
  });
  return { code, stdout, stderr };
}
