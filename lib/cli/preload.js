// @ts-check
'use strict';
// What `leakwatch watch` loads into the watched program (node's --require, through
// NODE_OPTIONS, so it runs before the program's own code, CommonJS or ES module, and in every
// node process the program starts), and what `leakwatch attach` loads into a running one. It
// only observes: it starts leakwatch's detector with the watcher's options and sends its events
// over the channel (lib/cli/channel.js); the watcher renders, writes and serves them. Everything
// that could fail here fails quietly, leaving the program as it would have run without leakwatch.
//
// Worker threads are skipped: node runs --require preloads in each of them too, but the
// detector is watched once per process.

const path = require('node:path');
const { isMainThread } = require('node:worker_threads');
const { SOCKET_ENV, OPTIONS_ENV, DASHBOARD_ENV, encodeMessage, readMessages } = require('./channel');

const PACKAGE_ROOT = path.join(__dirname, '..', '..');
const INSTANCE = Symbol.for('leakwatch.instance');

/**
 * Starts the detector with `options` (configure's) and sends its events to the watcher at
 * `address`, each as {type, time, pid, ...fields}. Returns a function that undoes it all: the
 * listeners, the channel, and, when nothing else in the process uses leakwatch, leakwatch itself.
 */
function startWatching(address, options, { dashboard = false } = {}) {
  const net = require('node:net');
  const hadInstance = Object.hasOwn(globalThis, INSTANCE);
  // The same instance the program gets from require('leakwatch'), if it asks (see index.js).
  const memwatch = require(PACKAGE_ROOT);
  const socket = net.createConnection(address);
  // The channel never keeps the program alive, nor does leakwatch's watching.
  socket.unref();
  const listeners = [];
  const send = (type, fields) => {
    if (socket.destroyed) return;
    socket.write(encodeMessage({ type, time: Date.now(), pid: process.pid, ...fields }));
  };
  const listen = (event, listener) => {
    memwatch.on(event, listener);
    listeners.push([event, listener]);
  };
  // A connected local socket takes a short write at once, so this line leaves before the process.
  const onExit = (code) => send('exit', { code, signal: null });
  let dashboardSource = null;
  const stop = () => {
    process.off('exit', onExit);
    for (const [event, listener] of listeners.splice(0)) memwatch.off(event, listener);
    dashboardSource?.close();
    socket.destroy();
    if (!hadInstance && ['stats', 'leak', 'gc'].every((event) => memwatch.listenerCount(event) === 0)) forget(memwatch);
  };
  // The watcher is gone: stop watching for it, the program goes on.
  socket.on('error', stop);
  send('start', {
    ppid: process.ppid,
    command: [process.argv0, ...process.execArgv, ...process.argv.slice(1)],
    node: process.version,
  });
  try {
    memwatch.configure(options);
  } catch (err) {
    send('warning', { code: 'LEAKWATCH_OPTIONS_REJECTED', message: String(err && err.message) });
  }
  listen('stats', (stats) => send('stats', stats));
  listen('leak', (info) => send('leak', info));
  listen('warning', (warning) => send('warning', { code: warning.code, message: warning.message }));
  process.on('exit', onExit);
  if (dashboard) dashboardSource = serveDashboard(memwatch, socket, send);
  return stop;
}

/**
 * Lets go of leakwatch in this process, which only the watcher had loaded: its watching stops
 * and its modules leave the require cache, so that nothing of it stays reachable.
 */
function forget(memwatch) {
  memwatch.stop();
  delete globalThis[INSTANCE];
  // Its inspector session, if the culprit hunt made one, is the last thing of it still running.
  const inspectorModule = require.resolve('../snapshot/inspector');
  if (require.cache[inspectorModule]) require(inspectorModule).disconnectInspectorSession();
  const ownFile = (file) => file.startsWith(PACKAGE_ROOT + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);
  for (const file of Object.keys(require.cache)) if (ownFile(file)) delete require.cache[file];
}

/**
 * Runs the dashboard's data source here, as memwatch.dashboard() does, but sends what it
 * publishes to the watcher, which serves the page, and runs the page's actions it passes back.
 */
function serveDashboard(memwatch, socket, send) {
  const { InProcessSource } = require('../dashboard');
  const source = new InProcessSource(memwatch, {}, '');
  source.subscribe((event, data) => send('dashboard', { event, data }));
  readMessages(socket, (message) => {
    if (message.command === 'gc') source.gc();
    else if (message.command === 'diff') {
      source.diff().catch((err) => send('warning', { code: 'LEAKWATCH_DASHBOARD_DIFF_FAILED', message: String(err && err.message) }));
    }
  });
  return source;
}

const address = process.env[SOCKET_ENV];
if (isMainThread && address) {
  try {
    startWatching(address, JSON.parse(process.env[OPTIONS_ENV] || '{}'), { dashboard: Boolean(process.env[DASHBOARD_ENV]) });
  } catch (err) {
    process.emitWarning(`leakwatch watch could not start in this process: ${err && err.message}`, 'LeakwatchWarning');
  }
}

module.exports = { startWatching };
