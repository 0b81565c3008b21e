'use strict';
// The dashboard's HTTP endpoints, against memwatch.dashboard() running in a child node process.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const { startDashboardProcess } = require('../helpers/demo');
const { runNode } = require('../helpers/child');
const { waitFor } = require('../helpers/wait');
const native = require('../../lib/native');

// A program with a dashboard, one toggle, and a class it keeps on request (a line "keep" on
// stdin); a line "close" closes the dashboard and stops watching, after which it must exit.
const APP = `
  const memwatch = require('.');
  const host = process.argv[1] || '127.0.0.1';
  if (process.argv[2] === 'no-metrics') memwatch.metrics = undefined;
  class KeptByTest { constructor(i) { this.i = i; } }
  const kept = [];
  let toggled = false;
  memwatch.dashboard({ port: 0, host, controls: { toggle: { label: 'Toggle', get: () => toggled, set: (on) => { toggled = on; } } } })
    .then((dashboard) => {
      console.log('leakwatch dashboard: ' + dashboard.url);
      process.stdin.setEncoding('utf8');
      process.stdin.on('data', async (line) => {
        if (line.includes('keep')) { for (let i = 0; i < 5000; i++) kept.push(new KeptByTest(i)); console.log('kept'); }
        if (line.includes('toggled?')) console.log('toggled=' + toggled);
        if (line.includes('close')) {
          await dashboard.close();
          memwatch.stop();
          process.stdin.pause();
          console.log('closed');
        }
      });
    });
`;

function startApp(...args) {
  return startDashboardProcess(['-e', APP, ...args]);
}

/** An HTTP request with full control of the headers; resolves to {status, headers, body, json}. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function post(url, body, headers = {}) {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
}

/** An open event stream: `events` fills as messages arrive ({type, data}). */
function openStream(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const events = [];
    const req = http.get(url, { headers }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(message);
          const data = /^data: (.*)$/m.exec(message);
          if (type && data) events.push({ type: type[1], data: JSON.parse(data[1]), at: Date.now() });
        }
      });
      resolve({ res, events, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

function assertJsonError(response, status) {
  assert.equal(response.status, status, response.body);
  assert.match(response.headers['content-type'], /^application\/json/);
  assert.equal(typeof response.json.error, 'string');
  assert.ok(response.json.error.length > 0 && response.json.error.length < 120, response.json.error);
}

test('dashboard on 127.0.0.1', async (t) => {
  const app = await startApp();
  const base = app.url;
  t.after(() => app.stop());
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'a loopback dashboard needs no token in its URL');

  await t.test('serves the page and its assets, uPlot from node_modules', async () => {
    const page = await request(base);
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /^text\/html/);
    assert.match(page.headers['content-security-policy'], /script-src 'self'/);
    assert.match(page.body, /<script src="\/app\.js"><\/script>/);
    for (const [file, type, text] of [
      ['app.js', /javascript/, /new EventSource/],
      ['style.css', /text\/css/, /\.chart/],
      ['vendor/uPlot.iife.min.js', /javascript/, /uPlot/],
      ['vendor/uPlot.min.css', /text\/css/, /\.uplot/],
    ]) {
      const res = await request(base + file);
      assert.equal(res.status, 200, file);
      assert.match(res.headers['content-type'], type, file);
      assert.match(res.body, text, file);
    }
  });

  await t.test('the event stream sends the history, then live events', async () => {
    const first = await openStream(base + 'events');
    assert.match(first.res.headers['content-type'], /^text\/event-stream/);
    await waitFor(() => first.events.filter((e) => e.type === 'sample').length >= 3, { timeoutMs: 5000, what: 'three live samples' });
    assert.deepEqual(first.events.slice(0, 2).map((e) => e.type), ['hello', 'history']);
    const hello = first.events[0].data;
    assert.equal(hello.windowMs, 600_000);
    assert.deepEqual(hello.controls, { toggle: { label: 'Toggle', on: false } });
    const samples = first.events.filter((e) => e.type === 'sample').map((e) => e.data);
    for (const s of samples) {
      for (const field of ['t', 'heap_used', 'heap_total', 'rss', 'external', 'array_buffers']) {
        assert.ok(Number.isFinite(s[field]) && s[field] > 0, `${field} = ${s[field]}`);
      }
      // The C allocator's figures: numbers with glibc (or jemalloc), null where it says nothing.
      const malloc = native.mallocStats();
      for (const field of ['malloc_in_use', 'malloc_free']) {
        assert.ok(malloc === null ? s[field] === null : Number.isFinite(s[field]) && s[field] > 0, `${field} = ${s[field]}`);
      }
    }
    const gaps = samples.slice(1).map((s, i) => s.t - samples[i].t);
    const meanGap = (samples[samples.length - 1].t - samples[0].t) / gaps.length;
    assert.ok(gaps.every((gap) => gap > 250) && meanGap < 1000, `samples every ~333 ms: ${gaps}`);

    // A later client starts with what the first one saw live.
    const second = await openStream(base + 'events');
    await waitFor(() => second.events.length >= 2, { what: 'the second history' });
    const history = second.events[1].data;
    assert.equal(second.events[1].type, 'history');
    const times = history.series.sample.map((s) => s.t);
    for (const s of samples) assert.ok(times.includes(s.t), `sample at ${s.t} is in the history`);
    assert.deepEqual(Object.keys(history.latest).sort(), ['status']);
    assert.equal(history.latest.status.state, 'idle');
    first.close();
    second.close();
  });

  await t.test('POST /api/gc runs a full GC: a stats event follows', async () => {
    const stream = await openStream(base + 'events');
    await waitFor(() => stream.events.length >= 2, { what: 'the history' });
    const before = stream.events[1].data.series.stats.length;
    const res = await post(base + 'api/gc');
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json, { ok: true });
    await waitFor(() => stream.events.some((e) => e.type === 'stats'), { timeoutMs: 5000, what: 'a stats event' });
    const stats = stream.events.find((e) => e.type === 'stats').data;
    assert.equal(stats.num_full_gc, before + 1);
    assert.ok(stats.current_base > 0 && stats.estimated_base > 0);
    await waitFor(() => stream.events.some((e) => e.type === 'gc' && e.data.kind === 'major'), { what: "the GC's gc event" });
    const gc = stream.events.find((e) => e.type === 'gc' && e.data.kind === 'major').data;
    assert.ok(gc.duration_ms > 0 && gc.used_before > 0 && gc.used_after > 0, JSON.stringify(gc));
    await waitFor(() => stream.events.some((e) => e.type === 'status'), { what: "the detector's status after the stats" });
    stream.close();
  });

  await t.test('POST /api/diff ends the HeapDiff started with the dashboard and starts the next', async () => {
    const stream = await openStream(base + 'events');
    app.child.stdin.write('keep\n');
    await waitFor(() => app.output().includes('kept'), { what: 'the program to keep objects' });
    const res = await post(base + 'api/diff');
    assert.equal(res.status, 200, res.body);
    const row = res.json.result.rows.find((r) => r.what === 'KeptByTest');
    assert.ok(row, `KeptByTest among ${res.json.result.rows.map((r) => r.what)}`);
    assert.equal(row['+'], 5000);
    assert.ok(row.size_bytes > 0 && row.retained_size_bytes >= row.size_bytes);
    assert.ok(res.json.result.started < res.json.result.t);
    await waitFor(() => stream.events.some((e) => e.type === 'diff'), { what: 'the diff event' });
    assert.deepEqual(stream.events.find((e) => e.type === 'diff').data, res.json.result);

    // The next diff starts where this one ended: the kept objects are not new any more.
    const next = await post(base + 'api/diff');
    assert.equal(next.status, 200, next.body);
    assert.equal(next.json.result.rows.find((r) => r.what === 'KeptByTest'), undefined);
    assert.ok(next.json.result.started >= res.json.result.t);
    stream.close();
  });

  await t.test('POST /api/controls/NAME flips a toggle the program registered', async () => {
    const on = await post(base + 'api/controls/toggle', { on: true });
    assert.equal(on.status, 200, on.body);
    assert.deepEqual(on.json, { ok: true, result: { label: 'Toggle', on: true } });
    app.child.stdin.write('toggled?\n');
    await waitFor(() => app.output().includes('toggled=true'), { what: 'the program to see the toggle on' });
    const state = await request(base + 'api/state');
    assert.deepEqual(state.json.latest.controls, { toggle: { label: 'Toggle', on: true } });
    assertJsonError(await post(base + 'api/controls/nope', { on: true }), 404);
    assertJsonError(await post(base + 'api/controls/toggle', { on: 'yes' }), 400);
    assertJsonError(await post(base + 'api/controls/toggle'), 400);
  });

  await t.test('GET /metrics is Prometheus text from memwatch.metrics()', async () => {
    const res = await request(base + 'metrics');
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^# (HELP|TYPE) \w+/m);
  });

  await t.test('malformed requests get a 4xx and a short JSON error', async () => {
    assertJsonError(await request(base + 'nope'), 404);
    assertJsonError(await request(base + 'api/gc'), 405);
    assert.equal((await request(base + 'api/gc')).headers.allow, 'POST');
    assertJsonError(await request(base, { method: 'POST' }), 405);
    assertJsonError(await request(base + 'events', { method: 'DELETE' }), 405);
    assertJsonError(await post(base + 'api/gc', '{"on": tru'), 400);
    assertJsonError(await post(base + 'api/gc', '{}', { 'content-type': 'text/plain' }), 415);
    assertJsonError(await post(base + 'api/gc', JSON.stringify({ pad: 'x'.repeat(100_000) })), 413);
    assertJsonError(await request(base + '%zz'), 404);
    // The server is still there after all that.
    assert.equal((await request(base + 'api/state')).status, 200);
  });

  await t.test('a huge body is cut off with 413 without being read whole', async () => {
    const { port } = new URL(base);
    const reply = await new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      setTimeout(() => reject(new Error(`no answer: ${text}`)), 5000).unref();
      socket.write(`POST /api/gc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 4; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    assert.match(reply, /^HTTP\/1\.1 413 /);
    assert.match(reply, /"error":"body too large/);
  });

  await t.test('actions from another origin are refused', async () => {
    const { host } = new URL(base);
    assertJsonError(await post(base + 'api/gc', {}, { origin: 'http://evil.example' }), 403);
    assertJsonError(await post(base + 'api/gc', {}, { origin: `http://${host}`, 'sec-fetch-site': 'cross-site' }), 403);
    assertJsonError(await post(base + 'api/gc', {}, { 'sec-fetch-site': 'same-site' }), 403);
    // A name pointed at 127.0.0.1 by its owner (DNS rebinding) is not this dashboard's name.
    const { port } = new URL(base);
    assertJsonError(await post(base + 'api/gc', {}, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` }), 403);
    assertJsonError(await request(base + 'api/state', { headers: { host: `evil.example:${port}` } }), 403);
    // The page itself, and clients that are not browsers, may act.
    assert.equal((await post(base + 'api/gc', {}, { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })).status, 200);
    assert.equal((await post(base + 'api/gc', {}, { host: `localhost:${port}` })).status, 200);
  });

  await t.test('close() ends the streams and lets the program exit', async () => {
    const stream = await openStream(base + 'events');
    const ended = new Promise((resolve) => stream.res.on('close', resolve));
    app.child.stdin.end('close\n');
    await ended;
    const result = await Promise.race([app.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 5000))]);
    assert.deepEqual(result, { code: 0, signal: null }, app.output());
    assert.match(app.output(), /closed/);
  });
});

test('dashboard on 0.0.0.0 needs its token', async (t) => {
  const app = await startApp('0.0.0.0', 'no-metrics');
  t.after(() => app.stop());
  const match = /^http:\/\/0\.0\.0\.0:(\d+)\/#token=([\w-]+)$/.exec(app.url);
  assert.ok(match, `the URL carries the token: ${app.url}`);
  const base = `http://127.0.0.1:${match[1]}/`;
  const token = match[2];
  assert.ok(token.length >= 20);

  // The page is public; the data and the actions are not.
  assert.equal((await request(base)).status, 200);
  assertJsonError(await request(base + 'api/state'), 401);
  assertJsonError(await request(base + 'events'), 401);
  assertJsonError(await request(base + 'api/state', { headers: { 'x-leakwatch-token': token.slice(1) + 'x' } }), 403);
  assertJsonError(await post(base + 'api/gc'), 401);
  assertJsonError(await post(base + 'api/gc', {}, { authorization: 'Bearer wrong-token-wrong' }), 403);

  assert.equal((await request(base + 'api/state', { headers: { 'x-leakwatch-token': token } })).status, 200);
  assert.equal((await post(base + 'api/gc', {}, { authorization: `Bearer ${token}` })).status, 200);
  const stream = await openStream(`${base}events?token=${token}`);
  assert.equal(stream.res.statusCode, 200);
  await waitFor(() => stream.events.length >= 2, { what: 'the history' });
  stream.close();
  // A source without metrics() has no /metrics.
  assertJsonError(await request(base + 'metrics', { headers: { 'x-leakwatch-token': token } }), 404);
});

test('a port in use rejects with a one-line error, and nothing is left running', async () => {
  const r = await runNode(
    `const net = require('node:net');
     const memwatch = require('.');
     const blocker = net.createServer().listen(0, '127.0.0.1', async () => {
       const { port } = blocker.address();
       try {
         await memwatch.dashboard({ port });
         console.log('started?!');
       } catch (err) {
         console.log('error: ' + err.message);
       }
       blocker.close();
     });`,
    { timeoutMs: 15_000 },
  );
  assert.equal(r.timedOut, false, 'the process exits on its own');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^error: leakwatch dashboard: 127\.0\.0\.1:\d+ is already in use\n$/);
});
