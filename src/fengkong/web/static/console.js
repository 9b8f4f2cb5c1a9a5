/* The console's only script of its own (the Content-Security-Policy admits no inline script):
   draws each chart from the option the page carries as JSON, redraws after htmx swaps, and
   submits the language choice when it changes. */
(function () {
  "use strict";

  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) { return; }
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(source.textContent));
      el.setAttribute("data-drawn", "1");
    });
  }

  function resizeCharts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("js");
    drawCharts(document);
    document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.body.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
  });
  window.addEventListener("resize", resizeCharts);
}());
