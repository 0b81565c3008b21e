// @ts-check
'use strict';
// The live sampled native stacks of a process watched with `leakwatch watch --native`: reading
// the report the allocator shim writes (crates/leakwatch-malloc-shim, its format in report.rs),
// ranking its stacks by how much their live memory grew between two reports, and the lines
// printed for them. Pure functions of the reports' text, so they are tested on recorded reports.

const { niceSize } = require('../native');

/** How many stacks a leak report carries, the fastest-growing first. */
const STACKS_REPORTED = 5;
/** How many frames of each stack the stderr report shows; the --events file has them all. */
const FRAMES_SHOWN = 10;

/**
 * @typedef {{ estimatedBytes: number, samples: number, sampledBytes: number, addresses: number[] }} SampledStack
 * @typedef {{ samplingMeanBytes: number, droppedSamples: number, stacks: SampledStack[] }} StacksReport
 */

/**
 * The report `text` as written by the shim; throws on text of another format.
 * @param {string} text
 * @returns {StacksReport}
 */
function parseStacksReport(text) {
  const lines = text.split('\n').filter(Boolean);
  if (lines[0] !== 'leakwatch-native-stacks 1') throw new Error(`not a leakwatch native stacks report: '${lines[0] ?? ''}'`);
  /** @type {StacksReport} */
  const report = { samplingMeanBytes: 0, droppedSamples: 0, stacks: [] };
  for (const line of lines.slice(1)) {
    const [key, ...fields] = line.split(' ');
    if (key === 'sampling-mean-bytes') report.samplingMeanBytes = Number(fields[0]);
    else if (key === 'dropped-samples') report.droppedSamples = Number(fields[0]);
    else if (key === 'stack') {
      const [estimatedBytes, samples, sampledBytes] = fields.slice(0, 3).map(Number);
      report.stacks.push({ estimatedBytes, samples, sampledBytes, addresses: fields.slice(3).map((hex) => parseInt(hex, 16)) });
    }
  }
  return report;
}

/**
 * `report` with its stacks told apart by their native part only: the frames up to the first one
 * outside any file (`inFile(address)` false), which is JS that V8 compiled, whose addresses
 * change as V8 compiles it again and whose frames change with the tier it runs in. Stacks with the
 * same native part are added up, and shown as the one of them that holds the most, with each
 * address outside any file replaced by 0.
 * @param {StacksReport} report
 * @param {(address: number) => boolean} inFile
 * @returns {StacksReport}
 */
function mergeUnmappedFrames(report, inFile) {
  /** @type {Map<string, {total: SampledStack, largest: SampledStack}>} */
  const merged = new Map();
  for (const stack of report.stacks) {
    const addresses = stack.addresses.map((address) => (inFile(address) ? address : 0));
    const nativeEnd = addresses.indexOf(0);
    const key = addresses.slice(0, nativeEnd === -1 ? addresses.length : nativeEnd + 1).join(',');
    const entry = merged.get(key);
    if (!entry) {
      merged.set(key, { total: { ...stack, addresses }, largest: stack });
      continue;
    }
    entry.total.estimatedBytes += stack.estimatedBytes;
    entry.total.samples += stack.samples;
    entry.total.sampledBytes += stack.sampledBytes;
    if (stack.estimatedBytes > entry.largest.estimatedBytes) {
      entry.largest = stack;
      entry.total.addresses = addresses;
    }
  }
  return { ...report, stacks: [...merged.values()].map((entry) => entry.total) };
}

/** A stack's identity across reports: its addresses. */
function stackKey(stack) {
  return stack.addresses.join(',');
}

/**
 * The stacks of `current` whose estimated live bytes grew since `baseline` (null: since nothing
 * was live), the most first, at most `limit`: {growthBytes, estimatedBytes, samples, addresses}.
 * @param {StacksReport | null} baseline
 * @param {StacksReport} current
 */
function growingStacks(baseline, current, limit = STACKS_REPORTED) {
  const before = new Map((baseline?.stacks ?? []).map((stack) => [stackKey(stack), stack.estimatedBytes]));
  return current.stacks
    .map((stack) => ({ growthBytes: stack.estimatedBytes - (before.get(stackKey(stack)) ?? 0), estimatedBytes: stack.estimatedBytes, samples: stack.samples, addresses: stack.addresses }))
    .filter((stack) => stack.growthBytes > 0)
    .sort((a, b) => b.growthBytes - a.growthBytes)
    .slice(0, limit);
}

/**
 * The lines that follow a leak report on stderr for its native stacks (symbolized: each frame
 * {address, file, function}).
 */
function nativeStackLines(stacks, samplingMeanBytes) {
  if (stacks.length === 0) return ['  no sampled native stack grew'];
  const lines = [`  native stacks whose live memory grew (estimated from one sample per ~${niceSize(samplingMeanBytes)} allocated):`];
  stacks.forEach((stack, i) => {
    const samples = stack.samples === 1 ? '1 sample' : `${stack.samples} samples`;
    lines.push(`  ${i + 1}. +${niceSize(stack.growthBytes)} live (${niceSize(stack.estimatedBytes)} in all, ${samples})`);
    for (const frame of stack.frames.slice(0, FRAMES_SHOWN)) lines.push(`       ${frameText(frame)}`);
    if (stack.frames.length > FRAMES_SHOWN) lines.push(`       and ${stack.frames.length - FRAMES_SHOWN} more frames`);
  });
  return lines;
}

/** "leak (/path/addon.node)", or the address when nothing names it. */
function frameText(frame) {
  if (frame.address === null) return '(code outside any file: JS that V8 compiled)';
  const where = frame.file ?? 'no file';
  return `${frame.function ?? frame.address} (${where})`;
}

module.exports = { parseStacksReport, mergeUnmappedFrames, growingStacks, nativeStackLines, STACKS_REPORTED };
