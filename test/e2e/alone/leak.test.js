'use strict';
// The leak detector on real leaking programs, each reported within a minute: a claim of time, so
// these run with the machine to themselves (three programs at once, from the describe() below:
// about a core in all).
const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode, jsonLines, root } = require('../../helpers/child');
const { assertDeclared } = require('../../helpers/declared');

// Runs a labelled program of examples/leaks/ under leakwatch with default settings (but for
// `repeatMs`, when given) for up to `seconds`, printing its first `reports` 'leak' events as JSON
// lines (and then exiting) or, at the end, what leakStatus() said; `uptime` is the program's age
// in seconds at each report. `timerMapKept` says whether a
// Timeout made then still has the shape of one made at the start: a timer leakwatch set with a
// fractional delay would have made V8 store every Timeout's delay as a boxed double and
// deoptimize Node's timer code.
function watch(program, seconds, { reports = 1, repeatMs } = {}) {
  return runNode(
    `
    const aTimer = () => { const timer = setTimeout(() => {}, 1000); clearTimeout(timer); return timer; };
    const firstTimer = aTimer();
    const memwatch = require('.');
    ${repeatMs === undefined ? '' : `memwatch.configure({ leak: { repeatMs: ${repeatMs} } });`}
    let reports = 0;
    memwatch.on('leak', (info) => {
      const timerMapKept = %HaveSameMap(firstTimer, aTimer());
      console.log(JSON.stringify({ ...info, isDate: info.start instanceof Date && info.end instanceof Date, timerMapKept, uptime: process.uptime() }));
      if (++reports === ${reports}) process.exit(0);
    });
    require('./examples/leaks/${program}');
    setTimeout(() => {
      console.log(JSON.stringify({ status: memwatch.leakStatus() }));
      process.exit(0);
    }, ${seconds * 1000});`,
    { args: ['--allow-natives-syntax'], timeoutMs: (seconds + 30) * 1000 },
  );
}

/**
 * Runs examples/leaks/`program` for up to 60 s and checks that its first leak report blames
 * class `name` on its labelled site: `site.function` in the program, or the line `site.orLine`
 * that calls it (V8 may inline the function into its caller).
 */
async function assertBlamed(program, name, site) {
  const r = await watch(program, 60);
  assert.equal(r.code, 0, r.stderr);
  const [info] = jsonLines(r.stdout);
  assert.ok(info && !info.status, `no leak reported within 60 s: ${r.stdout}${r.stderr}`);
  const [top] = info.suspects;
  assert.equal(top.class, name, JSON.stringify(info.suspects));
  assert.equal(top.site.file, path.join(root, 'examples', 'leaks', program));
  assert.ok(top.site.function === site.function || top.site.line === site.orLine, JSON.stringify(top.site));
}

// The longest cases first, so that the three slots end at about the same time.
describe('leak detection', { concurrency: 3 }, () => {
  test('a leaking class is reported within a minute, with its allocation site and retainer path, and again after repeatMs', async () => {
    const r = await watch('demo-workload.js', 80, { reports: 2, repeatMs: 3000 });
    assert.equal(r.code, 0, r.stderr);
    const [info, again] = jsonLines(r.stdout);
    assert.ok(info && !info.status, `no leak reported within 80 s: ${r.stdout}${r.stderr}`);
    assert.ok(info.uptime <= 60, `reported ${info.uptime} s after the program started`);
    assert.equal(info.isDate, true, 'start and end are Dates');
    assert.equal(info.timerMapKept, true, "leakwatch's timers changed the shape of the program's Timeouts");
    assert.equal(info.memory, 'heap');
    assert.ok(info.growth >= 512 * 1024, `growth ${info.growth}`);
    assert.ok(info.rate_per_hour > 0 && info.confidence > 0.99, JSON.stringify(info));
    assert.ok(new Date(info.end) - new Date(info.start) >= 12_000);
    assert.match(info.reason, /^heap grew [\d.]+ (kb|mb) over \d+s \(\d+ full GCs\) - [\d.]+ (mb|gb)\/hr, a steady rise \(confidence [\d.]+%\); the [\d.]+ (mb|gb) heap limit is (\d+h \d+m|\d+m \d+s|\d+s) away at this rate$/);
    assert.ok(info.heap_limit_bytes > 0 && info.seconds_to_limit > 0, JSON.stringify(info));
    assert.ok(info.heap_spaces.old_space > 0, 'old space grew');
    const [top] = info.suspects;
    assert.equal(top.class, 'LeakedRequest', JSON.stringify(info.suspects));
    assert.equal(top.site.function, 'leakSome');
    assert.equal(top.site.file, path.join(root, 'examples', 'workload.js'));
    assert.ok(top.site.line > 0 && top.site.column > 0);
    assert.ok(top.site.stack.length >= 1 && top.site.stack[0].startsWith('leakSome ('), top.site.stack[0]);
    assert.ok(top.count > 0 && top.bytes > 0);
    assert.match(top.path, /^module examples\/workload\.js → exports\.leakedRequests → \[\d+\] → LeakedRequest$/);
    assert.equal(top.held_by, 'exports.leakedRequests (Array) of examples/workload.js');
    const { isDate, timerMapKept, uptime, ...event } = info;
    assertDeclared(event, 'LeakInfo');

    // The leak lasts: reported again once repeatMs has passed, again with its culprit. The
    // second report finds no hunt running (none starts while a leak is reported already): it
    // starts its own.
    assert.ok(again && !again.status, `expected a second report within 80 s: ${r.stdout}${r.stderr}`);
    assert.deepEqual([again.suspects[0]?.class, again.suspects[0]?.site?.function], ['LeakedRequest', 'leakSome']);
    assert.ok(new Date(again.end) - new Date(info.end) >= 3000);
  });

  test('a busy program that does not leak gets no leak event', async () => {
    const r = await watch('noisy-churn.js', 30);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.equal(lines.length, 1, `expected only the final status: ${r.stdout}`);
    const { status } = lines[0];
    assert.equal(status.leaks_total, 0);
    assert.equal(status.last_leak, null);
    assert.ok(['idle', 'suspect'].includes(status.state), status.state);
  });
  test("a leak held by Node's Timeouts names the program's class they keep, made by the function that starts the timers", async () => {
    // timers.js: `startJob` calls setInterval, whose Timeout keeps a `Poller` and the results
    // it holds. The Timeouts and closures grow more, but they are the runtime's containers of
    // the program's `Poller` (crates/leakwatch-core/src/ranking.rs).
    await assertBlamed('timers.js', 'Poller', { function: 'startJob', orLine: 24 });
  });

  test("a class of the program's whose constructor V8 inlined is blamed on the function that makes it, not on one that calls Node", async () => {
    // reminders.js: `register` makes the leaking `Signup`s; `remind`, which grows less, calls
    // setTimeout. No sampled stack shows `Signup`'s constructor once V8 inlines it.
    await assertBlamed('reminders.js', 'Signup', { function: 'register', orLine: 30 });
  });

  test('a Buffer leak is reported on external memory', async () => {
    const r = await watch('buffers.js', 60);
    assert.equal(r.code, 0, r.stderr);
    const [info] = jsonLines(r.stdout);
    assert.ok(info && !info.status, `no leak reported within 60 s: ${r.stdout}${r.stderr}`);
    assert.equal(info.memory, 'external');
    assert.match(info.reason, /^external memory grew /);
    assert.equal(info.heap_spaces, undefined);
  });


});
