// `npm test`: build (schema validator + bundle), type-check, then run every
// uvu suite (golden, unit, property, hostile and real-host tests), and close
// with one plain line: "N passed, N failed, N skipped".
import { spawn, spawnSync } from 'node:child_process';

function step(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`0 passed, 1 failed (${[cmd, ...args].join(' ')} exited ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

// EKSFIT_TEST_DIR (another folder of suites, with the build and checks left out) is for test/runner.test.ts.
const dir = process.env.EKSFIT_TEST_DIR ?? 'test';
if (!process.env.EKSFIT_TEST_DIR) {
  step('node', ['scripts/build.mjs']);
  step('npx', ['tsc', '--noEmit']);
  step('npx', ['prettier', '--check', '--log-level=warn', '.']);
  step('npx', ['eslint', '.']);
}
// uvu's output is passed on as it comes (each file's results while the next runs)
// and kept for the summary; notices on stderr (a skipped host test) are passed on
// too and repeated at the end, above the summary, where they cannot scroll away.
const uvu = spawn(
  'npx',
  ['uvu', dir, '-r', 'tsx', '-i', 'fixtures', '-i', 'helpers', '-i', 'fuzz', ...process.argv.slice(2)],
  {
    stdio: ['inherit', 'pipe', 'pipe'],
    // Property suites draw from a fixed seed, so a run is repeatable and CI cannot
    // fail by chance; PROPERTY_RANDOM=1 (or PROPERTY_SEED=n) explores further.
    env: {
      ...process.env,
      ...(process.env.PROPERTY_SEED || process.env.PROPERTY_RANDOM === '1' ? {} : { PROPERTY_SEED: '20261127' }),
    },
  },
);
let out = '';
let err = '';
uvu.stdout.setEncoding('utf8').on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
uvu.stderr.setEncoding('utf8').on('data', (chunk) => {
  err += chunk;
  process.stderr.write(chunk);
});
const status = await new Promise((resolve) => uvu.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
const num = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
const total = num('Total');
const passed = num('Passed');
const skipped = num('Skipped');
// uvu's Total counts the tests that ran (passed + failed); skipped ones are apart.
const failed = status === 0 ? Math.max(0, total - passed) : Math.max(1, total - passed);
const notices = [...new Set(err.split('\n').filter((l) => /^!!! .*SKIPP/.test(l) || /^!!! {3}/.test(l)))];
if (skipped > 0 || notices.length > 0) {
  console.log(`\n${skipped} test${skipped === 1 ? '' : 's'} SKIPPED${notices.length ? ':' : ''}`);
  for (const l of notices) console.log(l);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status);
