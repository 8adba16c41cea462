// Keyboard-first result entry: a spreadsheet feel on top of inputs that save
// themselves through htmx. Tab moves right (the browser's own), Enter moves down,
// arrows move anywhere, "a"/"x" mark absent/exempt, and a pasted column or block
// fills the cells below and to the right and is saved by one request.
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

  // A lead's History link sits left of each row's first item, out of the Tab
  // order so Tab still goes from item to item: arrows reach it instead.
  function historyLink(row) {
    return row ? row.querySelector("[data-history]") : null;
  }

  function onHistoryKey(event, link) {
    const row = link.closest("tr");
    let target = null;
    if (event.key === "ArrowRight") {
      target = row.querySelector("input[data-item]");
    } else if (event.key === "ArrowDown") {
      target = historyLink(row.nextElementSibling);
    } else if (event.key === "ArrowUp") {
      target = historyLink(row.previousElementSibling);
    } else {
      return;
    }
    event.preventDefault();
    if (target) target.focus();
  }

  table.addEventListener("keydown", (event) => {
    const input = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (input instanceof HTMLAnchorElement && input.dataset.history !== undefined) {
      onHistoryKey(event, input);
      return;
    }
    if (!(input instanceof HTMLInputElement) || !input.dataset.item) return;
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
          const link = at.c === 0 ? historyLink(input.closest("tr")) : null;
          if (link) link.focus();
          else focusAt(at.grid, at.r, at.c - 1);
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

  // Leaving a cell commits it; htmx posts on "change". A paste fills the
  // cells at once (setting a value by script fires no "change") and sends them
  // all in one request; the answer swaps each cell and row total in place.
  table.addEventListener("paste", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.item) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n]/.test(text.trim())) return; // a single value pastes normally
    event.preventDefault();
    const at = position(input);
    const lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    const cells = [];
    let outside = 0;
    lines.forEach((line, i) => {
      const row = at.grid[at.r + i];
      line.split("\t").forEach((value, j) => {
        const cell = row ? row[at.c + j] : null;
        if (!cell) {
          outside += 1;
          return;
        }
        cell.value = value.trim();
        cell.closest("td").classList.remove("just-saved", "has-error");
        cell.closest("td").classList.add("is-saving");
        cells.push({
          student: Number(cell.dataset.student),
          item: Number(cell.dataset.item),
          version: Number(cell.dataset.version || 0),
          value: cell.value,
        });
      });
    });
    if (!cells.length) return;
    const summary = document.getElementById("paste-summary");
    const say = (message) => {
      if (summary) summary.textContent = message;
    };
    say(
      `Saving ${cells.length} pasted value${cells.length === 1 ? "" : "s"}…` +
        (outside ? ` ${outside} fell outside the grid and were left out.` : "")
    );
    htmx
      .ajax("POST", table.dataset.pasteUrl, {
        source: table,
        swap: "none",
        values: { cells: JSON.stringify(cells) },
      })
      .then(() => {
        countEntered();
        table.querySelectorAll(".is-saving").forEach((td) => {
          td.classList.remove("is-saving");
        });
        if (outside && summary) {
          summary.textContent += ` ${outside} fell outside the grid and were left out.`;
        }
      });
  });

  // A paste the server refused, or that never reached it, saved nothing: say so
  // and leave the pasted values in place to try again.
  function pasteFailed(event) {
    if (event.detail.elt !== table) return;
    table.querySelectorAll(".is-saving").forEach((td) => {
      td.classList.remove("is-saving");
      td.classList.add("has-error");
    });
    const summary = document.getElementById("paste-summary");
    if (!summary) return;
    const xhr = event.detail.xhr;
    summary.classList.add("has-problems");
    summary.textContent =
      "The paste was not saved: " +
      (xhr && xhr.status === 400
        ? xhr.responseText
        : "check your connection, reload the page and paste again.");
  }
  document.body.addEventListener("htmx:responseError", pasteFailed);
  document.body.addEventListener("htmx:sendError", pasteFailed);

  // Keep the count of entered cells current after each save.
  function countEntered() {
    const counter = document.getElementById("entered-count");
    if (!counter) return;
    const filled = table.querySelectorAll("input[data-item]");
    counter.textContent = Array.from(filled).filter(
      (i) => i.value.trim() !== "" && i.getAttribute("aria-invalid") !== "true"
    ).length;
  }
  document.body.addEventListener("htmx:afterSwap", countEntered);

  // A lead's History link opens the student's changes in a dialog over the
  // grid; closing it returns focus to the link.
  const dialog = document.getElementById("history-dialog");
  if (dialog) {
    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (event.detail.target.id === "history-body" && !dialog.open) {
        dialog.showModal();
      }
    });
  }
})();
