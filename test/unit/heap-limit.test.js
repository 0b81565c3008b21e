'use strict';
// The heap's limit: where V8 ends the process, how long a leak leaves, and when to warn.
const test = require('node:test');
const assert = require('node:assert/strict');
const { HeapLimitWatch, heapLimit, secondsToLimit } = require('../../lib/watch/heap-limit');

const MB = 1024 * 1024;

test('the limit is the old generation size the process set, else heap_size_limit', () => {
  // Node 24 with --max-old-space-size=64 reports a heap_size_limit of 256 MB.
  assert.equal(heapLimit(256 * MB, ['--max-old-space-size=64'], ''), 64 * MB);
  assert.equal(heapLimit(256 * MB, [], '--inspect --max_old_space_size=100'), 100 * MB);
  assert.equal(heapLimit(256 * MB, ['--max-old-space-size=200'], '--max-old-space-size=100'), 200 * MB, 'the command line comes after NODE_OPTIONS');
  assert.equal(heapLimit(4144 * MB, ['--expose-gc'], ''), 4144 * MB);
});

test('seconds to the limit at a rate; none when the heap does not grow', () => {
  assert.equal(secondsToLimit(100 * MB, 1100 * MB, MB), 1000);
  assert.equal(secondsToLimit(1200 * MB, 1100 * MB, MB), 0);
  assert.equal(secondsToLimit(100 * MB, 1100 * MB, 0), null);
  assert.equal(secondsToLimit(100 * MB, 1100 * MB, -5), null);
});

test('the near-limit warning fires once on crossing, again only after the heap fell 5 points below', () => {
  const watch = new HeapLimitWatch(0.9);
  const at = (share) => watch.observe({ used_after: share * 1000 * MB }, 1000 * MB);
  assert.equal(at(0.5), null);
  assert.match(at(0.91), /^the heap after a full GC is 91% of its 1000 MB limit; /);
  assert.equal(at(0.95), null, 'not again while it stays near');
  assert.equal(at(0.87), null, 'within 5 points: still near');
  assert.equal(at(0.92), null);
  assert.equal(at(0.8), null);
  assert.match(at(0.9), /^the heap after a full GC is 90% /, 'again after falling well below');
  assert.equal(new HeapLimitWatch(0).observe({ used_after: 999 * MB }, 1000 * MB), null, '0 turns it off');
});
