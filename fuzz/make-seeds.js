'use strict';
// Writes this Node version's seed for the snapshot fuzzer: a real heap snapshot of a small
// program (classes in a Map, a WeakMap, closures, an array, a detached-looking buffer), cut down
// to a connected part of its graph so that the fuzzer mutates kilobytes, not megabytes. The cut
// keeps V8's own header (`meta` with this version's node and edge fields and types) and real
// nodes, edges, strings and locations: the root, the first nodes breadth-first from it, and each
// node of the program's classes with its shortest path from the root and its own edges.
//
// Usage: node fuzz/make-seeds.js   (once per Node version: 20, 22, 24, 26)
// Writes fuzz/seeds/node<major>.snapshot.json, and node<major>-pair.snapshot.json: that
// snapshot and one of the same process after more allocation, split by the harness's separator,
// for diffs within one input.

const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');

const BREADTH_FIRST_NODES = 250;
const CLASSES = new Set(['SeedFoo', 'SeedBar', 'SeedCache']);
// Must match SPLIT in fuzz/fuzz_targets/snapshot.rs.
const SPLIT = '\n\0leakwatch-fuzz-split\0\n';

class SeedFoo {
  constructor(i) {
    this.i = i;
    this.payload = { n: i, label: `foo-${i}` };
  }
}
class SeedBar {
  constructor(i) {
    this.i = i;
    this.onTick = () => this.i + 1;
  }
}
class SeedCache {
  constructor() {
    this.entries = new Map();
  }
}

function snapshotJson() {
  const file = v8.writeHeapSnapshot(path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'seed-')), 's.heapsnapshot'));
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(path.dirname(file), { recursive: true });
  return json;
}

function cut(snapshot) {
  const meta = snapshot.snapshot.meta;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const edgeTypes = meta.edge_types[0];
  const nameField = meta.node_fields.indexOf('name');
  const edgeCountField = meta.node_fields.indexOf('edge_count');
  const edgeTypeField = meta.edge_fields.indexOf('type');
  const edgeNameField = meta.edge_fields.indexOf('name_or_index');
  const edgeToField = meta.edge_fields.indexOf('to_node');
  const { nodes, edges, strings } = snapshot;
  const nodeCount = nodes.length / nodeFields;
  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let n = 0; n < nodeCount; n++) firstEdge[n + 1] = firstEdge[n] + nodes[n * nodeFields + edgeCountField];
  const targets = (n) => {
    const out = [];
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) out.push(edges[e * edgeFields + edgeToField] / nodeFields);
    return out;
  };

  // Breadth-first from the root: parents give each node's shortest path.
  const parent = new Int32Array(nodeCount).fill(-1);
  const order = [0];
  parent[0] = 0;
  for (let head = 0; head < order.length; head++) {
    for (const t of targets(order[head])) {
      if (parent[t] === -1) {
        parent[t] = order[head];
        order.push(t);
      }
    }
  }
  const keep = new Set(order.slice(0, BREADTH_FIRST_NODES));
  const withPath = (n) => {
    for (let at = n; !keep.has(at) || at === n; at = parent[at]) {
      keep.add(at);
      if (at === 0) break;
    }
  };
  for (let n = 0; n < nodeCount; n++) {
    if (parent[n] !== -1 && CLASSES.has(strings[nodes[n * nodeFields + nameField]])) {
      withPath(n);
      for (const t of targets(n)) withPath(t);
    }
  }

  const kept = [...keep].sort((a, b) => a - b);
  const newIndex = new Map(kept.map((n, i) => [n, i]));
  const newStrings = [];
  const stringIndex = new Map();
  const str = (i) => {
    if (!stringIndex.has(i)) {
      stringIndex.set(i, newStrings.length);
      newStrings.push(strings[i]);
    }
    return stringIndex.get(i);
  };
  const outNodes = [];
  const outEdges = [];
  for (const n of kept) {
    const row = nodes.slice(n * nodeFields, (n + 1) * nodeFields);
    row[nameField] = str(row[nameField]);
    let count = 0;
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
      const edge = edges.slice(e * edgeFields, (e + 1) * edgeFields);
      const to = edge[edgeToField] / nodeFields;
      if (!newIndex.has(to)) continue;
      const type = edgeTypes[edge[edgeTypeField]];
      if (type !== 'element' && type !== 'hidden') edge[edgeNameField] = str(edge[edgeNameField]);
      edge[edgeToField] = newIndex.get(to) * nodeFields;
      outEdges.push(...edge);
      count++;
    }
    row[edgeCountField] = count;
    outNodes.push(...row);
  }
  const locationFields = (meta.location_fields || []).length || 4;
  const outLocations = [];
  const locations = snapshot.locations || [];
  for (let i = 0; i < locations.length; i += locationFields) {
    const node = locations[i] / nodeFields;
    if (newIndex.has(node)) outLocations.push(newIndex.get(node) * nodeFields, ...locations.slice(i + 1, i + locationFields));
  }
  const header = { ...snapshot.snapshot, node_count: kept.length, edge_count: outEdges.length / edgeFields };
  const parts = [
    `{"snapshot":${JSON.stringify(header)}`,
    `"nodes":[${outNodes.join(',')}]`,
    `"edges":[${outEdges.join(',')}]`,
  ];
  for (const key of ['trace_function_infos', 'trace_tree', 'samples']) {
    if (key in snapshot) parts.push(`${JSON.stringify(key)}:${JSON.stringify(snapshot[key])}`);
  }
  if ('locations' in snapshot) parts.push(`"locations":[${outLocations.join(',')}]`);
  parts.push(`"strings":${JSON.stringify(newStrings)}`);
  return `${parts.join(',\n')}}\n`;
}

const major = process.versions.node.split('.')[0];
globalThis.seedFoos = new Map();
for (let i = 0; i < 20; i++) seedFoos.set(i, new SeedFoo(i));
globalThis.seedBars = Array.from({ length: 5 }, (_, i) => new SeedBar(i));
globalThis.seedWeak = new WeakMap([...seedFoos.values()].map((foo) => [foo, { shadow: foo.i }]));
const before = cut(snapshotJson());
globalThis.seedCache = new SeedCache();
for (let i = 20; i < 40; i++) seedCache.entries.set(i, new SeedFoo(i));
const after = cut(snapshotJson());
fs.writeFileSync(path.join(__dirname, 'seeds', `node${major}.snapshot.json`), before);
fs.writeFileSync(path.join(__dirname, 'seeds', `node${major}-pair.snapshot.json`), before + SPLIT + after);
