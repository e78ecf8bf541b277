/* Campaign pages: the product lines of the form (remove, renumber, show the inputs a profile needs) and the
 * impact chart, drawn from the json_script block "impact-chart-data" whenever htmx brings a new one. */
(function () {
  "use strict";
  var chart = null;
  var numberFormat = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function renumber() {
    document.querySelectorAll("#lines tbody.line").forEach(function (line, i) {
      var cell = line.querySelector(".line-no");
      if (cell && cell.firstChild) cell.firstChild.nodeValue = String(i + 1);
    });
  }

  // What a line shows depends on its profile: half-life for peak-and-decay, one factor a week for custom.
  function showProfileInputs(select) {
    var line = select.closest("tbody.line");
    if (!line) return;
    var custom = line.querySelector(".line-custom");
    var decay = line.querySelector("[data-decay]");
    if (custom) custom.hidden = select.value !== "custom";
    if (decay) decay.hidden = select.value !== "peak_and_decay";
  }

  document.addEventListener("click", function (event) {
    var remove = event.target.closest("[data-remove-line]");
    if (remove) {
      var line = remove.closest("tbody.line");
      if (line) line.remove();
      renumber();
      return;
    }
    var confirmButton = event.target.closest("button[data-confirm]");
    if (confirmButton && !window.confirm(confirmButton.getAttribute("data-confirm"))) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-profile]")) showProfileInputs(event.target);
  });

  function drawImpact() {
    var canvas = document.getElementById("impact-chart");
    var node = document.getElementById("impact-chart-data");
    if (chart) {
      chart.destroy();
      chart = null;
    }
    if (!canvas || !node || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    var uplift = cssVar("--chart-uplift", "#2563eb");
    var receipts = cssVar("--chart-receipts", "#94a3b8");
    chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Demand added", data: data.units, backgroundColor: uplift, borderRadius: 2, maxBarThickness: 26 },
          { label: "MPS receipts change", data: data.mps, backgroundColor: receipts, borderRadius: 2, maxBarThickness: 26 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false }, ticks: { color: cssVar("--muted", "#64748b"), autoSkip: true, maxTicksLimit: 18 } },
          y: {
            grid: { color: cssVar("--border", "#e2e8f0") },
            ticks: { color: cssVar("--muted", "#64748b"), callback: function (v) { return numberFormat.format(v); } },
            title: { display: true, text: "units per week", color: cssVar("--muted", "#64748b") },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + numberFormat.format(item.raw); },
            },
          },
        },
      },
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    if (target.id === "lines" || target.closest("#lines")) renumber();
    if (target.querySelector && (target.id === "impact-preview" || target.id === "impact-panel")) drawImpact();
  });

  function start() {
    renumber();
    drawImpact();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
