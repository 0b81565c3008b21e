'use strict';
// HeapDiff on a heap of N Session objects (the anchors' workload): leakwatch beside V8's own
// snapshot streams and beside @airbnb/node-memwatch.
//
// Usage: node bench/heapdiff.js [N ...]          (default: 400000 1000000)
// Env:   TOOLS=v8,leakwatch,airbnb               which to run (default: all)
//        RUNS=1                                  runs of each; the fastest is reported
//        RETAINERS=0                             leakwatch's end({retainers: N}): rows explained
//                                                (retainer path and held_by)
//
// Each measurement runs in a fresh node process (--max-old-space-size=8192) that builds the heap,
// then:
// - v8:        streams v8.getHeapSnapshot() to nowhere twice (HeapDiff needs two snapshots);
// - leakwatch: new HeapDiff(); adds N/10 more Sessions (not timed); end();
// - airbnb:    the same with @airbnb/node-memwatch, installed into bench/out/airbnb (not a
//              project dependency) and built against this node's headers; skipped if it
//              does not build.
// and reports wall time, peak RSS (getrusage maxrss, which includes the heap itself; the RSS
// before the measured step is printed beside it) and, for the HeapDiffs, the CPU time of all the
// process's threads, which a loaded machine disturbs less than the wall time. A diff is "correct" when its Session row says
// +N/10 and -0.

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { airbnbModule, ensureAirbnb } = require('./airbnb-memwatch');

class Session {
  constructor(i) {
    this.id = i;
    this.user = { name: 'user' + i, tags: [i, i + 1] };
    this.cb = () => this.id;
  }
}

function addSessions(from, count) {
  for (let i = from; i < from + count; i++) globalThis.sessions.push(new Session(i));
}

const mb = (bytes) => Math.round(bytes / 1048576);
const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** Checks a node-memwatch-shaped diff: the Session row must say +added, -0. */
function verdict(diff, added) {
  const row = diff.change.details.find((d) => d.what === 'Session');
  const rank = diff.change.details.indexOf(row) + 1;
  const ok = row !== undefined && row['+'] === added && row['-'] === 0;
  const found = row ? `+${row['+']} -${row['-']}, row ${rank}` : 'no Session row';
  return { ok, found };
}

async function child(tool, n) {
  globalThis.sessions = [];
  addSessions(0, n);
  const added = Math.round(n / 10);
  const rssBefore = process.memoryUsage().rss;
  const result = { tool, n, rssBefore };
  if (tool === 'v8') {
    const v8 = require('node:v8');
    const times = [];
    for (let k = 0; k < 2; k++) {
      const t = process.hrtime.bigint();
      let bytes = 0;
      await new Promise((resolve, reject) => {
        v8.getHeapSnapshot().on('data', (c) => (bytes += c.length)).on('end', resolve).on('error', reject);
      });
      times.push(Number(process.hrtime.bigint() - t) / 1e9);
      result.bytes = bytes;
    }
    result.seconds = times[0] + times[1];
    result.one = times[0];
  } else {
    const memwatch = tool === 'leakwatch' ? require(root) : require(airbnbModule);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const hd = new memwatch.HeapDiff();
    const t1 = process.hrtime.bigint();
    addSessions(n, added);
    const t2 = process.hrtime.bigint();
    const retainers = Number(process.env.RETAINERS || 0);
    const diff = tool === 'leakwatch' && retainers > 0 ? hd.end({ retainers }) : hd.end();
    const t3 = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpu0);
    // The process's CPU time (every thread) from new HeapDiff() to the end of end(): the adding
    // between them is in it, the same for every tool, and so is the first census, which runs
    // beside it.
    result.cpu = (cpu.user + cpu.system) / 1e6;
    result.start = Number(t1 - t0) / 1e9;
    result.end = Number(t3 - t2) / 1e9;
    result.add = Number(t2 - t1) / 1e9;
    result.seconds = result.start + result.end;
    Object.assign(result, verdict(diff, added));
  }
  result.peak = peakRss();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The fastest of `runs` runs: on a shared machine the slower ones only add noise. */
function best(tool, n, runs) {
  let fastest = null;
  for (let k = 0; k < runs; k++) {
    const r = run(tool, n);
    if (r.failed) return r;
    if (fastest === null || r.seconds < fastest.seconds) fastest = r;
  }
  return fastest;
}

function run(tool, n) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', __filename, '--child', tool, String(n)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) return { tool, n, failed: `exit ${r.status ?? r.signal}` };
  return JSON.parse(line);
}

function main() {
  const sizes = process.argv.slice(2).map(Number);
  if (sizes.length === 0) sizes.push(400_000, 1_000_000);
  const tools = (process.env.TOOLS || 'v8,leakwatch,airbnb').split(',');
  const haveAirbnb = tools.includes('airbnb') && ensureAirbnb();
  if (tools.includes('airbnb') && !haveAirbnb) console.error('@airbnb/node-memwatch did not build: skipped');
  const os = require('node:os');
  const load = os.loadavg()[0].toFixed(1);
  console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${load} at start\n`);
  const header = `${'sessions'.padStart(9)}  ${'tool'.padEnd(22)} ${'wall'.padStart(8)}  ${'peak RSS'.padStart(9)}  ${'RSS before'.padStart(10)}  result`;
  console.log(header);
  for (const n of sizes) {
    let v8Two = null;
    for (const tool of tools) {
      if (tool === 'airbnb' && !haveAirbnb) continue;
      const r = best(tool, n, Math.max(1, Number(process.env.RUNS) || 1));
      const rss = `${String(mb(r.peak ?? 0)).padStart(6)} MB  ${String(mb(r.rssBefore ?? 0)).padStart(7)} MB`;
      let label = tool;
      let result = '';
      if (r.failed) {
        result = `failed (${r.failed})`;
      } else if (tool === 'v8') {
        v8Two = r.seconds;
        label = 'V8 2 streams';
        result = `one stream ${r.one.toFixed(2)} s, ${mb(r.bytes)} MB of JSON`;
      } else {
        label = `${tool} HeapDiff`;
        const ratio = v8Two ? `, ${(r.seconds / v8Two).toFixed(2)}x V8` : '';
        result = `${r.ok ? 'correct' : 'WRONG'} (${r.found}); new ${r.start.toFixed(2)} s + end ${r.end.toFixed(2)} s${ratio} (untimed adding: ${r.add.toFixed(2)} s); CPU ${r.cpu.toFixed(2)} s, adding included`;
      }
      const wall = r.seconds === undefined ? '-' : `${r.seconds.toFixed(2)} s`;
      console.log(`${String(n).padStart(9)}  ${label.padEnd(22)} ${wall.padStart(8)}  ${rss}  ${result}`);
    }
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main();
}
