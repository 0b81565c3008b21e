'use strict';
// assertNoLeak inside each test runner (the projects of test/runners/: node:test, Jest, Vitest,
// Mocha, each in its default configuration, so Jest's and Vitest's tests run in workers whose
// heaps hold the runner too): how long its clean and its leaky test take, as the runner's own
// report times them, and the whole run of the runner.
//
// Usage: node bench/assert-no-leak-runners.js [RUNS]   (default 3: the median of RUNS runs of each)
//
// The runners run one after the other, never at once, so that each has what CPU there is.

const { RUNNERS, LEAKY, CLEAN, bin, runProject } = require('../test/helpers/runners');

const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => (Number.isNaN(x) ? '-' : `${Math.round(x)} ms`);

async function main() {
  const runs = Number(process.argv[2] ?? 3);
  console.log(['runner', 'clean test', 'leaky test', 'other clean tests', 'whole run', 'verdicts'].join('\t'));
  for (const runner of RUNNERS) {
    if (runner.script && !bin(runner.script)) {
      console.log(`${runner.name}\tnot installed`);
      continue;
    }
    const times = { clean: [], leaky: [], other: [], whole: [] };
    let verdicts = 'right';
    for (let i = 0; i < runs; i += 1) {
      const started = process.hrtime.bigint();
      const { stdout, out } = await runProject(runner);
      times.whole.push(Number(process.hrtime.bigint() - started) / 1e6);
      let results;
      try {
        results = runner.read(stdout);
      } catch (err) {
        throw new Error(`${runner.name}: cannot read its report (${err.message}):\n${out}`);
      }
      for (const r of results) {
        if (r.title === CLEAN) times.clean.push(r.ms);
        else if (r.title === LEAKY) times.leaky.push(r.ms);
        else times.other.push(r.ms);
        const right = r.title === LEAKY ? !r.passed && /RunnerSession/.test(r.message) : r.passed;
        if (!right) verdicts = `WRONG: ${r.title}`;
      }
    }
    console.log([runner.name, ms(median(times.clean)), ms(median(times.leaky)), ms(median(times.other)), ms(median(times.whole)), verdicts].join('\t'));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
