'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const native = require('../../lib/native');

test('a malformed snapshot is a JS error, not a crash', () => {
  assert.throws(() => {
    const feed = new native.SnapshotFeed();
    feed.feed(Buffer.from('{"snapshot": {"meta": 17}, "nodes": [1, 2'));
    feed.census();
  }, /leakwatch|snapshot/);
  // The addon still works afterwards.
  assert.equal(native.niceSize(2048), '2 kb');
});

test('a spent feed says so', () => {
  const feed = new native.SnapshotFeed();
  feed.discard();
  assert.throws(() => feed.feed(Buffer.from('{')), /already ended or discarded/);
  assert.throws(() => feed.census(), /already ended or discarded/);
});
