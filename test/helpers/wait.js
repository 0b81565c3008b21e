'use strict';

/** Resolves once `predicate()` is true, checking every few ms; rejects after `timeoutMs`. */
async function waitFor(predicate, { timeoutMs = 10_000, what = 'the condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

module.exports = { waitFor };
