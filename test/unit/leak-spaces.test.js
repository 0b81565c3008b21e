'use strict';
// The per-space growth of a heap leak report (lib/watch/leak.js), from full GCs of a steadily
// rising heap fed to the detector: right to within the spacing of the rows kept, whose memory
// stays the same however many full GCs come.
const test = require('node:test');
const assert = require('node:assert/strict');
const { LeakTracker } = require('../../lib/watch/leak');

const START_MS = 1_700_000_000_000;
const GROWTH_PER_GC = 20_000;

/** A full GC's record, `i` GCs in, `everyMs` apart, the old space growing steadily. */
function fullGc(i, everyMs) {
  const used = 20_000_000 + i * GROWTH_PER_GC;
  return {
    kind: 'major',
    type: 'MarkSweepCompact',
    duration_ms: 5,
    end_ms: START_MS + i * everyMs,
    used_before: null,
    used_after: used,
    spaces_after: { new_space: 1_000_000, old_space: used - 3_000_000, code_space: 2_000_000 },
    external_after: 1_000_000,
    heap_size_limit: 4_000_000_000,
  };
}

test("a heap leak report names the space that grew and by how much since the window's start", () => {
  const tracker = new LeakTracker({});
  let report = null;
  for (let i = 0; i < 900 && report === null; i += 1) {
    const gc = fullGc(i, 1000);
    const { leaks } = tracker.observe(gc);
    if (leaks.length > 0) report = { ...leaks[0], at: i };
  }
  assert.ok(report, 'no leak report from a heap rising steadily for 15 minutes');
  assert.equal(report.space, 'old_space');
  assert.deepEqual(Object.keys(report.heap_spaces), ['old_space']);
  // Exact growth from the GC at the window's start; the row kept may be a spacing later.
  const gcsInWindow = report.at - Math.ceil((report.start.getTime() - START_MS) / 1000);
  const exact = gcsInWindow * GROWTH_PER_GC;
  const spacingGcs = Math.ceil(tracker.spaceHistoryMs / 512 / 1000);
  assert.ok(
    report.heap_spaces.old_space <= exact && report.heap_spaces.old_space >= exact - spacingGcs * GROWTH_PER_GC,
    `old_space grew by ${report.heap_spaces.old_space}, ${exact} expected to within ${spacingGcs} GCs`,
  );
});

test('the per-space rows take the same memory after 10 times the full GCs', () => {
  const tracker = new LeakTracker({});
  let i = 0;
  // A full GC every 5 s: 150 of them more than cover the longest window (10 minutes).
  const feed = (count) => {
    for (const end = i + count; i < end; i += 1) tracker.observe(fullGc(i, 5000));
  };
  feed(150);
  const bytes = tracker.spaces.byteLength();
  const rows = tracker.spaces.length;
  feed(1500);
  assert.equal(tracker.spaces.byteLength(), bytes);
  assert.ok(tracker.spaces.length <= 512 && rows <= 512, `${tracker.spaces.length} rows kept`);
});
