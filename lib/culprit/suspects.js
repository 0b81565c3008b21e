// @ts-check
'use strict';
// Ranking a leak's suspects from what a hunt recorded: the allocation sites whose live bytes grew
// (lib/culprit/profile.js) and, when one was taken, the HeapDiff over the same time. Functions of
// those readings, with no inspector or clock; the addon only maps positions through source maps,
// and a constructor's source is read to tell the functions written inside it.

const fs = require('node:fs');
const { isUserFrame, fileOf, frameText, frameKey } = require('./profile');
const { sourcePosition } = require('./source-position');

/**
 * @typedef {import('./profile').Frame} Frame
 * @typedef {import('./profile').Site} Site
 * @typedef {import('./profile').Reading} Reading
 * @typedef {import('../..').ClassChange} ClassChange
 * @typedef {ClassChange['defined_at']} DefinedAt
 * @typedef {import('../..').AllocationSite} AllocationSite
 */

/** How many suspects a report lists. */
const TOP = 5;

/**
 * A suspect's `site`: the allocating function of the program, where it is, and its stack, in the
 * program's original sources when its scripts have source maps.
 * @param {{frame: Frame, stack: Frame[]}} grown
 * @returns {AllocationSite}
 */
function siteOf(grown) {
  const { frame, stack } = grown;
  return {
    function: frame.functionName || '(anonymous)',
    ...sourcePosition(frame),
    // From the site down: the frames above it are Node's or V8's code that it called.
    stack: stack.slice(Math.max(0, stack.indexOf(frame))).map((f) => frameText(f, sourcePosition(f))),
  };
}

/**
 * Diff rows that grew, in the core's order (crates/leakwatch-core/src/ranking.rs): a class of the
 * program's before the runtime's containers that hold it.
 * @param {{change: {details: ClassChange[]}}} diff
 */
function grownClasses(diff) {
  return diff.change.details.filter((row) => row.retained_size_bytes > 0 && row['+'] > row['-']);
}

/**
 * A grown row's leaks: its groups (the core keeps those worth a line), or the row itself when it
 * has none.
 * @param {ClassChange} row
 * @returns {{count: number, bytes: number, path: string | null, held_by: string | null}[]}
 */
function leaksOf(row) {
  const groups = row.groups ?? [];
  if (groups.length === 0) {
    return [{ count: row['+'] - row['-'], bytes: row.retained_size_bytes, path: row.retainers ?? null, held_by: row.held_by ?? null }];
  }
  return groups.map((g) => ({ count: g.count, bytes: g.retained_size_bytes, path: g.retainers ?? null, held_by: g.held_by ?? null }));
}

/**
 * Whether class `name` is Node's rather than the program's: by the script its constructor is
 * defined in, when the profile's stacks show that script; else by its name, when no function of
 * the program's has it. (A class of the program's whose constructor V8 inlined everywhere shows
 * on no stack, so its name alone would make it look like Node's.)
 * @param {string} name
 * @param {DefinedAt} definedAt
 * @param {Reading} profile
 */
function isNodeClass(name, definedAt, profile) {
  const url = definedAt ? profile.scriptUrls.get(definedAt.script_id) : undefined;
  return url === undefined ? !profile.ownFunctions.has(name) : url.startsWith('node:');
}

/**
 * The nearest grown site on `site`'s stack that calls it, else `site`. When V8 inlined Node's
 * code into the program's, no stack shows which site made Node's objects; the caller ran both.
 * @param {Site} site
 * @param {Site[]} sites
 */
function callerSite(site, sites) {
  const byKey = new Map(sites.map((s) => [frameKey(s.frame), s]));
  const callers = site.stack.slice(site.stack.indexOf(site.frame) + 1);
  return callers.map((frame) => byKey.get(frameKey(frame))).find(Boolean) ?? site;
}

/**
 * The grown site that made objects of class `name`, with the stack that shows it (see siteFor).
 * @param {string} name
 * @param {DefinedAt} definedAt
 * @param {Site[]} sites
 * @param {Reading} profile
 * @returns {Site}
 */
function siteMaking(name, definedAt, sites, profile) {
  const made = sites.find((s) => s.stackWith.has(name));
  if (made) return { ...made, stack: /** @type {Frame[]} */ (made.stackWith.get(name)) };
  // Node's code that a site calls makes Node's objects, never the program's: for a class of
  // Node's, what a site allocated through Node's code counts (a few samples at most, so a tie,
  // even at none since the hunt began, goes to the site that grew most); for the program's, what
  // it allocated itself.
  const byNode = isNodeClass(name, definedAt, profile);
  const counted = (/** @type {Site} */ s) => (byNode ? s.bytes - s.ownBytes : s.ownBytes);
  const candidates = byNode ? sites.filter((s) => s.callsNode) : sites;
  if (candidates.length === 0) return callerSite(sites[0], sites);
  const best = candidates.reduce((top, s) => (counted(s) > counted(top) ? s : top));
  // Each candidate of a Node class has its callsNode stack.
  return byNode ? { ...best, stack: /** @type {Frame[]} */ (best.callsNode) } : best;
}

/**
 * Where the body of the constructor at `definedAt` lies in its script (`url`), as offsets into
 * the script's text, read from disk: from the parameters V8 located it by to the brace that
 * closes the body. Null when the script cannot be read. Strings, template literals and comments
 * are skipped, so that a brace in them does not count.
 * @param {DefinedAt} definedAt
 * @param {string} url
 * @returns {{url: string, text: string, start: number, end: number} | null}
 */
function constructorBody(definedAt, url) {
  if (!definedAt) return null;
  let text;
  try {
    text = fs.readFileSync(fileOf({ functionName: '', url, lineNumber: 0, columnNumber: 0 }), 'utf8');
  } catch {
    return null;
  }
  // V8's own position, in the script it ran, whether or not a source map maps it elsewhere.
  const at = definedAt.generated ?? definedAt;
  const start = offsetOf(text, at.line - 1, at.column - 1);
  let depth = 0;
  let opened = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) return null;
      i++;
    } else if (c === '(' || c === '{' || c === '[') {
      depth++;
      if (c === '{') opened = true;
    } else if (c === ')' || c === '}' || c === ']') {
      depth--;
      if (opened && depth === 0) return { url, text, start, end: i };
    }
  }
  return null;
}

/**
 * The offset in `text` of 0-based `line` and `column`.
 * @param {string} text
 * @param {number} line
 * @param {number} column
 */
function offsetOf(text, line, column) {
  let offset = 0;
  for (let l = 0; l < line && offset >= 0; l++) offset = text.indexOf('\n', offset) + 1;
  return Math.max(0, offset) + column;
}

/**
 * Whether `frame`'s function is the constructor of `body` or a function written inside it (an
 * arrow passed to Array.from, say): when V8 inlined the constructor, such a function is the
 * innermost frame left, and `new` was in the frame that called the constructor.
 * @param {Frame} frame
 * @param {{url: string, text: string, start: number, end: number} | null} body
 */
function inConstructor(frame, body) {
  if (body === null || frame.url !== body.url) return false;
  const at = offsetOf(body.text, frame.lineNumber, frame.columnNumber);
  return at >= body.start && at <= body.end;
}

/**
 * The site that allocates objects of class `name`, defined at `definedAt` (a diff row's): the
 * grown site with the class's constructor on its stack (when V8 did not inline it); else, for a
 * class of Node's (see isNodeClass), of the sites that called Node's code, the one that grew most
 * by what that code allocated (setInterval's Timeout), rather than a bigger site of what the
 * objects hold, or, when no stack shows Node's code, the top site's nearest grown caller; for a
 * class of the program's, the site that grew most by what it allocated itself.
 * When that site is the constructor itself, or a function it calls (allocating its fields), the
 * function that called `new`. `profile` is the last reading of the sampling profiler.
 * @param {string} name
 * @param {DefinedAt} definedAt
 * @param {Site[]} sites
 * @param {Reading | null} profile
 * @returns {AllocationSite | null}
 */
function siteFor(name, definedAt, sites, profile) {
  // No sites without a reading of the profiler.
  if (sites.length === 0 || profile === null) return null;
  const site = siteMaking(name, definedAt, sites, profile);
  // The constructor, or a function it calls to fill its fields, made them: `new` is in its caller.
  // Once V8 inlined the constructor, no frame is named after it, but a function written inside
  // it (a callback it passed on) can still be the innermost frame.
  const url = definedAt ? profile.scriptUrls.get(definedAt.script_id) : undefined;
  const body = url === undefined ? null : constructorBody(definedAt, url);
  const made = (/** @type {Frame} */ frame) => frame.functionName === name || inConstructor(frame, body);
  const constructor = site.stack.findLastIndex(made);
  if (constructor < 0) return siteOf(site);
  const caller = site.stack.findIndex((frame, i) => i > constructor && isUserFrame(frame) && !made(frame));
  return caller < 0 ? siteOf(site) : siteOf({ frame: site.stack[caller], stack: site.stack.slice(caller) });
}

/**
 * Suspects from the grown allocation sites and the HeapDiff (if one was taken): with a diff, one
 * per group of a class that grew (see leaksOf), in the diff's order, the top one with the top
 * site; without, one per site, class unknown.
 * `profile` is the sampling profiler's last reading, null if it did not run.
 *
 * @param {import('./profile').Site[]} sites
 * @param {import('../..').HeapDiffResult | null} diff
 * @param {import('./profile').Reading | null} profile
 * @returns {import('../..').Suspect[]}
 */
function suspectsFrom(sites, diff, profile) {
  if (!diff) {
    return sites.slice(0, TOP).map((s) => ({
      class: null,
      site: siteOf(s),
      bytes: Math.round(s.bytes),
      count: Math.round(s.count),
      path: null,
      held_by: null,
    }));
  }
  const leaks = grownClasses(diff).flatMap((row) => leaksOf(row).map((leak) => ({ row, leak })));
  return leaks.slice(0, TOP).map(({ row, leak }, rank) => ({
    class: row.what,
    site: rank === 0 ? siteFor(row.what, row.defined_at, sites, profile) : null,
    bytes: leak.bytes,
    count: leak.count,
    path: leak.path,
    held_by: leak.held_by,
  }));
}

module.exports = { suspectsFrom, siteFor, grownClasses, TOP };
