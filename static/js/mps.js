/* MPS pages: the item chart (projected available vs safety stock, MPS receipts as bars), the rough-cut
 * capacity charts (load bars against a capacity line), and clean URLs for the GET filter forms.
 * Data comes from json_script blocks: "item-chart-data" (redrawn whenever htmx swaps it in) and "capacity-data".
 */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var units = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });

  // Leave empty filters out of the request, so the pushed URL reads /mps/?exception=shortage, not ...&family=&plant=.
  var FILTER_FORMS = ["mps-filters", "diff-filters", "revision-filters"];
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || FILTER_FORMS.indexOf(event.detail.elt.id) < 0) return;
    var data = event.detail.formData;
    if (!data) return;
    Array.from(data.keys()).forEach(function (key) {
      if (data.getAll(key).every(function (value) { return value === ""; })) data.delete(key);
    });
  });

  if (typeof window.Chart === "undefined") return;

  // Dashed vertical lines after the last week inside the demand and planning time fences.
  var fenceLines = {
    id: "mpsFences",
    afterDatasetsDraw: function (chart, args, options) {
      var fences = (options && options.fences) || [];
      var x = chart.scales.x;
      var area = chart.chartArea;
      var ctx = chart.ctx;
      fences.forEach(function (fence, n) {
        var index = chart.data.labels.indexOf(fence.week);
        if (index < 0) return;
        var here = x.getPixelForValue(index);
        var next = index + 1 < chart.data.labels.length ? x.getPixelForValue(index + 1) : area.right;
        var pos = (here + next) / 2;
        ctx.save();
        ctx.strokeStyle = cssVar("--fence", "#7c3aed");
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(pos, area.top);
        ctx.lineTo(pos, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = cssVar("--fence", "#7c3aed");
        ctx.font = "600 11px system-ui, sans-serif";
        ctx.fillText(fence.label, pos + 3, area.top + 12 + n * 13);
        ctx.restore();
      });
    },
  };

  function axes(title) {
    var muted = cssVar("--muted", "#64748b");
    return {
      x: { grid: { display: false }, ticks: { maxTicksLimit: 14, autoSkip: true, maxRotation: 0, color: muted } },
      y: {
        grid: { color: cssVar("--border", "#e2e8f0") },
        ticks: { color: muted, callback: function (v) { return units.format(v); } },
        title: { display: true, text: title, color: muted },
      },
    };
  }

  function tooltip(unit) {
    return {
      callbacks: {
        label: function (item) {
          return item.dataset.label + ": " + units.format(item.raw) + (unit ? " " + unit : "");
        },
      },
    };
  }

  function itemChart(canvas, data) {
    var short = cssVar("--short", "#b91c1c");
    var pab = cssVar("--chart-pab", "#0f172a");
    return new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "line",
            label: "Projected available",
            data: data.projected,
            borderColor: pab,
            backgroundColor: pab,
            borderWidth: 2,
            pointRadius: 0,
            tension: 0,
            order: 1,
            // Red where the line runs below zero: a shortage reads at a glance.
            segment: {
              borderColor: function (ctx) { return ctx.p0.parsed.y < 0 || ctx.p1.parsed.y < 0 ? short : undefined; },
            },
          },
          {
            type: "line",
            label: "Safety stock",
            data: data.safety_stock,
            borderColor: cssVar("--chart-ss", "#d97706"),
            backgroundColor: cssVar("--chart-ss", "#d97706"),
            borderDash: [6, 4],
            borderWidth: 2,
            pointRadius: 0,
            order: 2,
          },
          {
            type: "bar",
            label: "MPS receipts",
            data: data.mps,
            backgroundColor: cssVar("--chart-mps", "#93c5fd"),
            borderRadius: 2,
            order: 3,
          },
        ],
      },
      plugins: [fenceLines],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: axes("units"),
        plugins: { legend: { display: false }, mpsFences: { fences: data.fences }, tooltip: tooltip("") },
      },
    });
  }

  function capacityChart(canvas, data) {
    var load = cssVar("--chart-load", "#60a5fa");
    var over = cssVar("--chart-over", "#dc2626");
    return new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "line",
            label: "Capacity",
            data: data.capacity,
            borderColor: cssVar("--chart-capacity", "#334155"),
            backgroundColor: cssVar("--chart-capacity", "#334155"),
            borderWidth: 2,
            pointRadius: 0,
            stepped: "middle",
            order: 1,
          },
          {
            type: "bar",
            label: "Load",
            data: data.load,
            backgroundColor: data.overloaded.map(function (o) { return o ? over : load; }),
            borderRadius: 2,
            order: 2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: axes("hours per week"),
        plugins: { legend: { display: false }, tooltip: tooltip("h") },
      },
    });
  }

  function dropDetached() {
    Object.values(window.Chart.instances).forEach(function (chart) {
      if (!chart.canvas.isConnected) chart.destroy();
    });
  }

  function drawItem() {
    dropDetached();
    var canvas = document.getElementById("item-chart");
    var data = readJson("item-chart-data");
    if (!canvas || !data || window.Chart.getChart(canvas)) return;
    itemChart(canvas, data);
  }

  function drawCapacity() {
    (readJson("capacity-data") || []).forEach(function (data) {
      var canvas = document.getElementById(data.id);
      if (canvas && !window.Chart.getChart(canvas)) capacityChart(canvas, data);
    });
  }

  function draw() {
    drawItem();
    drawCapacity();
  }

  // After a replan the whole item plan (with a new canvas and new data) is swapped in: draw on the new canvas.
  document.addEventListener("htmx:afterSettle", drawItem);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
