'use strict';
// The dashboard behind `leakwatch watch --dashboard`, in headless Chromium: a cluster's three
// processes each get a page, live, with a picker that goes from one to another.
// Runs under the newest Node only: what it tests is the pages, in the browser; watch's dashboard
// server is tested under every version by watch.test.js.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { root } = require('../helpers/child');
const { waitFor } = require('../helpers/wait');
const { haveChromium, launchChromium, CHROMIUM } = require('../helpers/demo');
const { skipOutsideCi } = require('../helpers/ci');

const NO_CHROMIUM = `${CHROMIUM} is absent: install Debian's chromium package (.ci/run does)`;

test('watch --dashboard in Chromium: a page per process, live, and a picker of them', { skip: skipOutsideCi(haveChromium(), NO_CHROMIUM), timeout: 120_000 }, async (t) => {
  assert.ok(haveChromium(), NO_CHROMIUM);
  const cluster = path.join(root, 'test', 'fixtures', 'watch', 'cluster.cjs');
  const watch = spawn(process.execPath, [path.join(root, 'lib', 'cli', 'main.js'), 'watch', '--dashboard', '0', '--', process.execPath, cluster], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => watch.kill('SIGTERM'));
  let stderr = '';
  watch.stderr.on('data', (d) => (stderr += d));
  const pages = () => [...stderr.matchAll(/dashboard of pid (\d+) on (http\S+)/g)].map(([, pid, url]) => ({ pid: Number(pid), url }));
  await waitFor(() => pages().length === 3, { timeoutMs: 60_000, what: 'three dashboards' });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const [first, second] = pages();
  await page.goto(first.url);
  await page.waitForFunction(() => window.leakwatchDashboard.state.samples.length > 0, null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelectorAll('#processes option').length === 3, null, { timeout: 30_000 });
  assert.equal(await page.$eval('#processes', (picker) => picker.hidden), false);
  assert.match(await page.$eval('#title', (el) => el.textContent), new RegExp(`\\(pid ${first.pid}\\)$`));
  assert.equal(await page.$eval('#processes', (picker) => picker.value), first.url);

  await Promise.all([page.waitForURL(second.url), page.selectOption('#processes', second.url)]);
  await page.waitForFunction((pid) => document.getElementById('title').textContent.endsWith(`(pid ${pid})`), second.pid, { timeout: 30_000 });
  await page.waitForFunction(() => window.leakwatchDashboard.state.samples.length > 0, null, { timeout: 30_000 });
});
