// @ts-check
'use strict';
// The one inspector session leakwatch uses in this thread, for snapshots (lib/snapshot/read.js) and
// for the sampling heap profiler (lib/culprit/).
//
// Disconnecting an inspector session makes V8 forget every object id it gave out (the
// HeapProfiler agent's disable() calls ClearObjectIds): a HeapDiff running at that moment, the
// program's own or the dashboard's, would then number the same objects differently and report
// nonsense. So the session, once made, stays connected for the life of the thread; a connected
// session costs nothing while idle and does not keep the event loop alive.

let session = null;

/** The session, connected on first use. */
function inspectorSession() {
  if (session === null) {
    const inspector = require('node:inspector');
    session = new inspector.Session();
    session.connect();
  }
  return session;
}

/**
 * Posts `method` and returns its result: an in-process session answers before post() returns.
 * Throws what the inspector answered if it failed, or if it did not answer at once.
 */
function postNow(method, params) {
  let answered = false;
  let error = /** @type {Error | null} */ (null);
  let result = null;
  inspectorSession().post(method, params, (err, res) => {
    answered = true;
    error = err;
    result = res;
  });
  if (error) throw new Error(`leakwatch: ${method} failed: ${error.message}`);
  if (!answered) throw new Error(`leakwatch: the inspector of Node ${process.version} did not answer ${method} at once`);
  return result;
}

/**
 * Disconnects the session, if one was made. Only for leaving a process as leakwatch found it
 * (`leakwatch attach` detaching, with nothing of leakwatch running any more): V8 then forgets the
 * object ids it gave out, which no HeapDiff of leakwatch's needs by then.
 */
function disconnectInspectorSession() {
  if (session === null) return;
  session.disconnect();
  session = null;
}

module.exports = { inspectorSession, postNow, disconnectInspectorSession };
