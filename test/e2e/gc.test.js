'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('../helpers/child');

test('with --expose-gc, gc() uses the global gc and keeps the flag', async () => {
  const r = await runNode(
    `const mw = require('.'); const vm = require('vm'); mw.gc();
     console.log(typeof gc, vm.runInNewContext('typeof gc'));`,
    { args: ['--expose-gc'] },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function function');
});
