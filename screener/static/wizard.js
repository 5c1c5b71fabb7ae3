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

// The language switch on a step: a click sends the step's own form with action=language-xx
// (the server keeps the choices made on the page and records any safety answer ticked, then
// shows the same step in that language). Without script the link switches, keeping what was
// saved. A click meant for a new tab or window keeps the link's own behaviour.
document.querySelectorAll("a[data-switch-form]").forEach(function (link) {
  var form = document.getElementById(link.getAttribute("data-switch-form"));
  if (!form) { return; }
  link.addEventListener("click", function (event) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    var action = form.querySelector("input[data-switch-added]");
    if (!action) {
      action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.setAttribute("data-switch-added", "");
      form.appendChild(action);
    }
    action.value = link.getAttribute("data-switch-action");
    HTMLFormElement.prototype.submit.call(form);  // no validation, no submit button's value
  });
});

// Back to a step from the browser's cache: its form must not switch the language again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("input[data-switch-added]").forEach(function (input) {
    input.remove();
  });
});
