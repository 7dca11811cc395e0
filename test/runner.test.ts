/**
 * scripts/test.mjs (npm test) reports as it goes: each file's results are on
 * standard output while later files still run, a skipped host test is
 * repeated in the last lines, and the summary line is the very last.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UVU = join(ROOT, 'node_modules/uvu/dist/index.mjs');

test('npm test streams each file, repeats skipped host tests at the end, summary last', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eksfit-runner-'));
  try {
    writeFileSync(
      join(dir, 'a.test.mjs'),
      `import { test } from '${UVU}';\ntest('first file', () => {});\ntest.run();\n`,
    );
    writeFileSync(
      join(dir, 'b.test.mjs'),
      `import { suite } from '${UVU}';\nconst s = suite('hosts');\nprocess.stderr.write('\\n!!! SKIPPING host tests: missing host binary: helm9 (install: npm run tools)\\n\\n');\ns.skip('a host test', () => {});\ns('waits', () => new Promise((r) => setTimeout(r, 3000)));\ns.run();\n`,
    );
    const started = performance.now();
    let firstFileAt = -1;
    let out = '';
    const child = spawn(process.execPath, [join(ROOT, 'scripts/test.mjs')], {
      cwd: ROOT,
      env: { ...process.env, EKSFIT_TEST_DIR: dir, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (firstFileAt < 0 && out.includes('a.test.mjs')) firstFileAt = performance.now() - started;
    });
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const total = performance.now() - started;
    assert.is(code, 0, out);
    assert.ok(firstFileAt >= 0 && firstFileAt < total - 2000, `first file shown at ${firstFileAt} ms of ${total} ms`);
    const last = out.trimEnd().split('\n').slice(-4);
    assert.is(last[last.length - 1], '2 passed, 0 failed, 1 skipped');
    assert.ok(
      last.some((l) => l.includes('SKIPPING host tests: missing host binary: helm9')),
      last.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
