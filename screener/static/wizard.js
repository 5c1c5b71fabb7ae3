// Progressive enhancement only: the screening works fully without JavaScript.
// Reveal "Print this page" buttons (hidden by default) and make them print.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});

// Follow-up questions on the same page: shown in place as soon as the answer that asks for them
// is chosen (the server sends them hidden, with their condition). Hiding one again keeps what
// was chosen in it: the server decides what applies, and records every safety answer posted.
document.querySelectorAll("[data-when]").forEach(function (box) {
  var form = box.closest("form");
  if (!form) { return; }
  var name = box.getAttribute("data-when");
  var op = box.getAttribute("data-op");
  var wanted = box.getAttribute("data-value");
  function update() {
    var chosen = form.querySelector('input[name="' + name + '"]:checked');
    var holds = chosen !== null && (op === "=" ? chosen.value === wanted : chosen.value !== wanted);
    box.hidden = !holds;
  }
  form.addEventListener("change", update);
  update();
});
