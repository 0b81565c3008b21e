'use strict';
// Jest, run with `jest` in this folder: its default environment (node) runs this file in a vm
// context of its own, in a worker.
const { assertNoLeak } = require('../../..');
const { declareLeakTests } = require('../subjects');

declareLeakTests(test, assertNoLeak);
