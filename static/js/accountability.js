/* Accountability review: the 13-week trend — bars for alerts raised, acknowledged and resolved in each week,
 * lines for those open and overdue at its end. Data from the json_script block "accountability-chart", which
 * the filters swap in with the report; the chart is drawn again after every swap. */
(function () {
  "use strict";
  var chart = null;
  var counts = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function bars(label, data, colour) {
    return { type: "bar", label: label, data: data, backgroundColor: colour, borderRadius: 2, maxBarThickness: 18,
      yAxisID: "y", order: 2 };
  }

  function line(label, data, colour, dash) {
    return { type: "line", label: label, data: data, borderColor: colour, backgroundColor: colour,
      borderDash: dash || [], borderWidth: 2, pointRadius: 3, tension: 0.2, yAxisID: "y", order: 1 };
  }

  function draw() {
    var canvas = document.getElementById("accountability-trend");
    var node = document.getElementById("accountability-chart");
    if (chart) {
      chart.destroy();
      chart = null;
    }
    if (!canvas || !node || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    var muted = cssVar("--muted", "#64748b");
    chart = new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          bars("Raised", data.raised, cssVar("--chart-load", "#60a5fa")),
          bars("Acknowledged", data.acknowledged, cssVar("--warn", "#b45309")),
          bars("Resolved", data.resolved, cssVar("--ok", "#15803d")),
          line("Open at week end", data.open_at_end, cssVar("--text-soft", "#334155")),
          line("Overdue at week end", data.overdue_at_end, cssVar("--short", "#b91c1c"), [5, 4]),
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
            beginAtZero: true,
            grid: { color: cssVar("--border", "#e2e8f0") },
            ticks: { color: muted, precision: 0, callback: function (v) { return counts.format(v); } },
            title: { display: true, text: "alerts", color: muted },
          },
        },
        plugins: {
          legend: { position: "bottom", labels: { color: muted, boxWidth: 12 } },
          tooltip: {
            callbacks: { label: function (item) { return item.dataset.label + ": " + counts.format(item.raw); } },
          },
        },
      },
    });
  }

  // The report is swapped whole (outerHTML), canvas included: whatever settled, draw from the block now in the page.
  document.addEventListener("htmx:afterSettle", function () {
    if (document.getElementById("accountability-chart")) draw();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
