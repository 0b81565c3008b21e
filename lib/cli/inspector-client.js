// @ts-check
'use strict';
// A client of a Node.js inspector on loopback, for `leakwatch attach`: the target list over
// HTTP, then the DevTools protocol over a WebSocket. The WebSocket is written here, small, since
// Node has a WebSocket client of its own only from version 22 on: text frames, masked as a
// client's must be, with the three payload-length forms.

const http = require('node:http');
const net = require('node:net');
const crypto = require('node:crypto');

/** Resolves to the inspector's targets on `port` (GET /json/list); rejects when none answers. */
function listTargets(port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/json/list', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(new Error(`port ${port} answers, but not as a Node.js inspector`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`port ${port} does not answer`)));
    req.on('error', reject);
  });
}

/** One frame: FIN, the opcode, the mask and the masked payload. */
function frame(opcode, payload) {
  const mask = crypto.randomBytes(4);
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 65536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}

/** A DevTools protocol session over one WebSocket. */
class InspectorSession {
  /** @param {net.Socket} socket connected, handshake done */
  constructor(socket, rest) {
    this.socket = socket;
    this.nextId = 1;
    /** id -> {resolve, reject}. @type {Map<number, {resolve: Function, reject: Function}>} */
    this.pending = new Map();
    this.buffer = rest;
    this.closed = false;
    /** The inspector has sent its close frame. */
    this.closing = false;
    /** Called with each protocol event (a message with no id). @type {((method: string, params: any) => void) | null} */
    this.onEvent = null;
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.#readFrames();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const { reject } of this.pending.values()) reject(new Error('the inspector closed the connection'));
      this.pending.clear();
    });
    socket.on('error', () => {});
    this.#readFrames();
  }

  /** Sends a protocol command; resolves to its result. */
  send(method, params = {}) {
    if (this.closed) return Promise.reject(new Error('the inspector connection is closed'));
    const id = this.nextId++;
    this.socket.write(frame(0x1, Buffer.from(JSON.stringify({ id, method, params }))));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /**
   * Evaluates `expression` in the target, with the console's command line API (which gives it
   * `require`, whatever kind of module the program is); resolves to its value.
   */
  async evaluate(expression) {
    const reply = await this.send('Runtime.evaluate', { expression, includeCommandLineAPI: true, returnByValue: true, awaitPromise: true });
    if (reply.exceptionDetails) {
      const description = reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text;
      throw new Error(String(description).split('\n')[0]);
    }
    return reply.result.value;
  }

  close() {
    if (!this.closed) this.socket.end(frame(0x8, Buffer.alloc(0)));
    this.socket.destroy();
  }

  /**
   * Resolves once the inspector has closed the connection, or `timeoutMs` after the call,
   * then closing it here. Waiting for the inspector's own close matters on Node 20: a client's
   * end of the connection that crosses the inspector's close frame crashes the process.
   */
  closedByPeer(timeoutMs) {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }

  #readFrames() {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      let length = b[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const opcode = b[0] & 0x0f;
      const payload = b.subarray(offset, offset + length);
      this.buffer = b.subarray(offset + length);
      // The inspector sends each message whole, as one text frame.
      if (opcode === 0x1) this.#message(JSON.parse(payload.toString('utf8')));
      // The inspector's close: answered with ours, as the WebSocket closing handshake asks;
      // the inspector then ends the connection.
      else if (opcode === 0x8 && !this.closing) {
        this.closing = true;
        this.socket.end(frame(0x8, Buffer.alloc(0)));
      }
    }
  }

  #message(message) {
    if (message.id === undefined) {
      this.onEvent?.(message.method, message.params);
      return;
    }
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (!waiting) return;
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  }
}

/** Connects to the WebSocket at `url` (ws://127.0.0.1:PORT/ID); resolves to a session. */
function connect(url) {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const key = crypto.randomBytes(16).toString('base64');
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', reject);
      const status = head.subarray(0, end).toString('latin1').split('\r\n')[0];
      if (!/^HTTP\/1\.1 101/.test(status)) {
        socket.destroy();
        reject(new Error(`the inspector refused the connection: ${status}`));
        return;
      }
      resolve(new InspectorSession(socket, head.subarray(end + 4)));
    };
    socket.on('data', onData);
  });
}

module.exports = { listTargets, connect };
