'use strict';
// A second file, which Jest runs with a module registry of its own: leakwatch's JS is loaded
// again, in a new vm context, beside the first file's copy, and the addon with it.
const { assertNoLeak } = require('../../..');
const { cleanHandler, TEST_TIMEOUT_MS } = require('../subjects');

test('clean handler does not leak, with leakwatch loaded a second time', async () => {
  await assertNoLeak(cleanHandler);
}, TEST_TIMEOUT_MS);
