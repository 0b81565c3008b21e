'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { waitFor } = require('../helpers/wait');
const memwatch = require('../..');

class LeakingClass {
  constructor(i) {
    this.id = i;
    this.payload = { name: `leak ${i}`, seen: [i, i + 1] };
  }
}

// Held from globalThis: the snapshot is of what is reachable.
globalThis.leakwatchTestLeaks = [];
function leak(count) {
  for (let i = 0; i < count; i++) globalThis.leakwatchTestLeaks.push(new LeakingClass(i));
}

function checkShape(diff) {
  for (const side of [diff.before, diff.after]) {
    assert.ok(side.nodes > 1000, `${side.nodes} nodes`);
    assert.ok(side.size_bytes > 100_000);
    assert.match(side.size, /^[\d.]+ (bytes|kb|mb)$/);
  }
  assert.equal(typeof diff.change.size_bytes, 'number');
  assert.equal(typeof diff.change.freed_nodes, 'number');
  assert.equal(typeof diff.change.allocated_nodes, 'number');
  for (const row of diff.change.details) {
    // node-memwatch's fields, the class's origin, and the groups of the added objects if any.
    const keys = Object.keys(row).filter((key) => key !== 'groups');
    assert.ok(row.groups === undefined || row['+'] > 0, 'only added objects are grouped');
    assert.deepEqual(keys.sort(), ['+', '-', 'origin', 'retained_size_bytes', 'size', 'size_bytes', 'what'].sort());
    assert.match(row.origin, /^(program|runtime)$/);
  }
}

function rowOf(diff, what) {
  return diff.change.details.find((d) => d.what === what);
}

test('HeapDiff: the leaking class is the top row, with the exact count', () => {
  const hd = new memwatch.HeapDiff();
  leak(10_000);
  const diff = hd.end();
  checkShape(diff);
  const top = diff.change.details[0];
  assert.equal(top.what, 'LeakingClass', `top rows: ${diff.change.details.slice(0, 3).map((d) => d.what)}`);
  assert.equal(top['+'], 10_000);
  assert.equal(top['-'], 0);
  assert.ok(top.size_bytes >= 10_000 * 16, `${top.size_bytes} bytes`);
  assert.ok(top.retained_size_bytes >= top.size_bytes, 'it retains its payload too');
});

test('HeapDiff: end() twice throws as node-memwatch does', () => {
  const hd = new memwatch.HeapDiff();
  hd.end();
  assert.throws(() => hd.end(), { message: 'attempt to end() a HeapDiff that was already ended' });
});

test('HeapDiff: freed objects are counted', () => {
  leak(2_000);
  const hd = new memwatch.HeapDiff();
  globalThis.leakwatchTestLeaks = [];
  const diff = hd.end();
  const row = rowOf(diff, 'LeakingClass');
  assert.equal(row['-'], 12_000);
  assert.equal(row['+'], 0);
  assert.ok(diff.change.freed_nodes >= 12_000);
  assert.ok(row.size_bytes < 0);
});

test('HeapDiff: endAsync() analyses off the JS thread and gives the same answer', async () => {
  const hd = new memwatch.HeapDiff();
  leak(3_000);
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 0);
  const pending = hd.endAsync();
  assert.ok(pending instanceof Promise);
  const diff = await pending;
  clearInterval(timer);
  checkShape(diff);
  assert.equal(rowOf(diff, 'LeakingClass')['+'], 3_000);
  assert.ok(ticks >= 0);
  await assert.rejects(hd.endAsync(), { message: 'attempt to end() a HeapDiff that was already ended' });
  assert.throws(() => hd.end(), { message: 'attempt to end() a HeapDiff that was already ended' });
});

/** V8's script id of this file, as the inspector protocol's call frames name it. */
function thisScriptId() {
  const { postNow } = require('../../lib/snapshot/inspector');
  globalThis.leakwatchTestClass = LeakingClass;
  const { result } = postNow('Runtime.evaluate', { expression: 'leakwatchTestClass' });
  try {
    const { internalProperties } = postNow('Runtime.getProperties', { objectId: result.objectId });
    return Number(internalProperties.find((p) => p.name === '[[FunctionLocation]]').value.value.scriptId);
  } finally {
    postNow('Runtime.releaseObject', { objectId: result.objectId });
    delete globalThis.leakwatchTestClass;
  }
}

test('HeapDiff: with {retainers}, the top rows say what holds them and where their class is defined', async () => {
  const lines = fs.readFileSync(__filename, 'utf8').split('\n');
  const line = lines.findIndex((text) => text.startsWith('class LeakingClass')) + 1;
  const column = lines[line].indexOf('(') + 1;
  for (const end of ['end', 'endAsync']) {
    const hd = new memwatch.HeapDiff();
    leak(2_000);
    const diff = await hd[end]({ retainers: 3 });
    const row = rowOf(diff, 'LeakingClass');
    assert.equal(diff.change.details.indexOf(row), 0, end);
    assert.match(row.retainers, /^global → leakwatchTestLeaks → \[\d+\] → LeakingClass$/, end);
    assert.equal(row.held_by, 'globalThis.leakwatchTestLeaks (Array)', end);
    // The constructor's parameters: on the line after `class LeakingClass {`, in this file (no source map).
    assert.deepEqual(row.defined_at, { script_id: thisScriptId(), file: __filename, line: line + 1, column }, end);
    globalThis.leakwatchTestLeaks = [];
  }
});

test('HeapDiff: the inspector way reads the same snapshots (Node < 22)', () => {
  let hd;
  try {
    hd = new memwatch.HeapDiff({ method: 'inspector' });
  } catch (err) {
    // From Node 22 the inspector takes snapshots in a later task: a clear error, no wrong diff.
    assert.match(err.message, /does not take heap snapshots synchronously/);
    assert.ok(Number(process.versions.node.split('.')[0]) >= 22, `on Node ${process.version}`);
    return;
  }
  leak(1_000);
  const diff = hd.end();
  checkShape(diff);
  assert.equal(rowOf(diff, 'LeakingClass')['+'], 1_000);
});

test("HeapDiff's own GCs emit no stats", async () => {
  const v8 = require('node:v8');
  const seen = [];
  const onStats = (s) => seen.push(s);
  memwatch.on('stats', onStats);
  const profiler = new v8.GCProfiler();
  const t0 = Date.now() * 1000;
  profiler.start();
  new memwatch.HeapDiff().end();
  const during = profiler.stop().statistics.filter((r) => r.gcType === 'MarkSweepCompact').length;
  const t1 = Date.now() * 1000;
  // Stats come in the order of their GCs: once gc()'s has come, any of the snapshots' would have.
  memwatch.gc();
  await waitFor(() => seen.some((s) => s.gc_ts > t1), { what: 'the stats of gc()' });
  memwatch.off('stats', onStats);
  assert.ok(during > 0, 'the snapshots did collect garbage');
  const inside = seen.filter((s) => s.gc_ts >= t0 && s.gc_ts <= t1);
  assert.deepEqual(inside, [], 'no stats for the GCs of the snapshots');
});

test('a HeapDiff inside a stats listener works, as node-memwatch allowed', async () => {
  const seen = [];
  const diffs = [];
  const onStats = (s) => {
    seen.push(s);
    if (diffs.length === 0) {
      const hd = new memwatch.HeapDiff();
      leak(500);
      diffs.push(hd.end());
    }
  };
  memwatch.on('stats', onStats);
  memwatch.gc();
  await waitFor(() => diffs.length === 1);
  memwatch.gc();
  memwatch.gc();
  await waitFor(() => seen.length >= 3);
  memwatch.off('stats', onStats);
  assert.equal(rowOf(diffs[0], 'LeakingClass')['+'], 500);
  seen.forEach((s, i) => assert.equal(s.num_full_gc, i + 1, 'in order, none twice, none of the snapshots'));
});

// An object made before any snapshot, so that every snapshot numbers it.
globalThis.leakwatchIdProbe = { watched: true };

/** The heap object id V8 gives that object now (it changes once V8 forgets the ids). */
function idOfProbe() {
  const { postNow } = require('../../lib/snapshot/inspector');
  const { result } = postNow('Runtime.evaluate', { expression: 'globalThis.leakwatchIdProbe' });
  try {
    return postNow('HeapProfiler.getHeapObjectId', { objectId: result.objectId }).heapSnapshotObjectId;
  } finally {
    postNow('Runtime.releaseObject', { objectId: result.objectId });
  }
}

// V8 tracks every object the GC moves for as long as it keeps object ids, which costs busy
// programs several percent of their CPU: leakwatch keeps them only while a HeapDiff is open.
test('object ids are kept while a HeapDiff is open and forgotten after', () => {
  const outer = new memwatch.HeapDiff();
  const during = idOfProbe();
  new memwatch.HeapDiff().end();
  assert.equal(idOfProbe(), during, 'a HeapDiff ending while another is open keeps the ids');
  outer.end();
  const after = idOfProbe();
  assert.notEqual(after, during, 'with no HeapDiff open, V8 numbers objects afresh');
  assert.ok(Number(after) < Number(during), `fresh numbering starts low: ${after} after ${during}`);
});

test("a HeapDiff leakwatch abandons lets go of V8's object ids at once, and cannot be ended", () => {
  const { abandonHeapDiff } = require('../../lib/snapshot/heap-diff');
  const hd = new memwatch.HeapDiff();
  const during = idOfProbe();
  abandonHeapDiff(hd);
  assert.notEqual(idOfProbe(), during, 'the ids are forgotten without waiting for the HeapDiff to be collected');
  assert.throws(() => hd.end(), { message: 'attempt to end() a HeapDiff that was already ended' });
  abandonHeapDiff(hd);
});
