'use strict';
// What a test needs that a developer's machine may lack (Chromium, TypeScript, a Node version):
// where it is absent the test is skipped, saying why, except under CI, where it must fail.

/** Whether this runs under CI: CI set to anything but "" / "0" / "false", as CI services and .ci/run set it. */
const inCi = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/**
 * The `skip` option of a test that needs something: `reason` where it is absent, except under CI,
 * where the test runs and must fail on its first line, `assert.ok(present, reason)`.
 */
function skipOutsideCi(present, reason) {
  return !present && !inCi && `${reason} (under CI=true this fails)`;
}

module.exports = { inCi, skipOutsideCi };
