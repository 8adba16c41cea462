// Keyboard-first result entry: a spreadsheet feel on top of inputs that save
// themselves through htmx. Tab moves right (the browser's own), Enter moves down,
// arrows move anywhere, "a"/"x" mark absent/exempt, and a pasted column or block
// fills the cells below and to the right.
(function () {
  "use strict";

  const table = document.querySelector("[data-grid]");
  if (!table) return;

  function inputs() {
    return Array.from(table.querySelectorAll("tbody tr")).map((row) =>
      Array.from(row.querySelectorAll("input[data-item]"))
    );
  }

  function position(input) {
    const grid = inputs();
    for (let r = 0; r < grid.length; r++) {
      const c = grid[r].indexOf(input);
      if (c !== -1) return { grid, r, c };
    }
    return null;
  }

  function focusAt(grid, r, c) {
    if (r < 0 || r >= grid.length) return false;
    const target = grid[r][Math.max(0, Math.min(c, grid[r].length - 1))];
    if (!target) return false;
    target.focus();
    target.select();
    return true;
  }

  function commit(input, value) {
    if (value !== undefined) input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function moveDown(input) {
    const at = position(input);
    if (at) focusAt(at.grid, at.r + 1, at.c);
  }

  table.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.item) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const at = position(input);
    if (!at) return;
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length;
    const allSelected =
      input.selectionStart === 0 && input.selectionEnd === input.value.length;
    switch (event.key) {
      case "Enter":
        event.preventDefault();
        focusAt(at.grid, at.r + (event.shiftKey ? -1 : 1), at.c);
        break;
      case "ArrowDown":
        event.preventDefault();
        focusAt(at.grid, at.r + 1, at.c);
        break;
      case "ArrowUp":
        event.preventDefault();
        focusAt(at.grid, at.r - 1, at.c);
        break;
      case "ArrowLeft":
        if (atStart || allSelected) {
          event.preventDefault();
          focusAt(at.grid, at.r, at.c - 1);
        }
        break;
      case "ArrowRight":
        if (atEnd || allSelected) {
          event.preventDefault();
          focusAt(at.grid, at.r, at.c + 1);
        }
        break;
      case "a":
      case "A":
      case "x":
      case "X":
        if (input.value === "" || allSelected) {
          event.preventDefault();
          // A value set by script fires no "change" on blur: commit it here.
          commit(input, event.key.toLowerCase());
          moveDown(input);
        }
        break;
      default:
        break;
    }
  });

  // Leaving a cell commits it; htmx posts on "change".
  table.addEventListener("paste", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.item) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n]/.test(text.trim())) return; // a single value pastes normally
    event.preventDefault();
    const at = position(input);
    const lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    let filled = 0;
    lines.forEach((line, i) => {
      const row = at.grid[at.r + i];
      if (!row) return;
      line.split("\t").forEach((value, j) => {
        const cell = row[at.c + j];
        if (!cell) return;
        commit(cell, value.trim());
        filled += 1;
      });
    });
    const status = document.getElementById("grid-status");
    if (status) status.textContent = `Pasted ${filled} values; saving.`;
  });

  // After htmx swaps a cell, keep the total of entered cells current.
  document.body.addEventListener("htmx:afterSwap", () => {
    const counter = document.getElementById("entered-count");
    if (!counter) return;
    const filled = table.querySelectorAll("input[data-item]");
    counter.textContent = Array.from(filled).filter(
      (i) => i.value.trim() !== "" && i.getAttribute("aria-invalid") !== "true"
    ).length;
  });
})();
