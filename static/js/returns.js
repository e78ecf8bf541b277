/* Returns dashboard: the weekly return-rate trend against its baseline and alarm threshold, and the Pareto of
 * reasons (bars: units; line: cumulative share). Data from the json_script block "returns-charts". */
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

  var units = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });

  // A dashed vertical line where the period starts, like the demand chart's "this week".
  var periodLine = {
    id: "sopPeriodLine",
    afterDatasetsDraw: function (chart, args, options) {
      if (!options || !options.label) return;
      var index = chart.data.labels.indexOf(options.label);
      if (index < 0) return;
      var x = chart.scales.x.getPixelForValue(index);
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = cssVar("--border-strong", "#cbd5e1");
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(x, area.top);
      ctx.lineTo(x, area.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = cssVar("--muted", "#64748b");
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillText("period", x + 4, area.top + 12);
      ctx.restore();
    },
  };

  function flat(value, length) {
    var out = [];
    for (var i = 0; i < length; i++) out.push(value);
    return out;
  }

  function trendChart(canvas, data) {
    if (!canvas || !data || typeof window.Chart === "undefined") return;
    var rate = cssVar("--chart-returns", "#7c3aed");
    var n = data.labels.length;
    var datasets = [
      { label: "Return rate", data: data.rate, borderColor: rate, backgroundColor: rate + "1f", fill: true,
        tension: 0.25, pointRadius: 0, borderWidth: 2, spanGaps: true },
    ];
    if (data.baseline !== null) {
      datasets.push({ label: "Baseline", data: flat(data.baseline, n), borderColor: cssVar("--muted", "#64748b"),
        borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false });
      datasets.push({ label: "Alarm from", data: flat(data.threshold, n), borderColor: cssVar("--short", "#b91c1c"),
        borderDash: [2, 3], borderWidth: 1.5, pointRadius: 0, fill: false });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      plugins: [periodLine],
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false }, ticks: { maxTicksLimit: 13, color: cssVar("--muted", "#64748b") } },
          y: { beginAtZero: true, grid: { color: cssVar("--border", "#e2e8f0") },
               ticks: { color: cssVar("--muted", "#64748b"), callback: function (v) { return v + " %"; } } },
        },
        plugins: {
          legend: { display: false },
          sopPeriodLine: { label: data.split },
          tooltip: {
            callbacks: {
              label: function (item) {
                if (item.raw === null) return null;
                if (item.datasetIndex === 0) {
                  var i = item.dataIndex;
                  return "Return rate: " + item.raw.toFixed(2) + " % (" + units.format(data.returned[i]) + " of " +
                    units.format(data.shipped[i]) + " units)";
                }
                return item.dataset.label + ": " + item.raw.toFixed(2) + " %";
              },
            },
          },
        },
      },
    });
  }

  function paretoChart(canvas, data) {
    if (!canvas || !data || typeof window.Chart === "undefined") return;
    var bar = cssVar("--chart-returns", "#7c3aed");
    var line = cssVar("--text-soft", "#334155");
    var chart = new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Units returned", data: data.units, backgroundColor: bar + "cc", borderRadius: 3,
            yAxisID: "y" },
          { type: "line", label: "Cumulative share", data: data.cumulative, borderColor: line, pointRadius: 3,
            pointBackgroundColor: line, borderWidth: 1.5, yAxisID: "share" },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        onClick: function (event, elements) {
          if (!elements.length) return;
          var key = data.keys[elements[0].index];
          window.location.href = (canvas.dataset.linesUrl || "/returns/lines/") + "?reason=" + key + "&comments=on";
        },
        scales: {
          x: { grid: { display: false }, ticks: { color: cssVar("--muted", "#64748b"), autoSkip: false, maxRotation: 40,
               minRotation: 30, font: { size: 11 } } },
          y: { beginAtZero: true, grid: { color: cssVar("--border", "#e2e8f0") },
               ticks: { color: cssVar("--muted", "#64748b"), callback: function (v) { return units.format(v); } } },
          share: { position: "right", min: 0, max: 100, grid: { display: false },
                   ticks: { color: cssVar("--muted", "#64748b"), callback: function (v) { return v + " %"; } } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.datasetIndex === 0 ? "Units: " + units.format(item.raw) : "Cumulative: " + item.raw + " %";
              },
            },
          },
        },
      },
    });
    return chart;
  }

  function draw() {
    var data = readJson("returns-charts");
    if (!data) return;
    trendChart(document.getElementById("returns-trend"), data.trend);
    paretoChart(document.getElementById("returns-pareto"), data.pareto);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
