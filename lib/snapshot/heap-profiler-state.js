// @ts-check
'use strict';
// Making V8 forget what heap snapshots leave behind, once nothing of leakwatch's needs it.
//
// A heap snapshot numbers every object, and from then on V8 keeps those numbers stable by tracking
// every object each GC moves: a cost on every scavenge (bench/overhead.js measures it) that V8
// never stops paying on its own. It also leaves malloc holding the memory the snapshot was built
// in, several times the heap. A HeapDiff needs the numbers from its first snapshot to its second;
// nothing else does. So leakwatch counts what uses the heap profiler (open HeapDiffs, a running
// sampling profile) and, whenever the count is zero after a snapshot or falls to zero, makes V8
// forget the numbers (HeapProfiler.disable on leakwatch's inspector session clears them and stops
// the tracking; it would also stop a sampling profile, hence the count). After each snapshot it
// also gives malloc's free memory back.

const native = require('../native');
const { postNow } = require('./inspector');

let users = 0;
/** Whether V8 may be tracking object ids since a snapshot. */
let numbered = false;

/**
 * Marks the heap profiler's state (object ids, a sampling profile) as in use until the returned
 * function is called; calling it again does nothing.
 */
function keepHeapProfiler() {
  users += 1;
  let released = false;
  return function release() {
    if (released) return;
    released = true;
    users -= 1;
    forgetIfUnused();
  };
}

/** How many snapshots leakwatch has taken in this thread: the leak detector reads it (ownSnapshots). */
let snapshots = 0;

/** Called after every snapshot that leakwatch takes. */
function snapshotTaken() {
  snapshots += 1;
  numbered = true;
  forgetIfUnused();
  native.releaseFreeMemory();
}

function forgetIfUnused() {
  if (users > 0 || !numbered) return;
  numbered = false;
  try {
    postNow('HeapProfiler.enable');
    postNow('HeapProfiler.disable');
  } catch (err) {
    // The ids stay, and cost what they cost: no reason to fail the snapshot or diff that ended.
    process.emitWarning(`leakwatch could not clear V8's heap object ids: ${err.message}`, 'LeakwatchWarning');
  }
}

/** How many snapshots leakwatch has taken in this thread so far. */
const ownSnapshots = () => snapshots;

module.exports = { keepHeapProfiler, snapshotTaken, ownSnapshots };
