'use strict';
// The demo's workload with its leak on: fast and slow workers, and a slow leak of
// `LeakedRequest`s (about 100 KB/s).
require('../workload').createWorkload({ leak: true }).start();
