// Keyboard shortcuts for the staff queue and detail pages: a progressive enhancement.
// Every action also works by mouse or Tab without this script.
//   j / k   next / previous row (queue) or submission (detail: next, back to the queue)
//   o       open the current row
//   a       assign to me (the current row on the queue, this submission on the detail page)
//   ?       show or hide this list
(function () {
  "use strict";
  var help = document.getElementById("shortcuts");
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr"));
  var current = -1;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function move(step) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("current"); }
    current = Math.max(0, Math.min(rows.length - 1, current + step));
    var row = rows[current];
    row.classList.add("current");
    var link = row.querySelector("th[scope=row] a");
    if (link) { link.focus(); }
  }

  function assignCurrentToMe() {
    var form = document.getElementById("bulk");
    if (!form || current < 0) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("input[name=selected]"), function (box) {
      box.checked = false;
    });
    rows[current].querySelector("input[name=selected]").checked = true;
    form.querySelector("[name=action]").value = "assign";
    form.querySelector("[name=assignee]").value = "me";
    form.submit();
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) { link.click(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    if (key === "?") {
      if (help) { help.hidden = !help.hidden; }
    } else if (key === "Escape" && help && !help.hidden) {
      help.hidden = true;
    } else if (rows.length && (key === "j" || key === "k")) {
      move(key === "j" ? 1 : -1);
    } else if (rows.length && key === "o" && current >= 0) {
      rows[current].querySelector("th[scope=row] a").click();
    } else if (rows.length && key === "a") {
      assignCurrentToMe();
    } else if (!rows.length && key === "j") {
      follow("next-submission");
    } else if (!rows.length && key === "k") {
      follow("back-to-queue");
    } else if (!rows.length && key === "a") {
      var button = document.getElementById("assign-me");
      if (button) { button.click(); }
    } else {
      return;
    }
    event.preventDefault();
  });
}());
