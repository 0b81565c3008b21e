// @ts-check
'use strict';
// gc(): a full, compacting garbage collection without starting node with --expose-gc.
//
// V8 installs its `gc` function in every context created while the --expose-gc flag is set. The
// flag is set just long enough to create one fresh vm context and take `gc` out of it; the flag
// is then cleared again, so the program's own global object (and any context it makes later)
// stays as it was: `globalThis.gc` remains undefined unless node was started with --expose-gc.
// The flag is the process's, shared by every worker thread: another thread may clear it between
// the moment this one sets it and the moment its context is made, so that is tried again.

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
    for (let attempt = 0; collect === null; attempt++) {
      v8.setFlagsFromString('--expose-gc');
      try {
        collect = vm.runInNewContext('typeof gc === "function" ? gc : null');
      } finally {
        if (!startedWithExposeGc()) v8.setFlagsFromString('--no-expose-gc');
      }
      if (collect === null && attempt === 100) throw new Error('leakwatch: V8 did not expose gc() in a new context');
    }
  }
  return collect;
}

/** Runs a full mark-sweep-compact GC now, on this thread. */
function gc() {
  collector()();
}

module.exports = { gc };
