'use strict';
// The dashboard page: follows the server's event stream (/events), draws the charts with uPlot,
// fills the panels and the culprit table, and sends the actions (POST /api/...).
//
// State lives in one object; events only update it and mark what changed, and drawing happens
// once per animation frame, so a burst of GC events costs one redraw.

(() => {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const $ = (id) => document.getElementById(id);

  const MAX_GCS = 5000;
  // HeapDiff rows shown: the classes that grew most; the long tail is noise.
  const DIFF_ROWS_SHOWN = 15;

  const state = {
    windowMs: 10 * 60_000,
    samples: [],
    stats: [],
    gcs: [],
    leaks: [],
    status: null,
    diff: null,
    controls: {},
    selectedRow: null,
    leakMarkersDrawn: 0,
  };

  // --- formatting --------------------------------------------------------------------------

  const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

  /** Bytes for people: "12.3 MB"; with a sign when `signed`. */
  function bytes(n, signed = false) {
    if (n === null || n === undefined || !Number.isFinite(n)) return '–';
    let value = Math.abs(n);
    let unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit += 1;
    }
    const text = `${value.toFixed(unit === 0 ? 0 : 1)} ${UNITS[unit]}`;
    if (n < 0) return `−${text}`;
    return signed && n > 0 ? `+${text}` : text;
  }

  function count(n) {
    return n === null || n === undefined ? '' : Number(n).toLocaleString('en');
  }

  function siteText(site) {
    if (!site) return '';
    const file = site.url || site.file;
    const where = file ? `${file}:${site.line}:${site.column}` : '';
    return site.function ? `${site.function} ${where}`.trim() : where;
  }

  // --- charts ------------------------------------------------------------------------------

  const COLORS = { used: '#2f6fdf', base: '#d33a2c', estimated: '#7a4fd6', external: '#2d8a4e', leak: '#c2188c' };

  /** The time axis of both charts: the samples kept, up to the window. */
  function xRange() {
    const { samples } = state;
    const last = samples.length ? samples[samples.length - 1].t : Date.now();
    const first = samples.length ? Math.max(samples[0].t, last - state.windowMs) : last - 60_000;
    return [first / 1000, Math.max(last, first + 10_000) / 1000];
  }

  // Tick steps in round binary units, so the byte axis reads 8 MB, 16 MB rather than 9.5 MB.
  const BYTE_STEPS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].flatMap((n) => [n * 1024, n * 1024 ** 2, n * 1024 ** 3]).sort((a, b) => a - b);

  function byteAxis() {
    return { size: 70, incrs: BYTE_STEPS, values: (u, values) => values.map((v) => bytes(v)) };
  }

  /** Draws a vertical line at every leak report in view. */
  function leakMarkers() {
    return {
      hooks: {
        draw: [
          (u) => {
            const { ctx, bbox } = u;
            const { min, max } = u.scales.x;
            let drawn = 0;
            ctx.save();
            ctx.strokeStyle = COLORS.leak;
            ctx.fillStyle = COLORS.leak;
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
            for (const leak of state.leaks) {
              const x = leak.t / 1000;
              if (x < min || x > max) continue;
              const left = Math.round(u.valToPos(x, 'x', true));
              ctx.beginPath();
              ctx.moveTo(left, bbox.top);
              ctx.lineTo(left, bbox.top + bbox.height);
              ctx.stroke();
              ctx.fillText('leak', left + 4 * devicePixelRatio, bbox.top + 12 * devicePixelRatio);
              drawn += 1;
            }
            ctx.restore();
            state.leakMarkersDrawn = drawn;
          },
        ],
      },
    };
  }

  function chartWidth(el) {
    return Math.max(300, el.clientWidth - 10);
  }

  function lineSeries(label, stroke, extra = {}) {
    return { label, stroke, width: 1.5, spanGaps: true, points: { show: false }, value: (u, v) => bytes(v), ...extra };
  }

  /** A chart over the dashboard's time axis; its cursor follows the other chart's. */
  function timeChart(el, height, series, yAxis, plugins = []) {
    const chart = new uPlot(
      {
        width: chartWidth(el),
        height,
        cursor: { sync: { key: 'leakwatch' } },
        scales: { x: { time: true, range: () => xRange() } },
        series: [{}, ...series],
        axes: [{}, yAxis],
        plugins,
      },
      [[], ...series.map(() => [])],
      el,
    );
    window.addEventListener('resize', () => chart.setSize({ width: chartWidth(el), height }));
    return chart;
  }

  const memoryChart = timeChart(
    $('memory-chart'),
    280,
    [
      lineSeries('heap used', COLORS.used),
      lineSeries('heap after full GC', COLORS.base, { width: 2, points: { show: true, size: 6 } }),
      lineSeries('estimated base', COLORS.estimated, { dash: [6, 4] }),
      lineSeries('external', COLORS.external),
    ],
    byteAxis(),
    [leakMarkers()],
  );

  function pointSeries(label, stroke, size) {
    return { label, stroke, fill: stroke, paths: () => null, points: { show: true, size, fill: stroke }, value: (u, v) => (v === null ? '–' : `${v.toFixed(2)} ms`) };
  }

  const gcChart = timeChart(
    $('gc-chart'),
    140,
    [pointSeries('minor', '#8aa9e6', 4), pointSeries('incremental / other', '#b59be8', 5), pointSeries('full', COLORS.base, 8)],
    { size: 70, values: (u, values) => values.map((v) => `${v} ms`) },
  );

  /** One time axis for samples (every 333 ms) and post-GC figures (at each full GC). */
  function memoryData() {
    const { samples, stats } = state;
    const xs = [];
    const used = [];
    const base = [];
    const estimated = [];
    const external = [];
    let i = 0;
    let j = 0;
    while (i < samples.length || j < stats.length) {
      if (j >= stats.length || (i < samples.length && samples[i].t <= stats[j].t)) {
        const s = samples[i++];
        xs.push(s.t / 1000);
        used.push(s.heap_used);
        external.push(s.external);
        base.push(null);
        estimated.push(null);
      } else {
        const s = stats[j++];
        xs.push(s.t / 1000);
        used.push(null);
        external.push(null);
        base.push(s.current_base);
        estimated.push(s.estimated_base);
      }
    }
    return [xs, used, base, estimated, external];
  }

  const GC_COLUMN = { minor: 1, major: 3 };

  function gcData() {
    const columns = [[], [], [], []];
    for (const gc of state.gcs) {
      columns[0].push(gc.t / 1000);
      const column = GC_COLUMN[gc.kind] || 2;
      for (let c = 1; c < 4; c++) columns[c].push(c === column ? gc.duration_ms : null);
    }
    return columns;
  }

  // --- panels and table --------------------------------------------------------------------

  function fillFields(container, values, format) {
    for (const dd of container.querySelectorAll('dd[data-field]')) {
      const field = dd.dataset.field;
      if (values && field in values) dd.textContent = format(field, values[field]);
    }
  }

  function formatGcField(field, value) {
    if (field === 'usage_trend') return `${value > 0 ? '+' : ''}${value}%`;
    if (field.startsWith('num_') || field === 'heap_compactions') return count(value);
    return bytes(value);
  }

  /** What growth of each memory most likely is, beside its name in the detector panel. */
  const MEMORY_KINDS = {
    heap: 'heap (JS objects)',
    external: 'external (Buffers, ArrayBuffers)',
    native: 'native (malloc in use: an addon or library)',
    rss: 'rss (mmap, thread stacks, code)',
  };

  function formatStatusField(field, value) {
    if (field === 'memory') return MEMORY_KINDS[value] ?? '–';
    if (field === 'rate_bytes_per_second') return value ? `${bytes(value, true)}/s (${bytes(value * 3600, true)}/h)` : '–';
    if (field === 'leaks_total') return count(value);
    return value ?? '–';
  }

  function drawPanels() {
    fillFields($('gc-panel'), state.stats[state.stats.length - 1], formatGcField);
    fillFields($('memory-panel'), state.samples[state.samples.length - 1], (field, value) => bytes(value));
    const status = state.status;
    if (!status) return;
    fillFields($('detector-panel'), status, formatStatusField);
    $('detector-pill').dataset.state = status.state;
    $('detector-pill').textContent = status.state === 'leak' ? `leak (${status.memory})` : status.state;
    const lastLeak = state.leaks[state.leaks.length - 1];
    $('last-leak').textContent = lastLeak ? lastLeak.reason : '';
  }

  /** The culprit rows: the latest leak report's suspects, then the latest HeapDiff's classes. */
  function culpritRows() {
    const rows = [];
    const leak = state.leaks[state.leaks.length - 1];
    for (const suspect of (leak && leak.suspects) || []) {
      rows.push({
        from: 'leak',
        what: suspect.class || '(class unknown)',
        plus: suspect.count,
        minus: null,
        shallow: null,
        retained: suspect.bytes,
        site: suspect.site,
        path: suspect.path,
        heldBy: suspect.held_by || null,
      });
    }
    for (const row of ((state.diff && state.diff.rows) || []).slice(0, DIFF_ROWS_SHOWN)) {
      rows.push({
        from: 'diff',
        what: row.what,
        plus: row['+'],
        minus: row['-'],
        shallow: row.size_bytes,
        retained: row.retained_size_bytes,
        site: row.site || null,
        path: row.retainers || null,
        heldBy: row.held_by || null,
      });
      // New objects of the class held in more than one way: one line for each way.
      const groups = row.groups || [];
      if (groups.length < 2) continue;
      for (const group of groups) {
        rows.push({
          from: 'diff',
          what: `  ${row.what} like @${group.example_id}`,
          plus: group.count,
          minus: null,
          shallow: null,
          retained: group.retained_size_bytes,
          site: null,
          path: group.retainers || null,
        });
      }
    }
    return rows;
  }

  function cell(tr, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    tr.appendChild(td);
  }

  function drawCulprits() {
    const rows = culpritRows();
    const body = $('culprits').querySelector('tbody');
    body.replaceChildren();
    rows.forEach((row, index) => {
      const tr = document.createElement('tr');
      tr.dataset.from = row.from;
      tr.dataset.class = row.what;
      cell(tr, row.from);
      cell(tr, row.what);
      cell(tr, row.plus === null ? '' : `+${count(row.plus)}`, 'num');
      cell(tr, row.minus ? `−${count(row.minus)}` : row.minus === 0 ? '0' : '', 'num');
      cell(tr, row.shallow === null ? '' : bytes(row.shallow, true), 'num');
      cell(tr, row.retained === null ? '' : bytes(row.retained, true), 'num');
      cell(tr, siteText(row.site), 'site');
      cell(tr, row.heldBy || '', 'held-by');
      tr.addEventListener('click', () => showCulprit(row, tr, index));
      if (index === state.selectedRow) tr.classList.add('selected');
      body.appendChild(tr);
    });
    $('culprits-empty').hidden = rows.length > 0;
    const parts = [];
    const leak = state.leaks[state.leaks.length - 1];
    if (leak) parts.push(`leak at ${new Date(leak.t).toLocaleTimeString()}`);
    if (state.diff) parts.push(`HeapDiff ${new Date(state.diff.started).toLocaleTimeString()} → ${new Date(state.diff.t).toLocaleTimeString()}, ${bytes(state.diff.size_bytes, true)}`);
    $('culprits-source').textContent = parts.length ? `(${parts.join('; ')})` : '';
  }

  function showCulprit(row, tr, index) {
    state.selectedRow = index;
    for (const selected of $('culprits').querySelectorAll('tr.selected')) selected.classList.remove('selected');
    tr.classList.add('selected');
    const lines = [];
    if (row.heldBy) lines.push(`Held by: ${row.heldBy}\n`);
    lines.push(row.path ? `Retainer path:\n  ${row.path}` : 'No retainer path was recorded for this row.');
    if (row.site) {
      lines.push(`\nAllocated at: ${siteText(row.site)}`);
      for (const frame of row.site.stack || []) lines.push(`  ${frame}`);
    }
    $('detail-title').textContent = `${row.what} (${row.from === 'leak' ? 'leak suspect' : 'HeapDiff'})`;
    $('detail-body').textContent = lines.join('\n');
    $('culprit-detail').hidden = false;
  }

  function drawControls() {
    const container = $('controls');
    for (const [name, control] of Object.entries(state.controls)) {
      let button = container.querySelector(`button[data-control="${CSS.escape(name)}"]`);
      if (!button) {
        button = document.createElement('button');
        button.type = 'button';
        button.dataset.control = name;
        button.addEventListener('click', () => act(button, `/api/controls/${encodeURIComponent(name)}`, { on: !state.controls[name].on }));
        container.appendChild(button);
      }
      button.textContent = `${control.label}: ${control.on ? 'on' : 'off'}`;
      button.setAttribute('aria-pressed', String(control.on));
    }
  }

  // --- drawing, once per frame ---------------------------------------------------------------

  const dirty = new Set();
  let frame = 0;

  function changed(...what) {
    for (const w of what) dirty.add(w);
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function draw() {
    frame = 0;
    if (dirty.has('memory')) memoryChart.setData(memoryData());
    if (dirty.has('gcs') || dirty.has('memory')) gcChart.setData(gcData());
    if (dirty.has('panels')) drawPanels();
    if (dirty.has('culprits')) drawCulprits();
    if (dirty.has('controls')) drawControls();
    dirty.clear();
  }

  // --- the event stream ----------------------------------------------------------------------

  function trim(list, max = Infinity) {
    const last = list.length ? list[list.length - 1].t : 0;
    let drop = 0;
    while (drop < list.length && (list.length - drop > max || list[drop].t < last - state.windowMs)) drop += 1;
    if (drop) list.splice(0, drop);
  }

  /** Adds an event that may arrive a little out of order (a GC's end time is before its report). */
  function insertByTime(list, item) {
    let i = list.length;
    while (i > 0 && list[i - 1].t > item.t) i -= 1;
    list.splice(i, 0, item);
  }

  const handlers = {
    hello(hello) {
      state.windowMs = hello.windowMs || state.windowMs;
      state.controls = hello.controls || {};
      $('title').textContent = hello.title || '';
      document.title = `leakwatch – ${hello.title || 'dashboard'}`;
      changed('controls');
    },
    history({ series, latest }) {
      state.samples = series.sample.slice();
      state.stats = series.stats.slice();
      state.gcs = series.gc.slice();
      state.leaks = series.leak.slice();
      state.status = latest.status || null;
      state.diff = latest.diff || null;
      if (latest.controls) state.controls = latest.controls;
      if (latest.processes) handlers.processes(latest.processes);
      changed('memory', 'gcs', 'panels', 'culprits', 'controls');
    },
    sample(sample) {
      state.samples.push(sample);
      trim(state.samples);
      changed('memory', 'panels');
    },
    stats(stats) {
      insertByTime(state.stats, stats);
      trim(state.stats);
      changed('memory', 'panels');
    },
    gc(gc) {
      insertByTime(state.gcs, gc);
      trim(state.gcs, MAX_GCS);
      changed('gcs');
    },
    leak(leak) {
      state.leaks.push(leak);
      changed('memory', 'panels', 'culprits');
    },
    status(status) {
      state.status = status;
      changed('panels');
    },
    diff(diff) {
      state.diff = diff;
      state.selectedRow = null;
      changed('culprits');
    },
    controls(controls) {
      state.controls = controls;
      changed('controls');
    },
    // Under `leakwatch watch`, every watched process has a dashboard of its own: a picker of them.
    processes(processes) {
      const picker = $('processes');
      picker.replaceChildren(...processes.map((process) => {
        const option = document.createElement('option');
        option.value = process.url;
        option.textContent = `pid ${process.pid}: ${process.command}`;
        option.selected = process.current;
        return option;
      }));
      picker.hidden = processes.length < 2;
    },
  };
  $('processes').addEventListener('change', (event) => {
    window.location.assign(event.currentTarget.value);
  });

  const streamUrl = token ? `/events?token=${encodeURIComponent(token)}` : '/events';
  const stream = new EventSource(streamUrl);
  for (const [type, handle] of Object.entries(handlers)) {
    stream.addEventListener(type, (event) => handle(JSON.parse(event.data)));
  }
  stream.addEventListener('open', () => {
    $('connection').dataset.state = 'live';
    $('connection').textContent = 'live';
  });
  stream.addEventListener('error', () => {
    $('connection').dataset.state = 'lost';
    $('connection').textContent = 'reconnecting';
  });

  // --- actions -------------------------------------------------------------------------------

  function showError(message) {
    $('error').textContent = message;
    $('error').hidden = !message;
  }

  /** POSTs an action; the button is disabled while it runs. */
  async function act(button, path, body = {}) {
    button.disabled = true;
    try {
      const headers = { 'content-type': 'application/json' };
      if (token) headers['x-leakwatch-token'] = token;
      const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
      const reply = await res.json();
      if (!res.ok) throw new Error(reply.error || `HTTP ${res.status}`);
      showError('');
      return reply.result;
    } catch (err) {
      showError(`${path}: ${err.message}`);
      return undefined;
    } finally {
      button.disabled = false;
    }
  }

  $('force-gc').addEventListener('click', (event) => act(event.currentTarget, '/api/gc'));
  $('take-diff').addEventListener('click', (event) => act(event.currentTarget, '/api/diff'));

  // For people poking at the page from the console, and for the browser test.
  window.leakwatchDashboard = { state, memoryChart, gcChart };
})();
