/**
 * Golden tests, one folder per behaviour under test/fixtures/<behaviour>/:
 *   input.yaml       standard input (or the files named in `args`)
 *   config.yaml      optional policy, passed as -c config.yaml
 *   args             optional extra arguments, one line, split on spaces
 *   expected.yaml    expected standard output
 *   report.txt       expected standard error
 *   exit             expected exit code (absent: 0)
 * UPDATE_GOLDEN=1 rewrites the expectations. For every folder that exits 0 with
 * a manifest output, running eksfit again on that output must give the same bytes.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { k8sRead } from './helpers/k8syaml.ts';
import { runCli } from './helpers/run.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function read(dir: string, name: string): string | undefined {
  const p = join(dir, name);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}

function expectFile(dir: string, name: string, actual: string, what: string, dropWhenEmpty = false): void {
  const p = join(dir, name);
  if (UPDATE) {
    if (dropWhenEmpty && actual === '') {
      if (existsSync(p)) unlinkSync(p);
    } else writeFileSync(p, actual);
    return;
  }
  const expected = existsSync(p) ? readFileSync(p, 'utf8') : '';
  assert.fixture(actual, expected, `${what} differs from ${name}`);
}

for (const name of readdirSync(FIXTURES).sort()) {
  const dir = join(FIXTURES, name);
  if (!existsSync(join(dir, 'input.yaml')) && !existsSync(join(dir, 'args'))) continue;
  test(name, async () => {
    const args = (read(dir, 'args') ?? '').trim().split(/\s+/).filter(Boolean);
    if (existsSync(join(dir, 'config.yaml'))) args.unshift('-c', 'config.yaml');
    const input = read(dir, 'input.yaml') ?? '';
    const out = await runCli(args, input, dir);
    expectFile(dir, 'expected.yaml', out.stdout, 'stdout');
    expectFile(dir, 'report.txt', out.stderr, 'stderr', true);
    const exit = Number((read(dir, 'exit') ?? '0').trim());
    if (UPDATE) {
      if (out.code !== 0) writeFileSync(join(dir, 'exit'), `${out.code}\n`);
      else if (existsSync(join(dir, 'exit'))) unlinkSync(join(dir, 'exit'));
    } else assert.is(out.code, exit, `exit code (stderr: ${out.stderr})`);
    const manifestMode =
      out.code === 0 && !args.some((a) => ['--check', '--diff', '--format', '-h', '--help', '--version'].includes(a));
    if (manifestMode && out.stdout !== input) {
      // Kubernetes is the judge: every document eksfit wrote reads with its reader.
      for (const doc of await k8sRead(out.stdout))
        assert.ok(!('error' in doc), `Kubernetes cannot read the output: ${'error' in doc ? doc.error : ''}`);
      if (isJson(input)) assert.ok(isJson(out.stdout), 'a JSON document stays JSON');
    }
    if (manifestMode && existsSync(join(dir, 'input.yaml'))) {
      const again = await runCli(args, out.stdout, dir);
      assert.is(again.code, 0, 'second run exit code');
      assert.fixture(again.stdout, out.stdout, 'eksfit(eksfit(x)) must equal eksfit(x)');
    }
  });
}

/** True when `text` is one JSON value (a .json manifest). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

test.run();
