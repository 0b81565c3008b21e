'use strict';
// `leakwatch watch --native`'s reading of the allocator shim's reports, on two reports recorded
// from test/fixtures/native/leaky.js 4 s and 14 s after it started (leaky-4s.stacks,
// leaky-14s.stacks): the leak's stack is the one that grew, ranked first; what node allocated
// once at startup did not grow and is left out. Also the names given to the frames.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseStacksReport, mergeUnmappedFrames, growingStacks, nativeStackLines } = require('../../lib/cli/watch-native-stacks');
const { demangle, parseMaps } = require('../../lib/cli/watch-native-symbols');

const recorded = (name) => parseStacksReport(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'native', name), 'utf8'));
const early = recorded('leaky-4s.stacks');
const late = recorded('leaky-14s.stacks');
/** The return address into the test addon's leak() in the recorded process: the leak's stack has it. */
const LEAK_FRAME = 0x7fd111a593cf;
const isLeak = (stack) => stack.addresses.includes(LEAK_FRAME);

test('a report is read: its sampling, its stacks and their addresses', () => {
  assert.equal(late.samplingMeanBytes, 512 * 1024);
  assert.equal(late.droppedSamples, 0);
  const leak = late.stacks.find(isLeak);
  assert.ok(leak, 'the leak stack is in the report');
  assert.equal(leak.sampledBytes, leak.samples * 6400);
  assert.ok(leak.addresses.length >= 5 && leak.addresses.every(Number.isSafeInteger));
  assert.throws(() => parseStacksReport('stack 1 1 1 abc\n'), /not a leakwatch native stacks report/);
});

test('the stack that grew between two reports ranks first; stacks that did not are left out', () => {
  const grown = growingStacks(early, late);
  assert.ok(grown.length > 0);
  assert.ok(isLeak(grown[0]), JSON.stringify(grown[0]));
  const before = early.stacks.find(isLeak);
  const after = late.stacks.find(isLeak);
  assert.ok(after.samples > before.samples, 'the recorded leak took more samples');
  assert.equal(grown[0].growthBytes, after.estimatedBytes - before.estimatedBytes);
  assert.equal(grown[0].estimatedBytes, after.estimatedBytes);
  // node's startup allocations are in both reports, unchanged.
  const unchanged = late.stacks.filter((stack) => early.stacks.some((old) => old.addresses.join() === stack.addresses.join() && old.estimatedBytes === stack.estimatedBytes));
  assert.ok(unchanged.length >= 2);
  for (const stack of unchanged) assert.ok(!grown.some((g) => g.addresses === stack.addresses));
  for (let i = 1; i < grown.length; i++) assert.ok(grown[i - 1].growthBytes >= grown[i].growthBytes);
});

test('without a baseline every live stack counts as growth, the largest first, at most the limit', () => {
  const all = growingStacks(null, late, 100);
  assert.equal(all.length, late.stacks.length);
  assert.deepEqual(all.map((s) => s.growthBytes), late.stacks.map((s) => s.estimatedBytes).sort((a, b) => b - a));
  assert.equal(growingStacks(null, late, 2).length, 2);
});

test('stacks told apart by their native part only: the JS below it, compiled anew, is not', () => {
  // The leak reached from JS interpreted, then compiled (addresses outside the files, stacks of
  // other lengths); the other stack differs in a file's address before the JS, so it stays apart.
  const report = parseStacksReport(
    [
      'leakwatch-native-stacks 1',
      'sampling-mean-bytes 524288',
      'dropped-samples 0',
      'stack 1000 2 200 7fd111a593cf 7fd111a58654 c45d95 7fd103e4d546 c00001 c00001 bb835e',
      'stack 3000 5 500 7fd111a593cf 7fd111a58654 c45d95 7fd103f00100 7fd103f00200 bb835e',
      'stack 700 1 70 7fd111a593cf 7fd111a58654 c45d96 7fd103f00100 bb835e',
    ].join('\n'),
  );
  const inFile = (address) => address < 0x7fd103000000 || address >= 0x7fd111000000;
  const merged = mergeUnmappedFrames(report, inFile);
  assert.deepEqual(
    merged.stacks.map((s) => [s.estimatedBytes, s.samples, s.sampledBytes, s.addresses.map((a) => a.toString(16)).join(' ')]),
    [
      // Shown as the larger of the two.
      [4000, 7, 700, '7fd111a593cf 7fd111a58654 c45d95 0 0 bb835e'],
      [700, 1, 70, '7fd111a593cf 7fd111a58654 c45d96 0 bb835e'],
    ],
  );
  assert.equal(report.stacks.length, 3, 'the report itself is left as it was');
});

test('the lines of a leak report name each stack and its frames', () => {
  const [top] = growingStacks(early, late);
  const frames = [
    { address: '0x1', file: '/x/addon.node', function: 'addon::leak' },
    { address: '0x2', file: '/x/lib.so', function: null },
    { address: null, file: null, function: null },
  ];
  const lines = nativeStackLines([{ ...top, frames }], late.samplingMeanBytes);
  assert.match(lines[0], /one sample per ~512 kb allocated/);
  assert.match(lines[1], /^ {2}1\. \+\S+ \S+ live \(\S+ \S+ in all, \d+ samples?\)$/);
  assert.deepEqual(lines.slice(2), ['       addon::leak (/x/addon.node)', '       0x2 (/x/lib.so)', '       (code outside any file: JS that V8 compiled)']);
  assert.deepEqual(nativeStackLines([], late.samplingMeanBytes), ['  no sampled native stack grew']);
});

test('symbol names are demangled: Rust, C++ in namespaces, C left alone', () => {
  assert.equal(demangle('_ZN20leakwatch_test_addon4leak17h0123456789abcdefE'), 'leakwatch_test_addon::leak');
  assert.equal(demangle('_ZN4core3ptr46drop_in_place$LT$alloc..vec..Vec$LT$u8$GT$$GT$17h0123456789abcdefE'), 'core::ptr::drop_in_place<alloc::vec::Vec<u8>>');
  assert.equal(demangle('_ZN6v8impl12_GLOBAL__N_123FunctionCallbackWrapper6InvokeERKN2v820FunctionCallbackInfoINS2_5ValueEEE'), 'v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke');
  assert.equal(demangle('_ZNK2v88internal4Heap13SizeOfObjectsEv'), 'v8::internal::Heap::SizeOfObjects');
  assert.equal(demangle('_Znwm'), '_Znwm');
  assert.equal(demangle('_Z5helloi'), 'hello');
  assert.equal(demangle('__libc_start_main'), '__libc_start_main');
});

test('/proc/PID/maps: the file-backed mappings, by address', () => {
  const maps = parseMaps(
    [
      '7fd111a58000-7fd111a5a000 r-xp 00002000 fd:01 1234    /x/libleakwatch_test_addon.so',
      '7fd100000000-7fd100021000 rw-p 00000000 00:00 0 ',
      '00400000-00c00000 r-xp 00000000 fd:01 99      /usr/bin/node',
    ].join('\n'),
  );
  assert.deepEqual(maps, [
    { start: 0x400000, end: 0xc00000, offset: 0, file: '/usr/bin/node' },
    { start: 0x7fd111a58000, end: 0x7fd111a5a000, offset: 0x2000, file: '/x/libleakwatch_test_addon.so' },
  ]);
});
