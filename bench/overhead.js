'use strict';
// What watching costs a busy server: an HTTP server doing ordinary work, loaded over loopback
// with autocannon, without leakwatch (A) and with it (B: 'stats' and 'leak' listeners, so GC
// watching and the leak detector run), in interleaved runs A B B A A B ..., each in a fresh server
// process. Both are scraped on GET /metrics every 15 s, as Prometheus would scrape them: B answers
// with leakwatch's metrics, A with an empty page. A request unlike the others makes V8 deoptimize
// some of Node's stream code in either, which is the endpoint's cost, not leakwatch's.
//
//   node bench/overhead.js                 # 20 pairs of 10 s runs, about 9 minutes
//   PAIRS=5 SECONDS=10 CONNECTIONS=16 node bench/overhead.js
//   LEAK_OPTIONS='{"sampling":false}' node bench/overhead.js   # B with configure({ leak: ... })
//   CONTROL=1 node bench/overhead.js       # B without leakwatch too: the noise between variants
//   PIN=1 node bench/overhead.js           # the server on CPU 0 (all its threads), the load on CPU 1
//   NATIVE=1 node bench/overhead.js        # B with the allocator shim of `watch --native` preloaded too
//
// Per run it prints requests/s, p99 latency, the server's RSS (highest, and the median of its
// samples: one sample lands anywhere between two GCs), its private memory's median (RssAnon: RSS
// less the pages mapped from files, such as node's and the addon's code, which every node process
// on the machine shares), its CPU time per request and how many full GCs it ran, and its memory at
// rest (RSS, private, mapped from files, V8's used heap) once the load has stopped and full GCs
// have run, which varies far less from run to run than samples under load; then the medians of A
// and B, B's difference, and the range and mean of the pairs' own differences. One more B
// run under the CPU profiler, and under Linux perf for the native code that profiler cannot see,
// gives the share of the server's CPU time spent in leakwatch, a figure that other processes on
// the machine do not blur the way they blur requests/s. Targets: at most 1% fewer requests/s,
// at most 2 MB more private memory, p99 the same within the noise between runs of one variant.
// RSS counts, besides, the pages mapped from files that loading any Node-API addon touches (about
// 1.9 MB here: see "What watching costs" in the README). A run with CONTROL=1 shows how far
// apart two variants come out by chance.

const { execFileSync, fork } = require('node:child_process');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { perfAvailable, perfRecordPrefix, samplesBySymbol } = require('./perf-samples');
const { shimPath, SHIM_FILE } = require('../lib/cli/watch-native');

// Fewer pairs cannot tell 1% from noise here: single pairs differ by up to ±12%.
const PAIRS = Number(process.env.PAIRS || 20);
const SECONDS = Number(process.env.SECONDS || 10);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS || 2);
const CONNECTIONS = Number(process.env.CONNECTIONS || 16);
const CONTROL = Boolean(process.env.CONTROL);
const PIN = Boolean(process.env.PIN);
const NATIVE = Boolean(process.env.NATIVE);
const SCRAPE_MS = 15_000;
const RSS_EVERY_MS = 200;

// ---- the server (runs in a child process) ------------------------------------------------------

/** The work of one request: parse an order, price it with a cached catalogue, answer in JSON. */
function serve(withLeakwatch) {
  if (withLeakwatch) {
    const memwatch = require('..');
    if (process.env.LEAK_OPTIONS) memwatch.configure({ leak: JSON.parse(process.env.LEAK_OPTIONS) });
    memwatch.on('stats', () => {});
    memwatch.on('leak', () => {});
  }
  // A small in-memory cache, bounded as a real one would be: the most recent 2,000 customers.
  const customers = new Map();
  const customer = (id) => {
    let entry = customers.get(id);
    if (entry === undefined) {
      entry = { id, name: `customer-${id}`, discount: (id % 7) / 100, tags: ['retail', `region-${id % 12}`] };
      customers.set(id, entry);
      if (customers.size > 2000) customers.delete(customers.keys().next().value);
    }
    return entry;
  };
  let served = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      const body = withLeakwatch ? require('..').metrics() : '';
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(body);
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const order = JSON.parse(body);
      served += 1;
      const who = customer(served % 5000);
      let total = 0;
      const lines = order.items.map((item) => {
        const price = Math.round(item.unitPrice * item.quantity * (1 - who.discount) * 100) / 100;
        total += price;
        return `${item.quantity} x ${item.sku.toUpperCase()} @ ${item.unitPrice.toFixed(2)} = ${price.toFixed(2)}`;
      });
      const answer = JSON.stringify({ orderId: `${order.id}-${served}`, customer: who.name, total, receipt: lines.join('\n'), tags: who.tags });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.send({ port: server.address().port, pid: process.pid });
    // RSS is sampled here, the same way in both variants, and sent to the parent.
    setInterval(() => process.send({ rss: process.memoryUsage.rss(), privateBytes: statusBytes('RssAnon') }), RSS_EVERY_MS).unref();
  });
  // CPU time is counted from 'mark' to 'exit': it shows the cost per request even when other
  // processes on the machine make requests/s noisy.
  // Full GCs are counted the same way: those beyond A's are the detector's.
  let mark = process.cpuUsage();
  let fullGcs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs += 1;
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (message) => {
    if (message === 'mark') {
      mark = process.cpuUsage();
      fullGcs = 0;
    }
    if (message === 'exit') {
      const { user, system } = process.cpuUsage(mark);
      const counted = { cpuMicros: user + system, fullGcs };
      memoryAtRest().then((rest) => process.send({ ...counted, rest }, () => process.exit(0)));
    }
  });
}

/** A field of /proc/self/status in bytes (`RssAnon`, `RssFile`); null where there is none. */
function statusBytes(field) {
  try {
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The server's memory once the load has stopped and two rounds of full GCs have run, half a
 * second apart: what it holds, without the garbage that makes samples under load wander by
 * megabytes from one run to the next.
 */
async function memoryAtRest() {
  const { gc } = require('../lib/watch/gc');
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
  for (let round = 0; round < 2; round++) {
    gc();
    gc();
    await settle();
  }
  return {
    rss: process.memoryUsage.rss(),
    privateBytes: statusBytes('RssAnon'),
    fileBytes: statusBytes('RssFile'),
    heapUsed: process.memoryUsage().heapUsed,
  };
}

// ---- the load and the report (the parent) -------------------------------------------------------

const ORDER = JSON.stringify({
  id: 'order-42',
  items: Array.from({ length: 12 }, (_, i) => ({ sku: `sku-${i}-blue-medium`, quantity: (i % 3) + 1, unitPrice: 9.99 + i })),
  note: 'leave at the door '.repeat(8),
});

/** Moves every thread of process `pid` onto CPU `cpu` (Linux's taskset). */
function pin(pid, cpu) {
  execFileSync('taskset', ['-a', '-c', '-p', String(cpu), String(pid)], { stdio: 'ignore' });
}

/**
 * Starts a server, with node's flags `execArgv`, under the command line `wrap` if one is given
 * (perf record), which must run the command that follows it.
 */
function startServer(withLeakwatch, { execArgv = [], wrap = null } = {}) {
  const args = ['--serve', withLeakwatch ? 'with' : 'without'];
  const how = wrap ? { execPath: wrap[0], execArgv: [...wrap.slice(1), process.execPath, ...execArgv] } : { execArgv };
  const env = withLeakwatch && NATIVE ? nativeEnvironment() : process.env;
  const child = fork(__filename, args, { ...how, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const server = { child, rss: [], privateBytes: [], cpuMicros: null };
  child.on('message', (m) => {
    if (m.rss !== undefined) server.rss.push(m.rss);
    if (m.privateBytes !== undefined && m.privateBytes !== null) server.privateBytes.push(m.privateBytes);
    if (m.cpuMicros !== undefined) Object.assign(server, { cpuMicros: m.cpuMicros, fullGcs: m.fullGcs, rest: m.rest });
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', function onPort(m) {
      if (m.port === undefined) return;
      child.off('message', onPort);
      // The server's own pid: `child` may be the wrapper's.
      if (PIN) pin(m.pid, 0);
      resolve({ ...server, port: m.port, server });
    });
  });
}

/**
 * The environment of `watch --native`'s watched program: the allocator shim preloaded, writing
 * its reports every second into a directory of its own, as under the watcher.
 */
function nativeEnvironment() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-overhead-native-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return { ...process.env, LD_PRELOAD: shimPath(), LEAKWATCH_NATIVE_DIR: dir };
}

function scrape(port) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}

function load(port, seconds) {
  const autocannon = require('autocannon');
  return autocannon({
    url: `http://127.0.0.1:${port}/orders`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: ORDER,
    connections: CONNECTIONS,
    duration: seconds,
  });
}

async function run(withLeakwatch, how) {
  const { child, port, rss, server } = await startServer(withLeakwatch, how);
  await load(port, WARMUP_SECONDS);
  rss.length = 0;
  server.privateBytes.length = 0;
  child.send('mark');
  await scrape(port);
  const scraper = setInterval(() => scrape(port).catch(() => {}), SCRAPE_MS);
  const result = await load(port, SECONDS);
  clearInterval(scraper);
  await new Promise((resolve) => setTimeout(resolve, RSS_EVERY_MS * 1.5));
  child.send('exit');
  await new Promise((resolve) => child.once('exit', resolve));
  return {
    requestsPerSecond: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    rssMax: Math.max(...rss),
    rssMedian: median(rss),
    privateMedian: server.privateBytes.length > 0 ? median(server.privateBytes) : null,
    cpuPerRequest: server.cpuMicros / result.requests.total,
    fullGcs: server.fullGcs,
    rest: server.rest,
  };
}

// What runs only because of leakwatch, in JS: its lib/ files, and the node code it drives
// (node:v8's heap statistics, perf_hooks' GC observer), by their own (self) time.
function isLeakwatchJs(callFrame) {
  const { url } = callFrame;
  return url.startsWith(path.join(__dirname, '..', 'lib') + path.sep) || url === 'node:v8' || url === 'node:internal/perf/observe';
}

// ... and in native code, which the JS profiler shows only as "(program)" or "(garbage collector)":
// the addon, Node-API, node's GC callbacks for perf_hooks' gc entries (node::performance), and
// reading the heap's statistics (node::v8_utils, and V8's side of it).
const LEAKWATCH_NATIVE = /^(node::v8_utils::|node::performance::(MarkGarbageCollection|GCPerformanceEntry)|v8::Isolate::(GetHeapSpaceStatistics|GetHeapStatistics)|v8::HeapSpaceStatistics|napi_)/;
// With NATIVE, the shim too, the unwinder it calls (libgcc's, which asks the dynamic loader
// where each frame's code lies), and the dynamic loader's look-up of the shim's thread-local
// counters, which a shared library makes at each allocation (counted whole, though node's own
// libraries may call it too: the figure errs high).
const SHIM_UNWINDING = /^(_dl_find_object|dl_iterate_phdr|__tls_get_addr)/;
function isLeakwatchNative({ dso, symbol }) {
  if (dso.startsWith('leakwatch.')) return true;
  if (NATIVE && (dso === SHIM_FILE || dso.startsWith('libgcc_s') || (symbol.startsWith('[.] ') && SHIM_UNWINDING.test(symbol.slice(4))))) return true;
  return symbol.startsWith('[.] ') && LEAKWATCH_NATIVE.test(symbol.slice(4));
}

/** The share of a --cpu-prof profile's busy time (in directory `dir`) in leakwatch's JS. */
function jsShare(dir) {
  const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  let total = 0;
  let ours = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') return;
    total += dt;
    if (isLeakwatchJs(callFrame)) ours += dt;
  });
  return ours / total;
}

/**
 * The shares of a perf recording's samples in the native code leakwatch runs, and (with NATIVE)
 * in the allocator shim's own part of it.
 */
function nativeShare(file) {
  const rows = samplesBySymbol(file);
  const total = rows.reduce((sum, row) => sum + row.samples, 0);
  const share = (rowsIn) => rowsIn.reduce((sum, row) => sum + row.samples, 0) / total;
  return { all: share(rows.filter(isLeakwatchNative)), shim: share(rows.filter((row) => isLeakwatchNative(row) && !row.dso.startsWith('leakwatch.') && !LEAKWATCH_NATIVE.test(row.symbol.slice(4)))) };
}

/**
 * One more B run under the JS profiler, and under Linux perf too when it is installed: the shares
 * of the server's CPU time in leakwatch's JS and in the native code it runs (null without perf).
 */
async function profiledShares() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-overhead-'));
  try {
    const perfFile = path.join(dir, 'B.perf');
    const wrap = perfAvailable() ? perfRecordPrefix(perfFile) : null;
    await run(true, { execArgv: ['--cpu-prof', '--cpu-prof-dir', dir], wrap });
    return { js: jsShare(dir), native: wrap ? nativeShare(perfFile) : null };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/** Student's t at 97.5% by degrees of freedom (1 to 30; beyond, the normal's 1.96 is close). */
const T_975 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.2, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.1, 2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05, 2.05, 2.04];
/** The mean of `values` and the half-width of its 95% confidence interval. */
function meanWithin95(values) {
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  if (n < 2) return [mean, Infinity];
  const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  return [mean, ((T_975[n - 2] ?? 1.96) * sd) / Math.sqrt(n)];
}
const mb = (bytes) => (bytes / 1048576).toFixed(1);
const signedMb = (bytes) => `${bytes >= 0 ? '+' : ''}${mb(bytes)} MB`;
const pct = (b, a) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(2)}%`;

async function main() {
  if (PIN) pin(process.pid, 1);
  console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at start`);
  console.log(`${PAIRS} pairs of ${SECONDS} s runs (after ${WARMUP_SECONDS} s of warm-up), ${CONNECTIONS} connections; /metrics scraped every ${SCRAPE_MS / 1000} s\n`);
  if (CONTROL) console.log('CONTROL: B runs without leakwatch too, so every difference below is noise\n');
  console.log('                                                under load                                          at rest (MB)');
  console.log('pair  variant              req/s   p99 ms  RSS max MB  RSS med MB  private MB  CPU µs/req  full GCs  errors    RSS  private  files  V8 heap');
  const results = { A: [], B: [] };
  for (let pair = 1; pair <= PAIRS; pair++) {
    // Which runs first alternates (A B, B A, ...): the second run of a pair is slower by about 2%
    // on this kind of machine whatever it runs, as a run of CONTROL=1 shows.
    for (const variant of pair % 2 ? ['A', 'B'] : ['B', 'A']) {
      const r = await run(variant === 'B' && !CONTROL);
      results[variant].push(r);
      const name = variant === 'A' ? 'A without leakwatch' : CONTROL ? 'B without (control)' : 'B with leakwatch';
      console.log(
        `${String(pair).padStart(4)}  ${name.padEnd(19)} ${r.requestsPerSecond.toFixed(0).padStart(7)} ${String(r.p99).padStart(8)} ` +
          `${mb(r.rssMax).padStart(11)} ${mb(r.rssMedian).padStart(11)} ${mb(r.privateMedian).padStart(11)} ${r.cpuPerRequest.toFixed(1).padStart(11)} ${String(r.fullGcs).padStart(9)} ${String(r.errors).padStart(7)}` +
          ` ${mb(r.rest.rss).padStart(6)} ${mb(r.rest.privateBytes).padStart(8)} ${mb(r.rest.fileBytes).padStart(6)} ${mb(r.rest.heapUsed).padStart(8)}`,
      );
    }
  }
  const summary = (key) => [median(results.A.map((r) => r[key])), median(results.B.map((r) => r[key]))];
  const [rpsA, rpsB] = summary('requestsPerSecond');
  const [p99A, p99B] = summary('p99');
  const [maxA, maxB] = summary('rssMax');
  const [typicalA, typicalB] = summary('rssMedian');
  const [privateA, privateB] = summary('privateMedian');
  const [cpuA, cpuB] = summary('cpuPerRequest');
  const spread = (list) => Math.max(...list) - Math.min(...list);
  // Each pair's own difference: how far one pair can be from the medians above, and how far
  // their mean can be from the true difference (a 95% confidence interval).
  const pairsMb = (read) => {
    const differences = results.A.map((a, i) => read(results.B[i]) - read(a));
    const [mean, half] = meanWithin95(differences);
    return `pairs from ${signedMb(Math.min(...differences))} to ${signedMb(Math.max(...differences))}, mean ${signedMb(mean)} ± ${mb(half)} MB`;
  };
  const pairs = (key) => {
    const ratios = results.A.map((a, i) => (results.B[i][key] - a[key]) / a[key]);
    const [mean, half] = meanWithin95(ratios);
    return `pairs from ${pct(Math.min(...ratios) + 1, 1)} to ${pct(Math.max(...ratios) + 1, 1)}, mean ${pct(mean + 1, 1)} ± ${(half * 100).toFixed(2)}%`;
  };
  console.log('\nmedians           A without     B with   difference');
  console.log(`requests/s      ${rpsA.toFixed(0).padStart(11)} ${rpsB.toFixed(0).padStart(10)}   ${pct(rpsB, rpsA)} (${pairs('requestsPerSecond')})`);
  console.log(`p99 latency ms  ${String(p99A).padStart(11)} ${String(p99B).padStart(10)}   ${p99B - p99A >= 0 ? '+' : ''}${p99B - p99A} ms (spread within A: ${spread(results.A.map((r) => r.p99))} ms, within B: ${spread(results.B.map((r) => r.p99))} ms)`);
  console.log(`RSS max MB      ${mb(maxA).padStart(11)} ${mb(maxB).padStart(10)}   ${signedMb(maxB - maxA)}`);
  console.log(`RSS median MB   ${mb(typicalA).padStart(11)} ${mb(typicalB).padStart(10)}   ${signedMb(typicalB - typicalA)} (${pairsMb((r) => r.rssMedian)})`);
  if (privateA !== null && privateB !== null) {
    console.log(`private MB, med ${mb(privateA).padStart(11)} ${mb(privateB).padStart(10)}   ${signedMb(privateB - privateA)} (${pairsMb((r) => r.privateMedian)})`);
  }
  console.log(`CPU µs/request  ${cpuA.toFixed(1).padStart(11)} ${cpuB.toFixed(1).padStart(10)}   ${pct(cpuB, cpuA)} (${pairs('cpuPerRequest')})`);
  const [gcsA, gcsB] = summary('fullGcs');
  console.log(`full GCs        ${String(gcsA).padStart(11)} ${String(gcsB).padStart(10)}   ${gcsB - gcsA >= 0 ? '+' : ''}${gcsB - gcsA}`);
  console.log('at rest, MB');
  for (const [label, key] of [['RSS', 'rss'], ['private', 'privateBytes'], ['files', 'fileBytes'], ['V8 heap used', 'heapUsed']]) {
    const [a, b] = [median(results.A.map((r) => r.rest[key])), median(results.B.map((r) => r.rest[key]))];
    console.log(`  ${label.padEnd(14)}${mb(a).padStart(11)} ${mb(b).padStart(10)}   ${signedMb(b - a)} (${pairsMb((r) => r.rest[key])})`);
  }
  if (CONTROL) return;
  const share = await profiledShares();
  const percent = (x) => `${(x * 100).toFixed(2)}%`;
  console.log(`\none more B run under --cpu-prof: ${percent(share.js)} of the server's busy CPU time is in leakwatch's JS and the GC instruments' JS it drives`);
  if (share.native === null) console.log('perf is not installed (Debian: linux-perf), so the native code leakwatch runs is not counted');
  else {
    console.log(`and under perf: ${percent(share.native.all)} of its CPU samples are in the native code they run (the addon, node's GC callbacks, heap statistics${NATIVE ? ', the allocator shim and its unwinding' : ''}): ${percent(share.js + share.native.all)} in all`);
    if (NATIVE) console.log(`of which ${percent(share.native.shim)} in the allocator shim of --native and its unwinding`);
  }
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3] === 'with');
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
