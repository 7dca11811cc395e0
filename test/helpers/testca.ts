/**
 * A throw-away certificate authority for webhook tests, made with openssl in a
 * temp directory: `ca.crt`/`ca.key`, and server certificates signed by it for
 * 127.0.0.1 and localhost (what kube-apiserver dials in the control-plane tests).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** The temp directory holding every file. */
  readonly dir: string;
  /** The CA certificate (PEM). */
  readonly caPem: Buffer;
  /** Makes `<name>.crt` and `<name>.key` in dir, signed by the CA; returns their paths. */
  leaf(name: string): { cert: string; key: string };
  /** Removes the directory. */
  remove(): void;
}

export function testCa(prefix = 'eksfit-ca-'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const openssl = (...args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=eksfit-test-ca',
  );
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  return {
    dir,
    caPem: readFileSync(join(dir, 'ca.crt')),
    leaf(name: string) {
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        '/CN=localhost',
      );
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '1',
        '-extfile',
        'ext',
      );
      return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
