'use strict';
// assertNoLeak on the labelled set of test/fixtures/leak-functions/ beside the `leakage`
// package's method, in the same run: which leaks each catches, whether it names the leaking
// class first, whether it fails a clean function, and how long a test takes.
//
// Usage: node bench/assert-no-leak.js [NAME ...]   (default: the whole set)
// Env:   METHODS=leakwatch,leakage               which to run (default: both)
//
// After the labelled set, the same for a function whose call takes 1 ms (bench/one-ms/), clean
// and leaky: what the speed of a leak test is stated for. Those two are not in the totals.
//
// Each test runs in a fresh node process. The `leakage` method is its algorithm (six rounds of
// 30 calls, a HeapDiff around each round after two full GCs; a leak when the heap grew by more
// than 1 KB, 5 KB for an async function, in more than two thirds of the rounds in a row; the
// class it names is the last such diff's row that grew most), run here on @airbnb/node-memwatch,
// as `leakage`'s own memwatch dependency no longer builds on current Node. @airbnb/node-memwatch
// is installed into bench/out/airbnb (see airbnb-memwatch.js); without it, the method runs on
// leakwatch's own HeapDiff and the table says so.

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { airbnbModule, ensureAirbnb } = require('./airbnb-memwatch');
const { LEAK_FUNCTIONS } = require('../test/fixtures/leak-functions');

const root = path.join(__dirname, '..');
const LEAKAGE = { rounds: 6, calls: 30, syncSensitivity: 1024, asyncSensitivity: 5 * 1024 };

/** In the child: leakwatch's assertNoLeak on `run`. */
async function withLeakwatch(run) {
  const { assertNoLeak } = require(root);
  try {
    await assertNoLeak(run);
    return { leak: false, class: null, site: null };
  } catch (err) {
    if (err.name !== 'LeakError') throw err;
    const [first] = err.leaks;
    return { leak: true, class: first.class, site: first.site ? `${first.site.function}:${first.site.line}` : null };
  }
}

/** In the child: the `leakage` method on `run`, with `memwatch`'s HeapDiff and gc(). */
async function withLeakageMethod(run, memwatch) {
  const diffs = [];
  let isAsync = false;
  for (let round = 0; round < LEAKAGE.rounds; round += 1) {
    memwatch.gc();
    memwatch.gc();
    const diff = new memwatch.HeapDiff();
    for (let i = 0; i < LEAKAGE.calls; i += 1) {
      const result = run();
      if (result && typeof result.then === 'function') {
        isAsync = true;
        await result;
      }
    }
    if (isAsync) memwatch.gc();
    diffs.push(diff.end());
  }
  const sensitivity = isAsync ? LEAKAGE.asyncSensitivity : LEAKAGE.syncSensitivity;
  let longest = [];
  let current = [];
  for (const diff of diffs) {
    current = diff.change.size_bytes > sensitivity ? [...current, diff] : [];
    if (current.length > longest.length) longest = current;
  }
  if (longest.length <= Math.floor((LEAKAGE.rounds * 2) / 3)) return { leak: false, class: null, site: null };
  const last = longest[longest.length - 1];
  const top = [...last.change.details].sort((a, b) => b.size_bytes - a.size_bytes)[0];
  return { leak: true, class: top ? top.what : null, site: null };
}

async function child(method, file, engine) {
  const { run } = require(file);
  const started = process.hrtime.bigint();
  const memwatch = engine === 'airbnb' ? require(airbnbModule) : require(root);
  const result = method === 'leakwatch' ? await withLeakwatch(run) : await withLeakageMethod(run, memwatch);
  result.ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // An uncleared interval of the set keeps nothing alive (unref), but exit at once anyway.
  process.exit(0);
}

function runOne(method, file, engine) {
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', method, file, engine], { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    return { failed: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') };
  }
}

/** One test's result, as a cell of the table. */
const cell = (r) => `${r.leak ? 'LEAK' : 'pass'} ${r.class ?? '-'}${r.site ? ` @${r.site}` : ''} ${Math.round(r.ms)}`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main() {
  const names = process.argv.slice(2);
  const set = names.length ? LEAK_FUNCTIONS.filter((f) => names.includes(f.name)) : LEAK_FUNCTIONS;
  const methods = (process.env.METHODS || 'leakwatch,leakage').split(',');
  const engine = methods.includes('leakage') && ensureAirbnb() ? 'airbnb' : 'leakwatch';
  if (methods.includes('leakage') && engine !== 'airbnb') {
    console.log('@airbnb/node-memwatch does not build here: the leakage method runs on leakwatch\'s HeapDiff');
  }
  const label = { leakwatch: 'assertNoLeak', leakage: `leakage method (${engine === 'airbnb' ? '@airbnb/node-memwatch' : "leakwatch's HeapDiff"})` };
  const totals = Object.fromEntries(methods.map((m) => [m, { caught: 0, named: 0, falseFailures: 0, ms: [] }]));
  const leaky = set.filter((f) => require(f.file).leaks !== null).length;
  console.log(['function', 'leaks', ...methods.map((m) => `${label[m]}: verdict, class, ms`)].join('\t'));
  for (const { name, file } of set) {
    const expected = require(file).leaks;
    const cells = [];
    for (const method of methods) {
      const r = runOne(method, file, engine);
      const t = totals[method];
      if (r.failed) {
        cells.push(`error: ${r.failed}`);
        continue;
      }
      t.ms.push(r.ms);
      if (expected !== null && r.leak) t.caught += 1;
      if (expected !== null && r.class === expected) t.named += 1;
      if (expected === null && r.leak) t.falseFailures += 1;
      cells.push(cell(r));
    }
    console.log([name, expected ?? '(clean)', ...cells].join('\t'));
  }
  for (const name of names.length ? [] : ['clean', 'leaky']) {
    const file = path.join(__dirname, 'one-ms', `${name}.js`);
    const cells = methods.map((method) => {
      const r = runOne(method, file, engine);
      return r.failed ? `error: ${r.failed}` : cell(r);
    });
    console.log([`1 ms call, ${name}`, require(file).leaks ?? '(clean)', ...cells].join('\t'));
  }
  for (const method of methods) {
    const t = totals[method];
    console.log(
      `${label[method]}: caught ${t.caught}/${leaky} leaks, named the class first for ${t.named}/${leaky}, ` +
        `failed ${t.falseFailures}/${set.length - leaky} clean functions, median ${Math.round(median(t.ms))} ms per test`,
    );
  }
}

if (process.argv[2] === '--child') child(process.argv[3], process.argv[4], process.argv[5]);
else main();
