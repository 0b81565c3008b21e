'use strict';
// The dashboard demo (examples/demo.js) in a child process, and Debian's Chromium to look at it.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { root } = require('./child');

const CHROMIUM = '/usr/bin/chromium';

/**
 * Runs `node ...nodeArgs` (cwd at the repository root) and resolves, once it has printed
 * "leakwatch dashboard: URL", to {url, child, output(), stop()}; stop() sends SIGINT and resolves
 * to how the process ended ({code, signal}).
 */
function startDashboardProcess(nodeArgs, { timeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no dashboard URL within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (data) => {
      output += data;
      const match = /leakwatch dashboard: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], child, output: () => output, stop, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (data) => (output += data));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing a dashboard URL:\n${output}`));
    });
  });
}

/** Starts the demo, `node examples/demo.js --port 0 ...args`: see startDashboardProcess(). */
function startDemo(args = [], options) {
  return startDashboardProcess([path.join(root, 'examples', 'demo.js'), '--port', '0', ...args], options);
}

/** True when Debian's Chromium is installed where the browser tests look for it. */
function haveChromium() {
  return fs.existsSync(CHROMIUM);
}

/** Starts headless Chromium through playwright-core. */
function launchChromium() {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}


/**
 * Waits until the dashboard in `page` has drawn a leak marker and lists `className` among the
 * latest leak report's suspects; resolves to that row's locator.
 */
async function waitForLeakRow(page, className, timeoutMs) {
  await page.waitForFunction(
    (name) => {
      const { state } = window.leakwatchDashboard;
      const row = document.querySelector(`#culprits tr[data-from="leak"][data-class="${CSS.escape(name)}"]`);
      return state.leaks.length > 0 && state.leakMarkersDrawn > 0 && row !== null;
    },
    className,
    { timeout: timeoutMs, polling: 250 },
  );
  return page.locator(`#culprits tr[data-from="leak"][data-class="${className}"]`).first();
}

module.exports = { startDashboardProcess, startDemo, haveChromium, launchChromium, waitForLeakRow, CHROMIUM };
