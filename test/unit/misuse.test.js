'use strict';
// Misuse never crashes the host: each case runs in a fresh node process, which must print its
// findings and exit 0, not die on a signal or an abort.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('../helpers/child');

// What every program below starts with: leakwatch, a way to wait for a condition, and a class
// whose instances a HeapDiff counts.
const PRELUDE = `
  const memwatch = require('.');
  const until = (predicate) => new Promise((resolve) => {
    const check = () => (predicate() ? resolve() : setTimeout(check, 5));
    check();
  });
  class Made { constructor(i) { this.i = i; } }
  class Other { constructor(i) { this.i = i; } }
  const kept = [];
  const make = (Class, n) => { for (let i = 0; i < n; i++) kept.push(new Class(i)); };
  const grew = (diff, name) => diff.change.details.find((row) => row.what === name)?.['+'] ?? 0;
  const print = (value) => console.log(JSON.stringify(value));
`;

/** Runs `body` after the prelude; returns its JSON lines, having checked that it exited cleanly. */
async function run(body, options) {
  const program = `${PRELUDE}\n(async () => {\n${body}\n})().catch((err) => { console.error(err); process.exit(3); });`;
  const result = await runNode(program, { timeoutMs: 30_000, ...options });
  assert.equal(result.signal, null, `killed by ${result.signal}: ${result.stderr}`);
  assert.equal(result.code, 0, result.stderr);
  return { lines: jsonLines(result.stdout), stderr: result.stderr };
}

test('listeners that throw, an error listener that throws too: the program sees its exceptions, watching goes on', async () => {
  const { lines } = await run(`
    const uncaught = [];
    process.on('uncaughtException', (err) => uncaught.push(err.message));
    let stats = 0;
    memwatch.on('gc', () => { throw new Error('gc listener bug'); });
    memwatch.on('stats', () => { throw new Error('stats listener bug'); });
    memwatch.on('stats', () => stats++);
    for (let i = 1; i <= 3; i++) {
      memwatch.gc();
      await until(() => stats === i);
    }
    print({ stats, uncaught: [...new Set(uncaught)].sort() });
    // An 'error' listener takes the listeners' exceptions; one that throws passes them on.
    memwatch.on('error', (err) => { throw new Error('error listener bug: ' + err.message); });
    memwatch.gc();
    await until(() => stats === 4 && uncaught.some((m) => m.startsWith('error listener bug')));
    print({ stats, afterErrorListener: [...new Set(uncaught.filter((m) => m.startsWith('error')))].sort() });
    memwatch.stop();
  `);
  assert.deepEqual(lines[0], { stats: 3, uncaught: ['gc listener bug', 'stats listener bug'] });
  assert.deepEqual(lines[1], { stats: 4, afterErrorListener: ['error listener bug: gc listener bug', 'error listener bug: stats listener bug'] });
});

test('stop() while a HeapDiff is open, ended by end() and by endAsync(): both diffs are right', async () => {
  const { lines } = await run(`
    memwatch.on('stats', () => {});
    const sync = new memwatch.HeapDiff();
    memwatch.stop();
    make(Made, 1000);
    print({ sync: grew(sync.end(), 'Made') });
    memwatch.on('stats', () => {});
    const later = new memwatch.HeapDiff();
    make(Made, 2000);
    const ending = later.endAsync();
    // Stopped while the second snapshot is analysed off the thread.
    memwatch.stop();
    print({ async: grew(await ending, 'Made') });
  `);
  assert.deepEqual(lines, [{ sync: 1000 }, { async: 2000 }]);
});

test("gc() from a 'stats' listener: each call gives one more full GC and one more 'stats'", async () => {
  const { lines } = await run(`
    const seen = [];
    memwatch.on('stats', (stats) => {
      seen.push(stats.num_full_gc);
      if (seen.length < 5) memwatch.gc();
    });
    memwatch.gc();
    await until(() => seen.length === 5);
    // One more turn of the GC observer: a sixth would come from a sixth gc(), which none made.
    await new Promise((resolve) => setImmediate(resolve));
    memwatch.stop();
    print({ seen });
  `);
  const { seen } = lines[0];
  assert.equal(seen.length, 5);
  for (let i = 1; i < seen.length; i++) assert.equal(seen[i], seen[i - 1] + 1, `full GC counts ${seen}`);
});

test('two HeapDiffs at once end correctly in either order, with end() and with endAsync()', async () => {
  const { lines } = await run(`
    const counts = (diff) => ({ Made: grew(diff, 'Made'), Other: grew(diff, 'Other') });
    for (const order of ['first first', 'second first']) {
      for (const how of ['end', 'endAsync']) {
        const outer = new memwatch.HeapDiff();
        make(Made, 1000);
        const inner = new memwatch.HeapDiff();
        make(Other, 500);
        const end = (diff) => (how === 'end' ? diff.end() : diff.endAsync());
        const [a, b] = order === 'first first' ? [outer, inner] : [inner, outer];
        const first = await end(a);
        const second = await end(b);
        const [outerDiff, innerDiff] = order === 'first first' ? [first, second] : [second, first];
        print({ order, how, outer: counts(outerDiff), inner: counts(innerDiff) });
      }
    }
    const outer = new memwatch.HeapDiff();
    make(Made, 300);
    const inner = new memwatch.HeapDiff();
    make(Other, 200);
    const [o, i] = await Promise.all([outer.endAsync(), inner.endAsync()]);
    print({ order: 'at once', how: 'endAsync', outer: counts(o), inner: counts(i) });
  `);
  assert.equal(lines.length, 5);
  for (const line of lines.slice(0, 4)) {
    assert.deepEqual(line.outer, { Made: 1000, Other: 500 }, JSON.stringify(line));
    assert.deepEqual(line.inner, { Made: 0, Other: 500 }, JSON.stringify(line));
  }
  assert.deepEqual(lines[4].outer, { Made: 300, Other: 200 });
  assert.deepEqual(lines[4].inner, { Made: 0, Other: 200 });
});

test("the addon loaded twice, as a test runner's module registry does: both copies work, the exit is clean", async () => {
  const { lines } = await run(`
    const path = require('node:path');
    const vm = require('node:vm');
    const fs = require('node:fs');
    const root = process.cwd();
    // Each copy is checked the same way: its own 'stats' after its gc(), and a HeapDiff.
    const check = async (watch, name) => {
      let stats = 0;
      watch.on('stats', () => stats++);
      watch.gc();
      await until(() => stats > 0);
      const diff = new watch.HeapDiff();
      make(Made, 700);
      const made = grew(diff.end(), 'Made');
      return { name, stats: stats > 0, made };
    };
    // 1. require.cache emptied of leakwatch (its .node file included) and leakwatch required again.
    const first = memwatch;
    const ours = (file) => file.startsWith(root + path.sep) && !file.includes('node_modules');
    const addonFile = Object.keys(require.cache).find((file) => ours(file) && file.endsWith('.node'));
    const firstAddon = require.cache[addonFile];
    for (const file of Object.keys(require.cache)) if (ours(file)) delete require.cache[file];
    // The package gives the thread's one memwatch, whichever copy asks; the second copy's own
    // LeakWatch is what its code would run.
    const again = require(root);
    const second = new (require(path.join(root, 'lib', 'memwatch')).LeakWatch)();
    print({ addonLoadedAgain: require.cache[addonFile] !== firstAddon && require.cache[addonFile] !== undefined, samePackageObject: again === first, secondClass: !(second instanceof first.LeakWatch) });
    print(await check(first, 'first'));
    print(await check(second, 'second'));
    // 2. leakwatch's modules evaluated in a vm context, each with a require of the context's own,
    // native and built-in modules from the host's: how Jest's environment loads a module.
    const context = vm.createContext({ console, process, setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, queueMicrotask, Buffer, URL, FinalizationRegistry, WeakRef });
    const loaded = new Map();
    const load = (file) => {
      if (loaded.has(file)) return loaded.get(file).exports;
      const module = { exports: {} };
      loaded.set(file, module);
      const wrapper = vm.compileFunction(fs.readFileSync(file, 'utf8'), ['module', 'exports', 'require', '__filename', '__dirname'], { parsingContext: context, filename: file });
      const requireHere = (id) => {
        if (!id.startsWith('.') && !path.isAbsolute(id)) return require(id);
        const resolved = require.resolve(path.resolve(path.dirname(file), id));
        return resolved.endsWith('.node') ? require(resolved) : load(resolved);
      };
      requireHere.resolve = (id) => require.resolve(id.startsWith('.') ? path.resolve(path.dirname(file), id) : id);
      wrapper(module, module.exports, requireHere, file, path.dirname(file));
      return module.exports;
    };
    const third = load(require.resolve(root));
    print(await check(third, 'vm context'));
    for (const watch of [first, second, third]) watch.stop();
  `);
  assert.deepEqual(lines, [
    { addonLoadedAgain: true, samePackageObject: true, secondClass: true },
    { name: 'first', stats: true, made: 700 },
    { name: 'second', stats: true, made: 700 },
    { name: 'vm context', stats: true, made: 700 },
  ]);
});
