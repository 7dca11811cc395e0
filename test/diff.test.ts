/**
 * src/diff.ts: the edit script rebuilds both sides (generated cases), and
 * `--diff` costs about what a plain run does (issue 12: it took memory
 * proportional to changed lines times all lines). The cost check compares
 * with a plain run measured alternately in the same test, with a generous ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diffLines, unifiedDiff } from '../src/diff.ts';
import { prng } from './helpers/streams.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'eksfit');

const Diff = suite('diffLines');

function check(x: string[], y: string[]): number {
  const ops = diffLines(x, y);
  assert.equal(
    ops.filter((o) => o.t !== '+').map((o) => o.text),
    x,
    'the - and = lines are a',
  );
  assert.equal(
    ops.filter((o) => o.t !== '-').map((o) => o.text),
    y,
    'the + and = lines are b',
  );
  return ops.filter((o) => o.t !== '=').length;
}

Diff('the edit script rebuilds both sides (generated, small alphabets and unique lines)', () => {
  const next = prng(Number(process.env.PROPERTY_SEED ?? 20261127));
  const pick = (n: number): number => Math.floor(next() * n);
  for (let round = 0; round < 400; round++) {
    const alphabet = 1 + pick(round % 2 ? 4 : 40);
    const x = Array.from({ length: pick(60) }, () => `l${pick(alphabet)}\n`);
    const y = [...x];
    for (let e = pick(8); e > 0; e--) {
      const at = pick(y.length + 1);
      if (next() < 0.5 && y.length > 0) y.splice(at, 1);
      else y.splice(at, 0, `n${pick(alphabet + 3)}\n`);
    }
    check(x, y);
  }
});

Diff('insertions into many objects: only the insertions are edits', () => {
  const x: string[] = [];
  const y: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const doc = ['---\n', 'kind: Deployment\n', 'metadata:\n', `  name: app-${i}\n`, 'spec:\n', '  template:\n'];
    x.push(...doc, '    metadata: {}\n');
    y.push(...doc, '    metadata:\n', '      annotations: {a: "1"}\n');
  }
  assert.is(check(x, y), 3000 * 3);
});

Diff('a stretch with no line in common beyond the search bound is removed and added whole', () => {
  const x = Array.from({ length: 5000 }, (_, i) => `${i % 2}\n`);
  const y = Array.from({ length: 5000 }, (_, i) => `${(i % 3) + 2}\n`);
  assert.is(check(x, y), 10_000);
});

Diff('unified format: hunks with three lines of context', () => {
  assert.is(unifiedDiff('a\nb\n', 'a\nb\n', { from: 'x', to: 'y' }), '');
  assert.is(
    unifiedDiff('1\n2\n3\n4\n5\n6\n7\n8\n', '1\n2\n3\n4\nnew\n5\n6\n7\n8\n', { from: 'x', to: 'y' }),
    '--- x\n+++ y\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+new\n 5\n 6\n 7\n',
  );
});

Diff.run();

const Cost = suite('--diff costs about a plain run (bin/eksfit)');

/** Seconds and max RSS (MB, with GNU time) of bin/eksfit `args` on `input`. */
function measure(args: readonly string[], input: string): { seconds: number; rssMb?: number; code: number | null } {
  const time = ['/usr/bin/time', '/bin/time'].find((t) => existsSync(t));
  const t = performance.now();
  const r = spawnSync(time ?? BIN, time ? ['-f', 'EKSFIT_RSS_KB=%M', BIN, ...args] : [...args], {
    input,
    maxBuffer: 1024 * 1024 * 1024,
  });
  const seconds = (performance.now() - t) / 1000;
  const kb = /EKSFIT_RSS_KB=(\d+)/.exec(r.stderr.toString())?.[1];
  return { seconds, code: r.status, ...(kb ? { rssMb: Number(kb) / 1024 } : {}) };
}

Cost('2,000 changed Deployments: --diff within 2x the time and 2x the memory of a plain run', () => {
  const one = (i: number): string =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello-${i}\nspec:\n  template:\n    metadata:\n      labels:\n        app: hello\n    spec:\n      containers:\n        - name: hello\n          image: nginx:1.27\n          ports:\n            - containerPort: 8080\n            - name: metrics\n              containerPort: 9100\n`;
  const input = Array.from({ length: 2000 }, (_, i) => one(i)).join('---\n');
  const plain: number[] = [];
  const diff: number[] = [];
  let plainRss = 0;
  let diffRss = 0;
  for (let round = 0; round < 3; round++) {
    const p = measure(['-q'], input);
    const d = measure(['-q', '--diff'], input);
    assert.is(p.code, 0);
    assert.is(d.code, 0);
    plain.push(p.seconds);
    diff.push(d.seconds);
    plainRss = Math.max(plainRss, p.rssMb ?? 0);
    diffRss = Math.max(diffRss, d.rssMb ?? 0);
  }
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[1] as number;
  console.log(
    `\n  2,000 Deployments (${(input.length / 1024).toFixed(0)} KB): plain ${median(plain).toFixed(2)} s ${plainRss.toFixed(0)} MB, --diff ${median(diff).toFixed(2)} s ${diffRss.toFixed(0)} MB`,
  );
  assert.ok(median(diff) < 2 * median(plain) + 0.5, 'time');
  if (plainRss > 0) assert.ok(diffRss < 2 * plainRss, 'memory');
});

Cost.run();
