// @ts-check
'use strict';
// The channel between `leakwatch watch` and the programs it watches: a local socket (a Unix
// socket, or a named pipe on Windows) that each watched process connects to, carrying one JSON
// object per line: events from the program to the watcher, and, with --dashboard, the page's
// actions back. Its address and the detector's options reach
// the program through the environment, so child processes and cluster workers inherit them.

const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

/** Where the watched program finds the socket. */
const SOCKET_ENV = 'LEAKWATCH_WATCH_SOCKET';
/** What the watched program passes to configure(), as JSON. */
const OPTIONS_ENV = 'LEAKWATCH_WATCH_OPTIONS';
/** Set when the watcher serves a dashboard: the program then sends the dashboard's events too. */
const DASHBOARD_ENV = 'LEAKWATCH_WATCH_DASHBOARD';

/** A fresh socket address for the watcher with pid `pid`. */
function socketAddress(pid = process.pid) {
  const name = `leakwatch-${pid}-${crypto.randomBytes(4).toString('hex')}`;
  return process.platform === 'win32' ? `\\\\?\\pipe\\${name}` : path.join(os.tmpdir(), `${name}.sock`);
}

/** One message as it travels: a line of JSON. */
function encodeMessage(message) {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Calls `onMessage` with each object that arrives on `socket`, line by line; a line that is not
 * JSON is dropped (a process that dies mid-write leaves half a line).
 * @param {import('node:net').Socket} socket
 * @param {(message: any) => void} onMessage
 */
function readMessages(socket, onMessage) {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    pending += chunk;
    let end;
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      onMessage(message);
    }
  });
}

module.exports = { SOCKET_ENV, OPTIONS_ENV, DASHBOARD_ENV, socketAddress, encodeMessage, readMessages };
