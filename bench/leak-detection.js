'use strict';
// How well the leak detector does on the labelled programs in examples/leaks/ (programs.json says
// which leak, what class and allocation site are to blame, and what holds the leaked objects),
// with default settings:
//
//   node bench/leak-detection.js [--seconds 60] [--jobs 2] [--only NAME] [--watch | --attach [--before 20]]
//
// Each program runs for --seconds under bench/watch-program.js, or, with --watch, unchanged under
// `leakwatch watch --events FILE -- node PROGRAM` (times counted from its `start` event, and
// node-memwatch's rule judged on its `stats` events), or, with --attach, started as plain
// `node PROGRAM` and, --before seconds later, watched by `leakwatch attach --events FILE PID`
// for --seconds (times counted from when attach was started; one attach at a time, since each
// opens port 9229, while the next program already runs). Printed: per program, whether and
// when leakwatch reported a leak and whether its top suspect names the right class, site and
// holder (its `held_by`, judged by bench/verdict-labels.js; none is "no"); then recall, false
// alarms, median seconds to detect and culprit accuracy. node-memwatch's rule
// (a leak when the heap after full GC grew on 5 consecutive full GCs) is judged on the very same
// GCs, from the trace each run writes.
//
// A site is right when it is in the labelled file and is one of the labelled functions: the one
// that allocates the leaking objects, or, written "(anonymous):LINE", the function starting at
// LINE that calls it. V8's sampling heap profiler records physical stack frames only, so once
// the optimizing compiler inlines the allocating function into its caller, the caller is the
// site it reports.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root, programsDir, readPrograms, option, runEach } = require('./labelled-programs');
const { heldByMatches, siteMatches } = require('./verdict-labels');

const seconds = Number(option('seconds', 60));
const jobs = Number(option('jobs', 2));
const only = option('only', null);
const underWatch = process.argv.includes('--watch');
const underAttach = process.argv.includes('--attach');
const before = Number(option('before', 20));
const cli = path.join(root, 'lib', 'cli', 'main.js');

/** The events of an NDJSON events file, parsed. */
const readEvents = (file) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/**
 * Runs one program for `seconds` under `leakwatch watch`; resolves to its first leak event and
 * its full GCs, from the events file.
 */
function runUnderWatch(entry, traceDir) {
  const events = path.join(traceDir, `${entry.program}.ndjson`);
  const command = [cli, 'watch', '--events', events, '--', 'node', path.join(programsDir, entry.program)];
  const child = spawn(process.execPath, command, { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] });
  const timer = setTimeout(() => child.kill('SIGTERM'), seconds * 1000);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearTimeout(timer);
      const lines = readEvents(events);
      const start = lines.find((e) => e.type === 'start');
      const leak = lines.find((e) => e.type === 'leak');
      const { type, time, pid, ...report } = leak ?? {};
      const gcs = lines.filter((e) => e.type === 'stats').map((e) => ({ t: e.time, kind: 'major', heap: e.current_base }));
      resolve({ entry, leak: leak ? { seconds: (leak.time - start.time) / 1000, report } : null, gcs: start ? [{ t: start.time }, ...gcs] : gcs });
    });
  });
}

let attachTurn = Promise.resolve();

/**
 * Starts one program plainly and, `before` seconds later and once no other attach runs, watches
 * it with `leakwatch attach` for `seconds` (detaching early once a leak is reported); resolves to
 * its first leak event, timed from the attach, and the full GCs seen attached.
 */
async function runUnderAttach(entry, traceDir) {
  const events = path.join(traceDir, `${entry.program}.ndjson`);
  const program = spawn(process.execPath, [path.join(programsDir, entry.program)], { cwd: root, stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, before * 1000));
  const previous = attachTurn;
  let done;
  attachTurn = new Promise((resolve) => (done = resolve));
  await previous;
  try {
    const attachedAt = Date.now();
    const attach = spawn(process.execPath, [cli, 'attach', '--for', `${seconds}s`, '--events', events, String(program.pid)], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const closed = new Promise((resolve) => attach.on('close', resolve));
    const poll = setInterval(() => {
      if (fs.existsSync(events) && readEvents(events).some((e) => e.type === 'leak')) attach.kill('SIGINT');
    }, 500);
    await closed;
    clearInterval(poll);
    const lines = fs.existsSync(events) ? readEvents(events) : [];
    const leak = lines.find((e) => e.type === 'leak');
    const { type, time, pid, ...report } = leak ?? {};
    const gcs = lines.filter((e) => e.type === 'stats').map((e) => ({ t: e.time, kind: 'major', heap: e.current_base }));
    return { entry, leak: leak ? { seconds: (leak.time - attachedAt) / 1000, report } : null, gcs: [{ t: attachedAt }, ...gcs] };
  } finally {
    program.kill('SIGKILL');
    done();
  }
}

/** Runs one program for `seconds`; resolves to its first leak event and its GC trace. */
function run(entry, traceDir) {
  if (underWatch) return runUnderWatch(entry, traceDir);
  if (underAttach) return runUnderAttach(entry, traceDir);
  const trace = path.join(traceDir, `${entry.program}.jsonl`);
  const child = spawn(process.execPath, [path.join(__dirname, 'watch-program.js'), path.join(programsDir, entry.program), trace], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearTimeout(timer);
      const leaks = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const gcs = fs.existsSync(trace)
        ? fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
        : [];
      resolve({ entry, leak: leaks[0] ?? null, gcs });
    });
  });
}

/** node-memwatch's rule on a GC trace: seconds to the 5th consecutive growth after full GC, or null. */
function fiveGcRule(gcs) {
  const start = gcs[0]?.t;
  let last = null;
  let streak = 0;
  for (const gc of gcs) {
    if (gc.kind !== 'major') continue;
    streak = last !== null && gc.heap > last ? streak + 1 : 0;
    last = gc.heap;
    if (streak >= 5) return (gc.t - start) / 1000;
  }
  return null;
}

function culpritOf(leak, entry) {
  const top = leak?.report.suspects[0];
  if (!top || !entry.leaks) return { classOk: false, siteOk: false, heldByOk: false, top };
  return {
    classOk: top.class === entry.class,
    siteOk: siteMatches(entry.site, top.site, root),
    heldByOk: heldByMatches(entry.held_by, top.held_by),
    top,
  };
}

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const pct = (n, d) => (d ? `${n}/${d} (${Math.round((100 * n) / d)}%)` : 'n/a');
const secs = (s) => (s === null ? '-' : `${s.toFixed(1)} s`);

async function main() {
  const programs = readPrograms(only);
  const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-traces-'));
  const how = underWatch ? 'under leakwatch watch' : underAttach ? `under leakwatch attach, ${before} s after each program started` : 'in-process';
  console.log(`${programs.length} programs, ${seconds} s each, ${jobs} at a time, default settings, ${how} (node ${process.version})\n`);

  const results = await runEach(programs, jobs, (entry) => run(entry, traceDir));

  console.log('program              leaks  leakwatch   class ok  site ok  held_by ok  top suspect                                node-memwatch (5 GCs)');
  const rows = results.map((r) => {
    const culprit = culpritOf(r.leak, r.entry);
    const memwatch = fiveGcRule(r.gcs);
    const found = r.leak ? r.leak.seconds : null;
    const top = culprit.top ? `${culprit.top.class ?? '?'} @ ${culprit.top.site ? `${culprit.top.site.function} ${path.relative(root, culprit.top.site.file)}:${culprit.top.site.line}` : '?'}` : '';
    const mark = (ok) => (!r.entry.leaks || !r.leak ? '' : ok ? 'yes' : 'no');
    console.log(
      `${r.entry.program.padEnd(20)} ${(r.entry.leaks ? 'yes' : 'no').padEnd(6)} ${secs(found).padEnd(11)} ` +
      `${mark(culprit.classOk).padEnd(9)} ${mark(culprit.siteOk).padEnd(8)} ${mark(culprit.heldByOk).padEnd(11)} ` +
      `${top.slice(0, 42).padEnd(42)} ${secs(memwatch)}`,
    );
    return { ...r, found, memwatch, culprit };
  });

  console.log('\nTop suspects of the leaks found:');
  for (const r of rows.filter((row) => row.culprit.top)) {
    const { top } = r.culprit;
    console.log(`  ${r.entry.program}: ${top.class ?? '(class unknown)'}, +${top.count}, ${top.bytes} bytes`);
    if (top.site) console.log(`    allocated at ${top.site.stack.slice(0, 3).join(' < ')}`);
    console.log(`    held_by ${top.held_by ?? '-'}`);
    if (top.path) console.log(`    path ${top.path.length > 160 ? '…' + top.path.slice(-160) : top.path}`);
  }

  const leaky = rows.filter((r) => r.entry.leaks);
  const clean = rows.filter((r) => !r.entry.leaks);
  for (const [name, foundOf] of [['leakwatch', (r) => r.found], ['node-memwatch 5-GC rule', (r) => r.memwatch]]) {
    const detected = leaky.filter((r) => foundOf(r) !== null);
    console.log(`\n${name}:`);
    console.log(`  recall           ${pct(detected.length, leaky.length)}`);
    console.log(`  false alarms     ${pct(clean.filter((r) => foundOf(r) !== null).length, clean.length)}`);
    console.log(`  median detection ${secs(median(detected.map(foundOf)))}`);
    if (name === 'leakwatch') {
      console.log(`  culprit class    ${pct(leaky.filter((r) => r.culprit.classOk).length, leaky.length)}`);
      console.log(`  culprit site     ${pct(leaky.filter((r) => r.culprit.siteOk).length, leaky.length)}`);
      console.log(`  culprit held_by  ${pct(leaky.filter((r) => r.culprit.heldByOk).length, leaky.length)}`);
    }
  }
  console.log(`\nGC traces: ${traceDir}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
