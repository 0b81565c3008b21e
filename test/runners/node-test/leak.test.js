'use strict';
// node:test, run with `node --test` in this folder.
const { test } = require('node:test');
const { assertNoLeak } = require('../../..');
const { declareLeakTests } = require('../subjects');

declareLeakTests((name, fn) => test(name, fn), assertNoLeak);
