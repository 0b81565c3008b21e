// @ts-check
'use strict';
// memwatch.dashboard(): the live dashboard of this process, served by dashboard/server.js.
//
// This is the in-process data source: it samples the heap every 333 ms (a timer that keeps
// nothing alive), passes on the memwatch object's 'gc', 'stats' and 'leak' events, keeps a
// HeapDiff running so the page can ask what grew since it last asked, and flips the toggles the
// host program registered.

const path = require('node:path');
const v8 = require('node:v8');
const { startDashboardServer } = require('../dashboard/server');
const native = require('./native');

const SAMPLE_MS = 333;
// Rows of a HeapDiff sent to the page: the classes that grew most; the rest would be noise.
const DIFF_ROWS = 50;
// How many of them get the retainer path of an added object (each costs a path search).
const DIFF_RETAINERS = 5;

/** Checks the host's toggles: `{name: {label?, get(), set(on)}}`. */
function checkControls(controls) {
  if (controls === undefined) return {};
  if (controls === null || typeof controls !== 'object') {
    throw new TypeError('leakwatch dashboard: controls must be an object of {label, get(), set(on)}');
  }
  for (const [name, control] of Object.entries(controls)) {
    if (!/^[\w-]+$/.test(name)) throw new TypeError(`leakwatch dashboard: bad control name '${name}'`);
    if (!control || typeof control.get !== 'function' || typeof control.set !== 'function') {
      throw new TypeError(`leakwatch dashboard: control '${name}' needs get() and set(on)`);
    }
  }
  return controls;
}

function sample() {
  const memory = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  // The C allocator's own figures (null where it gives none): native leaks and fragmentation.
  const malloc = native.mallocStats();
  return {
    t: Date.now(),
    heap_used: heap.used_heap_size,
    heap_total: heap.total_heap_size,
    heap_limit: heap.heap_size_limit,
    rss: memory.rss,
    external: memory.external,
    array_buffers: memory.arrayBuffers,
    malloc_in_use: malloc?.inUse ?? null,
    malloc_free: malloc?.free ?? null,
  };
}

// The fields of 'gc' and 'stats' the page shows: per-space figures would only fill the history.
function gcEvent(record) {
  const { kind, type, duration_ms, used_before, used_after, external_after } = record;
  return { t: record.end_ms, kind, type, duration_ms, used_before, used_after, external_after };
}

function statsEvent(stats) {
  const { num_full_gc, num_inc_gc, heap_compactions, current_base, estimated_base, usage_trend, min, max, external_memory } = stats;
  const t = stats.gc_ts / 1000;
  return { t, num_full_gc, num_inc_gc, heap_compactions, current_base, estimated_base, usage_trend, min, max, external_memory };
}

function leakEvent(report) {
  return { ...report, t: new Date(report.end).getTime() };
}

function diffEvent(result, startedAt) {
  const { change } = result;
  return {
    t: Date.now(),
    started: startedAt,
    size_bytes: change.size_bytes,
    allocated_nodes: change.allocated_nodes,
    freed_nodes: change.freed_nodes,
    rows: change.details.slice(0, DIFF_ROWS),
  };
}

/** The dashboard's view of one memwatch object in this process. */
class InProcessSource {
  /**
   * @param {import('./memwatch').LeakWatch} memwatch
   * @param {object} controls the host's toggles, checked by checkControls()
   * @param {string} title shown on the page
   */
  constructor(memwatch, controls, title) {
    this.memwatch = memwatch;
    this.controls = controls;
    this.title = title;
    /** @type {import('..').HeapDiff | null} */
    this.heapDiff = null;
    this.diffStartedAt = null;
    this.diffing = null;
    this.listeners = [];
    this.timer = null;
    this.closed = false;
  }

  info() {
    const controls = {};
    for (const [name, control] of Object.entries(this.controls)) {
      controls[name] = { label: control.label || name, on: Boolean(control.get()) };
    }
    return { title: this.title, pid: process.pid, controls };
  }

  subscribe(publish) {
    this.publish = publish;
    const listen = (event, handler) => {
      this.memwatch.on(event, handler);
      this.listeners.push([event, handler]);
    };
    listen('gc', (record) => publish('gc', gcEvent(record)));
    listen('stats', (stats) => {
      publish('stats', statsEvent(stats));
      // The detector sees these stats after the listeners: read its view once it has.
      queueMicrotask(() => this.#publishStatus());
    });
    listen('leak', (report) => {
      publish('leak', leakEvent(report));
      queueMicrotask(() => this.#publishStatus());
    });
    this.timer = setInterval(() => publish('sample', sample()), SAMPLE_MS).unref();
    publish('sample', sample());
    this.#publishStatus();
    this.#startDiff();
    return () => this.#unsubscribe();
  }

  gc() {
    this.memwatch.gc();
  }

  /** Ends the running HeapDiff off the JS thread, publishes what grew, and starts the next. */
  async diff() {
    if (this.diffing) return this.diffing;
    const { heapDiff } = this;
    if (heapDiff === null) throw new Error('leakwatch dashboard: closed');
    this.diffing = (async () => {
      try {
        const result = await heapDiff.endAsync({ retainers: DIFF_RETAINERS });
        const event = diffEvent(result, this.diffStartedAt);
        this.publish('diff', event);
        return event;
      } finally {
        this.diffing = null;
        if (!this.closed) this.#startDiff();
      }
    })();
    return this.diffing;
  }

  setControl(name, on) {
    this.controls[name].set(on);
    this.publish('controls', this.info().controls);
    return this.info().controls[name];
  }

  metrics() {
    return typeof this.memwatch.metrics === 'function' ? this.memwatch.metrics() : undefined;
  }

  close() {
    this.closed = true;
    this.#unsubscribe();
    // The HeapDiff's first census is dropped with it; ending it would take another snapshot.
    this.heapDiff = null;
  }

  #startDiff() {
    this.heapDiff = new this.memwatch.HeapDiff();
    this.diffStartedAt = Date.now();
  }

  #publishStatus() {
    this.publish('status', this.memwatch.leakStatus());
  }

  #unsubscribe() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const [event, handler] of this.listeners) this.memwatch.off(event, handler);
    this.listeners = [];
  }
}

/**
 * Starts the dashboard of `memwatch` on http://host:port (127.0.0.1:3000 by default). Options:
 * port, host, token (required from clients when given, and always off loopback; a random one
 * otherwise), controls ({name: {label, get(), set(on)}} toggles of the host program), title.
 * Resolves to {url, token, close()}.
 * @param {import('..').DashboardOptions} [options]
 */
async function startDashboard(memwatch, options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('leakwatch: dashboard() takes an object');
  }
  const program = path.basename(process.argv[1] || process.argv0);
  const { port, host, token, controls, title = `${program} (pid ${process.pid})` } = options;
  const source = new InProcessSource(memwatch, checkControls(controls), title);
  return startDashboardServer(source, { port, host, token });
}

module.exports = { startDashboard, InProcessSource };
