// @ts-check
'use strict';
// Reading a heap snapshot of this isolate synchronously, chunk by chunk, into the native parser.
//
// node-memwatch's `new HeapDiff()` and `end()` take their snapshot before they return, so the
// snapshot must be read synchronously; and a large heap gives a snapshot of gigabytes, so its JSON
// text must never be held whole. Two in-process ways do both:
//
// 1. v8.getHeapSnapshot() (used first). It returns a Readable over a native handle whose
//    readStart() makes V8 serialize the whole snapshot at once, synchronously, calling the
//    stream's push() with each chunk (a Buffer of about 64 KB) as V8 writes it. Consumed the
//    ordinary way, every chunk would pile up in the Readable's buffer, so the whole JSON would sit
//    in memory before the first 'data' event. Instead, this module gives the stream its own push()
//    that hands each chunk to the parser at once and keeps nothing, and calls the public
//    read(0) to start it. Only push() is replaced; the handle and the rest of the stream are
//    Node's own. This is the cheaper way: chunks arrive as bytes, with no protocol encoding.
//    Whether readStart() really finished synchronously is checked every time (the stream must
//    have ended by the time read(0) returns); if a future Node serialized asynchronously, its
//    chunks would be dropped and way 2 used from then on.
// 2. The inspector protocol: on Node 18 and 20, a node:inspector Session connected to this
//    thread dispatches HeapProfiler.takeHeapSnapshot synchronously, delivering each chunk as an
//    addHeapSnapshotChunk event before post() returns. It costs more (every chunk is escaped into
//    a protocol message, then parsed back into a string), so it is the fallback. From Node 22
//    (V8 12) the inspector takes the snapshot in a later task instead, so it cannot serve a
//    synchronous HeapDiff there: the first attempt finds that out and later ones fail at once.
//    Its session is never disconnected: see below.
// Object ids, which a diff matches objects by, live in V8's HeapProfiler and survive between
// snapshots, whichever way each is taken, unless an inspector session disconnects in between
// (a debugger detaching, say): V8 then forgets them all. leakwatch itself makes V8 forget them
// once no HeapDiff needs them (lib/snapshot/heap-profiler-state.js).
//
// Either way V8 first collects garbage; those GCs are the snapshot's, not the program's, so
// observers registered with onSnapshot() are told before and after (node-memwatch likewise never
// emitted 'stats' for a HeapDiff's own GCs).

const v8 = require('node:v8');
const { Readable } = require('node:stream');
const native = require('../native');
const { inspectorSession } = require('./inspector');
const { snapshotTaken } = require('./heap-profiler-state');

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
 * Takes a heap snapshot of this isolate now and feeds it to a new native.SnapshotFeed, which is
 * returned ready for census(), censusInBackground() or censusAsync(). `method` forces one way
 * ('stream' or 'inspector'), for tests.
 * @param {{method?: 'stream' | 'inspector'}} [options]
 */
function readSnapshot({ method } = {}) {
  return duringSnapshot(() => {
    if (method !== 'inspector' && streamIsSynchronous) {
      const feed = new native.SnapshotFeed();
      if (streamInto(feed)) return feed;
      feed.discard();
      if (method === 'stream') throw new Error('leakwatch: this Node does not stream heap snapshots synchronously');
    }
    const feed = new native.SnapshotFeed();
    inspectInto(feed);
    return feed;
  });
}

/**
 * Runs `takeSnapshot()`, which takes a heap snapshot in any way, with the observers told before
 * and after, so the GCs V8 runs for the snapshot are not taken for the program's. Returns what it
 * returns.
 */
function duringSnapshot(takeSnapshot) {
  try {
    return asideFromProgram(takeSnapshot);
  } finally {
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
function streamInto(feed) {
  const stream = v8.getHeapSnapshot();
  let ended = false;
  let failure = null;
  // Called by Node's stream machinery from inside V8's serializer: it must not throw.
  stream.push = function push(chunk) {
    if (chunk === null) {
      ended = true;
      return Readable.prototype.push.call(this, null);
    }
    if (failure === null && !ended) {
      try {
        // Each chunk comes in an ArrayBuffer of its own, which nothing else uses once Node's
        // stream code has handed it here: free it at once (see SnapshotFeed.feedAndFree).
        const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
        if (whole) feed.feedAndFree(chunk.buffer);
        else feed.feed(chunk);
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
  stream.destroy();
  if (failure) throw failure;
  return true;
}

// Way 2's session is leakwatch's one inspector session, never disconnected (see lib/snapshot/inspector.js).
let session = null;
let sink = null;
let inspectorIsSynchronous = true;

/** Way 2. */
function inspectInto(feed) {
  if (!inspectorIsSynchronous) throw notSynchronous();
  if (session === null) {
    session = inspectorSession();
    session.on('HeapProfiler.addHeapSnapshotChunk', (message) => {
      if (sink !== null) sink(message.params.chunk);
    });
  }
  let failure = null;
  let finished = false;
  sink = (chunk) => {
    if (failure !== null) return;
    try {
      feed.feedString(chunk);
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
}

function notSynchronous() {
  return new Error(`leakwatch: the inspector of Node ${process.version} does not take heap snapshots synchronously`);
}

module.exports = { readSnapshot, onSnapshot, duringSnapshot, asideFromProgram };
