/**
 * The file system, as eksfit meets it: reading the inputs (files and folders),
 * with every failure an error that names the path and the reason in words,
 * never a stack trace.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from './errors.ts';

/** What went wrong, in words, for a file-system error (`e` as thrown by node:fs). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'ENAMETOOLONG':
      return 'name too long';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EIO':
      return 'input/output error';
    case 'EBUSY':
      return 'busy';
    case 'EEXIST':
      return 'already exists';
    default:
      return code ? `${code}: ${(e as Error).message}` : String((e as Error | undefined)?.message ?? e);
  }
}

/** A manifest file name, as folders are searched: *.yaml, *.yml, *.json. */
const MANIFEST = /\.(ya?ml|json)$/i;

/** One file to read: its absolute path and the name shown in messages. */
export interface InputFile {
  readonly path: string;
  readonly shown: string;
}

/**
 * Stats `path` (following links), turning every failure into an InputError
 * that says why: a dangling symbolic link is told apart from a missing file.
 */
export function statInput(path: string, shown: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    let reason = fsReason(e);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      try {
        if (lstatSync(path).isSymbolicLink()) reason = 'dangling symbolic link (its target does not exist)';
      } catch {
        // the path itself is missing
      }
    }
    throw new InputError(`cannot read ${shown}: ${reason}`);
  }
}

/**
 * The files an operand names: the file itself (a file named explicitly is
 * always read, whatever its name), or the manifests below a folder. In a
 * folder, names starting with "." are skipped (`.git`, an editor's `.#app.yaml`),
 * as are files not named *.yaml, *.yml or *.json; the rest are read in a stable
 * (sorted) order. Symbolic links are followed; a link back into a folder being
 * read is a loop and an error.
 */
export function inputFiles(operand: string, cwd: string): InputFile[] {
  const path = resolve(cwd, operand);
  const st = statInput(path, operand);
  if (!st.isDirectory()) {
    if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice())
      throw new InputError(`cannot read ${operand}: not a file or a folder`);
    return [{ path, shown: operand }];
  }
  const out: InputFile[] = [];
  walk(path, operand, [], out);
  return out;
}

function walk(dir: string, shown: string, open: readonly string[], out: InputFile[]): void {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (e) {
    throw new InputError(`cannot read ${shown}: ${fsReason(e)}`);
  }
  if (open.includes(real))
    throw new InputError(`cannot read ${shown}: symbolic link loop (it leads back to a folder being read)`);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new InputError(`cannot read ${shown}: ${fsReason(e)}`);
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const s = join(shown, name);
    let st: Stats;
    try {
      st = statSync(p);
    } catch (e) {
      // A dangling link (or worse) that would not be read anyway is no reason to fail.
      if (!MANIFEST.test(name)) continue;
      statInput(p, s);
      throw new InputError(`cannot read ${s}: ${fsReason(e)}`);
    }
    if (st.isDirectory()) walk(p, s, [...open, real], out);
    else if (MANIFEST.test(name)) out.push({ path: p, shown: s });
  }
}

/** The bytes of an input file; failures are InputErrors naming it. */
export function readInput(file: InputFile): Uint8Array {
  try {
    return readFileSync(file.path);
  } catch (e) {
    throw new InputError(`cannot read ${file.shown}: ${fsReason(e)}`);
  }
}
