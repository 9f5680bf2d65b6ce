// Goal editor: once the plan is approved, the "why" field appears when the target, due date,
// budget or owner differs from what was saved. Without JS the field is simply always shown.
document.addEventListener("DOMContentLoaded", () => {
  const block = document.querySelector("[data-reason-block]");
  if (!block) return;
  const watched = Array.from(document.querySelectorAll("[data-baseline-field]"));
  const initial = new Map(watched.map((el) => [el, el.defaultValue ?? el.value]));
  watched.forEach((el) => {
    if (el.tagName === "SELECT") {
      const selected = Array.from(el.options).find((o) => o.defaultSelected);
      initial.set(el, selected ? selected.value : "");
    }
  });
  const update = () => {
    const changed = watched.some((el) => el.value !== initial.get(el));
    block.hidden = !(changed || block.hasAttribute("data-open"));
    const reason = block.querySelector("textarea");
    if (reason) reason.required = !block.hidden;
  };
  watched.forEach((el) => { el.addEventListener("input", update); el.addEventListener("change", update); });
  update();
});

// Once the goal form is being saved, the live SMART check stops asking: a check that lands
// during the save would only race with it.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("goal-form");
  if (!form) return;
  let saving = false;
  form.addEventListener("submit", () => { saving = true; });
  form.addEventListener("htmx:confirm", (event) => { if (saving) event.preventDefault(); });
});
