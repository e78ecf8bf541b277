/* Budget pages: the live session screen.
 *
 * - The pulse (#budget-pulse, polled by htmx every 2 s) sends the revision and phase this screen has seen; the
 *   server answers 204, with `HX-Trigger: budget-changed` when the cycle moved on. The event's revision becomes
 *   the new "seen", also when it comes from this screen's own change, so a change is fetched once.
 * - Figures that moved since the last render flash briefly, so the room sees what a change did.
 * - Charts (Chart.js 4): plant peak utilisation by month against the 100 % line; revenue, costs and margin.
 * - The comment affordance on every grid line picks the line for the comment form and filters the comments.
 * - "Another product line" in the add-campaign form; the scenario switcher submits on change.
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

  // --- the pulse -------------------------------------------------------------------------------------------

  document.addEventListener("htmx:configRequest", function (event) {
    var pulse = event.detail.elt;
    if (!pulse || pulse.id !== "budget-pulse") return;
    event.detail.parameters.seen = pulse.dataset.seen;
    event.detail.parameters.phase = pulse.dataset.phase;
  });

  document.body.addEventListener("budget-changed", function (event) {
    var pulse = document.getElementById("budget-pulse");
    var detail = event.detail || {};
    if (pulse && detail.revision !== undefined) pulse.dataset.seen = String(detail.revision);
  });

  // --- what moved ------------------------------------------------------------------------------------------

  var before = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "figures") return;
    before = {};
    target.querySelectorAll("[data-cell]").forEach(function (cell) {
      before[cell.dataset.cell] = cell.dataset.value;
    });
  });

  function flashMoved(root) {
    if (!before) return;
    root.querySelectorAll("[data-cell]").forEach(function (cell) {
      var old = before[cell.dataset.cell];
      if (old !== undefined && old !== cell.dataset.value) cell.classList.add("moved");
    });
    before = null;
  }

  // --- charts ----------------------------------------------------------------------------------------------

  var numbers = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
  var PALETTE = ["#1d4ed8", "#0f766e", "#9333ea", "#c2410c", "#0891b2", "#65a30d", "#be185d", "#475569"];

  // A dashed line at 100 %: above it the plant needs overtime, shifts, or cannot make the plan.
  var fullLine = {
    id: "budgetFull",
    afterDatasetsDraw: function (chart, args, options) {
      if (!options || !options.value) return;
      var y = chart.scales.y.getPixelForValue(options.value);
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = cssVar("--short", "#b91c1c");
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      ctx.moveTo(area.left, y);
      ctx.lineTo(area.right, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = cssVar("--short", "#b91c1c");
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.fillText("100 %", area.left + 4, y - 4);
      ctx.restore();
    },
  };

  function axes(title, suffix) {
    var muted = cssVar("--muted", "#64748b");
    return {
      x: { grid: { display: false }, ticks: { color: muted } },
      y: {
        beginAtZero: true,
        grid: { color: cssVar("--border", "#e2e8f0") },
        ticks: { color: muted, callback: function (v) { return numbers.format(v) + (suffix || ""); } },
        title: { display: true, text: title, color: muted },
      },
    };
  }

  function redraw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    var old = window.Chart.getChart(canvas);
    if (old) old.destroy();
    new window.Chart(canvas, config);
  }

  function drawCharts() {
    var data = readJson("budget-chart-data");
    if (!data || typeof window.Chart === "undefined") return;
    redraw("budget-utilisation-chart", {
      type: "line",
      data: {
        labels: data.months,
        datasets: data.utilisation.map(function (r, k) {
          var colour = PALETTE[k % PALETTE.length];
          return { label: r.label, data: r.values, borderColor: colour, backgroundColor: colour, tension: 0.2, pointRadius: 3 };
        }),
      },
      plugins: [fullLine],
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: axes("peak utilisation", " %"),
        plugins: {
          budgetFull: { value: 100 },
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + numbers.format(item.raw) + " %"; } } },
        },
      },
    });
    redraw("budget-money-chart", {
      data: {
        labels: data.months,
        datasets: [
          { type: "bar", label: "Revenue", data: data.money.revenue, backgroundColor: cssVar("--chart-mps", "#93c5fd"), order: 2 },
          { type: "bar", label: "Costs", data: data.money.costs, backgroundColor: "#fca5a5", order: 3 },
          { type: "line", label: "Margin", data: data.money.margin, borderColor: cssVar("--text", "#0f172a"), backgroundColor: cssVar("--text", "#0f172a"), pointRadius: 3, order: 1 },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: axes("money", ""),
        plugins: { tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + numbers.format(item.raw); } } } },
      },
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target) return;
    // The drill-down opens below the whole session screen: bring it into view, or the click seems to do nothing.
    if (target.id === "drilldown" && target.firstElementChild) {
      target.scrollIntoView({ block: "start" });
      return;
    }
    var figures = target.id === "figures" ? target : document.getElementById("figures");
    if (target.id === "figures" || (figures && target.contains && target.contains(figures))) {
      flashMoved(figures);
      drawCharts();
    }
  });

  // --- comments on a line ----------------------------------------------------------------------------------

  function pickLine(line, label) {
    var form = document.getElementById("comment-form");
    if (form) {
      var input = form.querySelector("input[name='cm-line']");
      if (input) input.value = line;
      var shown = form.querySelector("#comment-line-label");
      if (shown) shown.textContent = line ? label : "the whole plan";
    }
    var session = document.getElementById("session");
    var comments = document.getElementById("comments");
    if (session && comments && window.htmx) {
      var url = session.dataset.commentsUrl + (line ? "&line=" + encodeURIComponent(line) : "");
      window.htmx.ajax("GET", url, { target: "#comments", swap: "outerHTML" });
    }
    var panel = document.getElementById("comments-panel");
    if (panel) panel.scrollIntoView({ behavior: "smooth", block: "nearest" });
    var body = form && form.querySelector("textarea");
    if (body) body.focus({ preventScroll: true });
  }

  // --- another campaign line -------------------------------------------------------------------------------

  function addLine(button) {
    var form = button.closest("form");
    var rows = form.querySelectorAll("tr.campaign-line");
    var last = rows[rows.length - 1];
    var count = form.querySelector("[data-line-count]");
    var index = rows.length;
    var copy = last.cloneNode(true);
    copy.dataset.lineIndex = String(index);
    copy.querySelectorAll(".errorlist").forEach(function (node) { node.remove(); });
    copy.querySelectorAll("td").forEach(function (cell) { cell.classList.remove("field-invalid"); });
    copy.querySelectorAll("input, select").forEach(function (field) {
      field.name = field.name.replace(/-l\d+-/, "-l" + index + "-");
      if (field.id) field.id = field.id.replace(/-l\d+-/, "-l" + index + "-");
      var label = field.getAttribute("aria-label");
      if (label) field.setAttribute("aria-label", label.replace(/^Line \d+/, "Line " + (index + 1)));
      if (field.tagName === "INPUT") field.value = "";
      else field.selectedIndex = 0;
    });
    last.parentNode.appendChild(copy);
    if (count) count.value = String(index + 1);
    var sku = copy.querySelector("input");
    if (sku) sku.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var lineButton = target.closest(".line-comment, .line-link");
    if (lineButton) {
      event.preventDefault();
      pickLine(lineButton.dataset.line, lineButton.dataset.label);
      return;
    }
    if (target.closest("[data-show-all-comments], [data-clear-line]")) {
      event.preventDefault();
      pickLine("", "");
      return;
    }
    var add = target.closest("[data-add-line]");
    if (add) {
      event.preventDefault();
      addLine(add);
      return;
    }
    if (target.closest("[data-close-drilldown]")) {
      var drill = document.getElementById("drilldown");
      if (drill) drill.innerHTML = "";
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select && select.matches && select.matches("select[data-autosubmit]")) select.form.submit();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawCharts);
  else drawCharts();
})();
