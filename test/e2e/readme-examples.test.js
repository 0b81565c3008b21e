'use strict';
// The README's `leakwatch` examples are what the command prints: each ```console block that
// starts with `$ leakwatch ...` is run on snapshots made the way the README says they were, and
// its output compared line by line with the block. Figures that depend on the Node version (the
// runtime's own objects, node and edge counts, object ids) are compared as shapes; the rows of the
// program's own classes (but for object ids), the error line and the JSON row are compared
// exactly.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('../helpers/child');

const cli = path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'release', 'leakwatch');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The classes the example programs define: their rows must match to the byte. */
const PROGRAM_CLASSES = ['Foo', 'Bar', 'Baz', 'Session'];

/** The README's fenced blocks of one language, as arrays of lines. */
function blocks(language) {
  const found = [];
  const re = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm');
  for (const m of readme.matchAll(re)) found.push(m[1].replace(/\n$/, '').split('\n'));
  return found;
}

/** A line with every number masked, and runs of spaces folded (columns widen with the numbers). */
const shape = (line) => line.replace(/\d[\d,.]*/g, '#').replace(/ +/g, ' ');
/** A line with object ids masked (V8 numbers objects anew in each process), spaces folded. */
const exactly = (line) => line.replace(/@\d+/g, '@#').replace(/ +/g, ' ');

function isProgramRow(line) {
  return PROGRAM_CLASSES.includes(line.split(/\s+/)[0]);
}

/** A row of a table of classes: a name, then columns of figures (the name may hold spaces). */
const TABLE_ROW = /^(\S.*?)\s{2,}[\d,]+\s/;
const isTableRow = (line) => TABLE_ROW.test(line);
/** A row without its class: the runtime's classes and their order are the Node version's (Node 26's V8 roots the global object through its native context, which DevTools then ranks first). */
const unnamed = (line) => line.replace(TABLE_ROW, (match, name) => match.slice(name.length));

let dir;
test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-readme-'));
  // The program runs from the snapshots' directory as app.js, so that where its classes are
  // defined prints as the README shows it (relative to the working directory).
  fs.copyFileSync(path.join(root, 'test', 'fixtures', 'snapshot-program.js'), path.join(dir, 'app.js'));
  const made = [
    spawnSync(process.execPath, [path.join(dir, 'app.js'), dir]),
    spawnSync(process.execPath, [path.join(root, 'bench', 'make-snapshot.js'), '100000', path.join(dir, 'sessions.heapsnapshot')]),
  ];
  for (const r of made) assert.equal(r.status, 0, String(r.stderr));
  // The error example reads a snapshot cut short, as a full disk or a killed writer leaves one:
  // 2000 bytes, which fall in the node rows. The rows' values differ from run to run, so the cut
  // is made to end inside a number, as the README's message says: the bytes after the last ','
  // (a number, maybe a row's line break) become 1s.
  const cut = Buffer.from(fs.readFileSync(path.join(dir, 'after.heapsnapshot')).subarray(0, 2000));
  const lastSeparator = Math.max(cut.lastIndexOf(',', cut.length - 2), cut.lastIndexOf('[', cut.length - 2));
  cut.fill('1', lastSeparator + 1);
  fs.writeFileSync(path.join(dir, 'cut.heapsnapshot'), cut);
});
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("every `$ leakwatch` example in the README prints what the README shows", () => {
  // A block that shows only a command (no output) says how to call it, not what it prints.
  const examples = blocks('console').filter((lines) => lines[0].startsWith('$ leakwatch ') && lines.length > 1);
  assert.ok(examples.length >= 4, `found ${examples.length} examples`);
  for (const [command, ...shown] of examples) {
    const args = command.slice('$ leakwatch '.length).split(' ');
    const r = spawnSync(cli, args, { cwd: dir, encoding: 'utf8' });
    const printed = (r.stdout + r.stderr).replace(/\n$/, '').split('\n');
    assert.equal(printed.length, shown.length, `${command}: printed\n${printed.join('\n')}`);
    shown.forEach((line, i) => {
      if (isProgramRow(line)) {
        // Where the runtime's rows rank differs between versions: the program's row is found by its class.
        const row = printed.find((p) => p.split(/\s+/)[0] === line.split(/\s+/)[0]);
        assert.equal(exactly(row ?? ''), exactly(line), `${command}, line ${i + 1}`);
      } else if (line.startsWith('leakwatch: error:')) {
        assert.equal(exactly(printed[i]), exactly(line), `${command}, line ${i + 1}`);
      } else if (isTableRow(line)) {
        assert.equal(shape(unnamed(printed[i])), shape(unnamed(line)), `${command}, line ${i + 1}`);
      } else {
        assert.equal(shape(printed[i]), shape(line), `${command}, line ${i + 1}`);
      }
    });
  }
});

test("the README's --json diff row is the program class's row that `leakwatch diff --json` prints", () => {
  const [row] = blocks('json').map((lines) => lines.join('\n')).filter((text) => text.includes('"what"'));
  assert.ok(row, 'the README shows a JSON diff row');
  const shown = JSON.parse(row);
  const r = spawnSync(cli, ['diff', 'before.heapsnapshot', 'after.heapsnapshot', '--json'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const printed = JSON.parse(r.stdout).change.details.find((d) => d.what === shown.what);
  // defined_at has V8's script id, which depends on the Node version, and an absolute path; an
  // object's id depends on everything the process made before it: only its type is shown.
  const { defined_at: definedAt, ...rest } = printed;
  // A Map's slots depend on its hashing: a path's indices are compared as shapes.
  const slots = (row) => ({ ...row, retainers: row.retainers?.replace(/\[\d+\]/g, '[#]') });
  const withoutIds = (row) => slots({ ...row, groups: row.groups.map(({ example_id: id, ...group }) => slots({ ...group, id: typeof id })) });
  assert.deepEqual(withoutIds(rest), withoutIds(shown));
  assert.deepEqual([definedAt.file, definedAt.line], [path.join(dir, 'app.js'), 18]);
});
