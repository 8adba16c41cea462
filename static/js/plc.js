// Move focus to the main region after skip-link activation in browsers that do not.
document.addEventListener("DOMContentLoaded", () => {
  const skip = document.querySelector(".skip-link");
  const main = document.getElementById("main");
  if (skip && main) {
    skip.addEventListener("click", () => main.focus());
  }
});

// A button marked data-print prints the page (no inline handlers, so a strict
// Content Security Policy can forbid them).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});

// A group picker next to a "Place" button sends the form to the chosen group.
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-place-in]");
  if (select) {
    select.form.action = select.value;
  }
});
