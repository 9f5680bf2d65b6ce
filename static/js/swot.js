// SWOT board: filter on change, and keep the keyboard where the person was after an htmx swap
// (a moved card's button, a saved card's Edit link).
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  const filter = document.querySelector(".swot-filter select");
  if (filter) filter.addEventListener("change", () => filter.form.submit());
});
document.addEventListener("htmx:afterSettle", () => {
  const card = document.querySelector("[data-refocus]");
  if (!card) return;
  const want = card.dataset.refocus;
  card.removeAttribute("data-refocus");
  const active = document.activeElement;
  if (active && active !== document.body && document.body.contains(active) && !active.disabled) return;
  // The button pressed may now be disabled (top or bottom reached): take the other direction.
  const order = { up: ["up", "down", "edit"], down: ["down", "up", "edit"], edit: ["edit"] }[want] || [];
  const target = order.map((dir) => card.querySelector(`[data-dir="${dir}"]:not([disabled])`))
    .find(Boolean) || card;
  target.focus();
});
