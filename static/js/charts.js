// Dashboards: draw every Plotly figure on the page from its JSON, and submit the filter form
// when a select changes (the "Show" button remains for keyboards and without JavaScript).
(function () {
  "use strict";
  const CONFIG = {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"],
    toImageButtonOptions: { format: "png", width: 1920, height: 1080, scale: 1 },
  };

  function draw(element) {
    const source = document.getElementById(element.dataset.figure);
    if (!source || !window.Plotly) return;
    const figure = JSON.parse(source.textContent);
    const layout = Object.assign({}, figure.layout, { autosize: true });
    window.Plotly.newPlot(element, figure.data, layout, CONFIG);
  }

  function autosubmit(form) {
    form.querySelectorAll("select").forEach((select) => {
      select.addEventListener("change", () => form.requestSubmit ? form.requestSubmit() : form.submit());
    });
    form.querySelectorAll("[data-hide-with-js]").forEach((button) => button.classList.add("visually-hidden"));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-figure]").forEach(draw);
    document.querySelectorAll("form[data-autosubmit]").forEach(autosubmit);
  });
})();
