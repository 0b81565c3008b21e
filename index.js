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

module.exports = new LeakWatch();
module.exports.LeakWatch = LeakWatch;
module.exports.assertNoLeak = assertNoLeak;
module.exports.LeakError = LeakError;
module.exports.findLeaks = findLeaks;
