'use strict';
// assertNoLeak under each test runner, in its default configuration: the projects of
// test/runners/ (node:test, Jest, Vitest, Mocha) each have a leaky and a clean test; the leaky
// one must fail with a LeakError naming its class, the clean one pass. The four run at once.
const test = require('node:test');
const assert = require('node:assert/strict');
const { skipOutsideCi } = require('../helpers/ci');
const { RUNNERS, LEAKY, CLEAN, bin, runProject } = require('../helpers/runners');

const missing = RUNNERS.filter((r) => r.script && !bin(r.script)).map((r) => r.name);

/** What a runner's report says of the two tests: {passed, failed: the leaky one's message}. @param {import('../helpers/runners').TestResult[]} results */
function verdictOf(results) {
  const leaky = results.filter((r) => r.title === LEAKY);
  return {
    passed: results.some((r) => r.title === CLEAN) && results.filter((r) => r.title !== LEAKY).every((r) => r.passed),
    failed: leaky.length > 0 && leaky.every((r) => !r.passed) ? leaky.map((r) => r.message).join('\n') : null,
  };
}

test(
  'runners: the leaky test fails with a LeakError naming RunnerSession, the clean one passes',
  { skip: skipOutsideCi(missing.length === 0, `not installed: ${missing.join(', ')} (npm install)`) },
  async (t) => {
    assert.ok(missing.length === 0, `not installed: ${missing.join(', ')}`);
    const started = Date.now();
    const results = await Promise.all(RUNNERS.map(runProject));
    t.diagnostic(`the four runners took ${Date.now() - started} ms together`);
    RUNNERS.forEach((runner, i) => {
      const { code, out, stdout } = results[i];
      let seen;
      try {
        seen = verdictOf(runner.read(stdout));
      } catch (err) {
        assert.fail(`${runner.name}: cannot read its output (${err.message}):\n${out}`);
      }
      assert.notEqual(code, 0, `${runner.name} passed the leaky test:\n${out}`);
      assert.ok(seen.passed, `${runner.name}: the clean test did not pass:\n${out}`);
      assert.ok(seen.failed, `${runner.name}: the leaky test did not fail:\n${out}`);
      assert.match(seen.failed, /LeakError/, runner.name);
      assert.match(seen.failed, /RunnerSession: 1 object \(\d+ bytes\) per call/, runner.name);
    });
  },
);
