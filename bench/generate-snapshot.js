'use strict';
// Writes a valid V8 heap snapshot of any size, for benchmarks of snapshots too big to make with
// a real program in reasonable time (V8 needs about 6 bytes of memory per byte of snapshot to
// write one, and minutes per gigabyte).
//
// Usage: node bench/generate-snapshot.js SIZE OUT     SIZE in bytes, or with a suffix: 60M, 4G
//        node bench/generate-snapshot.js --blocks N OUT
//
// The heap is a row of identical blocks under a prelude of shared objects (prototypes, maps,
// the native context), shaped after what bench/make-snapshot.js's process holds. A block holds:
// 13 records like make-snapshot's Session (the object, a user object with a name string and a
// tags array with its elements, a closure and its context); a Map whose table holds keys made
// of concatenated strings and CacheEntry values holding slices of a long string; a Document
// with that long string (a 1024-character name, the most V8 writes, every fourth block), a title,
// its own hidden class and property array, and a render closure with its own function info;
// and one LeakedRecord, held from the global `leakedRecords` array only, owning a payload
// string and a meta object. Records are held from the global `store` through each block's
// elements array.
//
// `bench/snapshot-stats.js` compares a generated file's mix of node and edge types, edges per
// node and string share with a real snapshot's. The figures the engine must find exactly
// (node and edge counts, total size, the LeakedRecord class's count and retained size) are
// printed as JSON on stdout, and test/e2e/generated-snapshot.test.js checks them on a small
// file.
//
// Blocks are written three times over (nodes, edges, strings), since a snapshot lists all
// nodes before any edge; each pass computes what it writes from the block's number alone, so
// memory stays the same whatever the size.

const fs = require('node:fs');

const NODE_TYPES = [
  'hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
  'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape',
];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
const NODE_WIDTH = NODE_FIELDS.length;
const type = Object.fromEntries(NODE_TYPES.map((name, i) => [name, i]));
const edge = Object.fromEntries(EDGE_TYPES.map((name, i) => [name, i]));

/** Sizes V8 gives these objects on x64 with pointer compression off, as in a real snapshot. */
const LEAK_RECORD_SIZE = 48;
const LEAK_META_SIZE = 32;
const LEAK_PAYLOAD_SIZE = 4112;
const SESSIONS_PER_BLOCK = 27;
const MAP_ENTRIES = 2;
const LONG_TEXT_EVERY = 4;

// The prelude's strings, by index. Block strings follow them.
const PRELUDE_STRINGS = [
  '', '(GC roots)', 'global', 'store', 'leakedRecords', 'Array', '(object elements)',
  'system / NativeContext', 'Object', 'system / Map', 'system / Map (OneByteString)',
  'system / FeedbackCell', '(shared function info)', '(CompileLazy builtin handle)', 'system / ScopeInfo',
  'Session', 'user', 'cb', '__proto__', 'map', 'name', 'tags', 'elements', 'feedback_cell', 'shared',
  'context', 'code', 'this', 'scope_info', 'previous', 'Map', 'table', 'system / OrderedHashMap',
  'key:', 'CacheEntry', 'text', 'parent', 'first', 'second', 'Document', 'body', 'title', 'render',
  'properties', 'system / PropertyArray', 'prototype', 'back_pointer', 'LeakedRecord', 'payload', 'meta',
  'transition', 'Untitled ', 'cache', 'system / Context', 'onload',
];
// A real string table opens with thousands of the runtime's own names, so the property names
// that most edges carry have indices of three to five digits, as here.
PRELUDE_STRINGS.unshift(...Array.from({ length: 2000 }, (_, i) => `(runtime name ${i})`));
const str = Object.fromEntries(PRELUDE_STRINGS.map((s, i) => [s, i]));

// Prelude nodes. Node 0 is the root, as V8 writes it; the first HEAD_NODES come before the
// blocks, the others (the shared prototypes, maps and code) after them, so that edges to them
// carry offsets as long as a real file's (see `place`).
const L = {
  root: 0, gcRoots: 1, global: 2, store: 3, storeElements: 4, leaked: 5, leakedElements: 6,
  nativeContext: 7, objectProto: 8, arrayProto: 9, functionProto: 10, sessionProto: 11,
  sessionMap: 12, userMap: 13, arrayMap: 14, closureMap: 15, contextMap: 16, leakMap: 17,
  mapMap: 18, documentMap: 19, stringMap: 20, feedbackCell: 21, cbInfo: 22, lazyCode: 23,
  scopeInfo: 24, keyPrefix: 25, untitled: 26, cacheEntryMap: 27, emptyArray: 28,
};
const PRELUDE_NODES = 29;
const HEAD_NODES = 7;
/** The prelude nodes' ordinals in a file of `blocks` blocks. */
const P = {};
function place(blocks) {
  for (const [name, logical] of Object.entries(L)) {
    P[name] = logical < HEAD_NODES ? logical : logical + blocks * B.size;
  }
}

/**
 * The prelude's nodes: [type, name, self size, edges], edges as [type, name or index, ordinal].
 * `blocks` sizes the two elements arrays that hold every block.
 */
function prelude(blocks) {
  const node = (t, name, size, edges = []) => ({ type: t, name, size, edges });
  const map = (proto) => node(type['object shape'], str['system / Map'], 72, [[edge.internal, str.prototype, proto]]);
  const nodes = [];
  nodes[L.root] = node(type.synthetic, str[''], 0, [[edge.element, 1, P.gcRoots], [edge.element, 2, P.global]]);
  nodes[L.gcRoots] = node(type.synthetic, str['(GC roots)'], 0, [[edge.element, 1, P.nativeContext]]);
  nodes[L.global] = node(type.object, str.global, 2264, [
    [edge.property, str.store, P.store], [edge.property, str.leakedRecords, P.leaked],
    [edge.internal, str.map, P.arrayMap], [edge.property, str.cache, P.untitled],
  ]);
  nodes[L.store] = node(type.object, str.Array, 32, [[edge.internal, str.elements, P.storeElements]]);
  nodes[L.storeElements] = node(type.array, str['(object elements)'], 16 + 8 * blocks, []);
  nodes[L.leaked] = node(type.object, str.Array, 32, [[edge.internal, str.elements, P.leakedElements]]);
  nodes[L.leakedElements] = node(type.array, str['(object elements)'], 16 + 8 * blocks, []);
  nodes[L.nativeContext] = node(type.hidden, str['system / NativeContext'], 2264, [
    [edge.internal, 'global_proxy_object', P.global], [edge.internal, 'object_function_prototype', P.objectProto],
  ]);
  nodes[L.objectProto] = node(type.object, str.Object, 56, [[edge.internal, str.map, P.userMap]]);
  nodes[L.arrayProto] = node(type.object, str.Array, 32, [[edge.property, str.__proto__, P.objectProto]]);
  nodes[L.functionProto] = node(type.closure, str[''], 56, [[edge.property, str.__proto__, P.objectProto]]);
  nodes[L.sessionProto] = node(type.object, str.Object, 24, [[edge.property, str.__proto__, P.objectProto]]);
  nodes[L.sessionMap] = map(P.sessionProto);
  nodes[L.userMap] = map(P.objectProto);
  nodes[L.arrayMap] = map(P.arrayProto);
  nodes[L.closureMap] = map(P.functionProto);
  nodes[L.contextMap] = map(P.objectProto);
  nodes[L.leakMap] = map(P.objectProto);
  nodes[L.mapMap] = map(P.objectProto);
  nodes[L.documentMap] = map(P.objectProto);
  nodes[L.stringMap] = node(type.hidden, str['system / Map (OneByteString)'], 72, []);
  nodes[L.feedbackCell] = node(type.code, str['system / FeedbackCell'], 24, []);
  nodes[L.cbInfo] = node(type.code, str['(shared function info)'], 56, [[edge.internal, str.code, P.lazyCode]]);
  nodes[L.lazyCode] = node(type.code, str['(CompileLazy builtin handle)'], 88, []);
  nodes[L.scopeInfo] = node(type.code, str['system / ScopeInfo'], 88, []);
  nodes[L.keyPrefix] = node(type.string, str['key:'], 20, [[edge.internal, str.map, P.stringMap]]);
  nodes[L.untitled] = node(type.string, str['Untitled '], 24, [[edge.internal, str.map, P.stringMap]]);
  nodes[L.cacheEntryMap] = map(P.objectProto);
  nodes[L.emptyArray] = node(type.hidden, str['system / PropertyArray'], 16, []);
  // Internal edge names that are not in PRELUDE_STRINGS are added to it here, once.
  for (const n of nodes) {
    for (const e of n.edges) {
      if (typeof e[1] === 'string') {
        if (!(e[1] in str)) {
          str[e[1]] = PRELUDE_STRINGS.length;
          PRELUDE_STRINGS.push(e[1]);
        }
        e[1] = str[e[1]];
      }
    }
  }
  return nodes;
}

// A block's nodes, relative ordinals.
const B = (() => {
  let at = 0;
  const take = (n) => { const first = at; at += n; return first; };
  const layout = {
    elements: take(1),
    sessions: take(7 * SESSIONS_PER_BLOCK),
    map: take(1), table: take(1), keys: take(MAP_ENTRIES), entries: take(MAP_ENTRIES), slices: take(MAP_ENTRIES),
    document: take(1), longText: take(1), title: take(1), documentMap: take(1), properties: take(1),
    render: take(1), onload: take(1), renderFeedback: take(1), renderInfo: take(1), renderScope: take(1),
    leak: take(1), payload: take(1), leakMeta: take(1),
  };
  layout.size = at;
  return layout;
})();
// A block's strings: each session's name, the long text, the title's second half, the payload.
const BLOCK_STRINGS = SESSIONS_PER_BLOCK + 3;

/**
 * Calls `emit(type, name, selfSize, edges)` for each node of block `b`, where `base` is the
 * block's first ordinal and `strings` its first string index; edges as [type, name, ordinal].
 */
function block(b, base, strings, emit) {
  const at = (relative) => base + relative;
  const stringMap = [edge.internal, str.map, P.stringMap];
  const recordTargets = [];
  for (let s = 0; s < SESSIONS_PER_BLOCK; s++) recordTargets.push(at(B.sessions + 7 * s));
  recordTargets.push(at(B.map), at(B.document));
  emit(type.array, str['(object elements)'], 16 + 8 * recordTargets.length,
    recordTargets.map((target, i) => [edge.element, i, target]));
  for (let s = 0; s < SESSIONS_PER_BLOCK; s++) {
    const o = at(B.sessions + 7 * s); // Session, user, name, tags, tags' elements, cb, cb's context
    emit(type.object, str.Session, 48, [
      [edge.property, str.user, o + 1], [edge.property, str.cb, o + 5],
      [edge.property, str.__proto__, P.sessionProto], [edge.internal, str.properties, P.emptyArray],
      [edge.internal, str.map, P.sessionMap],
    ]);
    emit(type.object, str.Object, 40, [
      [edge.property, str.name, o + 2], [edge.property, str.tags, o + 3],
      [edge.property, str.__proto__, P.objectProto], [edge.internal, str.properties, P.emptyArray],
      [edge.internal, str.map, P.userMap],
    ]);
    emit(type.string, strings + s, 32, [stringMap]);
    emit(type.object, str.Array, 32, [
      [edge.property, str.__proto__, P.arrayProto], [edge.internal, str.elements, o + 4],
      [edge.internal, str.map, P.arrayMap],
    ]);
    emit(type.array, str['(object elements)'], 32, []);
    emit(type.closure, str[''], 56, [
      [edge.property, str.__proto__, P.functionProto], [edge.internal, str.feedback_cell, P.feedbackCell],
      [edge.internal, str.shared, P.cbInfo], [edge.internal, str.context, o + 6],
      [edge.internal, str.code, P.lazyCode], [edge.internal, str.map, P.closureMap],
    ]);
    emit(type.object, str['system / Context'], 40, [
      [edge.context, str.this, o], [edge.internal, str.scope_info, P.scopeInfo],
      [edge.internal, str.previous, P.nativeContext], [edge.internal, str.map, P.contextMap],
    ]);
  }
  const longText = at(B.longText);
  emit(type.object, str.Map, 32, [
    [edge.internal, str.table, at(B.table)], [edge.property, str.__proto__, P.objectProto],
    [edge.internal, str.map, P.mapMap],
  ]);
  const table = [];
  for (let i = 0; i < MAP_ENTRIES; i++) {
    table.push([edge.hidden, 2 * i, at(B.keys + i)], [edge.hidden, 2 * i + 1, at(B.entries + i)]);
  }
  emit(type.array, str['system / OrderedHashMap'], 24 + 24 * MAP_ENTRIES, table);
  for (let i = 0; i < MAP_ENTRIES; i++) {
    emit(type['concatenated string'], str['key:'], 32, [
      [edge.internal, str.first, P.keyPrefix], [edge.internal, str.second, at(B.sessions + 7 * i + 2)],
    ]);
  }
  for (let i = 0; i < MAP_ENTRIES; i++) {
    emit(type.object, str.CacheEntry, 24, [
      [edge.property, str.text, at(B.slices + i)], [edge.internal, str.map, P.cacheEntryMap],
    ]);
  }
  for (let i = 0; i < MAP_ENTRIES; i++) {
    emit(type['sliced string'], strings + SESSIONS_PER_BLOCK, 32, [[edge.internal, str.parent, longText]]);
  }
  emit(type.object, str.Document, 40, [
    [edge.property, str.body, longText], [edge.property, str.title, at(B.title)],
    [edge.property, str.render, at(B.render)], [edge.property, str.onload, at(B.onload)],
    [edge.internal, str.properties, at(B.properties)],
    [edge.internal, str.map, at(B.documentMap)],
  ]);
  emit(type.string, strings + SESSIONS_PER_BLOCK, 65536 + (b % 1000) * 16, [stringMap]);
  emit(type.string, strings + SESSIONS_PER_BLOCK + 1, 32, [stringMap]);
  emit(type['object shape'], str['system / Map'], 72, [
    [edge.internal, str.back_pointer, P.documentMap], [edge.weak, str.transition, P.documentMap],
  ]);
  emit(type.hidden, str['system / PropertyArray'], 40, []);
  for (const name of [str.render, str.onload]) {
    emit(type.closure, name, 56, [
      [edge.property, str.__proto__, P.functionProto], [edge.internal, str.feedback_cell, at(B.renderFeedback)],
      [edge.internal, str.shared, at(B.renderInfo)], [edge.internal, str.context, P.nativeContext],
      [edge.internal, str.map, P.closureMap],
    ]);
  }
  emit(type.code, str['system / FeedbackCell'], 24, []);
  emit(type.code, str['(shared function info)'], 56, [
    [edge.internal, str.code, P.lazyCode], [edge.internal, str.scope_info, at(B.renderScope)],
  ]);
  emit(type.code, str['system / ScopeInfo'], 88, []);
  emit(type.object, str.LeakedRecord, LEAK_RECORD_SIZE, [
    [edge.property, str.payload, at(B.payload)], [edge.property, str.meta, at(B.leakMeta)],
    [edge.internal, str.map, P.leakMap],
  ]);
  emit(type.string, strings + SESSIONS_PER_BLOCK + 2, LEAK_PAYLOAD_SIZE, [stringMap]);
  emit(type.object, str.Object, LEAK_META_SIZE, [[edge.internal, str.map, P.userMap]]);
}

/** The strings of block `b`, in order. */
function blockStrings(b) {
  const out = [];
  for (let s = 0; s < SESSIONS_PER_BLOCK; s++) out.push('user' + (b * SESSIONS_PER_BLOCK + s));
  out.push(b % LONG_TEXT_EVERY === 0 ? longText(b, 1024) : longText(b, 48));
  out.push('Untitled ' + b);
  out.push('payload ' + b);
  return out;
}

function longText(b, length) {
  const words = 'the quick brown fox jumps over the lazy dog ' + b + ' ';
  return words.repeat(Math.ceil(length / words.length)).slice(0, length);
}

/** Buffered writing of ASCII text and integers to a file descriptor. */
class Writer {
  constructor(fd) {
    this.fd = fd;
    this.buf = Buffer.allocUnsafe(1 << 22);
    this.at = 0;
    this.written = 0;
  }

  room(n) {
    if (this.at + n > this.buf.length) this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  text(s) {
    this.room(s.length * 3);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** A non-negative integer, digit by digit: several times faster than String(n). */
  int(n) {
    this.room(24);
    const buf = this.buf;
    if (n < 10) {
      buf[this.at++] = 48 + n;
      return;
    }
    let digits = 0;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
    let end = this.at + digits;
    this.at = end;
    while (n >= 1) {
      const q = Math.floor(n / 10);
      buf[--end] = 48 + (n - q * 10);
      n = q;
    }
  }

  byte(c) {
    this.room(1);
    this.buf[this.at++] = c;
  }

  flush() {
    let from = 0;
    while (from < this.at) from += fs.writeSync(this.fd, this.buf, from, this.at - from);
    this.written += this.at;
    this.at = 0;
  }
}

/** How many blocks make a file of about `size` bytes: the bytes of a block in the middle of
 * the file, counted exactly, divide the size; twice, since the count moves the middle. */
function blocksForSize(size) {
  const digits = (n) => String(n).length;
  let blocks = Math.max(1, Math.round(size / 10000));
  for (let round = 0; round < 3; round++) {
    const b = Math.floor(blocks / 2);
    place(blocks);
    const base = HEAD_NODES + b * B.size;
    let bytes = 2 + digits(2 * blocks) * 2; // its edges from store and leakedRecords
    let ordinal = base;
    block(b, base, 100 + b * BLOCK_STRINGS, (t, name, s, es) => {
      bytes += digits(t) + digits(name) + digits(2 * ordinal++ + 1) + digits(s) + digits(es.length) + 10;
      for (const e of es) bytes += digits(e[0]) + digits(e[1]) + digits(e[2] * NODE_WIDTH) + 4;
    });
    for (const text of blockStrings(b)) bytes += JSON.stringify(text).length + 2;
    // Every fourth block has the long text: count its share, not this block's.
    bytes += (1024 + (LONG_TEXT_EVERY - 1) * 48) / LONG_TEXT_EVERY - blockStrings(b)[SESSIONS_PER_BLOCK].length;
    blocks = Math.max(1, Math.round(size / bytes));
  }
  return blocks;
}

function generate(blocks, out) {
  place(blocks);
  const preludeNodes = prelude(blocks);
  const blockStringBase = PRELUDE_STRINGS.length;
  const nodeCount = PRELUDE_NODES + blocks * B.size;
  let edgeCount = 0;
  for (const n of preludeNodes) edgeCount += n.edges.length;
  edgeCount += 2 * blocks; // the elements of store and leakedRecords
  let blockEdges = 0;
  block(0, 0, 0, (t, name, size, es) => { blockEdges += es.length; });
  edgeCount += blocks * blockEdges;
  let totalSize = 0;
  for (const n of preludeNodes) totalSize += n.size;
  let blockSize = 0;
  for (let b = 0; b < Math.min(blocks, 1000); b++) {
    let size = 0;
    block(b, 0, 0, (t, name, s) => { size += s; });
    blockSize += size * Math.floor((blocks - b + 999) / 1000);
  }
  totalSize += blockSize;

  const fd = fs.openSync(out, 'w');
  const w = new Writer(fd);
  const meta = {
    node_fields: NODE_FIELDS,
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  w.text('{"snapshot":' + JSON.stringify({ meta, node_count: nodeCount, edge_count: edgeCount, trace_function_count: 0 }));
  w.text(',\n"nodes":[');
  let ordinal = 0;
  const writeNode = (t, name, size, es) => {
    if (ordinal > 0) w.text('\n,');
    w.int(t); w.byte(44); w.int(name); w.byte(44); w.int(2 * ordinal + 1); w.byte(44);
    w.int(size); w.byte(44); w.int(es.length); w.text(',0,0');
    ordinal++;
  };
  const writeEdges = (t, name, size, es) => {
    for (const [et, en, target] of es) {
      if (edgesWritten > 0) w.text('\n,');
      w.int(et); w.byte(44); w.int(en); w.byte(44); w.int(target * NODE_WIDTH);
      edgesWritten++;
    }
  };
  let edgesWritten = 0;
  const blockBase = (b) => HEAD_NODES + b * B.size;
  const blockStringsAt = (b) => blockStringBase + b * BLOCK_STRINGS;
  // The two elements arrays own one edge per block: to its elements and to its leaked record.
  const withBlockEdges = (n, i) => {
    if (i === L.storeElements) return [...n.edges, ...edgesToBlocks(blocks, B.elements)];
    if (i === L.leakedElements) return [...n.edges, ...edgesToBlocks(blocks, B.leak)];
    return n.edges;
  };
  function* edgesToBlocks(count, relative) {
    for (let b = 0; b < count; b++) yield [edge.element, b, blockBase(b) + relative];
  }
  const head = preludeNodes.slice(0, HEAD_NODES), shared = preludeNodes.slice(HEAD_NODES);
  head.forEach((n, i) => {
    const es = i === L.storeElements || i === L.leakedElements ? { length: n.edges.length + blocks } : n.edges;
    writeNode(n.type, n.name, n.size, es);
  });
  for (let b = 0; b < blocks; b++) block(b, blockBase(b), blockStringsAt(b), writeNode);
  shared.forEach((n) => writeNode(n.type, n.name, n.size, n.edges));
  w.text('],\n"edges":[');
  head.forEach((n, i) => writeEdges(n.type, n.name, n.size, withBlockEdges(n, i)));
  for (let b = 0; b < blocks; b++) block(b, blockBase(b), blockStringsAt(b), writeEdges);
  shared.forEach((n) => writeEdges(n.type, n.name, n.size, n.edges));
  w.text('],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[');
  PRELUDE_STRINGS.forEach((s, i) => w.text((i ? '\n,' : '') + JSON.stringify(s)));
  for (let b = 0; b < blocks; b++) for (const s of blockStrings(b)) w.text('\n,' + JSON.stringify(s));
  w.text(']}');
  w.flush();
  fs.closeSync(fd);
  if (ordinal !== nodeCount || edgesWritten !== edgeCount) {
    throw new Error(`wrote ${ordinal} nodes and ${edgesWritten} edges, announced ${nodeCount} and ${edgeCount}`);
  }
  return {
    file: out, bytes: w.written, blocks, node_count: nodeCount, edge_count: edgeCount, total_size: totalSize,
    leak: {
      name: 'LeakedRecord', count: blocks, shallow_size: blocks * LEAK_RECORD_SIZE,
      retained_size: blocks * (LEAK_RECORD_SIZE + LEAK_PAYLOAD_SIZE + LEAK_META_SIZE),
    },
  };
}

function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text ?? '');
  if (!match) return NaN;
  return Math.round(Number(match[1]) * { '': 1, K: 1e3, M: 1e6, G: 1e9 }[match[2].toUpperCase()]);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const byBlocks = args[0] === '--blocks';
  const [count, out] = byBlocks ? [Number(args[1]), args[2]] : [parseSize(args[0]), args[1]];
  if (!Number.isSafeInteger(count) || count < 1 || !out) {
    console.error('usage: node bench/generate-snapshot.js SIZE OUT   (SIZE like 600M, 4G)\n' +
      '       node bench/generate-snapshot.js --blocks N OUT');
    process.exit(2);
  }
  const blocks = byBlocks ? count : blocksForSize(count);
  console.log(JSON.stringify(generate(blocks, out)));
}

module.exports = { generate };
