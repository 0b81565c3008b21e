'use strict';
// The pure parts of `leakwatch watch` and `attach`: the command line and the stderr reports.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { parseWatchArgs, UsageError } = require('../../lib/cli/watch-options');
const report = require('../../lib/cli/report');

test('options end at --, or at the first word that is not one; the command keeps its own options', () => {
  assert.deepEqual(parseWatchArgs(['--fail-on-leak', '--', 'node', '--inspect', 'app.js', '--port', '1']).command, ['node', '--inspect', 'app.js', '--port', '1']);
  assert.deepEqual(parseWatchArgs(['--events=e.ndjson', 'node', 'app.js', '--events', 'x']).command, ['node', 'app.js', '--events', 'x']);
  assert.equal(parseWatchArgs(['--events=e.ndjson', 'node', 'app.js']).events, 'e.ndjson');
});

test("the detector's options in kebab case, valued as configure() takes them", () => {
  const { leak } = parseWatchArgs(['--min-rate', '20000', '--sampling=false', '--heap-diff', 'auto', '--', 'node', 'a.js']);
  assert.deepEqual(leak, { minRate: 20000, sampling: false, heapDiff: 'auto' });
  assert.throws(() => parseWatchArgs(['--min-rate', 'fast', 'node']), (err) => err instanceof UsageError && /--min-rate takes a number/.test(err.message));
  assert.throws(() => parseWatchArgs(['--min-rate']), /--min-rate needs a value/);
});

test('--dashboard takes an optional port: the next word only when it is a number', () => {
  assert.equal(parseWatchArgs(['--dashboard', '--', 'node', 'a.js']).dashboardPort, 3000);
  assert.equal(parseWatchArgs(['--dashboard', '4000', 'node', 'a.js']).dashboardPort, 4000);
  assert.deepEqual(parseWatchArgs(['--dashboard', 'node', 'a.js']).command, ['node', 'a.js']);
  assert.throws(() => parseWatchArgs(['--dashboard=http', 'node']), /--dashboard takes a port number/);
});

test('attach: one pid, --for and --diff as durations, and no command', () => {
  const options = parseWatchArgs(['--for', '10m', '--diff', '30s', '4211'], { attach: true });
  assert.deepEqual([options.command, options.forMs, options.diffMs], [['4211'], 600_000, 30_000]);
  assert.equal(parseWatchArgs(['--for', '1.5h', '1'], { attach: true }).forMs, 5_400_000);
  assert.throws(() => parseWatchArgs(['--for', 'soon', '1'], { attach: true }), /--for takes a duration/);
  assert.throws(() => parseWatchArgs(['node', 'app.js'], { attach: true }), /attach takes one process id/);
  assert.throws(() => parseWatchArgs(['--for', '1m', '--', 'node']), /unknown option '--for'/);
});

// A leak event as a watched process sends it (fields of the library's 'leak' event).
const leak = {
  type: 'leak',
  time: 1796305076451,
  pid: 4211,
  reason: 'heap grew 1.34 mb over 12s (12 full GCs) - 402.82 mb/hr, a steady rise (confidence 100.0%)',
  memory: 'heap',
  suspects: [
    {
      class: 'CachedResponse',
      site: { function: 'handleRequest', file: '/srv/cache.js', line: 17, column: 1, stack: [] },
      bytes: 225600,
      count: 600,
      path: 'global @6047 → cache → Map @87249',
      held_by: 'cache (a Map in /srv/cache.js)',
    },
    { class: null, site: null, bytes: 2048, count: 3, path: null },
    { class: 'A', site: null, bytes: 1, count: 1, path: null },
    { class: 'B', site: null, bytes: 1, count: 1, path: null },
  ],
};

test('a leak report: the reason, then each suspect with its class, count, size, site and holder, from the event', () => {
  const lines = report.leakLines(leak, ['node', 'server.js']);
  assert.deepEqual(lines, [
    `leakwatch: leak in pid 4211 (node server.js): ${leak.reason}`,
    '  1. CachedResponse: +600 objects, +220.31 kb',
    '     allocated in handleRequest (/srv/cache.js:17:1)',
    '     held by cache (a Map in /srv/cache.js)',
    '  2. (class unknown): +3 objects, +2 kb',
    '  3. A: +1 objects, +1 bytes',
    '  and 1 more suspects',
  ]);
  const { held_by: _, ...withoutHolder } = leak.suspects[0];
  assert.equal(report.leakLines({ ...leak, suspects: [withoutHolder] }, ['node'])[3], '     held by global @6047 → cache → Map @87249');
  assert.equal(report.leakLines({ ...leak, suspects: [] }, null)[1], '  no suspect named');
});

test('the summary of a process says how it ended', () => {
  const series = { command: ['node', 'a.js'], leaks: 1, fullGcs: 23, lastStats: { current_base: 8 * 1048576 }, exit: null };
  assert.equal(report.summaryLine(7, series), 'leakwatch: pid 7 (node a.js) still running: 1 leak reported, 23 full GCs watched, heap 8 mb after the last full GC');
  assert.match(report.summaryLine(7, { ...series, exit: { code: 0, signal: null } }), /exited with code 0: 1 leak reported/);
  assert.match(report.summaryLine(7, { ...series, leaks: 2, exit: { code: null, signal: 'SIGTERM' } }), /killed by SIGTERM: 2 leaks reported/);
});

test('--native: a flag of watch, not of attach; unavailable without the built shim, in one line', () => {
  assert.equal(parseWatchArgs(['--native', '--', 'node', 'a.js']).native, true);
  assert.equal(parseWatchArgs(['node', 'a.js']).native, false);
  assert.throws(() => parseWatchArgs(['--native', '4211'], { attach: true }), /unknown option '--native'/);
  const { nativeUnavailable } = require('../../lib/cli/watch-native');
  const targetDir = process.env.CARGO_TARGET_DIR;
  process.env.CARGO_TARGET_DIR = '/nonexistent-target';
  try {
    const reason = nativeUnavailable();
    assert.match(reason, /^--native (needs the allocator shim, which is not built: \/nonexistent-target\/release\/libleakwatch_malloc_shim\.so \(npm run build\)|is available only on Linux with glibc, not .+)$/);
  } finally {
    if (targetDir === undefined) delete process.env.CARGO_TARGET_DIR;
    else process.env.CARGO_TARGET_DIR = targetDir;
  }
});
