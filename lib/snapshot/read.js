// @ts-check
'use strict';
// Reading a heap snapshot of this isolate synchronously, chunk by chunk, into the native parser.
//
// node-memwatch's `new HeapDiff()` and `end()` take their snapshot before they return, so it must
// be read synchronously; and a large heap's snapshot is gigabytes of JSON, which must never be held
// whole. Two in-process ways do both:
//
// 1. v8.getHeapSnapshot(), used first and cheaper (chunks arrive as bytes). Its readStart() makes
//    V8 serialize the whole snapshot synchronously, pushing each chunk as V8 writes it; read the
//    ordinary way, the chunks would pile up in the Readable's buffer. So the stream gets its own
//    push(), which hands each chunk to the parser at once and keeps nothing, and the public
//    read(0) starts it. Every read checks that the stream ended before read(0) returned; if a
//    future Node serialized asynchronously, way 2 is used from then on.
// 2. The inspector protocol: on Node 18 and 20, HeapProfiler.takeHeapSnapshot on a session of
//    this thread delivers every chunk before post() returns (escaped into protocol messages, so
//    it costs more). From Node 22 the inspector takes it in a later task, so the first attempt
//    finds that out and later ones fail at once. The session is never disconnected: see below.
//
// Object ids, which a diff matches objects by, live in V8's HeapProfiler and survive between
// snapshots, whichever way each is taken, unless an inspector session disconnects in between
// (a debugger detaching, say): V8 then forgets them all. leakwatch itself makes V8 forget them
// once no HeapDiff needs them (lib/snapshot/heap-profiler-state.js).
//
// Before any snapshot, lib/snapshot/room.js checks that the process has the memory for it.
//
// What leakwatch holds while it measures (the stream, the parser, its HeapDiffs) is left out of
// the census: the parser is told leakwatch's own scripts, and the engine leaves out their
// objects and functions and whatever only those hold (crates/leakwatch-core/src/own_objects.rs).
// The stream is never ended or destroyed through Node's stream code, which would queue a
// process.nextTick() holding it: the next snapshot, if taken in the same tick, would show it.
//
// Either way V8 first collects garbage; those GCs are the snapshot's, not the program's, so
// observers registered with onSnapshot() are told before and after (node-memwatch likewise never
// emitted 'stats' for a HeapDiff's own GCs).

const path = require('node:path');
const v8 = require('node:v8');
const native = require('../native');
const { inspectorSession } = require('./inspector');
const { snapshotTaken } = require('./heap-profiler-state');
const { assertRoomForSnapshot, recordSnapshotSize } = require('./room');

/** leakwatch's own scripts, as the native parser takes them: files, and directories ending in a separator. */
const PACKAGE = path.resolve(__dirname, '..', '..');
const OWN_SCRIPTS = [path.join(PACKAGE, 'index.js'), path.join(PACKAGE, 'lib') + path.sep, path.join(PACKAGE, 'dashboard') + path.sep];

const observers = new Set();

/**
 * Registers `{before(), after()}` to be called around every snapshot. Returns a function that
 * unregisters it.
 */
function onSnapshot(observer) {
  observers.add(observer);
  return () => observers.delete(observer);
}

let streamIsSynchronous = true;

/**
 * Takes a heap snapshot of this isolate now and feeds it to a new native.SnapshotParser, which is
 * returned ready for census(), censusInBackground() or censusAsync(). `method` forces one way
 * ('stream' or 'inspector'), for tests.
 * @param {{method?: 'stream' | 'inspector'}} [options]
 */
function readSnapshot({ method } = {}) {
  return duringSnapshot({ parse: true }, () => {
    if (method !== 'inspector' && streamIsSynchronous) {
      const parser = newParser();
      if (streamInto(parser)) return parser;
      parser.discard();
      if (method === 'stream') throw new Error('leakwatch: this Node does not stream heap snapshots synchronously');
    }
    const parser = newParser();
    inspectInto(parser);
    return parser;
  });
}

/**
 * The parser being fed: held here, by leakwatch's own module, and not by the stack alone, so
 * that the snapshot it reads leaves it out.
 */
let parserBeingFed = null;

function newParser() {
  parserBeingFed = new native.SnapshotParser(OWN_SCRIPTS);
  return parserBeingFed;
}

/**
 * Runs `takeSnapshot()`, which takes a heap snapshot in any way, with the observers told before
 * and after, so the GCs V8 runs for the snapshot are not taken for the program's. Returns what it
 * returns. Throws (code LEAKWATCH_NO_ROOM) without taking it when the process lacks the memory;
 * `parse` says whether leakwatch reads the snapshot, which needs more.
 * @template T
 * @param {{parse: boolean}} options
 * @param {() => T} takeSnapshot
 * @returns {T}
 */
function duringSnapshot({ parse }, takeSnapshot) {
  assertRoomForSnapshot({ parse });
  try {
    return asideFromProgram(takeSnapshot);
  } finally {
    parserBeingFed = null;
    snapshotTaken();
  }
}

/**
 * Runs `read()`, which makes V8 collect for leakwatch's own purposes (a snapshot, a reading of
 * the sampling heap profiler), with the observers told before and after, so that those GCs are
 * not taken for the program's. Returns what it returns.
 */
function asideFromProgram(read) {
  for (const o of observers) o.before();
  try {
    return read();
  } finally {
    for (const o of observers) o.after();
  }
}

/** Way 1. Returns false, having fed nothing usable, if the stream did not end synchronously. */
function streamInto(parser) {
  const usedHeap = v8.getHeapStatistics().used_heap_size;
  const stream = v8.getHeapSnapshot();
  let ended = false;
  let bytes = 0;
  let failure = null;
  // Called by Node's stream machinery from inside V8's serializer: it must not throw.
  stream.push = (chunk) => {
    if (chunk === null) {
      // Not passed on (see the top of this file). The stream stays in its reading state, so
      // Node's read(0) after the end does not start V8's serializer again; V8's native stream
      // is freed when the JS object is collected.
      ended = true;
      return false;
    }
    if (failure === null && !ended) {
      bytes += chunk.byteLength;
      try {
        // Each chunk comes in an ArrayBuffer of its own, which nothing else uses once Node's
        // stream code has handed it here: free it at once (see SnapshotParser.feedAndFree).
        const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
        if (whole) parser.feedAndFree(chunk.buffer);
        else parser.feed(chunk);
      } catch (err) {
        failure = err;
      }
    }
    return true;
  };
  try {
    stream.read(0);
  } catch (err) {
    failure ??= err;
  }
  if (!ended) {
    // Not synchronous here: leave the stream to drain into nothing and never try again.
    streamIsSynchronous = false;
    failure = new Error('not synchronous');
    return false;
  }
  if (failure) throw failure;
  recordSnapshotSize(bytes, usedHeap);
  return true;
}

// Way 2's session is leakwatch's one inspector session, never disconnected (see lib/snapshot/inspector.js).
let session = null;
let sink = null;
let inspectorIsSynchronous = true;

/** Way 2. */
function inspectInto(parser) {
  if (!inspectorIsSynchronous) throw notSynchronous();
  if (session === null) {
    session = inspectorSession();
    session.on('HeapProfiler.addHeapSnapshotChunk', (message) => {
      if (sink !== null) sink(message.params.chunk);
    });
  }
  let failure = null;
  let finished = false;
  const usedHeap = v8.getHeapStatistics().used_heap_size;
  let bytes = 0;
  sink = (chunk) => {
    if (failure !== null) return;
    bytes += chunk.length;
    try {
      parser.feedString(chunk);
    } catch (err) {
      failure = err;
    }
  };
  try {
    session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, (err) => {
      finished = true;
      if (err && failure === null) failure = err;
    });
  } finally {
    sink = null;
  }
  if (!finished) {
    // The snapshot will be taken later; its chunks arrive while no sink is set and are dropped.
    inspectorIsSynchronous = false;
    throw notSynchronous();
  }
  if (failure) throw failure;
  recordSnapshotSize(bytes, usedHeap);
}

function notSynchronous() {
  return new Error(`leakwatch: the inspector of Node ${process.version} does not take heap snapshots synchronously`);
}

module.exports = { readSnapshot, onSnapshot, duringSnapshot, asideFromProgram };
