'use strict';
// What each runner project tests: a request handler that keeps every request's session, and one
// that only uses it while it runs.
class RunnerSession {
  constructor(id) {
    this.id = id;
    this.user = { name: `user ${id}` };
  }
}
const sessions = [];

function leakyHandler() {
  sessions.push(new RunnerSession(sessions.length));
}

function cleanHandler() {
  const session = new RunnerSession(0);
  return session.user.name.length;
}

/** Per test: a leak test snapshots the heap several times, longer than some runners' default. */
const TEST_TIMEOUT_MS = 120_000;

/**
 * Declares the two tests with the runner's `test` (or `it`), which takes the test's timeout as
 * its third argument when it takes one.
 */
function declareLeakTests(test, assertNoLeak) {
  test('clean handler does not leak', async () => {
    await assertNoLeak(cleanHandler);
  }, TEST_TIMEOUT_MS);
  test('leaky handler does not leak', async () => {
    await assertNoLeak(leakyHandler);
  }, TEST_TIMEOUT_MS);
}

module.exports = { declareLeakTests, cleanHandler, TEST_TIMEOUT_MS };
