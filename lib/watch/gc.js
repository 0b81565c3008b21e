// @ts-check
'use strict';
// gc(): a full, compacting garbage collection without starting node with --expose-gc.
//
// V8 installs its `gc` function in every context created while the --expose-gc flag is set. The
// flag is set just long enough to create one fresh vm context and take `gc` out of it; the flag
// is then cleared again, so the program's own global object (and any context it makes later)
// stays as it was: `globalThis.gc` remains undefined unless node was started with --expose-gc.

const v8 = require('node:v8');
const vm = require('node:vm');

let collect = null;

function startedWithExposeGc() {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS || '').split(/\s+/)];
  return flags.some((f) => f === '--expose-gc' || f === '--expose_gc');
}

function collector() {
  if (collect) return collect;
  if (typeof globalThis.gc === 'function') {
    collect = globalThis.gc;
  } else {
    v8.setFlagsFromString('--expose-gc');
    try {
      collect = vm.runInNewContext('gc');
    } finally {
      if (!startedWithExposeGc()) v8.setFlagsFromString('--no-expose-gc');
    }
  }
  return collect;
}

/** Runs a full mark-sweep-compact GC now, on this thread. */
function gc() {
  collector()();
}

module.exports = { gc };
