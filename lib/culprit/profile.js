// @ts-check
'use strict';
// Reading V8's sampling heap profile: live bytes per allocation site of the program.
//
// The profiler records the stack of about one allocation per sampling interval and forgets the
// samples the GC frees, so two readings taken right after full GCs, subtracted, give the sites
// whose live bytes grew. A site is the innermost frame of the program's own code on a sample's
// stack: what Node, V8 or leakwatch allocate on the program's behalf counts for the program's
// function that called them.

const path = require('node:path');
const { fileURLToPath, pathToFileURL } = require('node:url');

/**
 * @typedef {{functionName: string, url: string, lineNumber: number, columnNumber: number}} Frame
 *   a call frame of the profile, with V8's 0-based line and column
 * @typedef {object} Site live memory allocated at one site: the program's innermost frame on
 *   the stacks of the samples
 * @property {Frame} frame
 * @property {Frame[]} stack the stack of its first sample, innermost frame first
 * @property {Map<string, Frame[]>} stackWith a stack of its samples for each function name on them
 * @property {Frame[] | null} callsNode a stack on which it called Node's code, which allocated
 * @property {number} bytes live bytes, estimated
 * @property {number} ownBytes of which it allocated itself, not through Node's code
 * @property {number} count live objects, estimated
 * @typedef {{bytes: number, ownBytes: number, count: number}} Counts
 * @typedef {{sites: Map<string, Site>, ownFunctions: Set<string>, scriptUrls: Map<number, string>}} Reading
 *   one reading of the profile: its sites by frameKey, the names of the program's functions on
 *   its stacks, and the URL of each of its scripts by V8's script id
 * @typedef {{id: number, callFrame: Frame & {scriptId: string}, children: ProfileNode[]}} ProfileNode
 * @typedef {{file: string, line: number, column: number}} Position a place in a file, 1-based
 */

/** leakwatch's own code, whose frames are never the program's: as a path, and as a file: URL. */
const OWN_DIR = path.join(__dirname, '..') + path.sep;
const OWN_URL = pathToFileURL(OWN_DIR).href;

/** Whether a profile frame is the program's own code, not Node's, V8's or leakwatch's. @param {Frame} frame */
function isUserFrame(frame) {
  const { url } = frame;
  return url !== '' && !url.startsWith('node:') && !url.startsWith(OWN_URL) && !url.startsWith(OWN_DIR);
}

/**
 * Whether a frame allocates memory outside the heap: Node's Buffer code or a typed array's constructor.
 * @param {Frame} frame
 */
function isBufferFrame(frame) {
  return frame.url === 'node:buffer' || /^(ArrayBuffer|SharedArrayBuffer|(Big)?(Int|Uint|Float)\d+(Clamped)?Array)$/.test(frame.functionName);
}

/**
 * A frame's file: the path of a file: URL (an ES module's), decoded as the platform writes paths
 * (`%20`, Windows drive letters); any other URL as it is (a CommonJS module's path, node:...).
 * @param {Frame} frame
 */
function fileOf(frame) {
  if (!frame.url.startsWith('file:')) return frame.url;
  try {
    return fileURLToPath(frame.url);
  } catch {
    // A file: URL of another host, say: shown as it is.
    return frame.url;
  }
}

/**
 * Where a frame's function is, 1-based, in the script V8 ran.
 * @param {Frame} frame
 * @returns {Position}
 */
const positionOf = (frame) => ({ file: fileOf(frame), line: frame.lineNumber + 1, column: frame.columnNumber + 1 });

/**
 * A frame as stack traces print it: "name (file:line:column)", at `at` (by default where V8 ran it).
 * @param {Frame} frame
 * @param {Position} [at]
 */
function frameText(frame, at = positionOf(frame)) {
  const where = at.file ? `${at.file}:${at.line}:${at.column}` : 'native';
  return `${frame.functionName || '(anonymous)'} (${where})`;
}

/** What tells a function apart in a sampling profile's stacks. @param {Frame} frame */
const frameKey = (frame) => `${frame.functionName}@${frame.url}:${frame.lineNumber}:${frame.columnNumber}`;

/**
 * Live bytes and objects per allocation site in a sampling profile, estimated from the samples
 * the way V8 scales them (each sample of `size` bytes stands for 1/(1-e^(-size/interval)) objects);
 * the names of the program's own functions on the samples' stacks; and the URL of each script
 * on the profile's stacks, by V8's script id.
 *
 * @param {{head: ProfileNode, samples: {nodeId: number, size: number}[]}} profile HeapProfiler.getSamplingProfile's
 * @param {number} interval the sampling interval the profile was taken with
 * @returns {Reading}
 */
function liveBySite(profile, interval, { buffersOnly = false } = {}) {
  const stackOf = new Map();
  const scriptUrls = new Map();
  /** @param {ProfileNode} node @param {Frame[]} parentStack */
  const visit = (node, parentStack) => {
    const stack = node.callFrame.functionName === '(root)' ? parentStack : [node.callFrame, ...parentStack];
    stackOf.set(node.id, stack);
    scriptUrls.set(Number(node.callFrame.scriptId), node.callFrame.url);
    for (const child of node.children) visit(child, stack);
  };
  visit(profile.head, []);
  const sites = new Map();
  const ownFunctions = new Set();
  for (const sample of profile.samples) {
    const stack = stackOf.get(sample.nodeId);
    // Allocations with no frame of the program's own are Node's or leakwatch's (this very
    // profile, say): not the program's leak.
    const at = stack ? stack.findIndex(isUserFrame) : -1;
    if (at < 0 || (buffersOnly && !stack.some(isBufferFrame))) continue;
    const frame = stack[at];
    const key = frameKey(frame);
    const scale = 1 / (1 - Math.exp(-sample.size / interval));
    let site = sites.get(key);
    if (!site) {
      site = { frame, stack, stackWith: new Map(), callsNode: null, bytes: 0, ownBytes: 0, count: 0 };
      sites.set(key, site);
    }
    for (const f of stack) {
      // One stack per function seen above the site, so that a class can be matched to the site
      // whose samples show its constructor, whichever of them came first.
      if (!site.stackWith.has(f.functionName)) site.stackWith.set(f.functionName, stack);
      if (isUserFrame(f)) ownFunctions.add(f.functionName);
    }
    // A stack on which the site called Node's code, which allocated (a setInterval's Timeout);
    // else the site allocated the object itself.
    if (at > 0 && stack[at - 1].url.startsWith('node:')) site.callsNode ??= stack;
    else site.ownBytes += sample.size * scale;
    site.bytes += sample.size * scale;
    site.count += scale;
  }
  return { sites, ownFunctions, scriptUrls };
}

/**
 * The sites whose live bytes grew from reading `before` to reading `after`, most first.
 * @param {{sites: Map<string, Counts>}} before
 * @param {Reading} after
 * @returns {Site[]}
 */
function grownSites(before, after) {
  const grown = [];
  for (const [key, site] of after.sites) {
    const was = before.sites.get(key);
    const bytes = site.bytes - (was?.bytes ?? 0);
    const count = site.count - (was?.count ?? 0);
    const ownBytes = site.ownBytes - (was?.ownBytes ?? 0);
    if (bytes > 0) grown.push({ ...site, bytes, ownBytes, count });
  }
  return grown.sort((a, b) => b.bytes - a.bytes);
}

/**
 * What grownSites needs of the reading a hunt starts from: bytes and objects per site. A hunt
 * holds it until it ends, and the whole reading (every site's stacks) would add enough to the
 * heap for the detector to see.
 * @param {Reading} reading
 * @returns {{sites: Map<string, Counts>}}
 */
function countsOf(reading) {
  const sites = new Map();
  for (const [key, { bytes, ownBytes, count }] of reading.sites) sites.set(key, { bytes, ownBytes, count });
  return { sites };
}

module.exports = { isUserFrame, fileOf, positionOf, frameText, frameKey, liveBySite, grownSites, countsOf };
