// @ts-check
'use strict';
// Prometheus text exposition format, version 0.0.4: a HELP and a TYPE line per family, then one
// line per sample. https://prometheus.io/docs/instrumenting/exposition_formats/

/** The Content-Type to serve metricsText() with. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// HELP text escapes backslash and newline; label values also escape the double quote.
function escapeHelp(text) {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value) {
  return escapeHelp(String(value)).replace(/"/g, '\\"');
}

/** A sample value as Prometheus writes it: integers plainly, infinities as +Inf / -Inf. */
function formatValue(value) {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

function formatSample({ name, labels, value }) {
  const pairs = Object.entries(labels).map(([key, v]) => `${key}="${escapeLabelValue(v)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`;
}

/** The text exposition of `families` (each `{name, help, type, read()}` as lib/export/metrics.js makes them). */
function metricsText(families) {
  const lines = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.read()) lines.push(formatSample(sample));
  }
  return `${lines.join('\n')}\n`;
}

module.exports = { metricsText, CONTENT_TYPE };
