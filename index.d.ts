// Type definitions for leakwatch: node-memwatch's API on a Rust engine.
//
//   import memwatch = require('leakwatch');          // or: const memwatch = require('leakwatch')
//   memwatch.on('stats', (stats) => console.log(stats.current_base));
//   const hd = new memwatch.HeapDiff();
//   const diff = hd.end();                            // or: await hd.endAsync()

import { EventEmitter } from 'node:events';
// The leak detector's own types, generated from its Rust source with their docs and defaults.
import type { DetectorOptions } from './crates/leakwatch-node/binding';

declare namespace leakwatch {
  /**
   * One 'stats' event: emitted after every full (mark-sweep-compact) GC. Every heap figure is
   * the heap as that GC left it, not as it stands when the listener runs: read when leakwatch
   * hears of the GC, just after it, with the young generation empty as the GC left it (what is
   * there now was allocated since). Only what the program allocated straight into the old
   * generation since is counted too (large objects, objects V8 pretenures: tens to hundreds of
   * KB). After gc() the heap is read as soon as the GC returns. Counters count the GCs seen since
   * watching started (the first 'stats' or 'leak' listener, or the first one after stop()); GCs
   * run by HeapDiff's own snapshots are left out, as node-memwatch did.
   */
  interface Stats {
    // node-memwatch's fields

    /** Full GCs seen. */
    num_full_gc: number;
    /** Other GCs seen: scavenges, incremental marking steps, weak-callback passes. */
    num_inc_gc: number;
    /** Full GCs seen (V8's full GC is its mark-compact collector, which compacts as needed). */
    heap_compactions: number;
    /** Used heap right after this GC, in bytes. */
    current_base: number;
    /** Average of current_base over about the last 10 full GCs (node-memwatch's decaying mean). */
    estimated_base: number;
    /**
     * Percent by which the recent average (10 GCs) is above the long-run one (120 GCs), one
     * decimal; negative when the heap shrinks. Computed in floating point: no unsigned wrap-around,
     * no 32-bit overflow.
     */
    usage_trend: number;
    /** Smallest current_base seen. */
    min: number;
    /** Largest current_base seen. */
    max: number;

    // @airbnb/node-memwatch's fields

    /** V8 heap used after this GC, in bytes (same as current_base). */
    used_heap_size: number;
    /** V8 heap size reserved, in bytes. */
    total_heap_size: number;
    /** Of which for executable code. */
    total_heap_size_executable: number;
    /** Heap memory actually committed. */
    total_physical_size: number;
    /** How much more the heap may grow before reaching its limit. */
    total_available_size: number;
    /** The heap's limit (--max-old-space-size and friends). */
    heap_size_limit: number;
    /** Memory V8 allocated with malloc. */
    malloced_memory: number;
    /** Peak of malloced_memory. */
    peak_malloced_memory: number;
    /** Young-generation GCs (scavenges and minor mark-compacts) seen. */
    gcScavengeCount: number;
    /** Their total time, in nanoseconds. */
    gcScavengeTime: number;
    /** Full GCs seen. */
    gcMarkSweepCompactCount: number;
    /** Their total time, in nanoseconds. */
    gcMarkSweepCompactTime: number;
    /** Incremental marking steps seen. */
    gcIncrementalMarkingCount: number;
    /** Their total time, in nanoseconds. */
    gcIncrementalMarkingTime: number;
    /** Weak-callback passes seen. */
    gcProcessWeakCallbacksCount: number;
    /** Their total time, in nanoseconds. */
    gcProcessWeakCallbacksTime: number;
    /** This GC's time, in nanoseconds. */
    gc_time: number;
    /** When this GC ended, in microseconds since the Unix epoch. */
    gc_ts: number;

    // leakwatch's additions

    /** Used bytes of each V8 heap space after this GC: new_space, old_space, code_space, ... */
    heap_spaces: Record<string, number>;
    /** Memory outside the V8 heap that V8 accounts for (Buffers, ArrayBuffers, native objects). */
    external_memory: number;
    /** Memory of ArrayBuffers and Buffers; read when the event is emitted (V8 keeps no per-GC figure). */
    array_buffers: number;
  }

  /** A place in a file, 1-based. */
  interface SourcePosition {
    /** The file's path (or URL, for code that has no file). */
    file: string;
    line: number;
    column: number;
  }

  /**
   * Where a suspect's objects were allocated, from V8's sampling heap profiler. When the
   * script has a source map (a `//# sourceMappingURL=` comment, or a `.map` file next to it),
   * `file`, `line`, `column` and the `stack` are in the original sources (`src/server.ts`).
   */
  interface AllocationSite {
    /** The program's function that allocated them ("(anonymous)" when unnamed). */
    function: string;
    /** Its file (or URL, for code that has no file). */
    file: string;
    /** Where the function starts in it, 1-based. */
    line: number;
    column: number;
    /** Where V8 ran it, in the generated script, when `file`, `line` and `column` come from a source map. */
    generated?: SourcePosition;
    /** The call stack, innermost first, as "name (file:line:column)". */
    stack: string[];
  }

  /** A suspect of a leak: what grew, where it was allocated, and what holds it. */
  interface Suspect {
    /** The class that grew (node-memwatch's names), from a HeapDiff; null when no HeapDiff was taken. */
    class: string | null;
    /** Where it was allocated (the function that made the objects); null when unknown. */
    site: AllocationSite | null;
    /** How many bytes it grew by: retained size (with a HeapDiff) or live bytes sampled at its site. */
    bytes: number;
    /**
     * How many more objects there are: with a HeapDiff, the new objects of one group of the class
     * (one leak: objects held the same way; two leaks of one class are two suspects); estimated
     * without.
     */
    count: number;
    /**
     * A shortest retainer path of one of its new objects, through the program's code when one
     * is, told from the module it leads to (`module src/app.js → exports.cache → [12] → Item`);
     * null when unknown.
     */
    path: string | null;
    /**
     * What keeps that object alive, as the program's source names it (`` `waiting` (Map) in
     * src/registry.js ``, `` `bus`.on('config'), 1,204 listeners ``, an interval never cleared,
     * a promise never settled); null when unknown.
     */
    held_by: string | null;
  }

  /** assertNoLeak's options; every one has a default. */
  interface LeakTestOptions {
    /**
     * Calls of the function in a round. By default from the time a warm-up call took: about 32 ms
     * of calls, from 32 to 128, a multiple of 8 so that a leak on one call in eight adds to every round.
     */
    calls?: number;
    /**
     * Rounds a class must grow in, every one, to be a leak (default 3, at least 2). A clean function
     * passes as soon as no class grew in every round so far, usually after one or two; the last round
     * has the sampling heap profiler on, to find where the leaked objects are allocated.
     */
    rounds?: number;
    /** Calls made before the first snapshot, for what the function sets up once (default 32). */
    warmup?: number;
    /** Time budget in ms (default 60000); when it runs out before a verdict, assertNoLeak rejects with a plain Error. */
    timeout?: number;
    /** The sampling heap profiler's interval in bytes, while it looks for where leaked objects are allocated (default 256). */
    samplingInterval?: number;
  }

  /** A class's growth over a leak test's rounds. */
  interface ClassGrowth {
    /** The class (node-memwatch's names). */
    class: string;
    /** Per round, how many more of its objects were alive after the round than before it. */
    rounds: number[];
    /** Per call, over every round: objects, and their shallow size in bytes. */
    per_call: { objects: number; bytes: number };
  }

  /** What assertNoLeak resolves with when the function does not leak. */
  interface LeakTestReport {
    /** Calls a round. */
    calls: number;
    /** Rounds measured. */
    rounds: number;
    /** Calls before the first snapshot. */
    warmup: number;
    /** How long the test took, in ms. */
    ms: number;
    /** The classes whose objects grew over the rounds, most bytes per call first: none of them in every round. */
    growth: ClassGrowth[];
  }

  /** One leak that assertNoLeak found: a Suspect with its growth round by round and per call. */
  interface LeakSuspect extends Suspect {
    /** Per round, how many more of its objects were alive after the round than before it: all above 0. */
    rounds: number[];
    /** Per call, over every round: objects, and their shallow size in bytes. */
    per_call: { objects: number; bytes: number };
  }

  /** What assertNoLeak rejects with when the function leaks. */
  interface LeakError extends Error {
    name: 'LeakError';
    /** Calls a round. */
    calls: number;
    /** Rounds measured. */
    rounds: number;
    /** What leaks, best first: one entry per class (and retainer path shape) that grew in every round. */
    leaks: LeakSuspect[];
    /** Every class whose objects grew over the rounds, leaking or not, most bytes per call first. */
    growth: ClassGrowth[];
  }

  /** `LeakError`, for `instanceof`; assertNoLeak makes them. */
  interface LeakErrorConstructor {
    new (leaks: LeakSuspect[], run: { calls: number; rounds: number; growth: ClassGrowth[] }): LeakError;
    readonly prototype: LeakError;
  }

  /** Objects of one class, held along one shape of retainer path, that outlived an action (findLeaks). */
  interface LeakGroup {
    /** The class (node-memwatch's names). */
    class: string;
    /** The last steps of their shortest retainer path from the root: classes and edges, element indexes as `[]`. */
    shape: string;
    /** How many objects. */
    count: number;
    /** Their retained size in bytes, each object counted once. */
    retained_size: number;
    /** The id of the object of the group that retains the most. */
    example_id: number;
    /** Its shortest retainer path in DevTools' notation; null when only weak edges hold it. */
    path: string | null;
  }

  /** What findLeaks (and `leakwatch find-leaks --json`) finds. */
  interface FoundLeaks {
    /** How many objects allocated by the action the final snapshot still holds. */
    still_alive: number;
    /** The groups, the one that retains the most first. */
    groups: LeakGroup[];
  }

  /** findLeaks' options. */
  interface FindLeaksOptions {
    /** What may leak: run once between the baseline and the target snapshot. */
    action: () => unknown;
    /** What undoes it (closing what the action opened): run before the final snapshot. */
    back: () => unknown;
    /** How many more times to run `action` then `back` before the final snapshot (default 0). */
    repeat?: number;
  }

  /** One 'leak' event: memory measured after GCs rose steadily and significantly over a window. */
  interface LeakInfo {
    /** Start of the window that shows the leak. */
    start: Date;
    /** End of the window: the full GC that completed the evidence. */
    end: Date;
    /** Growth over the window, in bytes, by the fitted (Theil–Sen) slope. */
    growth: number;
    /**
     * A sentence for people, such as "heap grew 1.53 mb over 14s (15 full GCs) - 393.3 mb/hr,
     * a steady rise (confidence 99.9%); the 4.05 gb heap limit is 10h 12m away at this rate".
     */
    reason: string;
    /**
     * Which memory grew: the V8 heap; the external memory V8 accounts for (Buffers,
     * ArrayBuffers); native memory, malloc's bytes in use beyond external memory (an addon or
     * library that allocates and does not free); or resident memory that none of these accounts
     * for (mmap, thread stacks, code).
     */
    memory: 'heap' | 'external' | 'native' | 'rss';
    /** The fitted growth rate, in bytes per hour. */
    rate_per_hour: number;
    /** How sure the detector is: the one-sided confidence of its trend test, 0 to 1. */
    confidence: number;
    /** How many full GCs the window held. */
    samples: number;
    /**
     * The floor of the window's first third, in bytes (of the heap, less V8's code and bytecode;
     * for 'native', malloc's bytes in use less external memory; for 'rss', RSS less the heap's
     * committed size).
     */
    start_bytes: number;
    /** The floor of the window's last third, in bytes, measured as start_bytes is. */
    end_bytes: number;
    /** For heap leaks: how many bytes each heap space grew over the window (spaces that changed). */
    heap_spaces?: Record<string, number>;
    /** For heap leaks: the heap space that grew most. */
    space?: string | null;
    /**
     * For heap leaks: the heap size at which V8 ends the process: the old generation's size
     * when the process set it (--max-old-space-size), else V8's heap_size_limit.
     */
    heap_limit_bytes?: number;
    /** For heap leaks: seconds until the heap reaches heap_limit_bytes at this rate. */
    seconds_to_limit?: number | null;
    /**
     * What leaks, best first; empty when sampling and HeapDiff are both off or found nothing,
     * and for 'native' and 'rss' leaks, which V8's profiler and snapshots do not see.
     */
    suspects: Suspect[];
    /**
     * With configure({ snapshotOnLeak }): the .heapsnapshot written for this report, or null when
     * none was (a 'warning' event says why). Absent when snapshotOnLeak is off.
     */
    snapshot?: string | null;
  }

  /** What the leak detector thinks now: leakStatus(). */
  interface LeakStatus {
    /** 'idle': nothing rises; 'suspect': memory rises, not (yet) proven; 'leak': reported and still rising. */
    state: 'idle' | 'suspect' | 'leak';
    /** The memory that rises fastest, or null. */
    memory: 'heap' | 'external' | 'native' | 'rss' | null;
    /** Its growth rate estimate, in bytes per second (0 when nothing rises). */
    rate_bytes_per_second: number;
    /** How sure the detector is that it rises, 0 to 1. */
    confidence: number;
    /**
     * Whether the last judgement found a leak: one reported, or one being confirmed (a leak is
     * reported once every judgement has found it for 4 s).
     */
    leak_found: boolean;
    /**
     * Whether the last full GC found `memory` (the heap when null) near its floor: within
     * max(1 MiB, its growth rate × 10 s) of the lowest full GC of the 10 s up to it (the
     * binding's Status.nearFloor).
     */
    near_floor: boolean;
    /** Leaks reported since watching started. */
    leaks_total: number;
    /** The last 'leak' report, or null. */
    last_leak: LeakInfo | null;
  }

  /** One 'gc' event: any GC leakwatch saw (HeapDiff's own snapshots excepted). */
  interface GcInfo {
    /** prom-client's kinds: 'minor' (scavenge), 'major' (mark-compact), 'incremental', 'weakcb'. */
    kind: 'minor' | 'major' | 'incremental' | 'weakcb' | 'other';
    /** V8's name of the GC type, such as "Scavenge" or "MarkSweepCompact". */
    type: string;
    /** How long it took, in ms. */
    duration_ms: number;
    /** When it ended, in ms since the Unix epoch. */
    end_ms: number;
    /**
     * V8 heap used before it, in bytes, for the GC of a gc() call; null for the others, whose
     * start leakwatch hears of only after they end.
     */
    used_before: number | null;
    /**
     * V8 heap used after it, in bytes: for full GCs as in Stats; for other GCs, read when
     * leakwatch hears of the GC, just after it, so it includes what was allocated since.
     */
    used_after: number;
    /** Used bytes per heap space after it, as used_after. */
    spaces_after: Record<string, number>;
    /** External memory after it, in bytes, as used_after. */
    external_after: number;
    /** The heap's limit, in bytes. */
    heap_size_limit: number;
  }

  /** Snapshot on leak: a .heapsnapshot written into `dir` when a 'leak' is reported. */
  interface SnapshotOnLeakOptions {
    /** Where to write them; created if missing. It must be a writable directory. */
    dir: string;
    /** How many of leakwatch's snapshots the directory keeps; the oldest go first. Default 5. */
    maxFiles?: number;
  }

  /**
   * Tuning of the leak detector and of how it names suspects. The defaults find leaks of 50 KB/s
   * and more within about 20 seconds and leave healthy programs alone; see the README.
   */
  interface LeakOptions extends Partial<DetectorOptions> {
    /** Run V8's sampling heap profiler while a leak found is confirmed, to find allocation sites. Default true. */
    sampling?: boolean;
    /** Sampling interval in bytes, or 'auto' (16 KB for the heap, 1 KB for external memory). */
    samplingInterval?: number | 'auto';
    /**
     * Take a HeapDiff from the detector's first finding of a leak to its report (at least the 4 s
     * it takes to confirm it), to name the class and its retainer path (two snapshots: the
     * program pauses while V8 writes each). 'auto' (default): only while the heap is at most
     * heapDiffMaxHeap, and at most once in 10 minutes unless a leak was reported.
     */
    heapDiff?: boolean | 'auto';
    /** The largest used heap for heapDiff: 'auto', in bytes. Default 64 MiB. */
    heapDiffMaxHeap?: number;
    /**
     * When the heap after a full GC reaches this share of its limit (see
     * LeakInfo.heap_limit_bytes), a 'warning' event
     * (code 'LEAKWATCH_NEAR_HEAP_LIMIT') says so, with the last leak report's suspects; once
     * until the heap falls 5 points below it. 0 turns it off. Default 0.9.
     */
    heapLimitWarning?: number;
  }

  /** What configure() takes. */
  interface Options {
    /** The leak detector's tuning; the detector starts over with it. */
    leak?: LeakOptions;
    /**
     * Write a heap snapshot when a leak is reported (null or false: don't). Skipped, with a
     * 'warning' event, when the process lacks the memory to take it or the disk the room to
     * hold it (see "Snapshots that cannot hurt the process" in the README).
     */
    snapshotOnLeak?: SnapshotOnLeakOptions | null | false;
  }

  /** A 'warning' event: something leakwatch could not do, such as a snapshot on leak. */
  interface LeakwatchWarning extends Error {
    name: 'LeakwatchWarning';
    /**
     * 'LEAKWATCH_SNAPSHOT_SKIPPED': a snapshot on leak was not written; 'LEAKWATCH_NO_ROOM': the
     * culprit hunt did without its HeapDiff for lack of memory; 'LEAKWATCH_NEAR_HEAP_LIMIT': the
     * heap after a full GC came near its limit; 'LEAKWATCH_FRAGMENTATION': the memory malloc
     * holds free rose steadily while its memory in use did not (the message names the remedies:
     * MALLOC_ARENA_MAX, another allocator). The message says why.
     */
    code: string;
    /** With 'LEAKWATCH_FRAGMENTATION': how much malloc's free memory grew over the window, in bytes. */
    growth?: number;
    /** With 'LEAKWATCH_NEAR_HEAP_LIMIT': the last leak report's suspects, empty if none. */
    suspects?: Suspect[];
  }

  /** A prom-client Registry, as registerMetrics() uses it (prom-client is the program's own). */
  interface PromClientRegistry {
    registerMetric(metric: any): void;
    getSingleMetric(name: string): any;
    removeSingleMetric(name: string): void;
  }

  /** What registerMetrics() did. */
  interface RegisteredMetrics {
    /** Names added to the registry. */
    registered: string[];
    /** Names the registry already had (e.g. from collectDefaultMetrics()), left as they were. */
    skipped: string[];
    /** Removes the metrics that were added. */
    unregister(): void;
  }

  /** An OpenTelemetry Meter from the program's own @opentelemetry/api, as registerOtel() uses it. */
  interface OtelMeter {
    createHistogram(name: string, options?: any): any;
    createObservableGauge(name: string, options?: any): any;
    createObservableUpDownCounter(name: string, options?: any): any;
    createObservableCounter(name: string, options?: any): any;
    addBatchObservableCallback(callback: (result: any) => void, observables: any[]): void;
    removeBatchObservableCallback?(callback: (result: any) => void, observables: any[]): void;
  }

  /** registerOtel()'s options. */
  interface OtelOptions {
    /**
     * What `v8js.memory.heap.limit` measures: 'heap' (default), the heap's limit
     * (`heap_size_limit`), as the semantic conventions now define it; or 'per-space', each space's
     * size per `v8js.heap.space.name`, its former meaning, for dashboards built on that (the same
     * reading is `v8js.memory.heap.space.size` either way).
     */
    heapLimit?: 'heap' | 'per-space';
  }

  /** Totals of one side of a HeapDiff. */
  interface HeapTotals {
    /** Nodes in the snapshot. */
    nodes: number;
    /** Their shallow sizes added up, in bytes. */
    size_bytes: number;
    /** size_bytes for people, such as "1.78 mb". */
    size: string;
  }

  /** How one class changed between the two snapshots. */
  interface ClassChange {
    /** The constructor name, or "Array", "String", "Code", "Closure", "RegExp", "Number", "Native". */
    what: string;
    /**
     * "program" when the class's constructor is in one of the program's scripts; "runtime" for
     * Node's and V8's classes and containers (closures, arrays, plain objects, strings, timers).
     */
    origin: 'program' | 'runtime';
    /** Shallow size of the added objects minus that of the freed ones, in bytes. */
    size_bytes: number;
    /** size_bytes for people. */
    size: string;
    /** Objects of the class allocated between the snapshots (and still alive). */
    '+': number;
    /** Objects of the class freed between the snapshots. */
    '-': number;
    /** The change in the class's retained size, in bytes: what ranks the details (see `details`). */
    retained_size_bytes: number;
    /**
     * With end({retainers: N}), for the first N rows that grew: a shortest retainer path of the
     * added object of the class that retains the most, through the program's code when one is,
     * told from the module it leads to: `module src/app.js → exports.cache → [12] → Item`.
     */
    retainers?: string;
    /**
     * With end({retainers: N}), for the same rows, when found: what keeps that object alive, as
     * the program's source names it: a module's variable, an export, an emitter's listeners, a
     * timer never cleared, a promise never settled, a function's variable kept by a closure.
     */
    held_by?: string;
    /**
     * With end({retainers: N}), for the same rows: where that object's constructor is defined
     * (a `Closure`'s own function), if V8 recorded it. `script_id` is the inspector protocol's
     * `scriptId` of the script V8 ran; `file` its path (or URL), when the snapshot names it;
     * `line` and `column`, counted from 1, are where the constructor's parameters start. When
     * the script has a source map, `file`, `line` and `column` are in the original source and
     * `generated` keeps the position in the script.
     */
    defined_at?: { script_id: number; file?: string; line: number; column: number; generated?: SourcePosition };
    /**
     * The added objects grouped by the shape of their retainer path (indices and keys folded),
     * the group that retains the most first, then those that retain a tenth as much or more, at
     * most five: one leak is one group however many objects it made; objects of the class held
     * by two containers are two groups.
     */
    groups?: ObjectGroup[];
  }

  /** Added objects of one class held the same way: what one leak made. */
  interface ObjectGroup {
    /** How many objects the group has. */
    count: number;
    /** Their retained size, each counted once, in bytes. */
    retained_size_bytes: number;
    /** The id (`@id` in DevTools) of the object of the group that retains the most. */
    example_id: number;
    /** With end({retainers: N}), for groups of the first N rows: that object's shortest retainer path. */
    retainers?: string;
    /** What holds that object, in the program's terms, when known. */
    held_by?: string;
  }

  /** node-memwatch's HeapDiff result. */
  interface HeapDiffResult {
    before: HeapTotals;
    after: HeapTotals;
    change: {
      /** Change in total shallow size, in bytes. */
      size_bytes: number;
      /** size_bytes for people. */
      size: string;
      /** Objects of the first snapshot gone from the second. */
      freed_nodes: number;
      /** Objects of the second snapshot not in the first. */
      allocated_nodes: number;
      /**
       * One row per class that changed, the best suspect first: by retained growth, except that a
       * class of the program comes before a runtime container (origin "runtime") that grew at
       * most four times as much, which usually holds it.
       */
      details: ClassChange[];
    };
  }

  interface HeapDiffOptions {
    /**
     * How to read V8's snapshot: 'stream' (v8.getHeapSnapshot(), the default) or 'inspector'
     * (HeapProfiler.takeHeapSnapshot on an in-process inspector session, the fallback).
     */
    method?: 'stream' | 'inspector';
  }

  interface HeapDiffEndOptions {
    /** How many of the first rows that grew get a retainer path (`retainers`). Default 0. */
    retainers?: number;
  }

  /**
   * Compares the heap at two points in time. The constructor takes the first snapshot before it
   * returns (the program's JS is paused while V8 writes it); the snapshot is parsed as V8 writes
   * it and analysed on a background thread, and only a compact census of it is kept.
   */
  interface HeapDiff {
    /**
     * Takes the second snapshot and returns what changed. Throws
     * "attempt to end() a HeapDiff that was already ended" when called twice.
     */
    end(options?: HeapDiffEndOptions): HeapDiffResult;
    /**
     * Takes the second snapshot now, then parses and compares off the JS thread (libuv's thread
     * pool). Rejects when the diff was already ended.
     */
    endAsync(options?: HeapDiffEndOptions): Promise<HeapDiffResult>;
  }

  /**
   * `new memwatch.HeapDiff()`: takes the first snapshot now. The constructor and end() throw an
   * Error with code 'LEAKWATCH_NO_ROOM', taking no snapshot, when the process lacks the memory
   * for one (see the README's "Snapshots that cannot hurt the process").
   */
  interface HeapDiffConstructor {
    new (options?: HeapDiffOptions): HeapDiff;
    readonly prototype: HeapDiff;
  }

  /** A switch of the host program that the dashboard shows as a button. */
  interface DashboardControl {
    /** The button's text; the control's name by default. */
    label?: string;
    /** Whether it is on now. */
    get(): boolean;
    /** Turns it on or off. */
    set(on: boolean): void;
  }

  /** What dashboard() takes. */
  interface DashboardOptions {
    /** The port; 3000 by default, 0 for a free one. */
    port?: number;
    /**
     * The address to listen on; 127.0.0.1 by default. On any address that is not a loopback one,
     * data and actions need the token.
     */
    host?: string;
    /** The token clients must send (at least 8 characters); when given, it is needed on loopback too. */
    token?: string;
    /** Switches of the program, shown as buttons, by name (letters, digits, '_' and '-'). */
    controls?: Record<string, DashboardControl>;
    /** Shown at the top of the page; the script's name and the pid by default. */
    title?: string;
  }

  /** A running dashboard. */
  interface Dashboard {
    /** Where to open it; with `#token=...` when the token is needed. */
    url: string;
    /** The token (random unless one was given); needed when bound off loopback or given. */
    token: string;
    /** The port it listens on. */
    port: number;
    /** Stops the server, its streams, its sampling and its listeners, so the process can exit. */
    close(): Promise<void>;
  }

  /** The events of a LeakWatch. */
  interface Events {
    stats: [stats: Stats];
    leak: [info: LeakInfo];
    gc: [gc: GcInfo];
    /** A listener threw, or GC watching failed. Without 'error' listeners a listener's exception is rethrown from process.nextTick. */
    error: [err: Error];
    /** leakwatch could not do something (a snapshot on leak); without listeners, a process warning. */
    warning: [warning: LeakwatchWarning];
  }

  /**
   * The memwatch object. GC watching starts when a 'stats' or 'leak' listener is added and stops
   * when the last one is removed, or at stop().
   */
  interface LeakWatch extends EventEmitter {
    /** node-memwatch's HeapDiff class. */
    readonly HeapDiff: HeapDiffConstructor;
    /** Runs a full, compacting GC now, without --expose-gc (globalThis.gc stays undefined). */
    gc(): void;
    /**
     * Removes every GC observer leakwatch started, so the process exits on its own. Listeners
     * stay registered; adding a 'stats' or 'leak' listener starts watching again.
     */
    stop(): void;
    /** Tunes leakwatch; throws a TypeError naming a bad option. */
    configure(options: Options): this;
    /**
     * What the leak detector thinks now. Reading it keeps the detector fed (with the full GCs it
     * asks for) for a minute, as a 'leak' listener does.
     */
    leakStatus(): LeakStatus;
    /**
     * The metrics in Prometheus text format 0.0.4 (serve with Content-Type
     * `text/plain; version=0.0.4`). The first call starts collecting GC durations.
     */
    metrics(): string;
    /**
     * Adds leakwatch's metrics to a prom-client Registry, leaving out names it already has (call
     * collectDefaultMetrics() first).
     */
    registerMetrics(register: PromClientRegistry): RegisteredMetrics;
    /** Creates leakwatch's v8js.* and leakwatch.* instruments on a Meter; returns a function that stops them. */
    registerOtel(meter: OtelMeter, options?: OtelOptions): () => void;
    /**
     * Serves a live dashboard of this process (charts, leak detector, culprits, HeapDiff) on
     * http://127.0.0.1:3000 unless told otherwise. Rejects with a one-line Error when the port
     * is in use.
     */
    dashboard(options?: DashboardOptions): Promise<Dashboard>;

    on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    addListener<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this;
    addListener(event: string | symbol, listener: (...args: any[]) => void): this;
    once<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this;
    once(event: string | symbol, listener: (...args: any[]) => void): this;
    prependListener<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this;
    prependListener(event: string | symbol, listener: (...args: any[]) => void): this;
    prependOnceListener<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this;
    prependOnceListener(event: string | symbol, listener: (...args: any[]) => void): this;
    off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this;
    off(event: string | symbol, listener: (...args: any[]) => void): this;
    removeListener<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this;
    removeListener(event: string | symbol, listener: (...args: any[]) => void): this;
  }

  /** What every line of `leakwatch watch --events FILE` has. */
  interface WatchEventBase {
    /** When it happened, in ms since the Unix epoch. */
    time: number;
    /** The watched process it comes from. */
    pid: number;
  }

  /** A process started being watched. */
  interface WatchStartEvent extends WatchEventBase {
    type: 'start';
    /** Its parent's pid. */
    ppid: number;
    /** Its command line: node's name, node's options, the script and its arguments. */
    command: string[];
    /** Its Node.js version, such as "v22.12.0". */
    node: string;
  }

  /** A full GC's 'stats' event. */
  type WatchStatsEvent = WatchEventBase & { type: 'stats' } & Stats;

  /** One frame of a native stack of `leakwatch watch --native`, innermost first. */
  interface NativeFrame {
    /**
     * The return address, in hexadecimal: "0x7f3a...". Null for code outside any file (JS that V8
     * compiled, whose addresses move as V8 compiles it again: such frames are one frame).
     */
    address: string | null;
    /** The file the address is mapped from (the addon's .node file, libc, node); null when none. */
    file: string | null;
    /** The function of that file's symbol tables that holds the address, demangled; null when unknown. */
    function: string | null;
  }

  /** A native stack whose sampled live memory grew, in a native leak's `nativeStacks`. */
  interface NativeStack {
    /** Estimated live bytes it gained since the baseline report (at most 5 minutes before). */
    growthBytes: number;
    /** Estimated live bytes allocated there and not yet freed: sampled bytes scaled by the sampling. */
    estimatedBytes: number;
    /** Live sampled allocations made there. */
    samples: number;
    /** Its frames, the allocating function first (the allocator shim's own frames left out). */
    frames: NativeFrame[];
  }

  /**
   * A 'leak' event, every field of it; its dates as ISO 8601 strings. Under `watch --native`, a
   * leak of `memory: 'native'` also carries `nativeStacks`: the sampled stacks whose live memory
   * grew most, the most first.
   */
  type WatchLeakEvent = WatchEventBase & { type: 'leak' } & Omit<LeakInfo, 'start' | 'end'> & { start: string; end: string; nativeStacks?: NativeStack[] };

  /** A 'warning' event of the library in the watched process. */
  interface WatchWarningEvent extends WatchEventBase {
    type: 'warning';
    /** The warning's code, such as 'LEAKWATCH_SNAPSHOT_SKIPPED'. */
    code: string;
    /** What happened, for people. */
    message: string;
  }

  /** A watched process ended. */
  interface WatchExitEvent extends WatchEventBase {
    type: 'exit';
    /** Its exit status; null when it was killed by a signal, or when it is unknown. */
    code: number | null;
    /** The signal that killed it, such as 'SIGTERM'; null when none did, or when it is unknown. */
    signal: string | null;
  }

  /** One line of `leakwatch watch --events FILE`, parsed. */
  type WatchEvent = WatchStartEvent | WatchStatsEvent | WatchLeakEvent | WatchWarningEvent | WatchExitEvent;

  /** `new memwatch.LeakWatch()`: a memwatch object of one's own. */
  interface LeakWatchConstructor {
    new (): LeakWatch;
    readonly prototype: LeakWatch;
  }
}

/** The memwatch object, with the LeakWatch class for programs that want their own. */
declare const leakwatch: leakwatch.LeakWatch & {
  LeakWatch: leakwatch.LeakWatchConstructor;
  /**
   * Calls `fn` (sync or async) in rounds, with full GCs between them, and rejects with a
   * LeakError when objects of a class it makes outlive its calls round after round; resolves with
   * a report otherwise. A TypeError for a non-function or bad options; `fn`'s own error as it is.
   */
  assertNoLeak(fn: () => unknown, options?: leakwatch.LeakTestOptions): Promise<leakwatch.LeakTestReport>;
  LeakError: leakwatch.LeakErrorConstructor;
  /**
   * memlab's three-snapshot method in this process: a snapshot, `action`, a snapshot, `back`, a
   * final snapshot; resolves to the objects `action` allocated that the final one still holds,
   * grouped by class and retainer-path shape, as `leakwatch find-leaks` groups them.
   */
  findLeaks(options: leakwatch.FindLeaksOptions): Promise<leakwatch.FoundLeaks>;
};

export = leakwatch;
