'use strict';
// The statistics that say whether a generated snapshot looks like a real one: the share of each
// node and edge type, edges per node, and the share of the file taken by the strings. Reads
// files of any size as a stream (the integer arrays are only counted, never stored).
//
// Usage: node bench/snapshot-stats.js FILE            prints FILE's statistics as JSON
//        node bench/snapshot-stats.js REAL GENERATED  compares them: a type that makes 2% or
//            more of REAL's nodes or edges must be within ±10% of its share there, a smaller one
//            within one percentage point; edges per node and the string share within ±10%.
//            Exits 1 if any is not.

const fs = require('node:fs');

function stats(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  let header = '';
  let section = 'header'; // header → (keys) → nodes → edges → ... → strings
  let key = '';
  let inKey = false;
  let meta = null;
  let value = 0, inNumber = false, field = 0;
  let nodeCounts = [], edgeCounts = [];
  let nodes = 0, edges = 0, stringBytes = 0, bytes = 0;
  const closeNumber = () => {
    if (section === 'nodes') {
      if (field === 0) nodeCounts[value] = (nodeCounts[value] ?? 0) + 1, nodes++;
      field = (field + 1) % meta.node_fields.length;
    } else if (section === 'edges') {
      if (field === 0) edgeCounts[value] = (edgeCounts[value] ?? 0) + 1, edges++;
      field = (field + 1) % meta.edge_fields.length;
    }
  };
  for (;;) {
    const read = fs.readSync(fd, buf, 0, buf.length, null);
    if (read === 0) break;
    let i = 0;
    if (section === 'header') {
      // The header is small JSON before "nodes": read it whole.
      header += buf.toString('latin1', 0, read);
      const at = header.indexOf('"nodes"');
      if (at < 0) { bytes += read; continue; }
      meta = JSON.parse(header.slice(header.indexOf('{', 1), header.lastIndexOf('}', at) + 1)).meta;
      i = read - (header.length - at);
      section = 'keys';
    }
    bytes += read;
    for (; i < read; i++) {
      const c = buf[i];
      if (section === 'strings') {
        stringBytes++;
        continue;
      }
      if (section === 'nodes' || section === 'edges') {
        if (c >= 48 && c <= 57) {
          value = inNumber ? value * 10 + (c - 48) : c - 48;
          inNumber = true;
          continue;
        }
        if (inNumber) closeNumber(), inNumber = false;
        if (c === 93) section = 'keys'; // ]
        continue;
      }
      // Between sections: find the next key and the '[' that opens its array.
      if (c === 34) { // "
        if (inKey) inKey = false;
        else inKey = true, key = '';
      } else if (inKey) key += String.fromCharCode(c);
      else if (c === 91 && (key === 'nodes' || key === 'edges' || key === 'strings')) { // [
        section = key;
        field = 0;
      }
    }
  }
  fs.closeSync(fd);
  const share = (counts, total, names) =>
    Object.fromEntries(counts.map((n, t) => [names[t] ?? `type ${t}`, n / total]).filter(([, n]) => n !== undefined));
  return {
    file, bytes, nodes, edges, edges_per_node: edges / nodes, string_share: stringBytes / bytes,
    node_types: share(nodeCounts, nodes, meta.node_types[0]),
    edge_types: share(edgeCounts, edges, meta.edge_types[0]),
  };
}

/** The ways `generated` differs from `real` beyond the tolerances above, one line each. */
function compare(real, generated) {
  const problems = [];
  const close = (what, a, b) => {
    if (Math.abs(b - a) > 0.1 * a) problems.push(`${what}: ${a.toFixed(3)} in the real one, ${b.toFixed(3)} generated`);
  };
  close('edges per node', real.edges_per_node, generated.edges_per_node);
  close('string share', real.string_share, generated.string_share);
  for (const kind of ['node_types', 'edge_types']) {
    const names = new Set([...Object.keys(real[kind]), ...Object.keys(generated[kind])]);
    for (const name of names) {
      const [a, b] = [real[kind][name] ?? 0, generated[kind][name] ?? 0];
      const allowed = a >= 0.02 ? 0.1 * a : 0.01;
      if (Math.abs(b - a) > allowed) {
        problems.push(`${kind} ${name}: ${(100 * a).toFixed(2)}% in the real one, ${(100 * b).toFixed(2)}% generated`);
      }
    }
  }
  return problems;
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length < 1 || files.length > 2) {
    console.error('usage: node bench/snapshot-stats.js FILE [GENERATED]');
    process.exit(2);
  }
  const all = files.map(stats);
  console.log(JSON.stringify(all, null, 2));
  if (all.length === 2) {
    const problems = compare(all[0], all[1]);
    console.log(problems.length ? problems.join('\n') : 'the generated snapshot matches the real one');
    process.exitCode = problems.length ? 1 : 0;
  }
}

module.exports = { stats, compare };
