/**
 * `npm run fuzz`: runs the fuzz target (test/fuzz/target.ts) until FUZZ_RUNS
 * cases (default 5000) or FUZZ_SECONDS (default 300) are done, whichever
 * comes first. A failure is shrunk to a small input, printed, and written to
 * a temporary file; FUZZ_SEED and FUZZ_PATH replay it.
 *
 *   npm run fuzz
 *   FUZZ_SECONDS=3600 FUZZ_RUNS=1000000 npm run fuzz
 *   FUZZ_IGNORE='Map keys must be unique' npm run fuzz   # look past a known bug
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { exits, fuzzInput, fuzzOne } from './target.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 5000);
const seconds = Number(process.env.FUZZ_SECONDS ?? 300);
const started = performance.now();

const details = await fc.check(fc.asyncProperty(fuzzInput, fuzzOne), {
  numRuns: runs,
  interruptAfterTimeLimit: seconds * 1000,
  markInterruptAsFailure: false,
  includeErrorInReport: true,
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
  ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
});

const took = ((performance.now() - started) / 1000).toFixed(1);
const seen = [...exits]
  .sort(([a], [b]) => a - b)
  .map(([code, n]) => (code < 0 ? `ignored (FUZZ_IGNORE): ${n}` : `exit ${code}: ${n}`))
  .join(', ');
console.log(`fuzz: ${details.numRuns} cases in ${took} s (seed ${details.seed}); ${seen}`);
if (details.failed) {
  const example = details.counterexample?.[0];
  const file = join(tmpdir(), `eksfit-fuzz-${details.seed}.yaml`);
  if (example) {
    writeFileSync(file, example.input);
    if (example.policy) writeFileSync(`${file}.policy.json`, JSON.stringify(example.policy, null, 2));
  }
  console.log(fc.defaultReportMessage(details));
  console.log(`failing input written to ${file}${example?.policy ? ` (policy: ${file}.policy.json)` : ''}`);
  console.log(`replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} npm run fuzz`);
  process.exitCode = 1;
}
