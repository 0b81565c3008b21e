'use strict';
// What the benches that run the labelled programs of examples/leaks/ share: the labels
// (programs.json says which leak, the class and allocation site to blame, and what holds the
// leaked objects), their command-line options, and running the programs a few at a time.

const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const programsDir = path.join(root, 'examples', 'leaks');

/** The labels of programs.json, only those whose file name starts with `only` when given. */
function readPrograms(only = null) {
  return JSON.parse(fs.readFileSync(path.join(programsDir, 'programs.json'), 'utf8')).filter(
    (entry) => !only || entry.program.startsWith(only),
  );
}

/** The value of `--name` on the command line, or `fallback`. */
function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** `run(entry)` for each entry, `jobs` at a time; resolves to the results in the entries' order. */
async function runEach(entries, jobs, run) {
  const results = new Array(entries.length);
  let next = 0;
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (next < entries.length) {
      const i = next++;
      results[i] = await run(entries[i]);
    }
  }));
  return results;
}

module.exports = { root, programsDir, readPrograms, option, runEach };
