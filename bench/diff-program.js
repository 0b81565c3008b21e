'use strict';
// Runs one labelled program (examples/leaks/) with a HeapDiff around its leak, for
// bench/verdict.js:
//
//   node bench/diff-program.js PROGRAM WARM_UP_SECONDS SECONDS
//
// After WARM_UP_SECONDS, takes a HeapDiff; SECONDS later ends it with `retainers: 5` and prints
// its first rows and the classes of all its rows, in order, as one JSON line ({rows, classes}),
// then exits.

const path = require('node:path');
const memwatch = require('..');

const [program, warmUp, seconds] = process.argv.slice(2);
const ROWS = 5;

require(path.resolve(program));
setTimeout(() => {
  const diff = new memwatch.HeapDiff();
  setTimeout(() => {
    const { details } = diff.end({ retainers: ROWS }).change;
    console.log(JSON.stringify({ rows: details.slice(0, ROWS), classes: details.map((row) => row.what) }));
    process.exit(0);
  }, Number(seconds) * 1000);
}, Number(warmUp) * 1000);
