'use strict';
// stop() in a fresh node process: nothing of leakwatch's keeps the program running.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('../helpers/child');

test('after stop() a watching process exits on its own', async () => {
  const r = await runNode(
    `const memwatch = require('.');
     let stats = 0;
     memwatch.on('leak', () => {});
     memwatch.configure({ leak: { minWindowMs: 1000 } });
     const keep = [];
     const timer = setInterval(() => {
       for (let i = 0; i < 10000; i++) keep.push({ i });
       memwatch.gc();
     }, 20);
     // Stops once leakwatch is in full swing: a few full GCs seen, the detector fed.
     memwatch.on('stats', () => {
       if (++stats < 3) return;
       clearInterval(timer);
       memwatch.stop();
       console.log('stopped after', stats, 'stats');
       process.on('exit', () => console.log('exit'));
     });`,
    { timeoutMs: 10_000 },
  );
  assert.equal(r.timedOut, false, 'the process did not exit within 10 s');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^stopped after 3 stats\nexit\n$/);
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});
