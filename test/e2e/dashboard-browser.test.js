'use strict';
// The dashboard end to end: the demo in a child process, its page in headless Chromium.
// Runs under the newest Node only: what it tests is the page, in the browser; the server it talks
// to is tested under every version by dashboard-http.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startDemo, haveChromium, launchChromium, waitForLeakRow, CHROMIUM } = require('../helpers/demo');
const { skipOutsideCi } = require('../helpers/ci');

const NO_CHROMIUM = `${CHROMIUM} is absent: install Debian's chromium package (.ci/run does)`;

// The default leak detector, on the demo's slow leak (about 150 KB/s).
const LEAK_WAIT_MS = 90_000;

/** How many pixels of the canvas in `selector` are close to the colour `rgb`. */
function pixelsOfColor(page, selector, rgb) {
  return page.evaluate(
    ({ selector, rgb }) => {
      const canvas = document.querySelector(selector);
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]) < 40) count += 1;
      }
      return count;
    },
    { selector, rgb },
  );
}

/** What the page knows about leaks and diffs, for a failure message. */
function leakSummary(page) {
  return page.evaluate(() => {
    const { state } = window.leakwatchDashboard;
    return JSON.stringify({
      status: state.status,
      leaks: state.leaks.map((l) => ({ reason: l.reason, suspects: (l.suspects || []).map((s) => s.class) })),
      diff: state.diff && state.diff.rows.slice(0, 5).map((r) => r.what),
      error: document.getElementById('error').textContent,
    });
  });
}

/** Runs `wait`; if it fails, adds what the page knows to the error. */
async function explained(page, wait) {
  try {
    return await wait();
  } catch (err) {
    throw new Error(`${err.message}\npage state: ${await leakSummary(page)}`, { cause: err });
  }
}

function fullGcCount(page) {
  return page.$eval('#full-gc-count', (el) => Number(el.textContent.replace(/\D/g, '')) || 0);
}

test('the demo dashboard in Chromium: live charts, force GC, a leak and its culprit', { skip: skipOutsideCi(haveChromium(), NO_CHROMIUM), timeout: 150_000 }, async (t) => {
  assert.ok(haveChromium(), NO_CHROMIUM);
  const demo = await startDemo();
  t.after(() => demo.stop());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));

  await t.test('the page loads and goes live', async () => {
    await page.goto(demo.url);
    assert.match(await page.title(), /leakwatch/);
    await page.waitForFunction(() => document.getElementById('connection').textContent === 'live');
    const controls = await page.$$eval('#controls button', (buttons) => buttons.map((b) => b.textContent));
    assert.deepEqual(controls, ['Workload: on', 'Busy: off', 'Leak: off']);
  });

  await t.test('the memory chart draws the samples', async () => {
    await page.waitForFunction(() => {
      const { memoryChart } = window.leakwatchDashboard;
      return memoryChart.data[1].filter((v) => v !== null).length >= 6;
    });
    const points = await page.evaluate(() => window.leakwatchDashboard.memoryChart.data[1].filter((v) => v !== null));
    assert.ok(points.every((v) => v > 1e6 && v < 1e9), `heap used values: ${points}`);
    // The heap-used line (#2f6fdf) is on the canvas, not only in uPlot's data.
    const blue = await pixelsOfColor(page, '#memory-chart canvas', [0x2f, 0x6f, 0xdf]);
    assert.ok(blue > 100, `${blue} pixels of the heap-used line`);
  });

  await t.test('"Force GC" raises the full-GC count', async () => {
    await page.waitForFunction(() => window.leakwatchDashboard.state.stats.length > 0, null, { timeout: 20_000 });
    const before = await fullGcCount(page);
    await page.click('#force-gc');
    await page.waitForFunction((n) => Number(document.getElementById('full-gc-count').textContent.replace(/\D/g, '')) > n, before, { timeout: 5000 });
    assert.ok((await fullGcCount(page)) > before);
  });

  await t.test('switching the leak on gives a leak marker and LeakedRequest among the culprits', async () => {
    await page.click('#controls button[data-control="leak"]');
    await page.waitForFunction(() => document.querySelector('#controls button[data-control="leak"]').getAttribute('aria-pressed') === 'true');
    const started = Date.now();
    const row = await explained(page, () => waitForLeakRow(page, 'LeakedRequest', LEAK_WAIT_MS));
    t.diagnostic(`leak reported ${((Date.now() - started) / 1000).toFixed(1)} s after the leak was switched on`);
    // The marker (#c2188c, a colour no series uses) is drawn across the plot.
    const marker = await pixelsOfColor(page, '#memory-chart canvas', [0xc2, 0x18, 0x8c]);
    assert.ok(marker > 100, `${marker} pixels of the leak marker`);
    assert.match(await page.textContent('#last-leak'), /grew .* a steady rise/);
    await row.click();
    const detail = await page.textContent('#detail-body');
    assert.match(detail, /Retainer path:[\s\S]*leakedRequests[\s\S]*LeakedRequest/, detail);
    assert.match(detail, /Held by: (exports\.leakedRequests \(Array\) of |`leakedRequests` \(Array\) in )\S*workload\.js/, detail);
  });

  await t.test('"Take HeapDiff" lists what grew since the dashboard opened', async () => {
    await page.click('#take-diff');
    await explained(page, () => page.waitForSelector('#culprits tr[data-from="diff"][data-class="LeakedRequest"]', { timeout: 30_000 }));
    // Ranked by retained growth, the leaking class comes first; the rest of the program changed
    // little since the dashboard opened (a HeapDiff whose object ids were lost would show most
    // of the heap as new).
    const rows = await page.$$eval('#culprits tr[data-from="diff"]', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    assert.equal(rows[0][1], 'LeakedRequest', `diff rows: ${rows.slice(0, 5).map((r) => r.join(' '))}`);
    assert.match(rows[0][2], /^\+[\d,]+$/);
    assert.ok(Number(rows[0][2].replace(/\D/g, '')) > 100, `added LeakedRequests: ${rows[0]}`);
  });

  assert.deepEqual(problems, []);
});
