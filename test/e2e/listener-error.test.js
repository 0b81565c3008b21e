'use strict';
// A listener's exception, with no 'error' listener, in a fresh node process.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('../helpers/child');

test('a throwing listener with no error listener is an uncaught exception of the program', async () => {
  const r = await runNode(
    `const memwatch = require('.');
     memwatch.on('stats', () => { throw new Error('listener bug'); });
     memwatch.gc();
     // Keeps the program alive until the listener has run: the exception ends it at once.
     setTimeout(() => {}, 5000);`,
    { timeoutMs: 10_000 },
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Error: listener bug/);
  // Rethrown from leakwatch's process.nextTick, not from inside the GC observer.
  assert.match(r.stderr.split('\n')[0], /lib[\\/]memwatch\.js:\d+$/);
});
