'use strict';
// Native memory on real native code (the test addon, crates/leakwatch-test-addon): a malloc leak is
// reported as memory 'native' within 30 s, arenas fragmenting as a LEAKWATCH_FRAGMENTATION
// warning, and the same work freeing what it allocates (and a clean program) not at all. The
// programs run side by side, each for at most WATCH_SECONDS. A claim of time, which other work
// on the machine breaks (it slows the probes' full GCs, and the budget spaces them by their cost),
// so this runs alone.
// Runs under the newest Node only: the memory it watches is glibc's, whichever Node runs the
// code; unit/native-memory.test.js checks the detector's reading of it under every version.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('../../helpers/child');
const { skipOutsideCi } = require('../../helpers/ci');
const { testAddonBuilt } = require('../../fixtures/native/addon');

const WATCH_SECONDS = 35;
const glibc = process.platform === 'linux' && Boolean(process.report.getReport().header.glibcVersionRuntime);
const skip = skipOutsideCi(glibc && testAddonBuilt(), 'needs Linux with glibc and the test addon (npm run build)');

/**
 * Runs `fixture` under leakwatch with default settings; prints each 'leak' and 'warning' event
 * as a JSON line, with the seconds since the start, and exits at the first or after `seconds`.
 */
function watch(fixture, seconds = WATCH_SECONDS) {
  return runNode(
    `
    const started = Date.now();
    const memwatch = require('.');
    const print = (event, fields) => {
      console.log(JSON.stringify({ event, seconds: (Date.now() - started) / 1000, ...fields }));
      process.exit(0);
    };
    memwatch.on('leak', (info) => print('leak', { memory: info.memory, reason: info.reason, suspects: info.suspects }));
    memwatch.on('warning', (w) => print('warning', { code: w.code, message: w.message }));
    require(${JSON.stringify(fixture)});
    setTimeout(() => print('none', { status: memwatch.leakStatus() }), ${seconds * 1000});`,
    { timeoutMs: (seconds + 30) * 1000 },
  );
}

/** The one event the run printed. */
function eventOf(run) {
  assert.equal(run.code, 0, run.stderr);
  const [event] = jsonLines(run.stdout);
  assert.ok(event, `nothing printed: ${run.stdout}${run.stderr}`);
  return event;
}

test('native memory: a leak, fragmentation, and programs that leak nothing', { skip }, async () => {
  assert.ok(glibc && testAddonBuilt(), 'needs Linux with glibc and the test addon (npm run build)');
  const [leaky, fragmenting, freeing, clean] = await Promise.all([
    watch('./test/fixtures/native/leaky.js'),
    watch('./test/fixtures/native/fragmenting.js'),
    watch('./test/fixtures/native/freeing.js'),
    watch('./test/fixtures/watch/clean.cjs'),
  ]);
  const leak = eventOf(leaky);
  assert.equal(leak.event, 'leak', JSON.stringify(leak));
  assert.equal(leak.memory, 'native', leak.reason);
  assert.ok(leak.seconds <= 30, `reported after ${leak.seconds} s`);
  assert.match(leak.reason, /^native memory .* grew .* a native addon or library allocates and does not free$/);
  assert.deepEqual(leak.suspects, []);
  const fragmentation = eventOf(fragmenting);
  assert.equal(fragmentation.event, 'warning', JSON.stringify(fragmentation));
  assert.equal(fragmentation.code, 'LEAKWATCH_FRAGMENTATION', fragmentation.message);
  assert.match(fragmentation.message, /MALLOC_ARENA_MAX/);
  for (const run of [freeing, clean]) {
    const none = eventOf(run);
    assert.equal(none.event, 'none', JSON.stringify(none));
  }
});
