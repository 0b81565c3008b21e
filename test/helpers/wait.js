'use strict';
// Waiting for what a test needs to have happened, never for a fixed time.

const { PerformanceObserver, constants } = require('node:perf_hooks');

/** Resolves once `predicate()` is true, checking every few ms; rejects after `timeoutMs`. */
async function waitFor(predicate, { timeoutMs = 10_000, what = 'the condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Resolves to the next 'gc' event of a full GC that `watch` (a LeakWatch) delivers. Listeners
 * added to `watch` before this call have been called with it by then.
 */
async function nextFullGcEvent(watch, { timeoutMs = 10_000 } = {}) {
  let major;
  const onGc = (gc) => {
    if (gc.kind === 'major') major ??= gc;
  };
  watch.on('gc', onGc);
  try {
    // Polled, not awaited alone: Node delivers GC entries only when the event loop turns.
    await waitFor(() => major !== undefined, { timeoutMs, what: "a full GC's 'gc' event" });
    return major;
  } finally {
    watch.off('gc', onGc);
  }
}

/**
 * Resolves to the performance entry of the next full GC. Node calls GC observers in the order
 * they were made, so any observer made before this call (leakwatch's, if it still watches) has
 * been called with that GC by then: a test can then check that something did not happen.
 */
async function nextFullGcEntry({ timeoutMs = 10_000 } = {}) {
  let major;
  const observer = new PerformanceObserver((list) => {
    major ??= list.getEntries().find((e) => e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await waitFor(() => major !== undefined, { timeoutMs, what: "a full GC's performance entry" });
    return major;
  } finally {
    observer.disconnect();
  }
}

module.exports = { waitFor, nextFullGcEvent, nextFullGcEntry };
