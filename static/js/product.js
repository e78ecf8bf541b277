/* Product page: the history + forecast chart, redrawn from the new numbers each time the forecast grid is saved
 * (the grid partial carries its own json_script block "product-chart-data"). */
(function () {
  "use strict";
  var chart = null;

  function draw() {
    chart = window.sopCharts.demandChart(
      document.getElementById("product-chart"),
      window.sopCharts.readJson("product-chart-data")
    );
  }

  // Only the grid is swapped by htmx on this page; whatever settled, redraw from the block now in the page.
  document.addEventListener("htmx:afterSettle", function () {
    window.sopCharts.update(chart, window.sopCharts.readJson("product-chart-data"));
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
