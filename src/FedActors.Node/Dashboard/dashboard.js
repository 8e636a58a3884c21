// FedActors dashboard: polls the node's JSON API every 2 s and draws four panels as inline SVG.
// No dependencies, no CDN: the page must work on an offline cluster.
//
// DOM contract (read by a headless-browser test, see docs/dashboard.md):
//   every number shown sits in an element with a stable id and data-value = the raw JSON number
//   ("" when the value is null/absent; the text then shows "–"); each panel root gets
//   data-rendered="true" once it has drawn real data; body gets data-loaded="true" after the first
//   refresh in which all three endpoints answered, and data-error while the last refresh failed.
(function () {
  'use strict';

  var REFRESH_MS = 2000;
  var FETCH_TIMEOUT_MS = 8000;
  var ACTIVE_SAMPLES_MAX = 180;            // 6 minutes at 2 s
  var ACTIVE_STORAGE_KEY = 'fedactors.dashboard.activeClients';
  var DASH = '\u2013';                     // "–" for unknown values
  var SVGNS = 'http://www.w3.org/2000/svg';

  var last = { status: null, staleness: null, convergence: null };
  var lastSuccessAt = null;
  var activeSeries = loadActiveSeries();

  // ---------------------------------------------------------------- JSON with raw number text
  // JSON.parse's reviver gets the source text of each primitive in current Chromium
  // (context.source), so data-value can carry the number exactly as the node wrote it. Where that
  // is not supported, String(number) (the shortest round-trip form) is used instead.
  var RAW = new WeakMap();

  function parseJson(text) {
    return JSON.parse(text, function (key, value, context) {
      if (typeof value === 'number' && context && typeof context.source === 'string') {
        var m = RAW.get(this);
        if (!m) { m = new Map(); RAW.set(this, m); }
        m.set(key, context.source);
      }
      return value;
    });
  }

  function raw(holder, key) {
    if (holder === null || holder === undefined) return '';
    var v = holder[key];
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') {
      var m = RAW.get(holder);
      var s = m ? m.get(String(key)) : undefined;
      return s !== undefined ? s : String(v);
    }
    return String(v);
  }

  function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }

  // ---------------------------------------------------------------- formatting
  var intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

  function fmtNum(v, digits) {
    if (typeof v !== 'number' || !isFinite(v)) return DASH;
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return intFmt.format(v);
    var d = digits === undefined ? 4 : digits;
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e7)) return v.toExponential(2);
    return String(Number(v.toFixed(a >= 100 ? 1 : d)));
  }

  function fmtPct(v) {
    if (typeof v !== 'number' || !isFinite(v)) return DASH;
    return (v * 100).toFixed(1) + '%';
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  function fmtClock(ms, withSeconds) {
    var d = new Date(ms);
    var s = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
    return withSeconds === false ? s : s + ':' + pad2(d.getSeconds());
  }

  function fmtDateTime(ms) {
    var d = new Date(ms);
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + fmtClock(ms);
  }

  function fmtAgo(ms) {
    var s = Math.round((Date.now() - ms) / 1000);
    if (s < -5) return 'in the future (clock skew)';
    if (s < 1) return 'just now';
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }

  // ---------------------------------------------------------------- DOM helpers
  function byId(id) { return document.getElementById(id); }

  // Sets the shown text and the raw data-value of a contract element.
  function setValue(id, rawText, shownText) {
    var e = byId(id);
    if (!e) return;
    e.setAttribute('data-value', rawText);
    e.textContent = rawText === '' ? DASH : (shownText === undefined ? rawText : shownText);
  }

  // A number field of a JSON object: data-value is the raw JSON text, the text is formatted.
  function setField(id, holder, key, formatter) {
    var r = raw(holder, key);
    var v = holder ? holder[key] : null;
    setValue(id, r, r === '' ? DASH : (formatter ? formatter(v) : fmtNum(v)));
  }

  // A number the page computed (sum, count, rate).
  function setComputed(id, v, formatter) {
    if (typeof v !== 'number' || !isFinite(v)) { setValue(id, ''); return; }
    setValue(id, String(v), formatter ? formatter(v) : fmtNum(v));
  }

  function setRendered(panelId, rendered) {
    var p = byId(panelId);
    if (p) p.setAttribute('data-rendered', rendered ? 'true' : 'false');
  }

  function svgEl(tag, attrs, parent, text) {
    var e = document.createElementNS(SVGNS, tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function tooltip(e, text) { svgEl('title', null, e, text); return e; }

  // ---------------------------------------------------------------- chart primitives
  var W = 560, H = 230;
  var M = { left: 50, right: 50, top: 14, bottom: 36 };

  function newSvg(containerId, label) {
    var c = byId(containerId);
    while (c.firstChild) c.removeChild(c.firstChild);
    var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': label }, c);
    return svg;
  }

  function emptyChart(containerId, label, message) {
    var svg = newSvg(containerId, label);
    svgEl('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', 'class': 'empty' }, svg, message);
    return svg;
  }

  // "Nice" axis ticks covering [min, max].
  function niceScale(min, max, count) {
    if (!isFinite(min) || !isFinite(max)) { min = 0; max = 1; }
    if (min === max) {
      if (min === 0) { max = 1; } else { var d = Math.abs(min) * 0.1; min -= d; max += d; }
    }
    var span = max - min;
    var rough = span / Math.max(1, count);
    var mag = Math.pow(10, Math.floor(Math.log10(rough)));
    var n = rough / mag;
    var step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
    var lo = Math.floor(min / step + 1e-9) * step;
    var hi = Math.ceil(max / step - 1e-9) * step;
    var ticks = [];
    for (var t = lo; t <= hi + step * 1e-6; t += step) ticks.push(Number(t.toPrecision(12)));
    return { min: lo, max: hi, ticks: ticks };
  }

  function tickLabel(v) {
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(1);
    return String(Number(v.toPrecision(6)));
  }

  function plotBox() {
    return { x0: M.left, x1: W - M.right, y0: H - M.bottom, y1: M.top };
  }

  // Horizontal grid lines and y tick labels on the left or right side.
  function yAxis(svg, box, scale, side, label) {
    var g = svgEl('g', { 'class': 'axis' }, svg);
    var toY = function (v) { return box.y0 - (v - scale.min) / (scale.max - scale.min) * (box.y0 - box.y1); };
    scale.ticks.forEach(function (t) {
      var y = toY(t);
      if (side === 'left') svgEl('line', { x1: box.x0, x2: box.x1, y1: y, y2: y, 'class': 'gridline' }, g);
      svgEl('text', {
        x: side === 'left' ? box.x0 - 6 : box.x1 + 6, y: y + 4,
        'text-anchor': side === 'left' ? 'end' : 'start', 'class': 'tick'
      }, g, tickLabel(t));
    });
    if (label) {
      var x = side === 'left' ? 12 : W - 8;
      svgEl('text', {
        x: x, y: (box.y0 + box.y1) / 2, 'text-anchor': 'middle', 'class': 'axis-label',
        transform: 'rotate(-90 ' + x + ' ' + (box.y0 + box.y1) / 2 + ')'
      }, g, label);
    }
    return toY;
  }

  function xBaseline(svg, box, label) {
    var g = svgEl('g', { 'class': 'axis' }, svg);
    svgEl('line', { x1: box.x0, x2: box.x1, y1: box.y0, y2: box.y0 }, g);
    if (label) svgEl('text', { x: (box.x0 + box.x1) / 2, y: H - 4, 'text-anchor': 'middle', 'class': 'axis-label' }, g, label);
    return g;
  }

  function xTick(g, x, box, text) {
    svgEl('line', { x1: x, x2: x, y1: box.y0, y2: box.y0 + 4 }, g);
    svgEl('text', { x: x, y: box.y0 + 16, 'text-anchor': 'middle', 'class': 'tick' }, g, text);
  }

  // Every k-th label so that at most `maxLabels` are written.
  function labelStride(n, maxLabels) { return Math.max(1, Math.ceil(n / maxLabels)); }

  function legend(svg, items) {
    var x = M.left + 4;
    items.forEach(function (it) {
      svgEl('rect', { x: x, y: 2, width: 10, height: 3, 'class': 'legend-swatch ' + it.cls }, svg);
      var t = svgEl('text', { x: x + 14, y: 8, 'class': 'legend' }, svg, it.label);
      x += 22 + it.label.length * 6.2;
      return t;
    });
  }

  // Bar chart over categories. bars: [{label, value, tip, attrs}]
  function barChart(containerId, label, bars, xLabel, yLabel) {
    var svg = newSvg(containerId, label);
    var box = plotBox();
    var maxV = 0;
    bars.forEach(function (b) { if (b.value > maxV) maxV = b.value; });
    var scale = niceScale(0, maxV, 4);
    var toY = yAxis(svg, box, scale, 'left', yLabel);
    var g = xBaseline(svg, box, xLabel);
    var slot = (box.x1 - box.x0) / bars.length;
    var bw = Math.max(1, Math.min(48, slot * 0.78));
    var longest = 1;
    bars.forEach(function (b) { if (b.label.length > longest) longest = b.label.length; });
    var stride = labelStride(bars.length, Math.max(2, Math.floor((box.x1 - box.x0) / (longest * 6.5 + 14))));
    var showValues = bars.length <= 16 && slot >= 24;
    var gb = svgEl('g', { 'class': 'bars' }, svg);
    bars.forEach(function (b, i) {
      var cx = box.x0 + slot * (i + 0.5);
      var y = toY(b.value);
      var h = Math.max(b.value > 0 ? 1.5 : 0, box.y0 - y);   // a non-zero bar stays visible
      var attrs = { x: cx - bw / 2, y: box.y0 - h, width: bw, height: h, 'class': 'bar' };
      if (b.attrs) for (var k in b.attrs) attrs[k] = b.attrs[k];
      tooltip(svgEl('rect', attrs, gb), b.tip);
      if (showValues && b.value > 0) {
        svgEl('text', { x: cx, y: box.y0 - h - 4, 'text-anchor': 'middle', 'class': 'tick' }, gb, b.valueLabel || fmtNum(b.value, 2));
      }
      if (i % stride === 0) xTick(g, cx, box, b.label);
    });
    return svg;
  }

  // Line chart on a numeric x axis. series: [{label, cls, axis:'left'|'right', points:[{x, y, tip, attrs}]}]
  function lineChart(containerId, label, opts) {
    var svg = newSvg(containerId, label);
    var box = plotBox();
    var xs = [];
    opts.series.forEach(function (s) { s.points.forEach(function (p) { xs.push(p.x); }); });
    var xMin = Math.min.apply(null, xs), xMax = Math.max.apply(null, xs);
    if (opts.xMin !== undefined) xMin = Math.min(xMin, opts.xMin);
    if (opts.xMax !== undefined) xMax = Math.max(xMax, opts.xMax);
    if (xMin === xMax) { xMin -= 1; xMax += 1; }
    var toX = function (x) { return box.x0 + (x - xMin) / (xMax - xMin) * (box.x1 - box.x0); };

    var sides = { left: null, right: null };
    ['left', 'right'].forEach(function (side) {
      var vals = [];
      opts.series.forEach(function (s) { if (s.axis === side) s.points.forEach(function (p) { vals.push(p.y); }); });
      if (!vals.length) return;
      var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
      var fixed = opts[side + 'Range'];
      if (fixed) { lo = Math.min(lo, fixed[0]); hi = Math.max(hi, fixed[1]); }
      if (opts[side + 'FromZero']) lo = Math.min(0, lo);
      sides[side] = yAxis(svg, box, niceScale(lo, hi, 4), side, opts[side + 'Label']);
    });
    if (!sides.left && sides.right) {
      // Grid lines come from the left axis; draw them for a right-only chart too.
      svgEl('line', { x1: box.x0, x2: box.x1, y1: box.y1, y2: box.y1, 'class': 'gridline' }, svg);
    }

    var g = xBaseline(svg, box, opts.xLabel);
    (opts.xTicks || []).forEach(function (t) { xTick(g, toX(t.x), box, t.label); });

    opts.series.forEach(function (s) {
      var toY = sides[s.axis];
      if (!toY || !s.points.length) return;
      var gs = svgEl('g', { 'class': 'series-group', 'data-series': s.key || s.label }, svg);
      if (s.area && s.points.length > 1) {
        var a = 'M' + toX(s.points[0].x) + ',' + box.y0;
        s.points.forEach(function (p) { a += ' L' + toX(p.x) + ',' + toY(p.y); });
        a += ' L' + toX(s.points[s.points.length - 1].x) + ',' + box.y0 + ' Z';
        svgEl('path', { d: a, 'class': 'area' }, gs);
      }
      var d = '';
      s.points.forEach(function (p, i) {
        var cmd = (i === 0 || p.gapBefore) ? 'M' : 'L';
        d += (d ? ' ' : '') + cmd + toX(p.x).toFixed(2) + ',' + toY(p.y).toFixed(2);
      });
      svgEl('path', { d: d, 'class': 'series ' + s.cls }, gs);
      if (s.points.length <= 60 || s.dots) {
        var r = s.points.length > 30 ? 2 : 3;
        s.points.forEach(function (p) {
          var attrs = { cx: toX(p.x).toFixed(2), cy: toY(p.y).toFixed(2), r: r, 'class': 'dot ' + s.cls };
          if (p.attrs) for (var k in p.attrs) attrs[k] = p.attrs[k];
          tooltip(svgEl('circle', attrs, gs), p.tip);
        });
      }
    });
    if (opts.series.length > 1) legend(svg, opts.series.filter(function (s) { return s.points.length; }));
    return svg;
  }

  // Integer-ish ticks across [min, max] for a version axis.
  function versionTicks(min, max) {
    var sc = niceScale(min, max, 6);
    return sc.ticks.filter(function (t) { return t >= min && t <= max && Number.isInteger(t); })
      .map(function (t) { return { x: t, label: 'v' + t }; });
  }

  // Clock ticks across a time range (ms).
  function timeTicks(min, max) {
    var steps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
    var span = (max - min) / 1000;
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) if (span / steps[i] <= 6) { step = steps[i]; break; }
    var ms = step * 1000, out = [];
    for (var t = Math.ceil(min / ms) * ms; t <= max; t += ms) out.push({ x: t, label: fmtClock(t, step < 60) });
    return out;
  }

  // ---------------------------------------------------------------- header strip
  function renderStatus(st) {
    setField('model-version', st, 'model_version');
    setField('durable-version', st, 'durable_version');
    setField('buffer-fill', st, 'buffer_fill');
    setField('buffer-size', st, 'buffer_size');
    var fill = num(st.buffer_fill), size = num(st.buffer_size);
    byId('buffer-meter').style.width = (fill !== null && size) ? Math.min(100, fill / size * 100) + '%' : '0';
    setField('updates-accepted', st, 'updates_accepted');
    setField('updates-rejected', st, 'updates_rejected');

    var reasons = st.updates_rejected_by_reason;
    var parts = [];
    if (reasons && typeof reasons === 'object') {
      Object.keys(reasons).forEach(function (k) { if (reasons[k]) parts.push(k.replace(/_/g, ' ') + ' ' + fmtNum(reasons[k])); });
    }
    var dup = num(st.duplicates_acknowledged);
    if (dup) parts.push('duplicates acked ' + fmtNum(dup));
    var rr = byId('rejected-reasons');
    rr.textContent = parts.join(' · ');
    rr.title = parts.join('\n');

    var at = st.last_aggregation_at;
    var atMs = typeof at === 'string' ? Date.parse(at) : NaN;
    var atEl = byId('last-aggregation-at');
    setValue('last-aggregation-at', at ? String(at) : '', isFinite(atMs) ? fmtDateTime(atMs) : (at ? String(at) : DASH));
    atEl.title = at ? String(at) : '';
    byId('last-aggregation-ago').textContent = isFinite(atMs) ? fmtAgo(atMs) : (at ? '' : 'no aggregation yet');

    var node = st.aggregator_node;
    setValue('aggregator-node', node ? String(node) : '');
    byId('aggregator-node').title = node ? String(node) : '';

    var paused = byId('paused');
    if (typeof st.paused === 'boolean') {
      paused.setAttribute('data-value', String(st.paused));
      paused.textContent = st.paused ? 'paused' : 'running';
      paused.className = 'badge ' + (st.paused ? 'warn' : 'ok');
    } else { paused.setAttribute('data-value', ''); paused.textContent = DASH; paused.className = 'badge'; }

    var circuit = byId('publisher-circuit');
    var c = st.publisher_circuit;
    circuit.setAttribute('data-value', c ? String(c) : '');
    circuit.textContent = c ? 'publisher ' + String(c).toLowerCase() : 'publisher ' + DASH;
    circuit.className = 'badge ' + (c === 'Closed' ? 'ok' : c === 'Open' ? 'bad' : c ? 'warn' : '');

    setValue('strategy', st.strategy ? String(st.strategy) : '', st.strategy ? String(st.strategy).replace(/_/g, ' ') : DASH);
    setField('aggregations', st, 'aggregations');
  }

  // ---------------------------------------------------------------- panel: staleness
  function renderStaleness(sd) {
    var buckets = Array.isArray(sd.buckets) ? sd.buckets.filter(function (b) {
      return b && num(b.staleness) !== null && num(b.count) !== null;
    }) : [];
    buckets.sort(function (a, b) { return a.staleness - b.staleness; });
    var total = 0;
    buckets.forEach(function (b) { total += b.count; });
    setComputed('staleness-count', buckets.length ? total : (num(sd.count) !== null ? 0 : null));
    setField('staleness-mean', sd, 'mean', function (v) { return fmtNum(v, 2); });
    setField('staleness-max', sd, 'max');

    if (!buckets.length) {
      emptyChart('chart-staleness', 'Staleness distribution', 'no updates yet');
      setRendered('panel-staleness', false);
      return;
    }
    // Fill gaps with empty bars when the range is small so the axis reads as a histogram.
    var lo = buckets[0].staleness, hi = buckets[buckets.length - 1].staleness;
    var byS = new Map();
    buckets.forEach(function (b) { byS.set(b.staleness, b); });
    var cats = [];
    if (Number.isInteger(lo) && Number.isInteger(hi) && hi - lo <= 60) {
      for (var s = Math.min(0, lo); s <= hi; s++) cats.push(byS.get(s) || { staleness: s, count: 0 });
    } else cats = buckets;

    barChart('chart-staleness', 'Staleness distribution', cats.map(function (b) {
      var share = total ? ' (' + (b.count / total * 100).toFixed(1) + '%)' : '';
      return {
        label: String(b.staleness), value: b.count,
        tip: 'staleness ' + b.staleness + ': ' + fmtNum(b.count) + ' update' + (b.count === 1 ? '' : 's') + share,
        attrs: { 'data-staleness': raw(b, 'staleness') || String(b.staleness), 'data-count': raw(b, 'count') || String(b.count) }
      };
    }), 'staleness (model versions behind)', 'updates');
    setRendered('panel-staleness', true);
  }

  // ---------------------------------------------------------------- panel: aggregation frequency
  function historyOf(cv) {
    var h = cv && Array.isArray(cv.history) ? cv.history.filter(function (p) { return p && typeof p === 'object'; }) : [];
    return h.slice().sort(function (a, b) { return (num(a.version) || 0) - (num(b.version) || 0); });
  }

  function renderAggregationFrequency(cv) {
    var times = historyOf(cv).map(function (p) { return typeof p.at === 'string' ? Date.parse(p.at) : NaN; })
      .filter(function (t) { return isFinite(t); }).sort(function (a, b) { return a - b; });
    setComputed('aggregation-history-count', times.length);
    if (!times.length) {
      setComputed('aggregations-per-minute', null);
      emptyChart('chart-aggregation-frequency', 'Aggregation frequency', 'no aggregations yet');
      setRendered('panel-aggregation-frequency', false);
      return;
    }
    var first = times[0], lastT = times[times.length - 1], spanS = (lastT - first) / 1000;
    // Mean rate between the first and last aggregation in the history window.
    setComputed('aggregations-per-minute', times.length > 1 && spanS > 0
      ? Number(((times.length - 1) / (spanS / 60)).toPrecision(4)) : null, function (v) { return fmtNum(v, 2); });

    // Bins of a round width: at least 10 s and three mean intervals (so a steady rate reads as a
    // flat line rather than aliasing between 1 and 2 per bin), at most ~40 bins. Each bar is its
    // count scaled to aggregations per minute.
    var widths = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
    var meanGapS = times.length > 1 ? spanS / (times.length - 1) : 0;
    var bin = widths[widths.length - 1];
    for (var i = 0; i < widths.length; i++) {
      if (widths[i] >= 3 * meanGapS && spanS / widths[i] < 40) { bin = widths[i]; break; }
    }
    var binMs = bin * 1000;
    var start = Math.floor(first / binMs) * binMs;
    var n = Math.floor((lastT - start) / binMs) + 1;
    var counts = new Array(n).fill(0);
    times.forEach(function (t) { counts[Math.floor((t - start) / binMs)]++; });
    var perMin = 60 / bin;
    var binText = bin < 60 ? bin + ' s' : (bin < 3600 ? bin / 60 + ' min' : bin / 3600 + ' h');
    barChart('chart-aggregation-frequency', 'Aggregation frequency', counts.map(function (c, k) {
      var t0 = start + k * binMs;
      return {
        label: fmtClock(t0, bin < 60), value: Number((c * perMin).toPrecision(6)),
        tip: fmtDateTime(t0) + ' (+' + binText + '): ' + c + ' aggregation' + (c === 1 ? '' : 's') +
          ' = ' + fmtNum(c * perMin, 2) + ' / min',
        attrs: { 'data-bin-start': new Date(t0).toISOString(), 'data-count': String(c) }
      };
    }), 'time (bins of ' + binText + ')', 'aggregations / min');
    setRendered('panel-aggregation-frequency', true);
  }

  // ---------------------------------------------------------------- panel: convergence
  function renderConvergence(cv) {
    var hist = historyOf(cv).filter(function (p) { return num(p.version) !== null; });
    var hasGlobal = hist.some(function (p) { return num(p.global_loss) !== null || num(p.global_accuracy) !== null; });
    var lossKey = hasGlobal ? 'global_loss' : 'mean_training_loss';
    var accKey = hasGlobal ? 'global_accuracy' : 'mean_training_accuracy';
    var prefix = hasGlobal ? 'global' : 'mean client training';

    var mk = function (key, what) {
      return hist.filter(function (p) { return num(p[key]) !== null; }).map(function (p) {
        return {
          x: p.version, y: p[key],
          tip: 'v' + p.version + ' ' + what + ' ' + fmtNum(p[key]) +
            (num(p.num_clients) !== null ? ' · ' + p.num_clients + ' clients' : '') +
            (num(p.mean_staleness) !== null ? ' · mean staleness ' + fmtNum(p.mean_staleness, 2) : ''),
          attrs: { 'data-version': raw(p, 'version'), 'data-value': raw(p, key) }
        };
      });
    };
    var loss = mk(lossKey, prefix + ' loss');
    var acc = mk(accKey, prefix + ' accuracy');

    var drawn = hist.filter(function (p) { return num(p[lossKey]) !== null || num(p[accKey]) !== null; });
    setComputed('convergence-points', drawn.length);

    var lastAcc = null, lastLoss = null;
    for (var i = hist.length - 1; i >= 0; i--) if (lastAcc === null && num(hist[i].global_accuracy) !== null) lastAcc = hist[i];
    for (var j = hist.length - 1; j >= 0; j--) if (lastLoss === null && num(hist[j][lossKey]) !== null) lastLoss = hist[j];
    setField('last-accuracy', lastAcc, 'global_accuracy', fmtPct);
    setField('last-loss', lastLoss, lossKey);

    var rec = byId('recommendation');
    var r = cv && cv.recommendation;
    while (rec.firstChild) rec.removeChild(rec.firstChild);
    if (r && (r.status || r.message)) {
      rec.setAttribute('data-status', r.status ? String(r.status) : '');
      var st = document.createElement('span');
      st.className = 'status';
      st.textContent = r.status ? String(r.status).replace(/_/g, ' ') : '';
      rec.appendChild(st);
      rec.appendChild(document.createTextNode(r.message ? String(r.message) : ''));
    } else { rec.setAttribute('data-status', ''); rec.textContent = DASH; }

    var panel = byId('panel-convergence');
    panel.setAttribute('data-source', drawn.length ? (hasGlobal ? 'global' : 'training') : '');
    if (!drawn.length) {
      emptyChart('chart-convergence', 'Convergence progress', hist.length
        ? 'no loss or accuracy reported yet' : 'no aggregations yet');
      setRendered('panel-convergence', false);
      return;
    }
    var minV = hist[0].version, maxV = hist[hist.length - 1].version;
    lineChart('chart-convergence', 'Convergence progress', {
      xLabel: 'model version',
      xTicks: versionTicks(minV, maxV),
      leftLabel: loss.length ? 'loss' : undefined,
      rightLabel: acc.length ? 'accuracy' : undefined,
      leftFromZero: true,
      rightRange: [0, 1],
      series: [
        { key: lossKey, label: prefix + ' loss', cls: 's0', axis: loss.length ? 'left' : 'right', points: loss },
        { key: accKey, label: prefix + ' accuracy', cls: 's1', axis: 'right', points: acc }
      ].filter(function (s) { return s.points.length; })
    });
    setRendered('panel-convergence', true);
  }

  // ---------------------------------------------------------------- panel: active clients
  function loadActiveSeries() {
    try {
      var s = JSON.parse(window.sessionStorage.getItem(ACTIVE_STORAGE_KEY) || '[]');
      if (Array.isArray(s)) return s.filter(function (p) { return p && isFinite(p.t); }).slice(-ACTIVE_SAMPLES_MAX);
    } catch (e) { /* storage unavailable: start empty */ }
    return [];
  }

  function saveActiveSeries() {
    try { window.sessionStorage.setItem(ACTIVE_STORAGE_KEY, JSON.stringify(activeSeries)); } catch (e) { /* ignore */ }
  }

  function renderActiveClients(st, sample) {
    setField('active-clients', st, 'active_clients');
    setField('registered-clients', st, 'registered_clients');
    var a = num(st.active_clients), r = num(st.registered_clients);
    setComputed('participation', a !== null && r ? a / r : null, fmtPct);

    if (sample) {
      activeSeries.push({ t: Date.now(), v: a });
      if (activeSeries.length > ACTIVE_SAMPLES_MAX) activeSeries.splice(0, activeSeries.length - ACTIVE_SAMPLES_MAX);
      saveActiveSeries();
    }
    var pts = [], gap = false;
    activeSeries.forEach(function (p) {
      if (p.v === null || !isFinite(p.v)) { gap = true; return; }
      pts.push({ x: p.t, y: p.v, gapBefore: gap, tip: fmtClock(p.t) + ': ' + fmtNum(p.v) + ' active' });
      gap = false;
    });
    var panel = byId('panel-active-clients');
    panel.setAttribute('data-samples', String(pts.length));
    if (!pts.length) {
      emptyChart('chart-active-clients', 'Active clients', 'no samples yet');
      setRendered('panel-active-clients', false);
      return;
    }
    var tMin = pts[0].x, tMax = pts[pts.length - 1].x;
    if (tMax - tMin < 60000) tMin = tMax - 60000;   // show at least a minute
    lineChart('chart-active-clients', 'Active clients', {
      xLabel: 'time (sampled every 2 s, kept in this browser tab)',
      xTicks: timeTicks(tMin, tMax),
      xMin: tMin, xMax: tMax,
      leftLabel: 'clients', leftFromZero: true,
      leftRange: r !== null ? [0, r] : undefined,
      series: [{ key: 'active_clients', label: 'active clients', cls: 's0', axis: 'left', area: true, points: pts, dots: pts.length <= 60 }]
    });
    setRendered('panel-active-clients', true);
  }

  // ---------------------------------------------------------------- refresh loop
  function fetchJson(path) {
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, FETCH_TIMEOUT_MS) : null;
    return fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' }, signal: ctrl ? ctrl.signal : undefined })
      .then(function (res) {
        if (!res.ok) throw new Error(path + ': HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : ''));
        return res.text();
      })
      .then(function (text) {
        try { return parseJson(text); } catch (e) { throw new Error(path + ': invalid JSON (' + e.message + ')'); }
      }, function (e) {
        if (e && e.name === 'AbortError') throw new Error(path + ': timed out after ' + FETCH_TIMEOUT_MS / 1000 + ' s');
        if (e && String(e.message).indexOf(path) === 0) throw e;
        throw new Error(path + ': ' + (e && e.message ? e.message : 'request failed'));
      })
      .finally(function () { if (timer) clearTimeout(timer); });
  }

  function settle(p) {
    return p.then(function (v) { return { ok: true, value: v }; }, function (e) { return { ok: false, error: e }; });
  }

  function safely(errors, what, fn) {
    try { fn(); } catch (e) { errors.push(what + ': render failed (' + (e && e.message) + ')'); if (window.console) console.error(e); }
  }

  function refresh() {
    return Promise.all([settle(fetchJson('/fl/status')), settle(fetchJson('/fl/staleness')), settle(fetchJson('/fl/convergence'))])
      .then(function (rs) {
        var errors = [];
        if (rs[0].ok && rs[0].value) last.status = rs[0].value; else if (!rs[0].ok) errors.push(rs[0].error.message);
        if (rs[1].ok && rs[1].value) last.staleness = rs[1].value; else if (!rs[1].ok) errors.push(rs[1].error.message);
        if (rs[2].ok && rs[2].value) last.convergence = rs[2].value; else if (!rs[2].ok) errors.push(rs[2].error.message);

        // Draw from the newest data we have; a failed endpoint keeps its last answer on screen.
        if (last.status) {
          safely(errors, 'status', function () { renderStatus(last.status); });
          safely(errors, 'active clients', function () { renderActiveClients(last.status, rs[0].ok); });
        }
        if (last.staleness) safely(errors, 'staleness', function () { renderStaleness(last.staleness); });
        if (last.convergence) {
          safely(errors, 'aggregation frequency', function () { renderAggregationFrequency(last.convergence); });
          safely(errors, 'convergence', function () { renderConvergence(last.convergence); });
        }
        finish(errors);
      })
      .catch(function (e) { finish([String(e && e.message ? e.message : e)]); });
  }

  function finish(errors) {
    var now = Date.now();
    var banner = byId('error-banner');
    if (errors.length) {
      var msg = 'Refresh failed at ' + fmtClock(now) + ': ' + errors.join('; ') +
        (lastSuccessAt ? ' — showing data from ' + fmtClock(lastSuccessAt) + '.' : ' — no data yet.');
      document.body.setAttribute('data-error', errors.join('; '));
      banner.textContent = msg;
      banner.hidden = false;
    } else {
      lastSuccessAt = now;
      document.body.removeAttribute('data-error');
      banner.hidden = true;
      banner.textContent = '';
      document.body.dataset.loaded = 'true';
    }
    var lr = byId('last-refresh');
    if (lastSuccessAt) {
      lr.setAttribute('data-value', new Date(lastSuccessAt).toISOString());
      lr.textContent = fmtClock(lastSuccessAt);
    }
  }

  function loop() {
    refresh().then(function () { setTimeout(loop, REFRESH_MS); });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', loop);
  else loop();
})();
