// Progressive enhancement for staff pages: reveal "Print" buttons (hidden without script, where
// the page tells people to use the browser's Print command) and make them print.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
