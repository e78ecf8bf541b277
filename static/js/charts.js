/* Demand charts: weekly sales history (grey) and baseline forecast (blue) on one time axis.
 * Data comes from a json_script block: {labels: [...], history: [...|null], forecast: [...|null], split: "2027-W14"}.
 */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  var numberFormat = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });

  // A dashed line where the forecast starts ("this week"), drawn without the annotation plugin.
  var splitLine = {
    id: "sopSplitLine",
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
      ctx.fillText("this week", x + 4, area.top + 12);
      ctx.restore();
    },
  };

  function datasets(data) {
    var history = cssVar("--chart-history", "#64748b");
    var forecast = cssVar("--chart-forecast", "#1d4ed8");
    return [
      {
        label: "Sales history",
        data: data.history,
        borderColor: history,
        backgroundColor: history + "22",
        fill: true,
        tension: 0.25,
        pointRadius: 0,
        borderWidth: 2,
      },
      {
        label: "Baseline forecast",
        data: data.forecast,
        borderColor: forecast,
        backgroundColor: forecast + "1f",
        fill: true,
        tension: 0.25,
        pointRadius: 0,
        borderWidth: 2,
      },
    ];
  }

  function demandChart(canvas, data) {
    if (!canvas || !data || typeof window.Chart === "undefined") return null;
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets(data) },
      plugins: [splitLine],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false }, ticks: { maxTicksLimit: 13, autoSkip: true, color: cssVar("--muted", "#64748b") } },
          y: {
            beginAtZero: true,
            grid: { color: cssVar("--border", "#e2e8f0") },
            ticks: { color: cssVar("--muted", "#64748b"), callback: function (v) { return numberFormat.format(v); } },
            title: { display: true, text: "units per week", color: cssVar("--muted", "#64748b") },
          },
        },
        plugins: {
          legend: { display: false },
          sopSplitLine: { label: data.split },
          tooltip: {
            callbacks: {
              label: function (item) {
                if (item.raw === null) return null;
                return item.dataset.label + ": " + numberFormat.format(item.raw);
              },
            },
          },
        },
      },
    });
  }

  function update(chart, data) {
    if (!chart || !data) return;
    chart.data.labels = data.labels;
    chart.data.datasets[0].data = data.history;
    chart.data.datasets[1].data = data.forecast;
    chart.options.plugins.sopSplitLine.label = data.split;
    chart.update();
  }

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  window.sopCharts = { demandChart: demandChart, update: update, readJson: readJson };
})();
