// KPIs & actuals: keyboard-first month grids. The pages work without this script (every input
// is posted and unchanged cells are skipped on the server); with it:
// - arrows move between cells, Enter moves down (Shift+Enter up), Tab moves right, Esc undoes
//   the cell, Ctrl+S saves, Alt+H opens the cell's history;
// - pasting a row (or block) of numbers copied from a spreadsheet fills the cells to the right
//   (and below);
// - changed cells are highlighted and counted, only they are sent, and leaving with unsaved
//   changes asks first.
(() => {
  "use strict";

  const focusKey = () => `actuals-focus:${location.pathname}`;

  function gridRows(table) {
    return Array.from(table.querySelectorAll("tbody tr")).filter((tr) => tr.querySelector(".cell-input"));
  }

  function inputAt(row, col) {
    const cell = row && row.cells[col];
    return cell ? cell.querySelector(".cell-input") : null;
  }

  function position(input) {
    const td = input.closest("td");
    const rows = gridRows(input.closest("table"));
    return { rows, row: rows.indexOf(td.parentElement), col: td.cellIndex };
  }

  function focusCell(input) {
    if (!input) return false;
    input.focus();
    input.select();
    return true;
  }

  function moveVertical(input, step) {
    const { rows, row, col } = position(input);
    for (let r = row + step; r >= 0 && r < rows.length; r += step) {
      if (focusCell(inputAt(rows[r], col))) return;
    }
  }

  function moveHorizontal(input, step) {
    const { rows, row, col } = position(input);
    const tr = rows[row];
    for (let c = col + step; c >= 0 && c < tr.cells.length; c += step) {
      if (focusCell(inputAt(tr, c))) return;
    }
  }

  function wholeSelected(input) {
    return input.selectionStart === 0 && input.selectionEnd === input.value.length;
  }

  function atStart(input) {
    return wholeSelected(input) || (input.selectionStart === 0 && input.selectionEnd === 0);
  }

  function atEnd(input) {
    const end = input.value.length;
    return wholeSelected(input) || (input.selectionStart === end && input.selectionEnd === end);
  }

  function onKeydown(event) {
    const input = event.target;
    if (!input.classList || !input.classList.contains("cell-input")) return;
    const form = input.form;
    if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "Enter")) {
      event.preventDefault();
      if (form) form.requestSubmit();
      return;
    }
    if (event.altKey && (event.key === "h" || event.key === "H")) {
      const button = input.closest("td").querySelector(".cell-history");
      if (button) { event.preventDefault(); openHistory(button); }
      return;
    }
    switch (event.key) {
      case "ArrowDown": event.preventDefault(); moveVertical(input, 1); break;
      case "ArrowUp": event.preventDefault(); moveVertical(input, -1); break;
      case "Enter": event.preventDefault(); moveVertical(input, event.shiftKey ? -1 : 1); break;
      case "ArrowLeft": if (atStart(input)) { event.preventDefault(); moveHorizontal(input, -1); } break;
      case "ArrowRight": if (atEnd(input)) { event.preventDefault(); moveHorizontal(input, 1); } break;
      case "Escape":
        if (input.dataset.original !== undefined && input.value !== input.dataset.original) {
          event.preventDefault();
          input.value = input.dataset.original;
          input.dispatchEvent(new Event("input", { bubbles: true }));
          input.select();
        }
        break;
      default: break;
    }
  }

  // A spreadsheet copy: rows separated by newlines, cells by tabs.
  function pastedBlock(text) {
    const lines = text.replace(/\r/g, "").replace(/\n+$/, "").split("\n");
    if (lines.length === 1 && !lines[0].includes("\t")) return null;
    return lines.map((line) => line.split("\t"));
  }

  function onPaste(event) {
    const input = event.target;
    if (!input.classList || !input.classList.contains("cell-input")) return;
    const block = pastedBlock((event.clipboardData || window.clipboardData).getData("text"));
    if (!block) return;
    event.preventDefault();
    const { rows, row, col } = position(input);
    block.forEach((values, i) => {
      const tr = rows[row + i];
      if (!tr) return;
      values.forEach((value, j) => {
        const target = inputAt(tr, col + j);
        if (!target) return;
        target.value = value.trim();
        target.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
    input.select();
  }

  // Changed cells -------------------------------------------------------------------------

  function isChanged(input) {
    return input.dataset.original !== undefined && input.value.trim() !== input.dataset.original.trim();
  }

  function refreshDirty(form) {
    const changed = Array.from(form.querySelectorAll(".cell-input")).filter(isChanged);
    const counter = form.querySelector("[data-dirty-count]");
    if (counter) {
      const n = changed.length;
      counter.textContent = n === 0 ? "" : (n === 1 ? counter.dataset.one : counter.dataset.many.replace("{n}", n));
    }
    form.dataset.dirty = changed.length ? "1" : "";
  }

  function setUpGridForm(form) {
    form.querySelectorAll(".cell-input").forEach((input) => input.classList.toggle("is-changed", isChanged(input)));
    refreshDirty(form);
    form.addEventListener("input", (event) => {
      if (!event.target.classList.contains("cell-input")) return;
      event.target.classList.toggle("is-changed", isChanged(event.target));
      refreshDirty(form);
    });
    form.addEventListener("submit", () => {
      form.dataset.submitting = "1";
      // Only changed cells travel; the server skips unchanged ones anyway.
      form.querySelectorAll(".cell-input").forEach((input) => { if (!isChanged(input)) input.disabled = true; });
      const active = document.activeElement;
      if (active && active.name) sessionStorage.setItem(focusKey(), active.name);
    });
    window.addEventListener("pageshow", () => {
      form.dataset.submitting = "";
      form.querySelectorAll(".cell-input:disabled").forEach((input) => { input.disabled = false; });
    });
    window.addEventListener("beforeunload", (event) => {
      if (form.dataset.dirty && !form.dataset.submitting) { event.preventDefault(); event.returnValue = ""; }
    });
    setUpConflicts(form);
    restoreFocus(form);
  }

  function restoreFocus(form) {
    const problem = form.querySelector(".has-problem .cell-input");
    if (problem) { focusCell(problem); return; }
    const name = sessionStorage.getItem(focusKey());
    sessionStorage.removeItem(focusKey());
    const previous = name && form.querySelector(`.cell-input[name="${CSS.escape(name)}"]`);
    if (previous) focusCell(previous);
  }

  function cellInput(form, key) {
    return form.querySelector(`.cell-input[name="${CSS.escape(`cell.${key}`)}"]`);
  }

  function setUpConflicts(form) {
    form.querySelectorAll("[data-take-theirs], [data-keep-mine]").forEach((button) => {
      button.addEventListener("click", () => {
        const key = button.dataset.takeTheirs || button.dataset.keepMine;
        const input = cellInput(form, key);
        const row = button.closest("tr");
        row.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", "false"));
        button.setAttribute("aria-pressed", "true");
        row.classList.add("is-resolved");
        if (!input) return;
        if (button.dataset.takeTheirs) {
          input.value = button.dataset.theirs;
          input.dispatchEvent(new Event("input", { bubbles: true }));
        }
        input.closest("td").classList.remove("has-conflict", "has-problem");
      });
    });
  }

  // History popover -----------------------------------------------------------------------

  let popoverOwner = null;

  function popover() {
    return document.getElementById("cell-history-popover");
  }

  function closeHistory() {
    const box = popover();
    if (!box || box.hidden) return;
    box.hidden = true;
    const back = popoverOwner && (popoverOwner.closest("td").querySelector(".cell-input") || popoverOwner);
    popoverOwner = null;
    if (back) back.focus();
  }

  async function openHistory(button) {
    const box = popover();
    const table = button.closest("[data-month-grid]");
    if (!box || !table) return;
    const url = `${table.dataset.historyUrl}?key=${encodeURIComponent(button.dataset.historyKey)}`;
    const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    box.innerHTML = response.ok ? await response.text() : `<p class="field-error">${response.status}</p>`;
    box.hidden = false;
    popoverOwner = button;
    const rect = button.closest("td").getBoundingClientRect();
    const left = Math.min(rect.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - box.offsetWidth - 12);
    box.style.left = `${Math.max(8, left)}px`;
    box.style.top = `${rect.bottom + window.scrollY + 4}px`;
    const close = box.querySelector("[data-popover-close]");
    if (close) close.focus();
  }

  // Wiring --------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-month-grid]").forEach((table) => {
      table.addEventListener("keydown", onKeydown);
      table.addEventListener("paste", onPaste);
      table.addEventListener("focusin", (event) => {
        if (event.target.classList.contains("cell-input")) event.target.select();
      });
    });
    document.querySelectorAll("[data-grid-form]").forEach(setUpGridForm);
    document.querySelectorAll("[data-autosubmit]").forEach((form) => {
      form.querySelectorAll("[data-hide-with-js]").forEach((el) => { el.hidden = true; });
      form.querySelectorAll("select").forEach((select) => select.addEventListener("change", () => form.requestSubmit()));
    });
    document.addEventListener("click", (event) => {
      const button = event.target.closest(".cell-history");
      if (button) { event.preventDefault(); openHistory(button); return; }
      if (event.target.closest("[data-popover-close]")) { closeHistory(); return; }
      const box = popover();
      if (box && !box.hidden && !box.contains(event.target)) closeHistory();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && popover() && !popover().hidden) { event.preventDefault(); closeHistory(); }
    });
  });
})();

// KPI editor: suggest a code from the name while the code is still empty.
document.addEventListener("DOMContentLoaded", () => {
  const name = document.querySelector(".kpi-form #id_name");
  const code = document.querySelector(".kpi-form #id_code");
  if (!name || !code) return;
  let suggested = !code.value;
  code.addEventListener("input", () => { suggested = false; });
  name.addEventListener("input", () => {
    if (!suggested) return;
    code.value = name.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
  });
});
