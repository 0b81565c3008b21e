// @ts-check
'use strict';
// The dashboard's event stream: what a data source publishes, kept as bounded history and passed
// on to the connected Server-Sent Events clients, each of which gets the history first.
//
// Events of a series ('sample', 'gc', 'stats', 'leak') carry `t`, their time in ms since the
// epoch, and are kept for a time window (and at most a number of them) in a SeriesRing, columns
// allocated at full size on the series' first event, so that the history costs the same memory
// whatever the event rate and however long the program runs; other events ('status', 'diff',
// 'controls') are kept as the latest one only. JSON is made only when a client is connected, so a
// dashboard nobody watches costs no serialization.

const { SeriesRing } = require('../lib/history/series-ring');

const SERIES = ['sample', 'gc', 'stats', 'leak'];
// Leak reports are few (the detector repeats one after repeatMs, 10 minutes by default) and wide
// (a column per field, suspects by reference): their ring is kept short, or the first report
// would allocate room for thousands.
const MAX_LEAKS = 256;

// A client whose socket buffers more than this is too slow to follow: it is dropped.
const MAX_CLIENT_BACKLOG = 8 * 1024 * 1024;
// A comment line now and then keeps proxies and browsers from timing an idle stream out.
const KEEPALIVE_MS = 15_000;

/** One SSE message. */
function sseMessage(type, data) {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Bounded history of a data source's events, fanned out to SSE clients. */
class EventStream {
  /**
   * @param {{windowMs?: number, maxPerSeries?: number}} [options] how long series events are
   *   kept (10 minutes by default) and how many at most of each series (5000; 256 leak reports).
   */
  constructor({ windowMs = 10 * 60_000, maxPerSeries = 5000 } = {}) {
    this.windowMs = windowMs;
    this.maxPerSeries = maxPerSeries;
    /** @type {Record<string, SeriesRing | null>} a series' ring is made on its first event */
    this.series = Object.fromEntries(SERIES.map((type) => [type, null]));
    this.latest = {};
    this.clients = new Set();
    this.keepalive = null;
  }

  /** Records one event and sends it to every connected client. */
  publish(type, data) {
    if (Object.hasOwn(this.series, type)) {
      const capacity = type === 'leak' ? Math.min(MAX_LEAKS, this.maxPerSeries) : this.maxPerSeries;
      const ring = (this.series[type] ??= new SeriesRing(capacity));
      ring.push(data);
      const oldest = data.t - this.windowMs;
      while (ring.length > 0 && ring.timeAt(0) < oldest) ring.shift();
    } else {
      this.latest[type] = data;
    }
    if (this.clients.size === 0) return;
    const message = sseMessage(type, data);
    for (const res of this.clients) this.#send(res, message);
  }

  /** Everything kept: `{series: {sample: [...], ...}, latest: {status, diff, controls}}`. */
  history() {
    const series = Object.fromEntries(SERIES.map((type) => [type, this.series[type]?.toArray() ?? []]));
    return { series, latest: this.latest };
  }

  /** Bytes the series' rings hold: the same after an hour as after their first events. */
  byteLength() {
    return SERIES.reduce((sum, type) => sum + (this.series[type]?.byteLength() ?? 0), 0);
  }

  /**
   * Makes `res` an event stream: sends `hello` (given by the server), then the history as one
   * 'history' event, then every event published until the client goes away.
   */
  attach(req, res, hello) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    res.write(sseMessage('hello', hello));
    res.write(sseMessage('history', this.history()));
    this.clients.add(res);
    if (!this.keepalive) {
      this.keepalive = setInterval(() => {
        for (const client of this.clients) this.#send(client, ': keepalive\n\n');
      }, KEEPALIVE_MS).unref();
    }
    const detach = () => this.#detach(res);
    req.on('close', detach);
    res.on('close', detach);
    res.on('error', detach);
  }

  /** Ends every stream. */
  close() {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.#stopKeepalive();
  }

  #send(res, message) {
    if (res.writableLength > MAX_CLIENT_BACKLOG) {
      res.destroy();
      this.#detach(res);
      return;
    }
    res.write(message);
  }

  #detach(res) {
    this.clients.delete(res);
    if (this.clients.size === 0) this.#stopKeepalive();
  }

  #stopKeepalive() {
    if (this.keepalive !== null) clearInterval(this.keepalive);
    this.keepalive = null;
  }
}

module.exports = { EventStream };
