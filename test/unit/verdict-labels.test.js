'use strict';
// The matcher the benches judge leakwatch's verdict with (bench/verdict-labels.js), on held_by
// lines written as leakwatch may write them, and the labels of examples/leaks/programs.json.
const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { heldByMisses, heldByMatches, describeHeldBy, labelProblems, siteMatches } = require('../../bench/verdict-labels');

const root = path.join(__dirname, '..', '..');

describe('held_by of a module-level variable', () => {
  const handlers = { kind: 'variable', name: 'handlers', file: 'examples/leaks/closures.js' };

  test('matches the variable and its file, however the path is written', () => {
    for (const line of [
      '`handlers` (Array) in examples/leaks/closures.js',
      '`handlers` (Array) in /home/dev/app/examples/leaks/closures.js',
      'handlers (Array, 1,204 elements), closures.js:14',
      'module examples/leaks/closures.js → handlers → [2399] → RequestContext',
    ]) {
      assert.deepEqual(heldByMisses(handlers, line), [], line);
    }
  });

  test('a property of the exports counts as the variable', () => {
    const leaked = { kind: 'variable', name: 'leakedRequests', file: 'examples/workload.js' };
    assert.ok(heldByMatches(leaked, '`leakedRequests` (Array), exported by examples/workload.js'));
    assert.ok(heldByMatches(leaked, 'module examples/workload.js → exports.leakedRequests'));
  });

  test('another name, a longer name or another file does not match', () => {
    assert.deepEqual(heldByMisses(handlers, '`routes` (Array) in examples/leaks/closures.js'), ['name handlers']);
    assert.deepEqual(heldByMisses(handlers, '`handlersByPath` (Map) in examples/leaks/closures.js'), ['name handlers']);
    assert.deepEqual(heldByMisses(handlers, '`handlers` (Array) in examples/leaks/other-closures.js'), ['file examples/leaks/closures.js']);
    assert.deepEqual(heldByMisses(handlers, '`handlers` (Array) in node:internal/closures'), ['file examples/leaks/closures.js']);
  });
});

describe('held_by of an emitter', () => {
  const price = { kind: 'emitter', event: 'price' };

  test("matches the event's listeners", () => {
    assert.ok(heldByMatches(price, "`bus.on('price')`, 1,204 listeners"));
    assert.ok(heldByMatches(price, 'EventEmitter `bus` in examples/leaks/listeners.js, event "price"'));
  });

  test('another event, or the name without a word for listeners, does not match', () => {
    assert.deepEqual(heldByMisses(price, "`bus.on('prices')`, 1,204 listeners"), ['event price']);
    assert.deepEqual(heldByMisses(price, '`price` (Map) in examples/leaks/listeners.js'), ['a word for emitter']);
  });
});

describe('held_by of an interval', () => {
  const poller = { kind: 'interval', file: 'examples/leaks/timers.js', line: 20 };

  test("matches a timer whose callback is at the labelled line", () => {
    assert.ok(heldByMatches(poller, 'an interval whose callback is the function at examples/leaks/timers.js:20, never cleared'));
    assert.ok(heldByMatches(poller, "Node's timer list: setInterval callback (anonymous) at timers.js:20:15"));
    assert.ok(heldByMatches({ kind: 'interval', file: 'examples/leaks/timers.js' }, 'interval callback in examples/leaks/timers.js'));
  });

  test('another line, no line, or no word for a timer does not match', () => {
    assert.deepEqual(heldByMisses(poller, 'an interval whose callback is at examples/leaks/timers.js:24'), ['file examples/leaks/timers.js:20']);
    assert.deepEqual(heldByMisses(poller, 'an interval whose callback is in examples/leaks/timers.js'), ['file examples/leaks/timers.js:20']);
    assert.deepEqual(heldByMisses(poller, '(anonymous) at examples/leaks/timers.js:20'), ['a word for interval']);
  });
});

describe('held_by of a promise that never settles', () => {
  const call = { kind: 'promise', function: 'call', file: 'examples/leaks/promises.js' };

  test('matches the function awaiting it', () => {
    assert.ok(heldByMatches(call, 'a pending promise awaited by call() at examples/leaks/promises.js:34'));
    assert.ok(heldByMatches(call, '`await` in call (examples/leaks/promises.js:34), never settled'));
  });

  test('the map of resolvers alone does not match', () => {
    assert.deepEqual(heldByMisses(call, '`replyTo` (Map) in examples/leaks/promises.js'), ['a word for promise', 'function call']);
  });
});

test('no held_by matches nothing', () => {
  const label = { kind: 'variable', name: 'cache', file: 'examples/leaks/map-cache.js' };
  for (const missing of [undefined, null, '', '  ']) assert.deepEqual(heldByMisses(label, missing), ['no held_by']);
});

test('a label of an unknown kind or without its fields is reported, and matches nothing', () => {
  assert.deepEqual(labelProblems({ kind: 'socket' }), ['unknown kind "socket"']);
  assert.deepEqual(labelProblems({ kind: 'promise', file: 'a.js' }), ['no function']);
  assert.deepEqual(heldByMisses({ kind: 'variable', name: 'cache' }, '`cache` (Map) in a.js'), ['bad label: no file']);
});

test('labels read as a few words', () => {
  assert.equal(describeHeldBy({ kind: 'variable', name: 'handlers', file: 'examples/leaks/closures.js' }), 'variable handlers (closures.js)');
  assert.equal(describeHeldBy({ kind: 'emitter', event: 'price' }), "emitter 'price'");
  assert.equal(describeHeldBy({ kind: 'interval', file: 'examples/leaks/timers.js', line: 20 }), 'interval (timers.js:20)');
  assert.equal(describeHeldBy({ kind: 'promise', function: 'call', file: 'examples/leaks/promises.js' }), 'promise awaited in call (promises.js)');
});

test('an allocation site matches by file and function, or by the starting line of an anonymous one', () => {
  const label = { file: 'examples/leaks/map-cache.js', functions: ['handleRequest', '(anonymous):24'] };
  const file = path.join(root, 'examples', 'leaks', 'map-cache.js');
  assert.ok(siteMatches(label, { function: 'handleRequest', file, line: 18 }, root));
  assert.ok(siteMatches(label, { function: '(anonymous)', file, line: 24 }, root));
  assert.ok(!siteMatches(label, { function: '(anonymous)', file, line: 25 }, root));
  assert.ok(!siteMatches(label, { function: 'handleRequest', file: path.join(root, 'examples', 'workload.js'), line: 18 }, root));
  assert.ok(!siteMatches(label, null, root));
});

test("every leaking program of examples/leaks is labelled with its class, site and held_by, in files that exist", () => {
  const programs = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'leaks', 'programs.json'), 'utf8'));
  for (const entry of programs) {
    assert.ok(fs.existsSync(path.join(root, 'examples', 'leaks', entry.program)), entry.program);
    if (!entry.leaks) {
      assert.equal(entry.class, undefined, entry.program);
      continue;
    }
    assert.match(entry.class, /^[A-Z]\w*$/, entry.program);
    assert.ok(fs.existsSync(path.join(root, entry.site.file)) && entry.site.functions.length > 0, entry.program);
    assert.deepEqual(labelProblems(entry.held_by), [], entry.program);
    if (entry.held_by.file) assert.ok(fs.existsSync(path.join(root, entry.held_by.file)), entry.program);
  }
  assert.ok(programs.some((e) => e.held_by?.kind === 'promise') && programs.some((e) => e.program === 'shared-context.js'));
});
