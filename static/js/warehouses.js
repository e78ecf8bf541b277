/* Warehouse pages: the heatmap marks the week whose breakdown is open; the warehouse page draws load against
 * capacity per dimension (bars coloured by level, capacity as a stepped line, the warning level dashed) and the
 * projected fill rate with the backorder. Data comes from json_script blocks "warehouse-charts" and "fill-data".
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

  // The heatmap: one selected cell at a time.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var cell = event.detail.elt;
    if (!cell || !cell.classList || !cell.classList.contains("heat-cell")) return;
    document.querySelectorAll(".heat-cell[aria-pressed='true']").forEach(function (other) {
      other.setAttribute("aria-pressed", "false");
    });
    cell.setAttribute("aria-pressed", "true");
  });

  if (typeof window.Chart === "undefined") return;

  var numbers = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });
  var percent = new Intl.NumberFormat("en-GB", { style: "percent", maximumFractionDigits: 0 });

  function axes(title) {
    var muted = cssVar("--muted", "#64748b");
    return {
      x: { grid: { display: false }, ticks: { maxTicksLimit: 13, autoSkip: true, maxRotation: 0, color: muted } },
      y: {
        beginAtZero: true,
        grid: { color: cssVar("--border", "#e2e8f0") },
        ticks: { color: muted, callback: function (v) { return numbers.format(v); } },
        title: { display: true, text: title, color: muted },
      },
    };
  }

  function barColour(level) {
    if (level === "critical" || level === "severe") return cssVar("--chart-over", "#dc2626");
    if (level === "warning") return cssVar("--chart-warnbar", "#f59e0b");
    return cssVar("--chart-load", "#60a5fa");
  }

  function loadChart(canvas, data) {
    var capacity = cssVar("--chart-capacity", "#334155");
    return new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "line", label: "Capacity", data: data.capacity, borderColor: capacity, backgroundColor: capacity,
            borderWidth: 2, pointRadius: 0, stepped: "middle", spanGaps: false, order: 1,
          },
          {
            type: "line", label: "Warning level", data: data.warning, borderColor: cssVar("--chart-warnbar", "#f59e0b"),
            borderDash: [5, 4], borderWidth: 1.5, pointRadius: 0, stepped: "middle", order: 2,
          },
          {
            type: "bar", label: "Load", data: data.load, order: 3, borderRadius: 2,
            backgroundColor: data.levels.map(barColour),
          },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: axes(data.units),
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                if (item.raw === null) return item.dataset.label + ": not recorded";
                return item.dataset.label + ": " + numbers.format(item.raw) + " " + data.units;
              },
              afterBody: function (items) {
                var k = items[0].dataIndex;
                var cap = data.capacity[k];
                if (cap === null || data.load[k] === null) return "";
                return cap > 0 ? "Utilisation: " + percent.format(data.load[k] / cap) : "Closed week";
              },
            },
          },
        },
      },
    });
  }

  function fillChart(canvas, data) {
    var fill = cssVar("--chart-fill", "#0f766e");
    var back = cssVar("--chart-backorder", "#fca5a5");
    var muted = cssVar("--muted", "#64748b");
    return new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "line", label: "Fill rate on time", data: data.rate, yAxisID: "rate", borderColor: fill,
            backgroundColor: fill, borderWidth: 2, pointRadius: 0, tension: 0, order: 1,
          },
          {
            type: "bar", label: "Backorder", data: data.backorder, yAxisID: "units", backgroundColor: back,
            borderRadius: 2, order: 2,
          },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false }, ticks: { maxTicksLimit: 13, autoSkip: true, maxRotation: 0, color: muted } },
          rate: {
            position: "left", min: 0, max: 1, grid: { color: cssVar("--border", "#e2e8f0") },
            ticks: { color: muted, callback: function (v) { return percent.format(v); } },
            title: { display: true, text: "on time", color: muted },
          },
          units: {
            position: "right", beginAtZero: true, grid: { display: false },
            ticks: { color: muted, callback: function (v) { return numbers.format(v); } },
            title: { display: true, text: "units backordered", color: muted },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.yAxisID === "rate"
                  ? "Fill rate: " + percent.format(item.raw)
                  : "Backorder: " + numbers.format(item.raw) + " units";
              },
            },
          },
        },
      },
    });
  }

  (readJson("warehouse-charts") || []).forEach(function (data) {
    var canvas = document.getElementById(data.id);
    if (canvas) loadChart(canvas, data);
  });
  var fill = readJson("fill-data");
  var fillCanvas = document.getElementById("fill-chart");
  if (fill && fillCanvas) fillChart(fillCanvas, fill);
})();
