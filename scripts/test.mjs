// `npm test`: build (schema validator + bundle), type-check, then run every
// uvu suite (golden, unit, property, hostile and real-host tests), and close
// with one plain line: "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';

function step(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`0 passed, 1 failed (${[cmd, ...args].join(' ')} exited ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

step('node', ['scripts/build.mjs']);
step('npx', ['tsc', '--noEmit']);
step('npx', ['prettier', '--check', '--log-level=warn', '.']);
step('npx', ['eslint', '.']);
const uvu = spawnSync(
  'npx',
  ['uvu', 'test', '-r', 'tsx', '-i', 'fixtures', '-i', 'helpers', '-i', 'fuzz', ...process.argv.slice(2)],
  {
    stdio: ['inherit', 'pipe', 'inherit'],
    // Every edit of every test is parsed back and checked, whatever the input size.
    // Property suites draw from a fixed seed, so a run is repeatable and CI cannot
    // fail by chance; PROPERTY_RANDOM=1 (or PROPERTY_SEED=n) explores further.
    env: {
      ...process.env,
      EKSFIT_VERIFY: '1',
      ...(process.env.PROPERTY_SEED || process.env.PROPERTY_RANDOM === '1' ? {} : { PROPERTY_SEED: '20261127' }),
    },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  },
);
process.stdout.write(uvu.stdout ?? '');
const plain = (uvu.stdout ?? '').replace(/\x1b\[[0-9;]*m/g, '');
const num = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
const total = num('Total');
const passed = num('Passed');
const skipped = num('Skipped');
// uvu's Total counts the tests that ran (passed + failed); skipped ones are apart.
const failed = uvu.status === 0 ? Math.max(0, total - passed) : Math.max(1, total - passed);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(uvu.status ?? 1);
