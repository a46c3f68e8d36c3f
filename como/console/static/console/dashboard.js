// Draws the dashboard's channel charts with the Chart.js unfold ships, on load and again
// after htmx swaps the panels in (a period or workspace switch, without a reload).
(function () {
  const palette = ["#7c3aed", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#6366f1", "#ec4899"];

  function draw(root) {
    const source = root.querySelector("#console-channel-series");
    if (!source || typeof Chart === "undefined") return;
    const series = JSON.parse(source.textContent);
    const canvases = root.querySelectorAll("canvas.console-chart");
    const measures = ["clicks", "spend"];
    canvases.forEach(function (canvas, index) {
      const existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      const measure = measures[index] || "clicks";
      const datasets = Object.entries(series[measure] || {}).map(function ([channel, values], i) {
        const color = palette[i % palette.length];
        return { label: channel, data: values, borderColor: color, backgroundColor: color, tension: 0.3, pointRadius: 0 };
      });
      new Chart(canvas, {
        type: canvas.dataset.kind || "line",
        data: { labels: series.days, datasets: datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: { x: { stacked: canvas.dataset.kind === "bar" }, y: { stacked: canvas.dataset.kind === "bar", beginAtZero: true } },
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
})();
