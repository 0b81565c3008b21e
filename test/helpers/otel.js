'use strict';
// An OpenTelemetry meter read back through the real metrics SDK: an in-memory exporter behind a
// periodic reader whose exports happen only when collect() flushes.

const assert = require('node:assert/strict');
const {
  MeterProvider,
  PeriodicExportingMetricReader,
  InMemoryMetricExporter,
  AggregationTemporality,
} = require('@opentelemetry/sdk-metrics');

/** A meter whose readings collect() exports and returns as a Map of name → metric data. */
function inMemoryMeter() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: exports happen only when collect() flushes.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('leakwatch-test'),
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      const byName = new Map();
      for (const resource of exporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The one data point of `metric` whose attributes include `attributes`. */
function point(metric, attributes = {}) {
  const found = metric.dataPoints.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  assert.equal(found.length, 1, `one ${metric.descriptor.name} point with ${JSON.stringify(attributes)}`);
  return found[0];
}

module.exports = { inMemoryMeter, point };
