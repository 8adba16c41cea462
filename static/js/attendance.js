// The attendance sheet: "All present" marks everyone at once, a live count says
// how many students are marked, and a refused save puts focus on its reasons.
// Radio groups move with the arrow keys natively; nothing here changes that.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("attendance-form");
  if (!form) {
    return;
  }
  const allPresent = form.querySelector("[data-all-present]");
  const count = document.getElementById("marked-count");
  const groups = [...new Set(
    [...form.querySelectorAll("input[type=radio][name^='mark-']")].map((input) => input.name)
  )];

  const marked = () =>
    groups.filter((name) => form.querySelector(`input[name='${name}']:checked`)).length;

  const say = (text) => {
    count.textContent = text;
  };

  const update = () => {
    say(`${marked()} of ${groups.length} marked.`);
  };

  allPresent.hidden = false;
  allPresent.addEventListener("click", () => {
    form.querySelectorAll("input[type=radio][value='present']").forEach((input) => {
      input.checked = true;
    });
    say(`All ${groups.length} marked present. Change anyone who is absent or excused, then save.`);
  });
  form.addEventListener("change", (event) => {
    if (event.target.name && event.target.name.startsWith("mark-")) {
      update();
    }
  });

  const errors = document.getElementById("attendance-errors");
  if (errors) {
    errors.focus();
  } else if (marked()) {
    update();
  }
});
