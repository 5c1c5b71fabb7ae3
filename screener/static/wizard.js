// Progressive enhancement only: the screening works fully without JavaScript.
// Reveal "Print this page" buttons (hidden by default) and make them print.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
