'use strict';
// Whether a snapshot fits: the cgroup and machine memory read from fake /proc and /sys trees,
// and the estimate's scaling with the last snapshot's real size.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { memoryRoom, snapshotNeeds, recordSnapshotSize, lackOfRoomForSnapshot } = require('../../lib/snapshot/room');

const MB = 1024 * 1024;

/** A fake file system root holding `files` (path relative to the root → text). */
function fakeRoot(t, files) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-room-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

const meminfo = (availableMb) => `MemTotal:       24000000 kB\nMemFree:          100000 kB\nMemAvailable:   ${availableMb * 1024} kB\n`;

test('cgroup v2: the tightest limit minus usage on the way up the hierarchy', (t) => {
  const root = fakeRoot(t, {
    'proc/self/cgroup': '0::/kubepods/pod1/app\n',
    'proc/meminfo': meminfo(8000),
    'sys/fs/cgroup/kubepods/pod1/app/memory.max': 'max\n',
    'sys/fs/cgroup/kubepods/pod1/app/memory.current': `${300 * MB}\n`,
    'sys/fs/cgroup/kubepods/pod1/memory.max': `${512 * MB}\n`,
    'sys/fs/cgroup/kubepods/pod1/memory.current': `${400 * MB}\n`,
    'sys/fs/cgroup/kubepods/memory.max': `${4096 * MB}\n`,
    'sys/fs/cgroup/kubepods/memory.current': `${1000 * MB}\n`,
  });
  assert.deepEqual(memoryRoom(root), { bytes: 112 * MB, source: 'cgroup limit in /sys/fs/cgroup/kubepods/pod1/memory.max' });
});

test('cgroup v1: the memory controller limit minus usage; "unlimited" is no limit', (t) => {
  const limited = fakeRoot(t, {
    'proc/self/cgroup': '12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n',
    'proc/meminfo': meminfo(8000),
    'sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': `${256 * MB}\n`,
    'sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes': `${200 * MB}\n`,
  });
  assert.equal(memoryRoom(limited).bytes, 56 * MB);
  const unlimited = fakeRoot(t, {
    'proc/self/cgroup': '4:memory:/docker/abc\n',
    'proc/meminfo': meminfo(8000),
    'sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': '9223372036854771712\n',
    'sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes': `${200 * MB}\n`,
  });
  assert.deepEqual(memoryRoom(unlimited), { bytes: 8000 * MB, source: 'available memory' });
});

test('the machine is the limit when it has less left than the cgroup, or there is no cgroup', (t) => {
  const root = fakeRoot(t, {
    'proc/self/cgroup': '0::/app\n',
    'proc/meminfo': meminfo(100),
    'sys/fs/cgroup/app/memory.max': `${4096 * MB}\n`,
    'sys/fs/cgroup/app/memory.current': `${10 * MB}\n`,
  });
  assert.deepEqual(memoryRoom(root), { bytes: 100 * MB, source: 'available memory' });
  assert.deepEqual(memoryRoom(fakeRoot(t, { 'proc/meminfo': meminfo(700) })), { bytes: 700 * MB, source: 'available memory' });
});

test('the estimate assumes the worst before a snapshot is measured, then scales the real size', () => {
  const first = snapshotNeeds({ parse: true, usedHeap: 100 * MB, heapLimit: 4096 * MB });
  assert.ok(first.native >= 15 * 100 * MB, `${first.native / MB} MB for a 100 MB heap`);
  recordSnapshotSize(50 * MB, 100 * MB);
  const measured = snapshotNeeds({ parse: true, usedHeap: 200 * MB, heapLimit: 4096 * MB });
  assert.equal(measured.snapshotBytes, 100 * MB);
  assert.ok(measured.native < first.native * 2, 'scaled from the measured size');
  assert.ok(snapshotNeeds({ parse: false, usedHeap: 200 * MB, heapLimit: 4096 * MB }).native < measured.native, 'reading it needs more than writing it');
});

test('a container with too little left refuses the snapshot, naming the limit', (t) => {
  const root = fakeRoot(t, {
    'proc/self/cgroup': '0::/app\n',
    'proc/meminfo': meminfo(8000),
    'sys/fs/cgroup/app/memory.max': `${64 * MB}\n`,
    'sys/fs/cgroup/app/memory.current': `${63 * MB}\n`,
  });
  assert.match(lackOfRoomForSnapshot({ parse: true, root }), /^it would need about [\d.]+ MB of memory for a [\d.]+ MB heap, and the process has 1\.0 MB left \(cgroup limit in \/sys\/fs\/cgroup\/app\/memory\.max\)$/);
  const roomy = fakeRoot(t, { 'proc/meminfo': meminfo(20000) });
  assert.equal(lackOfRoomForSnapshot({ parse: true, root: roomy }), null);
});
