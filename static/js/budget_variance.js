/* Budget variance: the chosen measure by month, the locked budget (grey bars) against the live plan (blue bars).
 * Data from the json_script block "variance-chart-data", which the filters swap in with the report; the chart is
 * drawn again after every swap. */
(function () {
  "use strict";
  var chart = null;

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function formatter(unit) {
    var number = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
    if (unit === "units") return function (v) { return number.format(v); };
    return function (v) { return (v < 0 ? "-" : "") + unit + number.format(Math.abs(v)); };
  }

  function bars(label, data, colour) {
    return { label: label, data: data, backgroundColor: colour, borderRadius: 2, maxBarThickness: 22 };
  }

  function draw() {
    var canvas = document.getElementById("variance-chart");
    var node = document.getElementById("variance-chart-data");
    if (chart) {
      chart.destroy();
      chart = null;
    }
    if (!canvas || !node || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    var muted = cssVar("--muted", "#64748b");
    var format = formatter(data.unit);
    chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          bars("Budget", data.baseline, cssVar("--chart-receipts", "#94a3b8")),
          bars("Live plan", data.live, cssVar("--chart-forecast", "#1d4ed8")),
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false }, ticks: { color: muted } },
          y: {
            grid: { color: cssVar("--border", "#e2e8f0") },
            ticks: { color: muted, callback: format },
            title: { display: true, text: data.title, color: muted },
          },
        },
        plugins: {
          legend: { position: "bottom", labels: { color: muted, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + format(item.raw); },
              afterBody: function (items) {
                if (items.length < 2) return "";
                var delta = items[1].raw - items[0].raw;
                return "Variance: " + (delta > 0 ? "+" : "") + format(delta);
              },
            },
          },
        },
      },
    });
  }

  // The report is swapped whole (outerHTML), canvas included: whatever settled, draw from the block now in the page.
  document.addEventListener("htmx:afterSettle", function () {
    if (document.getElementById("variance-chart-data")) draw();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
