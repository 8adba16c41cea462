// Move focus to the main region after skip-link activation in browsers that do not.
document.addEventListener("DOMContentLoaded", () => {
  const skip = document.querySelector(".skip-link");
  const main = document.getElementById("main");
  if (skip && main) {
    skip.addEventListener("click", () => main.focus());
  }
});
