// Roadmap and initiative pages: department picker, dependency search box. Progressive
// enhancement: without JS the picker has a "Show" button and dependencies are edited by id.
(function () {
  "use strict";

  function addChip(picker, button) {
    const chips = picker.querySelector("[data-chips]");
    const id = button.dataset.pick;
    if (chips.querySelector(`input[value="${id}"]`)) return;
    const li = document.createElement("li");
    li.className = "chip";
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = picker.dataset.name || "depends_on";
    input.value = id;
    const label = document.createElement("span");
    label.textContent = button.dataset.label;
    const where = document.createElement("span");
    where.className = "muted";
    where.textContent = ` (${button.dataset.department})`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.dataset.remove = "";
    remove.setAttribute("aria-label", `${picker.dataset.removeLabel || "Remove"} ${button.dataset.label}`);
    remove.textContent = "×";
    li.append(input, label, where, remove);
    chips.append(li);
  }

  function clearResults(picker) {
    const results = picker.querySelector("[data-results]");
    const search = picker.querySelector("[data-search]");
    if (results) results.innerHTML = "";
    if (search) { search.value = ""; search.focus(); }
  }

  function pick(picker, button) {
    if (picker.dataset.mode === "submit") {
      const form = picker.closest("form");
      form.querySelector("[data-pick-target]").value = button.dataset.pick;
      form.requestSubmit();
      return;
    }
    addChip(picker, button);
    clearResults(picker);
  }

  document.addEventListener("click", (event) => {
    const picked = event.target.closest("[data-pick]");
    const picker = event.target.closest("[data-dep-picker]");
    if (picked && picker) { event.preventDefault(); pick(picker, picked); return; }
    const remove = event.target.closest("[data-remove]");
    if (remove && picker) { event.preventDefault(); remove.closest("li").remove(); }
  });

  document.addEventListener("keydown", (event) => {
    const search = event.target.closest && event.target.closest("[data-search]");
    if (!search) return;
    const picker = search.closest("[data-dep-picker]");
    const results = [...picker.querySelectorAll("[data-pick]")];
    if (event.key === "Enter") {
      // Enter picks the first match instead of submitting the whole form.
      event.preventDefault();
      if (results.length) pick(picker, results[0]);
    } else if (event.key === "ArrowDown" && results.length) {
      event.preventDefault();
      results[0].focus();
    } else if (event.key === "Escape") {
      clearResults(picker);
    }
  });

  document.addEventListener("keydown", (event) => {
    const result = event.target.closest && event.target.closest("[data-pick]");
    if (!result) return;
    const items = [...result.closest("[data-results]").querySelectorAll("[data-pick]")];
    const index = items.indexOf(result);
    if (event.key === "ArrowDown" && index < items.length - 1) { event.preventDefault(); items[index + 1].focus(); }
    if (event.key === "ArrowUp") {
      event.preventDefault();
      if (index > 0) items[index - 1].focus();
      else result.closest("[data-dep-picker]").querySelector("[data-search]").focus();
    }
  });

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });
})();
