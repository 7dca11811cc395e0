/**
 * The fuzz target (test/fuzz/target.ts) in `npm test`: a bounded number of cases
 * (FUZZ_TEST_RUNS, default 300) from a fixed seed (PROPERTY_SEED, which `npm test`
 * sets; PROPERTY_RANDOM=1 draws a new one). The seed is printed on every run, and a
 * failure prints the command that replays it; `npm run fuzz` runs longer.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exits, fuzzInput, fuzzOne } from './fuzz/target.ts';

const RUNS = Number(process.env.FUZZ_TEST_RUNS ?? 300);

test(`the fuzz target: ${RUNS} generated and mutated inputs, no crash, fidelity kept`, async () => {
  const started = performance.now();
  const details = await fc.check(fc.asyncProperty(fuzzInput, fuzzOne), {
    numRuns: RUNS,
    includeErrorInReport: true,
    ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}),
    ...(process.env.PROPERTY_PATH ? { path: process.env.PROPERTY_PATH } : {}),
  });
  const seen = [...exits]
    .sort(([a], [b]) => a - b)
    .map(([code, n]) => `exit ${code}: ${n}`)
    .join(', ');
  const took = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\n  fuzz: ${details.numRuns} cases in ${took} s (seed ${details.seed}); ${seen}`);
  if (details.failed) {
    assert.unreachable(
      `${fc.defaultReportMessage(details)}\nreplay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} npm run fuzz`,
    );
  }
});

test.run();
