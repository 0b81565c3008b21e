// Type checks of the production features: metrics, prom-client, OpenTelemetry, snapshot on leak.
import memwatch = require('../..');
import client = require('prom-client');
import { metrics } from '@opentelemetry/api';

const text: string = memwatch.metrics();
const added = memwatch.registerMetrics(client.register);
const names: string[] = [...added.registered, ...added.skipped];
added.unregister();
const stopOtel: () => void = memwatch.registerOtel(metrics.getMeter('service'));
stopOtel();
memwatch.registerOtel(metrics.getMeter('service'), { heapLimit: 'per-space' })();
// @ts-expect-error: heapLimit is 'heap' or 'per-space'
memwatch.registerOtel(metrics.getMeter('service'), { heapLimit: 'space' });

memwatch.configure({ snapshotOnLeak: { dir: '/var/tmp/heap', maxFiles: 3 } });
memwatch.configure({ snapshotOnLeak: null });
memwatch.on('leak', (info) => {
  const file: string | null | undefined = info.snapshot;
  void file;
});
memwatch.on('warning', (warning) => void warning.code.toLowerCase());
void [text, names];

// @ts-expect-error: dir is required
memwatch.configure({ snapshotOnLeak: { maxFiles: 3 } });
// @ts-expect-error: not a registry
memwatch.registerMetrics({});
