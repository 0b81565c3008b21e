// Compiled (never run) by test/types.test.js: node-memwatch-style code must type-check against
// index.d.ts, and misuse must not.
import memwatch = require('../..');

memwatch.on('stats', (stats) => {
  const base: number = stats.current_base;
  const trend: number = stats.usage_trend;
  const spaces: Record<string, number> = stats.heap_spaces;
  const ns: number = stats.gcMarkSweepCompactTime + stats.gc_time;
  void [base, trend, spaces, ns, stats.gc_ts, stats.external_memory, stats.array_buffers];
});

memwatch.once('leak', (info) => {
  const when: Date = info.start;
  const growth: number = info.growth;
  const reason: string = info.reason;
  const memory: 'heap' | 'external' | 'native' | 'rss' = info.memory;
  void [when, info.end, growth, reason, memory, info.rate_per_hour, info.heap_spaces, info.confidence];
  const top = info.suspects[0];
  if (top) {
    const where: string | undefined = top.site?.file;
    const name: string | null = top.class;
    void [where, name, top.site?.stack.join('\n'), top.path, top.bytes, top.count];
  }
});

memwatch.on('gc', (gc) => void [gc.kind === 'major', gc.duration_ms, gc.used_after]);
const status = memwatch.leakStatus();
const state: 'idle' | 'suspect' | 'leak' = status.state;
void [state, status.rate_bytes_per_second, status.last_leak?.suspects];

memwatch.on('error', (err) => console.error(err.message));
memwatch.on('something-else', (...args: unknown[]) => void args);

memwatch.gc();
memwatch.configure({ leak: { minWindowMs: 20_000, minGrowth: 1 << 20, heapDiff: 'auto', samplingInterval: 'auto' } }).stop();
// @ts-expect-error: heapDiff is 'auto' or a boolean
memwatch.configure({ leak: { heapDiff: 'sometimes' } });

const hd = new memwatch.HeapDiff();
const diff = hd.end();
const top = diff.change.details[0];
const added: number = top['+'];
const what: string = top.what;
void [added, what, diff.before.nodes, diff.after.size, diff.change.freed_nodes, top.retained_size_bytes];

async function later(): Promise<number> {
  const d = await new memwatch.HeapDiff({ method: 'inspector' }).endAsync({ retainers: 3 });
  void d.change.details[0]?.retainers;
  return d.change.allocated_nodes;
}
void later;

async function serve(): Promise<string> {
  let leaking = false;
  const dashboard = await memwatch.dashboard({
    port: 0,
    controls: { leak: { label: 'Leak', get: () => leaking, set: (on) => void (leaking = on) } },
  });
  await dashboard.close();
  return dashboard.url + dashboard.token;
}
void serve;

const own = new memwatch.LeakWatch();
own.off('stats', () => {});

// @ts-expect-error: Stats has no such field
memwatch.on('stats', (stats) => void stats.no_such_field);
// @ts-expect-error: unknown leak option
memwatch.configure({ leak: { window: 5 } });
// @ts-expect-error: end() returns a HeapDiffResult, not a promise
void hd.end().then;
// @ts-expect-error: a control needs get() and set()
void memwatch.dashboard({ controls: { leak: { label: 'Leak' } } });
// @ts-expect-error: only 'stream' and 'inspector'
new memwatch.HeapDiff({ method: 'file' });

async function leakTest(): Promise<number> {
  try {
    const report = await memwatch.assertNoLeak(async () => {}, { calls: 16, timeout: 10_000 });
    return report.growth.reduce((n, g) => n + g.per_call.objects, report.calls * report.rounds);
  } catch (err) {
    if (err instanceof memwatch.LeakError) {
      const [first] = err.leaks;
      return first.per_call.bytes + first.rounds.length + (first.site?.line ?? 0) + (first.class?.length ?? 0);
    }
    throw err;
  }
}
void leakTest;
// @ts-expect-error: no such option
void memwatch.assertNoLeak(() => {}, { iterations: 5 });

async function threeSnapshots(): Promise<number> {
  const found = await memwatch.findLeaks({ action: () => {}, back: async () => {}, repeat: 2 });
  const [top] = found.groups;
  return found.still_alive + (top ? top.count + top.retained_size + top.example_id + top.shape.length + (top.path?.length ?? 0) : 0);
}
void threeSnapshots;
// @ts-expect-error: back is required
void memwatch.findLeaks({ action: () => {} });
