'use strict';
// Mocha, run with `mocha` in test/runners/mocha (its default spec: ./test/*.js).
const { assertNoLeak } = require('../../../..');
const { declareLeakTests, TEST_TIMEOUT_MS } = require('../../subjects');

describe('handlers', function () {
  this.timeout(TEST_TIMEOUT_MS);
  declareLeakTests(it, assertNoLeak);
});
