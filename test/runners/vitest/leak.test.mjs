// Vitest, run with `vitest run` in this folder: its default pool (forks).
import { createRequire } from 'node:module';
import { test } from 'vitest';

const require = createRequire(import.meta.url);
const { assertNoLeak } = require('../../..');
const { declareLeakTests } = require('../subjects');

declareLeakTests(test, assertNoLeak);
