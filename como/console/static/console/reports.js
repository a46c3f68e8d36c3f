// Draws the reports' charts (canvas.report-chart, their data in data-chart) with the Chart.js
// unfold ships, on load and again after htmx swaps a section or a panel in (a model switch).
(function () {
  if (window.comoReportCharts) return;
  window.comoReportCharts = true;
  const palette = ["#7c3aed", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#6366f1", "#ec4899", "#64748b"];

  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas.report-chart").forEach(function (canvas) {
      const existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      const data = JSON.parse(canvas.dataset.chart);
      data.datasets.forEach(function (set, i) {
        set.backgroundColor = palette[i % palette.length];
        set.borderColor = palette[i % palette.length];
      });
      new Chart(canvas, {
        type: "bar",
        data: data,
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { position: "bottom", align: "start" } },
          scales: { y: { beginAtZero: true } },
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
})();
