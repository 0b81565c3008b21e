'use strict';
// Judges what leakwatch says about a labelled leak (examples/leaks/programs.json) against its
// labels: the allocation site, and `held_by`, the one line naming what keeps the leaked objects
// alive. Pure functions, shared by bench/leak-detection.js and bench/verdict.js.
//
// A `held_by` label is a structured expectation, matched tolerantly against the text, since the
// line is written for people: what matters is that it names the holder a developer would fix.
//
//   {"kind": "variable", "name": "handlers", "file": "examples/leaks/closures.js"}
//       a module-level variable or a property of a module's exports: the name, and the file.
//   {"kind": "emitter", "event": "price"}
//       an EventEmitter's listeners: the event's name, and a word that says listeners.
//   {"kind": "interval", "file": "examples/leaks/timers.js", "line": 20}
//       a timer never cleared: a word that says timer, and where its callback is (`line` optional).
//   {"kind": "promise", "function": "call", "file": "examples/leaks/promises.js"}
//       a promise that never settles: a word that says promise or await, and the function
//       awaiting it, with its file.
//
// A file matches a path in the text that is the labelled path, ends with it, or is a tail of it
// (`timers.js`, `leaks/timers.js`, `/home/me/app/examples/leaks/timers.js:20:15` all name
// examples/leaks/timers.js), so that absolute, relative and shortened paths are all understood.

const path = require('node:path');

/** For each kind: the fields its label must have, and the words that say the kind in the text. */
const KINDS = {
  variable: { fields: ['name', 'file'], words: null },
  emitter: { fields: ['event'], words: /emitter|listener|\.on\(|addListener/i },
  interval: { fields: ['file'], words: /interval|timer|timeout/i },
  promise: { fields: ['function', 'file'], words: /promise|await/i },
};

/** What is wrong with a `held_by` label: an unknown kind or a missing field (empty when sound). */
function labelProblems(expected) {
  const kind = KINDS[expected?.kind];
  if (!kind) return [`unknown kind ${JSON.stringify(expected?.kind)}`];
  return kind.fields.filter((field) => typeof expected[field] !== 'string' || expected[field] === '').map((field) => `no ${field}`);
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `name` occurs in `text` as a whole identifier (`cache` is not in `cacheSize`). */
function mentionsName(text, name) {
  return new RegExp(`(?<![\\w$])${escape(name)}(?![\\w$])`).test(text);
}

/** `text` without its paths, so that `timers.js` does not count as a word for a timer. */
function withoutPaths(text) {
  return text.replace(/[^\s`'"()[\]{},;]*\.[cm]?[jt]sx?\b(?::\d+)*/g, ' ');
}

/** The paths in `text` with the line that follows them, if any: `a/b.js:20:15` is {file: 'a/b.js', line: 20}. */
function pathsIn(text) {
  return text
    .split(/[\s`'"()[\]{},;]+/)
    .map((token) => token.replace(/^file:\/\//, '').replace(/[.:]+$/, ''))
    .map((token) => {
      const [, file, line] = /^(.*?)(?::(\d+))?(?::\d+)?$/.exec(token);
      return { file: file.replace(/\\/g, '/'), line: line === undefined ? null : Number(line) };
    })
    .filter(({ file }) => /\.[cm]?[jt]sx?$/.test(file));
}

/** Whether `text` names the file `file` (relative to the repository), at `line` when given. */
function mentionsFile(text, file, line) {
  return pathsIn(text).some(
    (found) =>
      (found.file === file || found.file.endsWith(`/${file}`) || file.endsWith(`/${found.file}`)) &&
      (line === undefined || found.line === line),
  );
}

/**
 * What the one-line `heldBy` lacks to match the label `expected`, one phrase each; empty when it
 * matches. A missing `heldBy` (leakwatch gave none) lacks everything.
 */
function heldByMisses(expected, heldBy) {
  const problems = labelProblems(expected);
  if (problems.length > 0) return problems.map((problem) => `bad label: ${problem}`);
  if (typeof heldBy !== 'string' || heldBy.trim() === '') return ['no held_by'];
  const misses = [];
  const { words } = KINDS[expected.kind];
  if (words && !words.test(withoutPaths(heldBy))) misses.push(`a word for ${expected.kind}`);
  for (const field of ['name', 'event', 'function']) {
    if (expected[field] !== undefined && !mentionsName(heldBy, expected[field])) misses.push(`${field} ${expected[field]}`);
  }
  if (expected.file !== undefined && !mentionsFile(heldBy, expected.file, expected.line)) {
    misses.push(`file ${expected.file}${expected.line === undefined ? '' : `:${expected.line}`}`);
  }
  return misses;
}

/** Whether the one-line `heldBy` names the holder the label `expected` describes. */
function heldByMatches(expected, heldBy) {
  return heldByMisses(expected, heldBy).length === 0;
}

/** The label `expected` in a few words, for tables: "variable handlers (closures.js)". */
function describeHeldBy(expected) {
  const where = expected.file ? ` (${path.posix.basename(expected.file)}${expected.line === undefined ? '' : `:${expected.line}`})` : '';
  switch (expected.kind) {
    case 'variable':
      return `variable ${expected.name}${where}`;
    case 'emitter':
      return `emitter '${expected.event}'${where}`;
    case 'interval':
      return `interval${where}`;
    case 'promise':
      return `promise awaited in ${expected.function}${where}`;
    default:
      return `? ${JSON.stringify(expected)}`;
  }
}

/**
 * Whether an allocation site reported by leakwatch (`{function, file, line}`, `file` absolute) is
 * the labelled one (`{file, functions}`, `file` relative to `root`): in the labelled file, and one
 * of the labelled functions, by name or, written "(anonymous):LINE", by name and starting line.
 */
function siteMatches(label, site, root) {
  if (!site || !label) return false;
  return (
    path.resolve(site.file) === path.join(root, label.file) &&
    label.functions.some((f) => f === site.function || f === `${site.function}:${site.line}`)
  );
}

module.exports = { heldByMisses, heldByMatches, describeHeldBy, labelProblems, siteMatches, KINDS };
