// @ts-check
'use strict';
// V8's sampling heap profiler, run for a culprit hunt (see lib/culprit/hunt.js).

const { postNow } = require('../snapshot/inspector');
const { keepHeapProfiler } = require('../snapshot/heap-profiler-state');
const { asideFromProgram } = require('../snapshot/read');
const { liveBySite } = require('./profile');

/**
 * V8's sampling heap profiler, on leakwatch's inspector session. Stopping it leaves the session
 * connected: disconnecting would make V8 forget the object ids a running HeapDiff relies on.
 */
class AllocationSampler {
  /** @param {number} interval @param {boolean} buffersOnly count only allocations of Buffers and ArrayBuffers */
  constructor(interval, buffersOnly) {
    this.interval = interval;
    this.buffersOnly = buffersOnly;
    this.release = keepHeapProfiler();
    try {
      postNow('HeapProfiler.startSampling', { samplingInterval: interval });
    } catch (err) {
      this.release();
      throw err;
    }
  }

  /** Live bytes per allocation site now, and the program's functions seen (see liveBySite). */
  read() {
    // The reading runs a full GC, thorough as a forced one is: the detector does not see it, as
    // its floor would then dip below the floors of V8's own full GCs.
    const { profile } = asideFromProgram(() => postNow('HeapProfiler.getSamplingProfile'));
    return liveBySite(profile, this.interval, { buffersOnly: this.buffersOnly });
  }

  stop() {
    try {
      postNow('HeapProfiler.stopSampling');
    } finally {
      this.release();
    }
  }
}

module.exports = { AllocationSampler };
