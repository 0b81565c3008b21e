// @ts-check
'use strict';
// The memwatch object: an EventEmitter with node-memwatch's events and methods.
//
// GC watching starts when a 'stats' or 'leak' listener is added and stops when the last one is
// removed, or at stop(). Listeners are called one by one, each in its own try/catch, outside the
// GC observer: an exception thrown by one goes to the 'error' listeners if there are any, and is
// otherwise rethrown from process.nextTick, as an uncaught exception of the program's own, the
// way any throwing callback is. Failures of leakwatch's own machinery go to 'error' too, or become
// a process warning: they never crash the program.

const { EventEmitter } = require('node:events');
const { GcWatcher } = require('./watch/gc-watcher');
const { LeakTracker } = require('./watch/leak');
const { nearLimitWarning } = require('./watch/heap-limit');
const { CulpritHunt } = require('./culprit/hunt');
const native = require('./native');
const { MetricsCollector } = require('./export/metrics');
const { metricsText } = require('./export/prometheus-text');
// The rest of lib/ (HeapDiff, gc(), prom-client's and OpenTelemetry's adapters, snapshot on leak,
// the dashboard) is loaded by the method that needs it: a program that only watches keeps less
// code in its heap.

const WATCHED = ['stats', 'leak', 'gc'];

class LeakWatch extends EventEmitter {
  #watcher;
  #leaks;
  #hunt;
  /** Settles once the last leak found has been reported, suspects and all. */
  #lastReport = Promise.resolve();
  /** Resolvers waiting for the next full GC. */
  #fullGcWaiters = [];
  /** The timer that asks again whether a probe is due, if one is set. @type {NodeJS.Timeout | null} */
  #probeTimer = null;
  #stopped = false;
  #metrics = new MetricsCollector(this);
  /** @type {import('./snapshot/on-leak').LeakSnapshots | null} */
  #snapshots = null;

  constructor() {
    super();
    this.#leaks = new LeakTracker();
    this.#hunt = new CulpritHunt({}, (warning) => this.#warn(warning));
    this.#watcher = new GcWatcher(
      (stats) => this.#onStats(stats),
      (err) => this.#internalError(err),
      (record) => this.#onGc(record),
    );
  }

  /** node-memwatch's HeapDiff class. */
  get HeapDiff() {
    return require('./snapshot/heap-diff').HeapDiff;
  }

  /** Runs a full, compacting GC now; no --expose-gc needed. */
  gc() {
    this.#watcher.collectNow(require('./watch/gc').gc);
  }

  /**
   * Stops watching: removes the GC observers leakwatch started, so the process can exit on its
   * own. Listeners stay registered; adding a 'stats' or 'leak' listener starts watching again.
   */
  stop() {
    this.#stopped = true;
    this.#stopWatching();
    this.#leaks.reset();
    this.#hunt.cancel();
  }

  /**
   * Tunes leakwatch. `leak`: the leak detector's window and thresholds (see index.d.ts); the
   * detector starts over with them.
   * @param {import('..').Options} options
   */
  configure(options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('leakwatch: configure() takes an object');
    }
    for (const key of Object.keys(options)) {
      if (key !== 'leak' && key !== 'snapshotOnLeak') {
        throw new TypeError(`leakwatch: unknown option '${key}' (known: leak, snapshotOnLeak)`);
      }
    }
    // Checked before anything changes, so a bad option changes nothing.
    const snapshotOnLeak = 'snapshotOnLeak' in options ? require('./snapshot/on-leak') : null;
    const snapshotOptions = snapshotOnLeak?.checkSnapshotOptions(options.snapshotOnLeak);
    if ('leak' in options) {
      this.#leaks = new LeakTracker(options.leak);
      this.#hunt.cancel();
      this.#hunt = new CulpritHunt(options.leak, (warning) => this.#warn(warning));
    }
    if (snapshotOptions !== undefined) {
      this.#snapshots?.close();
      this.#snapshots = snapshotOptions && new (/** @type {typeof import('./snapshot/on-leak')} */ (snapshotOnLeak).LeakSnapshots)(snapshotOptions);
    }
    return this;
  }

  /**
   * The metrics in Prometheus text format (version 0.0.4), to serve on GET /metrics with
   * Content-Type `text/plain; version=0.0.4`. The first call starts collecting GC durations.
   */
  metrics() {
    this.#metrics.attach();
    return metricsText(this.#metrics.families());
  }

  /**
   * Adds leakwatch's metrics to a prom-client Registry, leaving out names it already has (such as
   * collectDefaultMetrics()'s). Returns `{registered, skipped, unregister()}`.
   */
  registerMetrics(register) {
    const { registerFamilies } = require('./export/register-metrics');
    const result = registerFamilies(register, this.#metrics.families());
    this.#metrics.attach();
    return result;
  }

  /**
   * Creates leakwatch's instruments (v8js.* and leakwatch.*) on an OpenTelemetry Meter. Returns a
   * function that stops feeding them. `options.heapLimit`: 'heap' (v8js.memory.heap.limit is the
   * heap's limit, as the conventions now say) or 'per-space' (each space's size, the old meaning).
   * @param {import('..').OtelMeter} meter
   * @param {import('..').OtelOptions} [options]
   */
  registerOtel(meter, options) {
    const { registerInstruments } = require('./export/otel');
    return registerInstruments(meter, this, this.#metrics, options);
  }

  /**
   * What the leak detector thinks now: `state` is 'idle' (no rise), 'suspect' (memory rising,
   * not yet proven) or 'leak' (a leak was reported and memory still rises); `rate_bytes_per_second`
   * is the current growth estimate of the memory that grows fastest (0 when none does);
   * `leak_found` says whether the last judgement found a leak, reported or being confirmed;
   * `near_floor` whether the last full GC found that memory near its floor (see the addon's Status).
   */
  leakStatus() {
    this.#leaks.statusRead(Date.now());
    return this.#leaks.status();
  }

  /**
   * Serves a live dashboard of this process (charts, leak detector, culprits, HeapDiff) on
   * http://127.0.0.1:3000 unless told otherwise; resolves to {url, token, close()}.
   */
  dashboard(options) {
    const { startDashboard } = require('./dashboard');
    return startDashboard(this, options);
  }

  #onGc(record) {
    if (record.kind === 'major') this.#metrics.fullGcSeen(record.used_after);
    this.#deliver('gc', record);
    let reports;
    try {
      const { leaks, warnings } = this.#leaks.observe(record);
      reports = leaks;
      for (const warning of warnings) this.#warn(warning);
      if (record.kind === 'major') {
        for (const resolve of this.#fullGcWaiters.splice(0)) resolve();
        const nearLimit = this.#leaks.nearHeapLimit(record);
        if (nearLimit !== null) this.#warn(nearLimitWarning(nearLimit, this.#leaks.lastLeak));
        // The hunt costs something while it runs: only for someone who will read its suspects.
        if (this.listenerCount('leak') > 0) this.#hunt.update(this.#leaks.status(), record);
        else if (this.#hunt.active && !this.#hunt.finishing) this.#hunt.cancel();
      }
    } catch (err) {
      this.#internalError(err);
      return;
    }
    for (const report of reports) this.#onLeakFound(report);
    this.#probeIfDue();
  }

  /**
   * Does what the detector's probe policy answers (crates/leakwatch-detector/src/probe.rs): start
   * a full GC, outside the GC observer's callback, or ask again later. The GC is V8's usual
   * incremental kind, started the way growing external memory starts one: a forced gc() would
   * make a busy program's optimized code deoptimize (see startIncrementalGc in the addon).
   */
  #probeIfDue() {
    const now = Date.now();
    const answer = this.#leaks.probe(now, this.listenerCount('leak') > 0);
    if (answer.action === 'askAgain') this.#recheckProbeLater(answer.atMs, now);
    if (answer.action !== 'probe') return;
    setImmediate(() => {
      if (!this.#watcher.running) return;
      const started = Date.now();
      try {
        native.startIncrementalGc();
        // Its record reaches the detector later, through the GC observer.
        this.#leaks.probeStarted(started);
      } catch (err) {
        this.#internalError(err);
      }
    }).unref();
  }

  /** Asks the detector again at `at`, unless a timer to ask is set already. */
  #recheckProbeLater(at, now) {
    if (this.#probeTimer !== null) return;
    // Whole milliseconds: a fractional delay would make every Timeout of the process store its
    // delay as a boxed double, and Node's timer code, the program's included, deoptimize.
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = null;
      if (!this.#watcher.running) return;
      try {
        this.#probeIfDue();
      } catch (err) {
        this.#internalError(err);
      }
    }, Math.ceil(at - now)).unref();
  }

  #onStats(stats) {
    this.#deliver('stats', stats);
  }

  /**
   * Names the suspects of a leak just found, then reports it: after the report before, if that
   * one is still looking for its suspects (with a short repeatMs), so that each has a hunt of
   * its own and reports come in order.
   */
  #onLeakFound(report) {
    const nameSuspects = () => {
      // Not once watching stopped meanwhile: the hunt would profile and snapshot a process that
      // asked for quiet.
      if (!this.#watcher.running) return undefined;
      // Native memory is beyond what V8's sampling profiler and snapshots see.
      if (report.memory === 'native' || report.memory === 'rss') return undefined;
      return this.#hunt.finish(() => this.#nextFullGc(), report).then(
        (suspects) => {
          report.suspects = suspects;
        },
        (err) => {
          process.emitWarning(`leakwatch could not name the suspects of a leak: ${err && err.message}`, 'LeakwatchWarning');
        },
      );
    };
    this.#lastReport = this.#lastReport.then(nameSuspects).then(() => {
      try {
        this.#onLeak(report);
      } catch (err) {
        this.#internalError(err);
      }
    });
  }

  /** Resolves after the next full GC, or after two seconds if none comes. */
  #nextFullGc() {
    return new Promise((resolve) => {
      this.#fullGcWaiters.push(resolve);
      setTimeout(resolve, 2000).unref();
    });
  }

  #onLeak(report) {
    if (this.#snapshots !== null) this.#snapshots.take(report, (warning) => this.#warn(warning));
    this.#deliver('leak', report);
  }

  /** A 'warning' event, or a process warning when nobody listens. */
  #warn(warning) {
    if (this.listenerCount('warning') > 0) this.#deliver('warning', warning);
    else process.emitWarning(warning);
  }

  #deliver(event, value) {
    for (const listener of this.rawListeners(event)) {
      try {
        listener.call(this, value);
      } catch (err) {
        this.#listenerError(err);
      }
    }
  }

  #listenerError(err) {
    if (this.listenerCount('error') > 0) {
      try {
        this.emit('error', err);
        return;
      } catch (again) {
        err = again;
      }
    }
    process.nextTick(() => {
      throw err;
    });
  }

  #internalError(err) {
    if (this.listenerCount('error') > 0) {
      try {
        this.emit('error', err);
        return;
      } catch {
        // An 'error' listener that throws is handled like any throwing listener below.
      }
    }
    process.emitWarning(`leakwatch stopped watching GC: ${err && err.stack ? err.stack : err}`, 'LeakwatchWarning');
    this.#stopWatching();
  }

  /**
   * Stops the GC watcher and the timer that asks the detector again: nothing of leakwatch's stays
   * scheduled (a pending timer would hold this instance until it fired).
   */
  #stopWatching() {
    this.#watcher.stop();
    if (this.#probeTimer !== null) clearTimeout(this.#probeTimer);
    this.#probeTimer = null;
  }

  /** Starts or stops the watcher to match the listeners. */
  sync() {
    const wanted = WATCHED.some((event) => this.listenerCount(event) > 0);
    if (wanted && !this.#stopped) this.#watcher.start();
    if (!wanted) this.#stopWatching();
  }

  /** Called after a listener for `event` was added. */
  listened(event) {
    if (WATCHED.includes(event)) this.#stopped = false;
    this.sync();
  }
}

// Every way of adding or removing a listener keeps the watcher in step with the listeners.
for (const name of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener']) {
  LeakWatch.prototype[name] = function addAndSync(event, listener) {
    EventEmitter.prototype[name].call(this, event, listener);
    this.listened(event);
    return this;
  };
}
for (const name of ['off', 'removeListener', 'removeAllListeners']) {
  LeakWatch.prototype[name] = function removeAndSync(...args) {
    EventEmitter.prototype[name].apply(this, args);
    this.sync();
    return this;
  };
}

module.exports = { LeakWatch };
