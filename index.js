'use strict';
// leakwatch: node-memwatch's API (`stats` and `leak` events, gc(), HeapDiff) on a Rust engine.
//
//   const memwatch = require('leakwatch');
//   memwatch.on('stats', (stats) => { ... });  // after every full GC
//   memwatch.on('leak', (info) => { ... });    // a steady rise of post-GC memory
//   const hd = new memwatch.HeapDiff();        // ...later: hd.end() or await hd.endAsync()
//   memwatch.stop();                           // removes every observer leakwatch started
//   await memwatch.assertNoLeak(() => handler()); // in a test: rejects with a LeakError if it leaks
//
// See index.d.ts for every field. One file per concept lives in lib/.

const { LeakWatch } = require('./lib/memwatch');
const { assertNoLeak, LeakError } = require('./lib/leak-test/assert-no-leak');
const { findLeaks } = require('./lib/snapshot/find-leaks');

// One memwatch per thread, even when two copies of leakwatch are loaded (`leakwatch watch`'s and
// the program's own): two detectors would each run probes and hunts on the same heap.
const INSTANCE = Symbol.for('leakwatch.instance');
if (!Object.hasOwn(globalThis, INSTANCE)) {
  const memwatch = new LeakWatch();
  memwatch.LeakWatch = LeakWatch;
  memwatch.assertNoLeak = assertNoLeak;
  memwatch.LeakError = LeakError;
  memwatch.findLeaks = findLeaks;
  Object.defineProperty(globalThis, INSTANCE, { value: memwatch, enumerable: false, configurable: true });
}
module.exports = globalThis[INSTANCE];
