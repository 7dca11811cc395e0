/**
 * `--report FILE`: where the report also goes (Helm 4 hides a post-renderer's
 * standard error). Nothing the user owns is overwritten: FILE may not be one
 * of the inputs or the policy; an existing FILE must be a regular file that
 * holds an earlier eksfit report (or nothing); it is replaced atomically
 * (a temporary file beside it, then a rename), so a reader never sees half a
 * report and a failed write leaves the old one.
 */
import { closeSync, lstatSync, openSync, readSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError, InputError } from './errors.ts';
import { fsReason } from './files.ts';

/**
 * Checks that `path` may receive a report (before anything is read or
 * written). Throws ConfigError (exit 2) naming `shown` when it may not.
 */
export function checkReportPath(path: string, shown: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // a new file (a missing folder fails at the write)
    throw new ConfigError(`--report ${shown}: ${fsReason(e)}`);
  }
  if (st.isDirectory()) throw new ConfigError(`--report ${shown}: is a folder, not a file`);
  if (st.isSymbolicLink()) throw new ConfigError(`--report ${shown}: is a symbolic link; name the file itself`);
  if (!st.isFile()) throw new ConfigError(`--report ${shown}: is not a regular file (a device, a pipe or a socket)`);
  if (st.size > 0 && !isReport(path))
    throw new ConfigError(
      `--report ${shown}: exists and is not an eksfit report; eksfit replaces only its own reports (remove it, or choose another name)`,
    );
}

/** Throws ConfigError when the report would replace one of `inputs` (absolute paths). */
export function checkNotInput(path: string, shown: string, inputs: readonly string[]): void {
  const real = realOrSelf(path);
  if (inputs.some((p) => realOrSelf(p) === real))
    throw new ConfigError(`--report ${shown}: is one of the inputs; it would be overwritten`);
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** True when the file begins or ends the way every eksfit report (text or JSON) does. */
function isReport(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    const start = head.subarray(0, n).toString('utf8');
    if (/^(eksfit: |RESOURCE |\{\n {2}"changed": )/.test(start)) return true;
    const size = lstatSync(path).size;
    const tail = Buffer.alloc(Math.min(4096, size));
    const m = readSync(fd, tail, 0, tail.length, size - tail.length);
    const lines = tail.subarray(0, m).toString('utf8').trimEnd().split('\n');
    return (lines[lines.length - 1] ?? '').startsWith('eksfit: ');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `text` to `path` atomically. Throws InputError (exit 1) naming `shown` when the file system refuses. */
export function writeReport(path: string, shown: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.eksfit-${process.pid}.tmp`);
  try {
    writeFileSync(temp, text, { flag: 'wx' });
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? `no such folder ${dirname(shown) || '.'}` : fsReason(e);
    throw new InputError(`cannot write report ${shown}: ${reason}`);
  }
}
