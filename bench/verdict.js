'use strict';
// What HeapDiff says about each labelled leak of examples/leaks/ (programs.json): is its top row
// the program's own class that leaks, and does that row's `held_by` name what a developer would
// fix (the variable, emitter, timer or awaiting function of the label)?
//
//   node bench/verdict.js [--seconds 10] [--jobs 1] [--only NAME]
//
// Each leaking program runs in a child process (bench/diff-program.js): after a warm-up of 2 s
// (plus the program's `leaks_after_s`, for a leak that starts late), a HeapDiff is taken, and
// --seconds later ended with `retainers: 5`. Printed: per program, the labelled class, the top
// row, its held_by, the row of the labelled class and whether each is right; then the totals. held_by is judged by
// bench/verdict-labels.js; a row without one is "no".

const { spawn } = require('node:child_process');
const path = require('node:path');
const { root, programsDir, readPrograms, option, runEach } = require('./labelled-programs');
const { heldByMisses, describeHeldBy } = require('./verdict-labels');

const seconds = Number(option('seconds', 10));
const jobs = Number(option('jobs', 1));
const only = option('only', null);
const WARM_UP_S = 2;
/** How long a run may take beyond its warm-up and --seconds (two snapshots of a small heap) before it is killed. */
const GRACE_S = 60;

/** Runs one program with a HeapDiff around its leak; resolves to the diff's first rows and its classes in order, or an error. */
function run(entry) {
  const warmUp = WARM_UP_S + (entry.leaks_after_s ?? 0);
  const child = spawn(process.execPath, [path.join(__dirname, 'diff-program.js'), path.join(programsDir, entry.program), String(warmUp), String(seconds)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), (warmUp + seconds + GRACE_S) * 1000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ entry, ...JSON.parse(line) });
      else resolve({ entry, rows: [], classes: [], error: signal ? `killed (${signal}) after ${warmUp + seconds + GRACE_S} s` : `exit ${code}: ${stderr.trim().split('\n').pop()}` });
    });
  });
}

const fit = (text, width) => (text.length > width ? `${text.slice(0, width - 1)}…` : text).padEnd(width);
const count = (n, d) => `${n}/${d}`;

async function main() {
  const programs = readPrograms(only).filter((entry) => entry.leaks);
  console.log(`${programs.length} leaking programs, HeapDiff over ${seconds} s each, ${jobs} at a time (node ${process.version})\n`);
  const results = await runEach(programs, jobs, run);

  console.log(`${'program'.padEnd(18)} ${'expected class'.padEnd(15)} ${'top row'.padEnd(30)} ${'held_by'.padEnd(44)} its row  class ok  held_by ok`);
  const judged = results.map(({ entry, rows, classes, error }) => {
    const top = rows[0];
    const classOk = top?.what === entry.class;
    const heldBy = top?.held_by ?? null;
    const misses = heldByMisses(entry.held_by, heldBy);
    const rank = classes.indexOf(entry.class) + 1;
    const topText = error ? `(${error})` : top ? `${top.what} +${top['+']} ${top.retained_size_bytes} B` : '(no rows)';
    console.log(
      `${fit(entry.program, 18)} ${fit(entry.class, 15)} ${fit(topText, 30)} ${fit(heldBy ?? '-', 44)} ${String(rank || '-').padEnd(8)} ` +
      `${(classOk ? 'yes' : 'no').padEnd(9)} ${misses.length === 0 ? 'yes' : 'no'}`,
    );
    return { entry, rows, classOk, heldBy, misses };
  });

  console.log('\nEach program: the first rows, and held_by against its label:');
  for (const { entry, rows, heldBy, misses } of judged) {
    console.log(`  ${entry.program}: expected ${entry.class}, held by ${describeHeldBy(entry.held_by)}`);
    console.log(`    rows ${rows.map((row) => `${row.what} +${row['+']}`).join(', ') || '-'}`);
    console.log(`    held_by ${heldBy === null ? '-' : `${heldBy}${misses.length ? `  (lacks ${misses.join(', ')})` : ''}`}`);
  }

  const n = judged.length;
  console.log('\nTotals:');
  console.log(`  class first     ${count(judged.filter((j) => j.classOk).length, n)}`);
  console.log(`  held_by right   ${count(judged.filter((j) => j.misses.length === 0).length, n)}`);
  console.log(`  both right      ${count(judged.filter((j) => j.classOk && j.misses.length === 0).length, n)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
