'use strict';
// memwatch.findLeaks on this process: what an action allocated and its undo left behind.
const test = require('node:test');
const assert = require('node:assert/strict');
const memwatch = require('../..');

class OpenTab {
  constructor(i) {
    this.i = i;
  }
}
class ClosedTabRecord {
  constructor(tab) {
    this.index = tab.i;
  }
}
const openTabs = [];
const closedTabs = [];

test('findLeaks: what the undo forgot is a group with its count and path, what it undid is not', async () => {
  const found = await memwatch.findLeaks({
    action: () => {
      for (let i = 0; i < 50; i++) openTabs.push(new OpenTab(i));
    },
    back: async () => {
      // Closing keeps a record of each tab, created during the undo, and a forgotten 10 tabs.
      for (const tab of openTabs.splice(10)) closedTabs.push(new ClosedTabRecord(tab));
    },
  });
  const tabs = found.groups.filter((g) => g.class === 'OpenTab');
  assert.equal(tabs.length, 1, JSON.stringify(tabs));
  assert.equal(tabs[0].count, 10);
  assert.match(tabs[0].shape, /\[\] → OpenTab$/);
  assert.match(tabs[0].path, /openTabs → Array @\d+ → \[\d\] → OpenTab @\d+$/);
  assert.ok(tabs[0].retained_size > 0);
  // Allocated after the target snapshot: not the action's.
  assert.ok(!found.groups.some((g) => g.class === 'ClosedTabRecord'));
  assert.ok(found.still_alive >= 10);
  // The first snapshots of this process: nothing leakwatch made to take them is a group.
  const own = ['HeapCensus', 'SnapshotParser', 'HeapSnapshotStream', 'AsyncWrap', 'ReadableState'];
  assert.deepEqual(found.groups.filter((g) => own.includes(g.class)).map((g) => g.class), []);
});

test('findLeaks: missing functions or a bad repeat are TypeErrors', async () => {
  const noop = () => {};
  await assert.rejects(memwatch.findLeaks({ back: noop }), { name: 'TypeError', message: /'action' function/ });
  await assert.rejects(memwatch.findLeaks({ action: noop }), { name: 'TypeError', message: /'back' function/ });
  await assert.rejects(memwatch.findLeaks({ action: noop, back: noop, repeat: -1 }), { name: 'TypeError', message: /'repeat'/ });
  await assert.rejects(memwatch.findLeaks(), { name: 'TypeError' });
});
