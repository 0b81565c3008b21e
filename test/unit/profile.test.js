'use strict';
// Reading the frames of a sampling heap profile (lib/culprit/profile.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { fileOf, frameText, isUserFrame } = require('../../lib/culprit/profile');

const frame = (url, functionName = 'handle') => ({ functionName, url, lineNumber: 9, columnNumber: 2 });

test("an ES module's file: URL is shown as the path it names, spaces and all", () => {
  const file = path.join(os.tmpdir(), 'my app', 'leak.mjs');
  const esm = frame(pathToFileURL(file).href);
  assert.match(esm.url, /%20/);
  assert.equal(fileOf(esm), file);
  assert.equal(frameText(esm), `handle (${file}:10:3)`);
});

test("a CommonJS module's path, Node's own URLs and native frames are shown as they are", () => {
  const file = path.join(os.tmpdir(), 'my app', 'leak.js');
  assert.equal(fileOf(frame(file)), file);
  assert.equal(fileOf(frame('node:internal/timers')), 'node:internal/timers');
  assert.equal(frameText(frame('', 'Array')), 'Array (native)');
  // Another host's file: URL is a UNC path on Windows, and no path elsewhere.
  const remote = 'file://elsewhere/share/leak.mjs';
  assert.equal(fileOf(frame(remote)), process.platform === 'win32' ? '\\\\elsewhere\\share\\leak.mjs' : remote);
});

test("leakwatch's frames and Node's are not the program's, by path or by file: URL", () => {
  const own = path.join(__dirname, '..', '..', 'lib', 'memwatch.js');
  assert.equal(isUserFrame(frame(own)), false);
  assert.equal(isUserFrame(frame(pathToFileURL(own).href)), false);
  assert.equal(isUserFrame(frame('node:events')), false);
  assert.equal(isUserFrame(frame('')), false);
  const program = path.join(os.tmpdir(), 'my app', 'leak.js');
  assert.equal(isUserFrame(frame(program)), true);
  assert.equal(isUserFrame(frame(pathToFileURL(program).href)), true);
});
