// @ts-check
'use strict';
// The process's memory outside the V8 heap, read after full GCs for the leak detector and on
// scrape for the metrics: resident memory, and what the C allocator says it has handed out and
// holds free (glibc's mallinfo2 or jemalloc's mallctl, looked up by the addon at run time; null
// on musl, which says nothing, where RSS alone is watched).

const v8 = require('node:v8');
const native = require('../native');

/**
 * The memory outside V8 now: `{rss, heapPhysical, malloc}`, with `malloc` the allocator's
 * `{allocator, inUse, free}` or null.
 */
function nativeMemoryNow() {
  return {
    rss: process.memoryUsage.rss(),
    heapPhysical: v8.getHeapStatistics().total_physical_size,
    malloc: native.mallocStats(),
  };
}

/**
 * The detector's NativeSample from a reading: RSS outside the heap (V8 commits and releases heap
 * pages on its own schedule, which a leak of the heap's own would also show), malloc's figures.
 * @param {ReturnType<typeof nativeMemoryNow>} memory
 * @returns {import('../../crates/leakwatch-node/binding').NativeSample}
 */
function nativeSample(memory) {
  return {
    rssOutsideHeap: memory.rss - memory.heapPhysical,
    mallocInUse: memory.malloc?.inUse,
    mallocFree: memory.malloc?.free,
  };
}

/**
 * The detector's NativeSample after a GC that is not full: resident memory alone, a cheap read
 * that tells the detector when a probe's full GC would find native memory grown.
 * @returns {import('../../crates/leakwatch-node/binding').NativeSample}
 */
function residentSample() {
  return { rssOutsideHeap: process.memoryUsage.rss() - v8.getHeapStatistics().total_physical_size };
}

module.exports = { nativeMemoryNow, nativeSample, residentSample };
