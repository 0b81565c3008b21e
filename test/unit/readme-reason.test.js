'use strict';
// The README's example of a leak event's `reason` is the sentence leakwatch writes for such a leak.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { leakReason } = require('../../lib/watch/leak');

test("the README's example `reason` is what leakReason() writes", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const example = readme.match(/console\.log\(info\.reason\);\n\s*\/\/ (.+)\n/);
  assert.ok(example, "the README shows a reason under console.log(info.reason)");
  // 12.9 MB over 90 s, as the README's example says: 9 full GCs, 99.9% sure.
  const growth = 12_900_000;
  const finding = {
    memory: 'heap', startMs: 0, endMs: 90_000, startBytes: 0, endBytes: growth,
    growth, rate: growth / 90, confidence: 0.999, fullGcs: 9,
  };
  // A 4144 MB heap limit (--max-old-space-size=4096), 8 h 40 min away.
  assert.equal(example[1], leakReason(finding, { limitBytes: 4144 * 1024 * 1024, seconds: 8 * 3600 + 40 * 60 }));
});
