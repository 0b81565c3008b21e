// @ts-check
'use strict';
// Where a frame of the program's generated JavaScript comes from in its own sources (TypeScript,
// a bundle's modules), through the script's source map. The mapping is the addon's
// (crates/leakwatch-core/src/source_maps.rs): the one HeapDiff's `defined_at` and the CLI use.

const native = require('../native');
const { positionOf } = require('./profile');

/**
 * @typedef {import('./profile').Frame} Frame
 * @typedef {import('./profile').Position} Position
 */

/**
 * Where a frame's function is, 1-based: in the original source when its script has a source
 * map, with the position V8 ran kept as `generated`; else where V8 ran it.
 * @param {Frame} frame
 * @returns {Position & {generated?: Position}}
 */
function sourcePosition(frame) {
  const generated = positionOf(frame);
  // Code with no script (V8's builtins) has no position to map.
  if (!generated.file || generated.line < 1 || generated.column < 1) return generated;
  const original = native.originalPosition(generated.file, generated.line, generated.column);
  return original ? { file: original.file, line: original.line, column: original.column, generated } : generated;
}

module.exports = { sourcePosition };
