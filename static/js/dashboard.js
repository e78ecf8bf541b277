/* Dashboard: draw the demand chart from the json_script block "demand-data". */
(function () {
  "use strict";
  function draw() {
    window.sopCharts.demandChart(document.getElementById("demand-chart"), window.sopCharts.readJson("demand-data"));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
