'use strict';
// Makes docs/dashboard.png, the README's picture of the dashboard: the demo with its leak on, in
// headless Chromium, once the leak is reported and its top suspect is opened.
//
//   node scripts/dashboard-screenshot.js [output.png]

const path = require('node:path');
const { startDemo, launchChromium, waitForLeakRow } = require('../test/helpers/demo');

async function main() {
  const output = path.resolve(process.argv[2] || path.join(__dirname, '..', 'docs', 'dashboard.png'));
  const demo = await startDemo(['--leak']);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1180 } });
    await page.goto(demo.url);
    const row = await waitForLeakRow(page, 'LeakedRequest', 120_000);
    // Some history after the report, so the marker is not at the chart's right edge.
    await page.waitForTimeout(8000);
    await row.click();
    await page.screenshot({ path: output, fullPage: true });
    console.log(`wrote ${output}`);
  } finally {
    await browser.close();
    await demo.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
