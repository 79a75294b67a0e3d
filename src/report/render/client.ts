// The script that runs inside the report page: pages the long tables, reads the embedded chart data and draws the
// charts with Chart.js. It is plain browser JavaScript kept as text (the project compiles without DOM types).
// Animations are off so a screenshot taken right after load is the final picture; the <html> element gets
// data-charts-ready="true" when every chart exists, or data-charts-error with the reason, which the headless browser
// check waits for, and data-charts-ms: when that was, in ms from navigation start.
import { REMEDIATION_OUTCOMES, REPORT_STATUSES } from '../model.js';
import { jsonForScriptBlock } from './html.js';
import { OUTCOME_COLORS, OUTCOME_LABELS, STATUS_COLORS, STATUS_LABELS } from './palette.js';

const PALETTE = {
  statuses: REPORT_STATUSES,
  statusColors: STATUS_COLORS,
  statusLabels: STATUS_LABELS,
  outcomes: REMEDIATION_OUTCOMES,
  outcomeColors: OUTCOME_COLORS,
  outcomeLabels: OUTCOME_LABELS,
};

export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var root = document.documentElement;
  var P = ${jsonForScriptBlock(PALETTE)};

  // Tables with data-page-size show one page at a time; every row stays in the markup.
  var paged = 0;
  Array.prototype.forEach.call(document.querySelectorAll('table[data-page-size]'), function (table) {
    var size = Number(table.getAttribute('data-page-size'));
    var body = table.tBodies[0];
    if (!body || !(size > 0)) return;
    var rows = Array.prototype.slice.call(body.rows);
    var pages = Math.ceil(rows.length / size);
    if (pages < 2) return;
    var page = 0;
    var nav = document.createElement('div');
    nav.className = 'pager';
    var prev = document.createElement('button');
    prev.type = 'button';
    prev.textContent = '\\u2039 Previous';
    var next = document.createElement('button');
    next.type = 'button';
    next.textContent = 'Next \\u203a';
    var info = document.createElement('span');
    nav.appendChild(prev);
    nav.appendChild(next);
    nav.appendChild(info);
    var show = function () {
      rows.forEach(function (row, i) { row.hidden = Math.floor(i / size) !== page; });
      info.textContent = 'Rows ' + (page * size + 1) + '\\u2013' + Math.min(rows.length, (page + 1) * size) + ' of ' + rows.length;
      prev.disabled = page === 0;
      next.disabled = page === pages - 1;
    };
    prev.addEventListener('click', function () { if (page > 0) { page--; show(); } });
    next.addEventListener('click', function () { if (page < pages - 1) { page++; show(); } });
    var holder = table.parentNode && table.parentNode.classList && table.parentNode.classList.contains('table-scroll') ? table.parentNode : table;
    holder.parentNode.insertBefore(nav, holder.nextSibling);
    nav.setAttribute('data-pages', String(pages));
    show();
    paged++;
  });
  root.setAttribute('data-paged-tables', String(paged));

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
    var fade = function (hex, alpha) {
      var n = parseInt(hex.slice(1), 16);
      return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
    };
    var canvas = function (id) {
      var el = document.getElementById(id);
      if (!el) throw new Error('missing canvas #' + id);
      return el;
    };

    // 1. The fleet now: one ring, a slice per status.
    (function () {
      var shown = present([data.fleet]);
      new Chart(canvas('chart-fleet'), {
        type: 'doughnut',
        data: {
          labels: shown.map(function (s) { return P.statusLabels[s]; }),
          datasets: [{ data: shown.map(function (s) { return count(data.fleet, s); }), backgroundColor: shown.map(function (s) { return P.statusColors[s]; }), borderColor: '#ffffff', borderWidth: 2 }],
        },
        options: { cutout: '58%', plugins: { legend: { position: 'right' } } },
      });
    })();

    // 2. Compliance over time: clusters per status, stacked, at the end of each step.
    (function () {
      var points = data.history.points;
      var shown = present(points);
      new Chart(canvas('chart-history'), {
        type: 'line',
        data: {
          labels: data.history.labels,
          datasets: shown.map(function (s, i) {
            return { label: P.statusLabels[s], data: points.map(function (p) { return count(p, s); }), borderColor: P.statusColors[s], backgroundColor: fade(P.statusColors[s], 0.55), fill: i === 0 ? 'origin' : '-1', pointRadius: 0, borderWidth: 1.5, stepped: true };
          }),
        },
        options: {
          interaction: { mode: 'index', intersect: false },
          scales: {
            x: { ticks: { maxTicksLimit: 12, autoSkip: true, maxRotation: 0 } },
            y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Clusters' } },
          },
        },
      });
    })();

    // 3. By rule: a stacked bar per rule.
    (function () {
      var rules = data.rules;
      var shown = present(rules.counts);
      new Chart(canvas('chart-rules'), {
        type: 'bar',
        data: {
          labels: rules.ids,
          datasets: shown.map(function (s) {
            return { label: P.statusLabels[s], data: rules.counts.map(function (c) { return count(c, s); }), backgroundColor: P.statusColors[s], borderColor: '#ffffff', borderWidth: 1 };
          }),
        },
        options: {
          indexAxis: 'y',
          scales: {
            x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Clusters' } },
            y: { stacked: true, grid: { display: false }, ticks: { font: { family: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', size: 12 } } },
          },
        },
      });
    })();

    // 4. The remediation timeline: writes started, and how they ended, cumulative over the period.
    (function () {
      var t = data.timeline;
      var line = function (label, values, color, dashed) {
        return { label: label + ' (' + (values.length ? values[values.length - 1] : 0) + ')', data: values, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 0, fill: false, stepped: true, borderDash: dashed ? [6, 4] : [] };
      };
      var datasets = [line('Started', t.started, P.outcomeColors.Started, true)];
      ['Succeeded', 'Failed', 'Skipped'].forEach(function (o) { datasets.push(line(o, t.ended[o] || [], P.outcomeColors[o], false)); });
      new Chart(canvas('chart-timeline'), {
        type: 'line',
        data: { labels: t.labels, datasets: datasets },
        options: {
          interaction: { mode: 'index', intersect: false },
          scales: {
            x: { ticks: { maxTicksLimit: 12, autoSkip: true, maxRotation: 0 } },
            y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Remediation writes (cumulative)' } },
          },
          plugins: { legend: { labels: { usePointStyle: true, pointStyle: 'line' } } },
        },
      });
    })();

    // 5. Reaction times of a run (only when the page has them), with the median and the worst case marked.
    (function () {
      if (!data.reactions) return;
      var rows = data.reactions.rows;
      var el = canvas('chart-reactions');
      // p50 and max are computed once by the renderer and handed over on the canvas, so chart and text agree.
      var p50 = el.hasAttribute('data-p50') ? Number(el.getAttribute('data-p50')) : undefined;
      var max = el.hasAttribute('data-max') ? Number(el.getAttribute('data-max')) : undefined;
      var referenceLines = {
        id: 'referenceLines',
        afterDatasetsDraw: function (chart) {
          var area = chart.chartArea;
          var ctx = chart.ctx;
          var lines = p50 === undefined ? [] : [{ value: p50, label: 'p50 ' + Math.round(p50) + ' ms', color: '#1f2328', at: 'bottom' }, { value: max, label: 'max ' + Math.round(max) + ' ms', color: P.statusColors.NonCompliant, at: 'top' }];
          ctx.save();
          lines.forEach(function (l) {
            var x = chart.scales.x.getPixelForValue(l.value);
            if (!(x >= area.left && x <= area.right)) return;
            ctx.strokeStyle = l.color;
            ctx.setLineDash([5, 4]);
            ctx.lineWidth = 1.5;
            ctx.beginPath();
            ctx.moveTo(x, area.top);
            ctx.lineTo(x, area.bottom);
            ctx.stroke();
            ctx.setLineDash([]);
            ctx.font = '600 11px ' + Chart.defaults.font.family;
            var width = ctx.measureText(l.label).width + 8;
            var left = x + 4 + width > area.right ? x - 4 - width : x + 4;
            var top = l.at === 'bottom' ? area.bottom - 18 : area.top + 2;
            ctx.fillStyle = 'rgba(255,255,255,0.92)';
            ctx.fillRect(left, top, width, 16);
            ctx.fillStyle = l.color;
            ctx.textAlign = 'left';
            ctx.textBaseline = 'middle';
            ctx.fillText(l.label, left + 4, top + 8);
          });
          ctx.restore();
        },
      };
      new Chart(el, {
        type: 'bar',
        data: {
          labels: rows.map(function (r) { return r.clusterName; }),
          datasets: [
            { label: 'Fixed', data: rows.map(function (r) { return r.fixedAtMs !== undefined ? r.reactionMs : null; }), backgroundColor: P.statusColors.Compliant, skipNull: true, barPercentage: 0.8 },
            { label: 'Recorded, not fixed', data: rows.map(function (r) { return r.fixedAtMs === undefined ? r.reactionMs : null; }), backgroundColor: P.statusColors.Unknown, skipNull: true, barPercentage: 0.8 },
          ],
        },
        options: {
          indexAxis: 'y',
          scales: {
            x: { beginAtZero: true, title: { display: true, text: 'Reaction time (ms)' } },
            y: { grid: { display: false }, ticks: { autoSkip: false } },
          },
          plugins: { tooltip: { callbacks: { label: function (c) { return rows[c.dataIndex].drift + ': ' + c.parsed.x + ' ms'; } } } },
        },
        plugins: [referenceLines],
      });
    })();

    root.setAttribute('data-charts-ms', String(Math.round(performance.now())));
    root.setAttribute('data-charts-ready', 'true');
  } catch (err) {
    root.setAttribute('data-charts-ms', String(Math.round(performance.now())));
    root.setAttribute('data-charts-error', String((err && err.message) || err));
    console.error('Report charts failed:', err);
  }
})();
`;
