'use strict';
// An hour under load: does leakwatch keep its own memory flat, stay silent about a program that
// does not leak, and raise no errors? A busy node:http server (a child process) runs with
// everything leakwatch offers on: 'stats', 'leak', 'warning' and 'error' listeners, its metrics
// in a prom-client registry scraped every 15 s, the dashboard open with one Server-Sent Events
// client, a HeapDiff of the program's own every 5 minutes and a click on the dashboard's
// "Take HeapDiff" every 5 minutes in between. This process is the load generator (autocannon),
// the scraper and the dashboard's client. Before it, the same server without leakwatch (still
// scraped, by prom-client's default metrics alone) gives the GC pauses to compare with.
//
//   nice -n 19 node bench/soak.js                        # 10 min baseline, then the 60 min soak
//   node bench/soak.js --minutes 2 --baseline-minutes 1  # the short form
//   node bench/soak.js --baseline-minutes 0 --snapshot-dir /some/dir   # soak only; SIGUSR2 to
//                                                        # the server writes a heap snapshot there
//                                                        # (which shows in that period's RSS peak)
//
// Every --report-minutes (5) it prints a line of the soaking server's memory: the heap after the
// latest full GC, the lowest of the last period, RSS now and its highest in the period, and how
// many events of each series the dashboard keeps (its history, read as a page loading would). At the
// end: the slope of the post-GC heap (least squares over each minute's lowest post-GC heap) over
// the whole run and over its last 50 minutes, the RSS peaks per period, the leak reports (a
// program that does not leak must get none), the error and warning events, and the GC pauses'
// percentiles beside the baseline's.

const { fork } = require('node:child_process');
const http = require('node:http');
const { PerformanceObserver } = require('node:perf_hooks');
const v8 = require('node:v8');
const { parseArgs } = require('node:util');

const SCRAPE_MS = 15_000;
const HEAPDIFF_EVERY_MS = 5 * 60_000;
// The program's HeapDiff stays open this long: the work it measures.
const HEAPDIFF_OPEN_MS = 20_000;
const RSS_EVERY_MS = 1000;
const CONNECTIONS = 8;

// ---- the server (the child process) -------------------------------------------------------------

/** A bounded map of recent sessions: the program's own state, flat by construction. */
class RecentSessions {
  constructor(limit) {
    this.limit = limit;
    this.byId = new Map();
  }

  touch(id) {
    let session = this.byId.get(id);
    if (session === undefined) {
      session = { id, started: Date.now(), hits: 0, cart: [] };
      this.byId.set(id, session);
      if (this.byId.size > this.limit) this.byId.delete(this.byId.keys().next().value);
    }
    session.hits += 1;
    return session;
  }
}

/** Handles one search request: tokenizes a query, scores a catalogue, answers JSON. */
function searchHandler(catalogue, sessions) {
  return (query, sessionId) => {
    const session = sessions.touch(sessionId);
    const words = query.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
    const hits = [];
    for (const item of catalogue) {
      let score = 0;
      for (const word of words) if (item.words.has(word)) score += 1;
      if (score > 0) hits.push({ sku: item.sku, title: item.title, score, price: item.price });
    }
    hits.sort((a, b) => b.score - a.score || a.price - b.price);
    const top = hits.slice(0, 10);
    if (top.length > 0) {
      session.cart.push(top[0].sku);
      if (session.cart.length > 5) session.cart.shift();
    }
    return JSON.stringify({ query, session: session.id, visits: session.hits, results: top, total: hits.length });
  };
}

function makeCatalogue() {
  const adjectives = ['red', 'blue', 'light', 'heavy', 'small', 'large', 'quiet', 'fast'];
  const nouns = ['lamp', 'chair', 'desk', 'fan', 'kettle', 'drill', 'tent', 'bag', 'shelf', 'clock'];
  return Array.from({ length: 400 }, (_, i) => {
    const title = `${adjectives[i % 8]} ${nouns[i % 10]} ${adjectives[(i >> 3) % 8]} model ${i}`;
    return { sku: `SKU-${i}`, title, price: 5 + (i % 97), words: new Set(title.split(' ')) };
  });
}

// GC pauses kept for the percentiles: more than an hour of a busy server has. Allocated at once,
// outside the heap, so that the measurement does not add to the post-GC heap it measures.
const MAX_PAUSES = 1 << 18;

/**
 * GC pauses observed in this process, by perf_hooks, the same way in both runs: `read()` gives
 * them as an array (the first MAX_PAUSES).
 */
function watchGcPauses() {
  const pauses = new Float64Array(MAX_PAUSES);
  let count = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (count < MAX_PAUSES) pauses[count++] = entry.duration;
  }).observe({ entryTypes: ['gc'] });
  return { read: () => Array.from(pauses.subarray(0, count)) };
}

async function serve(withLeakwatch) {
  const client = require('prom-client');
  client.collectDefaultMetrics();
  const pauses = watchGcPauses();
  const report = (message, then) => process.send(message, then);
  let memwatch = null;
  let dashboard = null;
  if (withLeakwatch) {
    memwatch = require('..');
    memwatch.registerMetrics(client.register);
    memwatch.on('stats', (stats) => {
      const code = (stats.heap_spaces.code_space || 0) + (stats.heap_spaces.code_large_object_space || 0);
      report({ stats: { t: Date.now(), heap: stats.used_heap_size, heapLessCode: stats.used_heap_size - code } });
    });
    memwatch.on('leak', (info) => report({ leak: { t: Date.now(), reason: info.reason } }));
    memwatch.on('warning', (warning) => report({ warning: { t: Date.now(), message: String(warning.message || warning) } }));
    memwatch.on('error', (err) => report({ error: { t: Date.now(), message: String((err && err.stack) || err) } }));
    dashboard = await memwatch.dashboard({ port: 0 });
  } else {
    // Without leakwatch the heap after a full GC is read when perf_hooks reports the GC: close
    // enough to set beside leakwatch's run, which reads it in the 'stats' event.
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.detail.kind !== require('node:perf_hooks').constants.NODE_PERFORMANCE_GC_MAJOR) continue;
        const heap = v8.getHeapStatistics().used_heap_size;
        report({ stats: { t: Date.now(), heap, heapLessCode: null } });
      }
    }).observe({ entryTypes: ['gc'] });
  }
  const search = searchHandler(makeCatalogue(), new RecentSessions(2000));
  let served = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      client.register.metrics().then((body) => {
        res.writeHead(200, { 'content-type': client.register.contentType });
        res.end(body);
      });
      return;
    }
    const url = new URL(req.url, 'http://localhost');
    served += 1;
    const body = search(url.searchParams.get('q') || '', `s${served % 5000}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    report({ port: server.address().port, dashboard: dashboard && dashboard.url, pid: process.pid });
  });
  setInterval(() => report({ rss: process.memoryUsage.rss() }), RSS_EVERY_MS).unref();
  if (withLeakwatch) {
    // The program's own HeapDiff, as a user would take one around some work.
    setInterval(() => {
      const diff = new memwatch.HeapDiff();
      setTimeout(() => {
        diff
          .endAsync()
          .then((result) => report({ heapDiff: { t: Date.now(), rows: result.change.details.length } }))
          .catch((err) => report({ error: { t: Date.now(), message: `HeapDiff: ${err.message}` } }));
      }, HEAPDIFF_OPEN_MS);
    }, HEAPDIFF_EVERY_MS).unref();
  }
  process.on('message', (message) => {
    if (message !== 'exit') return;
    server.close();
    Promise.resolve(dashboard && dashboard.close()).then(() => report({ pauses: pauses.read() }, () => process.exit(0)));
  });
}

// ---- the load, the clients and the report (this process) ----------------------------------------

const QUERIES = ['red lamp', 'quiet fan model 12', 'large desk', 'blue kettle fast', 'tent', 'small heavy drill', 'shelf clock'];

function startServer(withLeakwatch, snapshotDir) {
  const execArgv = snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
  const child = fork(__filename, ['--serve', withLeakwatch ? 'with' : 'without'], {
    execArgv,
    cwd: snapshotDir || process.cwd(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const run = { child, stats: [], rss: [], leaks: [], warnings: [], errors: [], heapDiffs: [], pauses: null };
  child.on('message', (m) => {
    if (m.stats) run.stats.push(m.stats);
    if (m.rss !== undefined) run.rss.push({ t: Date.now(), rss: m.rss });
    if (m.leak) run.leaks.push(m.leak);
    if (m.warning) run.warnings.push(m.warning);
    if (m.error) run.errors.push(m.error);
    if (m.heapDiff) run.heapDiffs.push(m.heapDiff);
    if (m.pauses) run.pauses = m.pauses;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    child.on('message', function onPort(m) {
      if (m.port === undefined) return;
      child.off('message', onPort);
      resolve(Object.assign(run, { port: m.port, dashboard: m.dashboard, pid: m.pid }));
    });
  });
}

function request(options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', ...options }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The dashboard's page as a browser keeps it: one open event stream, counting what arrives. */
function openDashboard(dashboardUrl) {
  const url = new URL(dashboardUrl);
  const client = { events: 0, bytes: 0, closed: false, req: null };
  client.req = http.get({ host: url.hostname, port: url.port, path: '/events', headers: { accept: 'text/event-stream' } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      client.bytes += chunk.length;
      client.events += chunk.split('\n\n').length - 1;
    });
    res.on('end', () => (client.closed = true));
  });
  client.req.on('error', () => (client.closed = true));
  return client;
}

/** How many events of each series the dashboard keeps, as `sample 1800, gc 5000, ...`. */
async function dashboardHistory(dashboardUrl) {
  const url = new URL(dashboardUrl);
  const res = await request({ port: url.port, path: '/api/state' });
  if (res.status !== 200) throw new Error(`/api/state answered ${res.status}`);
  const { series } = JSON.parse(res.body);
  return Object.entries(series)
    .map(([type, events]) => `${type} ${events.length}`)
    .join(', ');
}

function load(port, seconds) {
  const autocannon = require('autocannon');
  let next = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, path: `/search?q=${encodeURIComponent(QUERIES[next++ % QUERIES.length])}` }) }],
  });
  return instance;
}

/** Least-squares slope of `points` ({t ms, v}) in units of v per second; null under 2 points. */
function slopePerSecond(points) {
  if (points.length < 2) return null;
  const n = points.length;
  const meanT = points.reduce((s, p) => s + p.t, 0) / n;
  const meanV = points.reduce((s, p) => s + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - meanT) * (p.v - meanV);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? null : (num / den) * 1000;
}

/** Each minute's lowest post-GC heap (field `field` of the stats), as {t, v}. */
function minuteFloors(stats, field) {
  const byMinute = new Map();
  for (const s of stats) {
    if (s[field] === null) continue;
    const minute = Math.floor(s.t / 60_000);
    const low = byMinute.get(minute);
    if (low === undefined || s[field] < low.v) byMinute.set(minute, { t: s.t, v: s[field] });
  }
  return [...byMinute.values()];
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(2);
const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function pauseLine(label, pauses) {
  const sorted = [...(pauses || [])].sort((a, b) => a - b);
  const ps = [50, 90, 99, 99.9].map((p) => `p${p} ${percentile(sorted, p).toFixed(2)}`).join(', ');
  return `${label}: ${sorted.length} GCs, pause ms ${ps}, max ${(sorted.at(-1) ?? NaN).toFixed(2)}`;
}

/** Runs one server for `minutes` under load; prints a line every `reportMinutes` when `verbose`. */
async function soak(withLeakwatch, minutes, { reportMinutes, snapshotDir }) {
  const label = withLeakwatch ? 'soak' : 'baseline';
  const run = await startServer(withLeakwatch, withLeakwatch ? snapshotDir : null);
  const started = Date.now();
  console.log(`${stamp()} ${label}: server pid ${run.pid} on port ${run.port}${run.dashboard ? `, dashboard ${run.dashboard}` : ''} for ${minutes} min`);
  const timers = [];
  const scrapeErrors = [];
  timers.push(
    setInterval(() => {
      request({ port: run.port, path: '/metrics' })
        .then((res) => res.status !== 200 && scrapeErrors.push(`/metrics answered ${res.status}`))
        .catch((err) => scrapeErrors.push(`/metrics: ${err.message}`));
    }, SCRAPE_MS),
  );
  let page = null;
  if (run.dashboard) {
    page = openDashboard(run.dashboard);
    const url = new URL(run.dashboard);
    // The dashboard's "Take HeapDiff", halfway between the program's own HeapDiffs.
    setTimeout(() => {
      const click = () =>
        request({ port: url.port, path: '/api/diff', method: 'POST', headers: { 'content-type': 'application/json' } }, '{}')
          .then((res) => res.status !== 200 && run.errors.push({ t: Date.now(), message: `/api/diff answered ${res.status}: ${res.body}` }))
          .catch((err) => run.errors.push({ t: Date.now(), message: `/api/diff: ${err.message}` }));
      click();
      timers.push(setInterval(click, HEAPDIFF_EVERY_MS));
    }, HEAPDIFF_EVERY_MS / 2);
  }
  let periodStart = started;
  const periods = [];
  const reportPeriod = async () => {
    const now = Date.now();
    // What the dashboard keeps: its history grows with the rate of GCs until the window is full.
    const kept = run.dashboard ? await dashboardHistory(run.dashboard).catch((err) => `history: ${err.message}`) : null;
    const inPeriod = (x) => x.t >= periodStart && x.t < now;
    const rss = run.rss.filter(inPeriod).map((x) => x.rss);
    // The end can come just after a report: no period to speak of (a second or two of RSS).
    if (rss.length === 0 || now - periodStart < (reportMinutes * 60_000) / 10) return;
    const heaps = run.stats.filter(inPeriod).map((x) => x.heap);
    const period = {
      t: now,
      rssPeak: rss.length ? Math.max(...rss) : NaN,
      heapFloor: heaps.length ? Math.min(...heaps) : NaN,
    };
    periods.push(period);
    const last = run.stats.at(-1);
    const elapsed = ((now - started) / 60_000).toFixed(1);
    console.log(
      `${stamp()} ${label} +${elapsed} min: post-GC heap ${last ? mb(last.heap) : '-'} MB (lowest ${mb(period.heapFloor)}), ` +
        `RSS ${mb(run.rss.at(-1)?.rss ?? NaN)} MB (peak ${mb(period.rssPeak)}), full GCs ${run.stats.length}, ` +
        `leaks ${run.leaks.length}, errors ${run.errors.length + scrapeErrors.length}, warnings ${run.warnings.length}` +
        (page ? `, dashboard events ${page.events}${page.closed ? ' (stream closed)' : ''}, kept ${kept}` : ''),
    );
    periodStart = now;
  };
  timers.push(setInterval(reportPeriod, reportMinutes * 60_000));
  const result = await load(run.port, Math.round(minutes * 60));
  await reportPeriod();
  for (const timer of timers) clearInterval(timer);
  if (page) page.req.destroy();
  const exited = new Promise((resolve) => run.child.once('exit', resolve));
  const gotPauses = new Promise((resolve) => run.child.on('message', (m) => m.pauses && resolve()));
  run.child.send('exit');
  await Promise.race([gotPauses, exited]);
  await exited;
  return { ...run, started, ended: Date.now(), periods, scrapeErrors, requests: result.requests.total, httpErrors: result.errors + result.non2xx, pageClosed: page ? page.closed : null };
}

function summarize(run, label) {
  const lines = [];
  const last50 = run.ended - 50 * 60_000;
  for (const field of ['heap', 'heapLessCode']) {
    const floors = minuteFloors(run.stats, field);
    if (floors.length === 0) continue;
    const all = slopePerSecond(floors);
    const recent = slopePerSecond(floors.filter((p) => p.t >= last50));
    const name = field === 'heap' ? 'post-GC heap' : 'post-GC heap less code';
    lines.push(
      `${label}: ${name} ${mb(floors[0].v)} -> ${mb(floors.at(-1).v)} MB, slope ${all?.toFixed(1)} B/s over the run, ` +
        `${recent?.toFixed(1)} B/s over its last 50 min`,
    );
  }
  lines.push(`${label}: RSS peaks per period (MB): ${run.periods.map((p) => mb(p.rssPeak)).join(', ')}`);
  lines.push(`${label}: ${run.requests} requests (${run.httpErrors} errors), ${run.heapDiffs.length} program HeapDiffs, leak reports ${run.leaks.length}, error events ${run.errors.length}, warnings ${run.warnings.length}, scrape errors ${run.scrapeErrors.length}`);
  for (const leak of run.leaks) lines.push(`  leak at ${new Date(leak.t).toISOString()}: ${leak.reason}`);
  for (const error of [...run.errors, ...run.warnings]) lines.push(`  at ${new Date(error.t).toISOString()}: ${error.message}`);
  for (const error of run.scrapeErrors.slice(0, 5)) lines.push(`  ${error}`);
  return lines;
}

async function main() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '60' },
      'baseline-minutes': { type: 'string', default: '10' },
      'report-minutes': { type: 'string', default: '5' },
      'snapshot-dir': { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  const baselineMinutes = Number(values['baseline-minutes']);
  const reportMinutes = Number(values['report-minutes']);
  for (const [name, value] of [['minutes', minutes], ['baseline-minutes', baselineMinutes], ['report-minutes', reportMinutes]]) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} takes a number of minutes, not '${values[name]}'`);
  }
  const options = { reportMinutes, snapshotDir: values['snapshot-dir'] };
  const baseline = baselineMinutes > 0 ? await soak(false, baselineMinutes, options) : null;
  const run = minutes > 0 ? await soak(true, minutes, options) : null;
  console.log(`${stamp()} summary`);
  if (baseline) for (const line of summarize(baseline, 'baseline')) console.log(line);
  if (run) for (const line of summarize(run, 'soak')) console.log(line);
  if (baseline) console.log(pauseLine('baseline', baseline.pauses));
  if (run) console.log(pauseLine('soak    ', run.pauses));
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3] === 'with').catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(`soak: ${err.message}`);
    process.exit(1);
  });
}
