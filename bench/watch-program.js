'use strict';
// Runs one labelled program (examples/leaks/) under leakwatch with default settings, for
// bench/leak-detection.js:
//
//   node bench/watch-program.js PROGRAM TRACE_FILE
//
// Prints each 'leak' event as a JSON line ({seconds, report}) and writes every GC leakwatch saw
// to TRACE_FILE as JSON lines, so other rules can be judged on the same GCs afterwards: `heap` is
// the heap used, `data_heap` what the detector watches (the heap less V8's code and bytecode).

const fs = require('node:fs');
const path = require('node:path');
const memwatch = require('..');
const { dataHeapUsed } = require('../lib/watch/data-heap');

const [program, traceFile] = process.argv.slice(2);
const started = Date.now();
const trace = fs.openSync(traceFile, 'w');

memwatch.on('gc', (gc) => {
  const line = { t: gc.end_ms, kind: gc.kind, heap: gc.used_after, data_heap: dataHeapUsed(gc), external: gc.external_after, ms: gc.duration_ms };
  fs.writeSync(trace, JSON.stringify(line) + '\n');
});
memwatch.on('leak', (report) => {
  console.log(JSON.stringify({ seconds: (Date.now() - started) / 1000, report }));
});

require(path.resolve(program));
