// Budget grid: spreadsheet keys, paste of rows copied from Excel, live totals. The server reads
// the amounts again (planning/forms/budgets.py, parse_amount) — keep the two parsers alike.
(function () {
  "use strict";

  const form = document.querySelector("[data-budget-grid]");
  if (!form) return;
  const decimalSep = form.dataset.decimalSep || ".";
  const lang = form.dataset.lang || undefined;
  const wholeNumber = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  const withCents = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const cells = [...form.querySelectorAll("input.cell")];
  const grid = [];
  cells.forEach((cell) => {
    const r = Number(cell.dataset.row), c = Number(cell.dataset.col);
    (grid[r] = grid[r] || [])[c] = cell;
  });
  const status = form.querySelector("[data-grid-status]");
  let submitting = false;

  function message(name, n) {
    const text = (n === 1 && form.dataset[`${name}One`]) || form.dataset[name] || "";
    return text.replace("%(n)s", n);
  }

  // Same reading as parse_amount on the server: {value: cents or null} or {error}.
  function parseAmount(text) {
    const s = text.replace(/[\s\u00a0\u202f'’]/g, "").replace(/^[$€£¥]+|[$€£¥]+$/g, "");
    if (!s) return { value: null };
    if (/^[-−(]/.test(s)) return { error: message("msgNegative") };
    if (!/^[0-9.,]+$/.test(s)) return { error: message("msgNan") };
    const commas = (s.match(/,/g) || []).length, dots = (s.match(/\./g) || []).length;
    let decimal = "", thousands = "";
    if (commas && dots) {
      decimal = s.lastIndexOf(",") > s.lastIndexOf(".") ? "," : ".";
      thousands = decimal === "," ? "." : ",";
    } else if (commas || dots) {
      const sep = commas ? "," : ".";
      const tail = s.slice(s.lastIndexOf(sep) + 1);
      if (commas + dots > 1 || (tail.length === 3 && sep !== decimalSep)) thousands = sep;
      else decimal = sep;
    }
    let whole = s, fraction = "";
    if (decimal) { const i = s.lastIndexOf(decimal); whole = s.slice(0, i); fraction = s.slice(i + 1); }
    const grouped = thousands ? new RegExp(`^\\d{1,3}(\\${thousands}\\d{3})*$`) : /^\d*$/;
    if (!grouped.test(whole) || (fraction && !/^\d+$/.test(fraction))) return { error: message("msgNan") };
    const digits = thousands ? whole.split(thousands).join("") : whole;
    const value = Number(`${digits || "0"}.${fraction || "0"}`);
    return { value: Math.round(value * 100) };  // cents, so that sums are exact
  }

  function origCents(cell) {
    return cell.dataset.orig ? Math.round(Number(cell.dataset.orig) * 100) : 0;
  }

  // Like format_amount on the server: cents only when there are any.
  function format(value) { return (value % 100 ? withCents : wholeNumber).format(value / 100); }

  function recalc() {
    const columns = new Array(12).fill(0);
    let grand = 0, changed = 0, invalid = 0;
    grid.forEach((row, r) => {
      let total = 0;
      row.forEach((cell, c) => {
        const parsed = parseAmount(cell.value);
        cell.classList.toggle("invalid", Boolean(parsed.error));
        cell.setAttribute("aria-invalid", parsed.error ? "true" : "false");
        cell.title = parsed.error || "";
        const cents = parsed.value || 0;
        const isChanged = !parsed.error && cents !== origCents(cell);
        cell.classList.toggle("changed", isChanged);
        if (parsed.error) invalid += 1; else { total += cents; columns[c] += cents; }
        if (isChanged) changed += 1;
      });
      grand += total;
      const cellTotal = form.querySelector(`[data-row-total="${r}"]`);
      if (cellTotal) cellTotal.textContent = format(total);
    });
    columns.forEach((cents, c) => {
      const td = form.querySelector(`[data-col-total="${c}"]`);
      if (td) td.textContent = format(cents);
    });
    const grandCell = form.querySelector("[data-grand-total]");
    if (grandCell) grandCell.textContent = format(grand);
    if (status) {
      const parts = [];
      if (changed) parts.push(message("msgUnsaved", changed));
      if (invalid) parts.push(message("msgInvalid", invalid));
      status.textContent = parts.join(" · ");
    }
    return { changed, invalid };
  }

  function focusCell(r, c) {
    const cell = grid[r] && grid[r][c];
    if (cell) { cell.focus(); cell.select(); }
  }

  function onKey(event) {
    const cell = event.target;
    const r = Number(cell.dataset.row), c = Number(cell.dataset.col);
    const atStart = cell.selectionStart === 0 && cell.selectionEnd === 0;
    const atEnd = cell.selectionStart === cell.value.length;
    const all = cell.selectionStart === 0 && cell.selectionEnd === cell.value.length;
    switch (event.key) {
      case "ArrowUp": event.preventDefault(); focusCell(r - 1, c); break;
      case "ArrowDown": event.preventDefault(); focusCell(r + 1, c); break;
      case "Enter": event.preventDefault(); focusCell(event.shiftKey ? r - 1 : r + 1, c); break;
      case "ArrowLeft": if (atStart || all) { event.preventDefault(); focusCell(r, c - 1); } break;
      case "ArrowRight": if (atEnd || all) { event.preventDefault(); focusCell(r, c + 1); } break;
      default: break;
    }
  }

  function splitLine(line) {
    if (line.includes("\t")) return line.split("\t");
    if (line.includes(";")) return line.split(";");
    return line.trim().split(/\s+/);
  }

  function onPaste(event) {
    const text = (event.clipboardData || window.clipboardData).getData("text");
    const lines = text.replace(/\r/g, "").split("\n");
    while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
    const rows = lines.map(splitLine);
    if (rows.length <= 1 && (rows[0] || []).length <= 1) return;  // one value: a normal paste
    event.preventDefault();
    const cell = event.target;
    const r0 = Number(cell.dataset.row), c0 = Number(cell.dataset.col);
    let pasted = 0, left = 0;
    rows.forEach((values, i) => values.forEach((value, j) => {
      const target = grid[r0 + i] && grid[r0 + i][c0 + j];
      if (target) { target.value = value.trim(); pasted += 1; } else { left += 1; }
    }));
    recalc();
    if (status) {
      status.textContent = [message("msgPasted", pasted), left ? message("msgOverflow", left) : "", status.textContent]
        .filter(Boolean).join(" · ");
    }
  }

  cells.forEach((cell) => {
    cell.addEventListener("keydown", onKey);
    cell.addEventListener("paste", onPaste);
    cell.addEventListener("input", recalc);
    cell.addEventListener("focus", () => cell.select());
  });

  form.querySelectorAll("[data-resolve]").forEach((radio) => {
    radio.addEventListener("change", () => {
      const cell = document.getElementById(`cell-${radio.dataset.resolve}`);
      if (!cell) return;
      if (radio.value === "theirs") { cell.dataset.mine = cell.value; cell.value = radio.dataset.theirs; }
      else if (cell.dataset.mine !== undefined) cell.value = cell.dataset.mine;
      recalc();
    });
  });

  form.addEventListener("submit", () => {
    submitting = true;
    // Send only the cells that changed: the page stays small for 50 departments, and a cell
    // nobody touched can never overwrite what someone else saved meanwhile.
    cells.forEach((cell) => {
      if (!cell.classList.contains("changed") && !cell.classList.contains("invalid")) cell.disabled = true;
    });
  });

  window.addEventListener("beforeunload", (event) => {
    if (!submitting && recalc().changed) { event.preventDefault(); event.returnValue = ""; }
  });
  window.addEventListener("pageshow", () => cells.forEach((cell) => { cell.disabled = false; }));

  recalc();
})();
