// @ts-check
'use strict';
// The dashboard's HTTP server (plain node:http): the page and its assets, the live event stream,
// and the actions, all over one data source.
//
// A data source is what the server shows and acts on; the library's in-process one is
// lib/dashboard.js, and anything with the same shape (one reading another process, say) can be
// served the same way:
//
//   {
//     subscribe(publish) -> unsubscribe   publish(type, data) for 'sample', 'gc', 'stats' and
//                                         'leak' (each with `t`, ms since the epoch) and for
//                                         'status', 'diff' and 'controls' (latest one kept)
//     info() -> {title, pid, controls}    controls: {name: {label, on}} of the host's toggles
//     gc() -> Promise                     forces a full GC
//     diff() -> Promise<diff>             ends the running HeapDiff and starts another
//     setControl(name, on) -> Promise     flips one of the host's toggles
//     metrics?() -> string | Promise<string> | undefined   Prometheus text, if the source has it
//     close()                             stops whatever the source started
//   }
//
// Endpoints: GET / (the page), /app.js, /style.css, /vendor/uPlot.*, GET /events (SSE: hello,
// history, then live events), GET /api/state (the history as JSON), GET /metrics, and the actions
// POST /api/gc, POST /api/diff, POST /api/controls/NAME with {"on": true|false}.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { AccessControl, isLoopback, newToken } = require('./access-control');
const { EventStream } = require('./event-stream');
const { HttpError, readJsonBody } = require('./http');
const { CONTENT_TYPE: PROMETHEUS_CONTENT_TYPE } = require('../lib/export/prometheus-text');

const PUBLIC = path.join(__dirname, 'public');

// Files served as they are: URL path -> [file, content type].
const ASSETS = {
  '/': [path.join(PUBLIC, 'index.html'), 'text/html; charset=utf-8'],
  '/app.js': [path.join(PUBLIC, 'app.js'), 'text/javascript; charset=utf-8'],
  '/style.css': [path.join(PUBLIC, 'style.css'), 'text/css; charset=utf-8'],
  '/vendor/uPlot.iife.min.js': [require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/vendor/uPlot.min.css': [require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function sendJson(res, status, value, extraHeaders = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(body);
}

function sendError(res, err) {
  const status = err instanceof HttpError ? err.status : 500;
  const message = err instanceof HttpError ? err.message : `internal error: ${err && err.message}`;
  const headers = err instanceof HttpError ? err.headers : {};
  // An error answered before the body was read leaves the rest of it unread: close the connection.
  sendJson(res, status, { error: message }, { ...headers, connection: 'close' });
}

/** The address for people: IPv6 in brackets. */
function urlHost(host) {
  return host.includes(':') ? `[${host}]` : host;
}

/** Serves the dashboard of one data source. */
class DashboardServer {
  /**
   * @param {object} source the data source (see the top of this file)
   * @param {{host: string, token: string, tokenRequired: boolean, windowMs?: number}} options
   */
  constructor(source, { host, token, tokenRequired, windowMs }) {
    this.source = source;
    this.host = host;
    this.token = token;
    this.access = new AccessControl({ host, token, tokenRequired });
    this.events = new EventStream({ windowMs });
    this.assets = new Map();
    this.unsubscribe = null;
    this.http = http.createServer((req, res) => this.#handle(req, res));
    // Timeouts bound slow senders of requests; the event streams are long responses, not requests.
    this.http.headersTimeout = 10_000;
    this.http.requestTimeout = 30_000;
  }

  /** Listens on `port`; resolves to the URL, or rejects with a one-line error. */
  listen(port) {
    return new Promise((resolve, reject) => {
      const onError = (err) => {
        const where = `${urlHost(this.host)}:${port}`;
        const reason = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${err.code || err.message})`;
        reject(new Error(`leakwatch dashboard: ${where} ${reason}`));
      };
      this.http.once('error', onError);
      this.http.listen(port, this.host, () => {
        this.http.off('error', onError);
        // Later server errors (failed accepts, say) must not take the program down with them.
        this.http.on('error', (err) => process.emitWarning(`leakwatch dashboard: ${err.message}`, 'LeakwatchWarning'));
        this.port = /** @type {import('node:net').AddressInfo} */ (this.http.address()).port;
        this.access.listening(this.port);
        const token = this.access.tokenRequired ? `#token=${encodeURIComponent(this.token)}` : '';
        resolve(`http://${urlHost(this.host)}:${this.port}/${token}`);
      });
    });
  }

  /** Starts following the source: only once there is somewhere to show what it publishes. */
  follow() {
    this.unsubscribe = this.source.subscribe((type, data) => this.events.publish(type, data));
  }

  /** Ends the streams, closes every connection and the source. */
  close() {
    if (this.unsubscribe) this.unsubscribe();
    this.events.close();
    this.source.close();
    return new Promise((resolve) => {
      this.http.close(() => resolve(undefined));
      this.http.closeAllConnections();
    });
  }

  async #handle(req, res) {
    try {
      const url = new URL(req.url, 'http://dashboard.invalid');
      this.access.checkHost(req);
      if (url.pathname in ASSETS) {
        this.#allow(req, ['GET', 'HEAD']);
        await this.#serveAsset(res, url.pathname);
        return;
      }
      const route = this.#route(url.pathname);
      if (!route) throw new HttpError(404, 'no such endpoint');
      this.#allow(req, route.methods);
      if (req.method === 'POST') this.access.checkSameOrigin(req);
      this.access.checkToken(req, url);
      await route.run(req, res);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else sendError(res, err);
    }
  }

  #allow(req, methods) {
    if (!methods.includes(req.method)) {
      throw new HttpError(405, `${req.method} is not allowed here`, { allow: methods.join(', ') });
    }
  }

  #route(pathname) {
    const read = ['GET', 'HEAD'];
    switch (pathname) {
      case '/events':
        return { methods: ['GET'], run: (req, res) => this.events.attach(req, res, this.#hello()) };
      case '/api/state':
        return { methods: read, run: (req, res) => sendJson(res, 200, { hello: this.#hello(), ...this.events.history() }) };
      case '/metrics':
        return { methods: read, run: (req, res) => this.#metrics(res) };
      case '/api/gc':
        return { methods: ['POST'], run: (req, res) => this.#act(req, res, () => this.source.gc()) };
      case '/api/diff':
        return { methods: ['POST'], run: (req, res) => this.#act(req, res, () => this.source.diff()) };
      default: {
        const control = /^\/api\/controls\/([\w-]+)$/.exec(pathname);
        if (!control) return null;
        return { methods: ['POST'], run: (req, res) => this.#act(req, res, (body) => this.#setControl(control[1], body)) };
      }
    }
  }

  #hello() {
    return { ...this.source.info(), windowMs: this.events.windowMs };
  }

  async #act(req, res, action) {
    const body = await readJsonBody(req);
    const result = await action(body);
    sendJson(res, 200, { ok: true, ...(result === undefined ? {} : { result }) });
  }

  #setControl(name, body) {
    if (body === null || typeof body !== 'object' || typeof body.on !== 'boolean') {
      throw new HttpError(400, 'expected {"on": true} or {"on": false}');
    }
    const { controls } = this.source.info();
    if (!controls || !Object.hasOwn(controls, name)) throw new HttpError(404, `no control named '${name}'`);
    return this.source.setControl(name, body.on);
  }

  async #metrics(res) {
    const text = this.source.metrics ? await this.source.metrics() : undefined;
    if (typeof text !== 'string') throw new HttpError(404, 'no metrics: this leakwatch has no metrics()');
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
    res.end(text);
  }

  async #serveAsset(res, pathname) {
    let body = this.assets.get(pathname);
    if (!body) {
      body = await fs.promises.readFile(ASSETS[pathname][0]);
      this.assets.set(pathname, body);
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': ASSETS[pathname][1],
      'content-length': body.length,
      'cache-control': 'no-cache',
    });
    res.end(body);
  }
}

/**
 * Starts a dashboard over `source` on `host:port` (127.0.0.1 and 3000 by default; port 0 picks a
 * free one). A token is needed for data and actions when the address is not a loopback one, or
 * when `token` is given. Resolves to `{url, token, close()}`; rejects with a one-line Error when
 * the port is taken.
 *
 * @param {any} source
 * @param {{port?: number, host?: string, token?: string, windowMs?: number}} [options]
 */
async function startDashboardServer(source, { port = 3000, host = '127.0.0.1', token, windowMs } = {}) {
  if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
    throw new TypeError('leakwatch dashboard: token must be a string of at least 8 characters');
  }
  const tokenRequired = token !== undefined || !isLoopback(host);
  const server = new DashboardServer(source, { host, token: token ?? newToken(), tokenRequired, windowMs });
  let url;
  try {
    url = await server.listen(port);
    server.follow();
  } catch (err) {
    await server.close();
    throw err;
  }
  let closing = null;
  return {
    url,
    token: server.token,
    port: server.port,
    close: () => (closing ??= server.close()),
  };
}

module.exports = { startDashboardServer };
