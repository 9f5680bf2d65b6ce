// Charts in the reader's language: Plotly draws month names on date axes ("%b") and its
// toolbar tips from its own locale, not from Django's. Load after plotly.js, before charts.js.
(function () {
  "use strict";
  const lang = (document.documentElement.lang || "en").slice(0, 2);
  if (lang !== "de" || !window.Plotly) return;
  window.Plotly.register({
    moduleType: "locale",
    name: "de",
    dictionary: {
      "Autoscale": "Automatisch skalieren",
      "Download plot as a png": "Diagramm als PNG herunterladen",
      "Download plot": "Diagramm herunterladen",
      "Pan": "Verschieben",
      "Reset axes": "Achsen zurücksetzen",
      "Reset view": "Ansicht zurücksetzen",
      "Show closest data on hover": "Nächsten Datenpunkt beim Überfahren zeigen",
      "Compare data on hover": "Daten beim Überfahren vergleichen",
      "Snapshot succeeded": "Bild erstellt",
      "Taking snapshot - this may take a few seconds": "Bild wird erstellt – das kann einige Sekunden dauern",
      "Toggle Spike Lines": "Hilfslinien ein/aus",
      "Zoom": "Zoomen",
      "Zoom in": "Vergrößern",
      "Zoom out": "Verkleinern",
    },
    format: {
      days: ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
      shortDays: ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
      months: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
        "September", "Oktober", "November", "Dezember"],
      shortMonths: ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
      date: "%d.%m.%Y",
      decimal: ",",
      thousands: ".",
    },
  });
  window.Plotly.setPlotConfig({ locale: "de" });
})();
