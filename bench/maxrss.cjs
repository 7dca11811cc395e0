// Preloaded (NODE_OPTIONS=--require) into Node children by bench/run.mjs when
// GNU time is not installed: on exit, appends "pid maxRSS-in-KiB" to the file
// named by EKSFIT_BENCH_RSS_FILE. Only used for the memory runs, never for
// the timed ones, so its own cost does not show in the medians.
'use strict';
const file = process.env.EKSFIT_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      require('node:fs').appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS}\n`);
    } catch {
      // a benchmark helper must never change the exit status
    }
  });
}
