// The script that runs inside the report page: reads the embedded data and draws the four charts with Chart.js.
// It is plain browser JavaScript kept as text (the project compiles without DOM types). Animations are off so a
// screenshot taken right after load is the final picture; the <html> element gets data-charts-ready="true" when
// every chart exists, or data-charts-error with the reason, which the headless browser check waits for.
import { jsonForScriptBlock } from './html.js';
import { OUTCOME_COLORS, OUTCOME_LABELS, STATUS_COLORS, STATUS_LABELS } from './palette.js';
import { REPORT_STATUSES, TIMELINE_OUTCOMES } from './types.js';

const PALETTE = {
  statuses: REPORT_STATUSES,
  statusColors: STATUS_COLORS,
  statusLabels: STATUS_LABELS,
  outcomes: TIMELINE_OUTCOMES,
  outcomeColors: OUTCOME_COLORS,
  outcomeLabels: OUTCOME_LABELS,
};

export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var root = document.documentElement;
  var P = ${jsonForScriptBlock(PALETTE)};
  try {
    var data = JSON.parse(document.getElementById('report-data').textContent);
    var Chart = window.Chart;
    if (!Chart) throw new Error('Chart.js did not load');
    Chart.defaults.animation = false;
    Chart.defaults.responsive = true;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
    Chart.defaults.font.size = 12;
    Chart.defaults.color = '#5a6370';
    Chart.defaults.borderColor = '#e3e6ea';
    Chart.defaults.plugins.legend.position = 'bottom';
    Chart.defaults.plugins.legend.labels.boxWidth = 12;
    Chart.defaults.plugins.legend.labels.boxHeight = 12;

    var count = function (counts, status) { return (counts && counts[status]) || 0; };
    var present = function (list) {
      return P.statuses.filter(function (s) { return list.some(function (c) { return count(c, s) > 0; }); });
    };
    var sum = function (counts) {
      return P.statuses.reduce(function (t, s) { return t + count(counts, s); }, 0);
    };
    var fade = function (hex, alpha) {
      var n = parseInt(hex.slice(1), 16);
      return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
    };

    // Writes the count inside each bar segment that is wide enough to hold it.
    var segmentLabels = {
      id: 'segmentLabels',
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx;
        ctx.save();
        ctx.font = '600 11px ' + Chart.defaults.font.family;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        chart.data.datasets.forEach(function (dataset, i) {
          if (!chart.isDatasetVisible(i)) return;
          chart.getDatasetMeta(i).data.forEach(function (bar, j) {
            var value = dataset.data[j];
            if (!value) return;
            var p = bar.getProps(['x', 'y', 'base'], true);
            var text = String(value);
            if (Math.abs(p.x - p.base) < ctx.measureText(text).width + 8) return;
            ctx.fillStyle = dataset.labelColor || '#ffffff';
            ctx.fillText(text, (p.x + p.base) / 2, p.y);
          });
        });
        ctx.restore();
      },
    };

    // Dashed vertical reference lines (p50, max) on a horizontal bar chart.
    var referenceLines = {
      id: 'referenceLines',
      afterDatasetsDraw: function (chart, _args, options) {
        var lines = (options && options.lines) || [];
        var area = chart.chartArea;
        var ctx = chart.ctx;
        ctx.save();
        lines.forEach(function (line) {
          var x = chart.scales.x.getPixelForValue(line.value);
          if (!(x >= area.left && x <= area.right)) return;
          ctx.strokeStyle = line.color;
          ctx.setLineDash([5, 4]);
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(x, area.top);
          ctx.lineTo(x, area.bottom);
          ctx.stroke();
          ctx.setLineDash([]);
          // Label on a white chip so it stays legible over bars; p50 sits at the bottom, max at the top.
          ctx.font = '600 11px ' + Chart.defaults.font.family;
          var width = ctx.measureText(line.label).width + 8;
          var left = x + 4 + width > area.right ? x - 4 - width : x + 4;
          var top = line.at === 'bottom' ? area.bottom - 18 : area.top + 2;
          ctx.fillStyle = 'rgba(255,255,255,0.92)';
          ctx.fillRect(left, top, width, 16);
          ctx.fillStyle = line.color;
          ctx.textAlign = 'left';
          ctx.textBaseline = 'middle';
          ctx.fillText(line.label, left + 4, top + 8);
        });
        ctx.restore();
      },
    };

    var canvas = function (id) {
      var el = document.getElementById(id);
      if (!el) throw new Error('missing canvas #' + id);
      return el;
    };

    // 1. Fleet compliance before and after: one stacked bar per moment.
    (function () {
      var before = data.summary.before, after = data.summary.after;
      var shown = present([before, after]);
      var total = Math.max(sum(before), sum(after));
      new Chart(canvas('chart-compliance'), {
        type: 'bar',
        data: {
          labels: ['Before', 'After'],
          datasets: shown.map(function (s) {
            return { label: P.statusLabels[s], data: [count(before, s), count(after, s)], backgroundColor: P.statusColors[s], borderColor: '#ffffff', borderWidth: 1, barPercentage: 0.7, labelColor: s === 'Unknown' ? '#1f2328' : '#ffffff' };
          }),
        },
        options: {
          indexAxis: 'y',
          scales: {
            x: { stacked: true, beginAtZero: true, max: total > 0 ? total : undefined, title: { display: true, text: 'Clusters' } },
            y: { stacked: true, grid: { display: false }, ticks: { font: { weight: '600', size: 13 } } },
          },
          plugins: {
            tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + c.parsed.x + (total > 0 ? ' (' + Math.round((100 * c.parsed.x) / total) + '%)' : ''); } } },
          },
        },
        plugins: [segmentLabels],
      });
    })();

    // 2. Breakdown by rule: per rule, a faded "before" bar above a solid "after" bar.
    (function () {
      var rows = data.byRule;
      var shown = present(rows.map(function (r) { return r.before; }).concat(rows.map(function (r) { return r.after; })));
      var datasets = [];
      shown.forEach(function (s) {
        datasets.push({ label: P.statusLabels[s], status: s, stack: 'before', data: rows.map(function (r) { return count(r.before, s); }), backgroundColor: fade(P.statusColors[s], 0.4), borderColor: '#ffffff', borderWidth: 1, labelColor: '#1f2328' });
        datasets.push({ label: P.statusLabels[s], status: s, stack: 'after', data: rows.map(function (r) { return count(r.after, s); }), backgroundColor: P.statusColors[s], borderColor: '#ffffff', borderWidth: 1, labelColor: s === 'Unknown' ? '#1f2328' : '#ffffff' });
      });
      new Chart(canvas('chart-rules'), {
        type: 'bar',
        data: { labels: rows.map(function (r) { return r.ruleId; }), datasets: datasets },
        options: {
          indexAxis: 'y',
          scales: {
            x: { stacked: true, beginAtZero: true, title: { display: true, text: 'Clusters (faded: before, solid: after)' } },
            y: { stacked: true, grid: { display: false }, ticks: { font: { family: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', size: 12 } } },
          },
          plugins: {
            legend: {
              // One legend entry per status; clicking it hides the status in both bars.
              labels: { filter: function (item, chartData) { return chartData.datasets[item.datasetIndex].stack === 'after'; } },
              onClick: function (_e, item, legend) {
                var chart = legend.chart;
                var status = chart.data.datasets[item.datasetIndex].status;
                var visible = chart.isDatasetVisible(item.datasetIndex);
                chart.data.datasets.forEach(function (d, i) { if (d.status === status) chart.setDatasetVisibility(i, !visible); });
                chart.update();
              },
            },
            tooltip: { callbacks: { label: function (c) { return (c.dataset.stack === 'before' ? 'Before · ' : 'After · ') + c.dataset.label + ': ' + c.parsed.x; } } },
          },
        },
        plugins: [segmentLabels],
      });
    })();

    // 3. Remediation timeline: cumulative steps per outcome over the run.
    (function () {
      var events = data.timeline.slice().sort(function (a, b) { return a.atMs - b.atMs; });
      var endSeconds = Math.max(data.durationMs, events.length ? events[events.length - 1].atMs : 0) / 1000;
      var datasets = P.outcomes.map(function (outcome) {
        var points = [{ x: 0, y: 0 }];
        var n = 0;
        events.forEach(function (e) { if (e.outcome === outcome) points.push({ x: e.atMs / 1000, y: ++n }); });
        points.push({ x: endSeconds, y: n });
        return { label: P.outcomeLabels[outcome] + ' (' + n + ')', data: points, stepped: true, borderColor: P.outcomeColors[outcome], backgroundColor: P.outcomeColors[outcome], borderWidth: 2, pointRadius: 0, pointHoverRadius: 3, fill: false, borderDash: outcome === 'started' ? [6, 4] : [] };
      });
      new Chart(canvas('chart-timeline'), {
        type: 'line',
        data: { datasets: datasets },
        options: {
          parsing: false,
          interaction: { mode: 'nearest', axis: 'x', intersect: false },
          scales: {
            x: { type: 'linear', min: 0, max: endSeconds > 0 ? endSeconds : 1, title: { display: true, text: 'Seconds since the demo started' } },
            y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Remediation steps (cumulative)' } },
          },
          plugins: {
            legend: { labels: { usePointStyle: true, pointStyle: 'line' } },
            tooltip: { callbacks: { title: function (items) { return items.length ? items[0].parsed.x.toFixed(1) + ' s' : ''; } } },
          },
        },
      });
    })();

    // 4. Reaction times in the drift round, with the median and the worst case marked.
    (function () {
      var rows = data.reactions;
      var el = canvas('chart-reactions');
      // p50 and max are computed once by the renderer and handed over on the canvas, so chart and text agree.
      var p50 = el.hasAttribute('data-p50') ? Number(el.getAttribute('data-p50')) : undefined;
      var max = el.hasAttribute('data-max') ? Number(el.getAttribute('data-max')) : undefined;
      var fixed = P.statusColors.Compliant, open = P.statusColors.Unknown;
      new Chart(el, {
        type: 'bar',
        data: {
          labels: rows.map(function (r) { return r.clusterName; }),
          datasets: [
            { label: 'Fixed', data: rows.map(function (r) { return r.fixedAtMs !== undefined ? r.reactionMs : null; }), backgroundColor: fixed, skipNull: true, barPercentage: 0.8 },
            { label: 'Recorded, not fixed', data: rows.map(function (r) { return r.fixedAtMs === undefined ? r.reactionMs : null; }), backgroundColor: open, skipNull: true, barPercentage: 0.8 },
          ],
        },
        options: {
          indexAxis: 'y',
          scales: {
            x: { beginAtZero: true, title: { display: true, text: 'Reaction time (ms)' } },
            y: { grid: { display: false }, ticks: { autoSkip: false } },
          },
          plugins: {
            referenceLines: { lines: p50 === undefined ? [] : [{ value: p50, label: 'p50 ' + Math.round(p50) + ' ms', color: '#1f2328', at: 'bottom' }, { value: max, label: 'max ' + Math.round(max) + ' ms', color: P.statusColors.NonCompliant, at: 'top' }] },
            tooltip: { callbacks: { label: function (c) { var r = rows[c.dataIndex]; return r.drift + ': ' + c.parsed.x + ' ms'; } } },
          },
        },
        plugins: [referenceLines],
      });
    })();

    root.setAttribute('data-charts-ready', 'true');
  } catch (err) {
    root.setAttribute('data-charts-error', String((err && err.message) || err));
    console.error('Report charts failed:', err);
  }
})();
`;
