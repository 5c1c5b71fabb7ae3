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

// The queue's refresh poll: every 30 s the urgent count and the first page's ids (no names).
// The title and header count follow at once; a changed list is offered with a link that keeps
// the filters, and the ticked rows are ticked again after it. A 401 (login ended) stops it.
(function () {
  "use strict";
  var box = document.getElementById("queue-poll");
  var KEY = "screener-queue-ticks";
  restoreTicks();
  if (!box || !window.fetch) { return; }
  var shown = box.getAttribute("data-ids");
  var timer = window.setInterval(poll, 30000);

  function poll() {
    fetch(box.getAttribute("data-url"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { window.clearInterval(timer); return null; }
        return response.json();
      })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  function show(data) {
    var title = document.title.replace(/^\(\d+ urgent\) /, "");
    document.title = (data.urgent ? "(" + data.urgent + " urgent) " : "") + title;
    var number = document.querySelector(".urgent-number");
    if (number) { number.textContent = data.urgent; }
    if (data.ids.join(",") !== shown) {
      document.getElementById("queue-poll-text").textContent =
        "The queue has changed" + (data.urgent ? " (" + data.urgent + " urgent waiting)." : ".");
      box.hidden = false;
    }
  }

  document.getElementById("queue-poll-reload").addEventListener("click", saveTicks);

  function saveTicks() {
    var ticked = [];
    Array.prototype.forEach.call(document.querySelectorAll("input[name=selected]:checked"), function (b) {
      ticked.push(b.id);
    });
    try { window.sessionStorage.setItem(KEY, JSON.stringify(ticked)); } catch (e) { /* private mode */ }
  }

  function restoreTicks() {
    var ticked;
    try { ticked = JSON.parse(window.sessionStorage.getItem(KEY) || "[]"); window.sessionStorage.removeItem(KEY); }
    catch (e) { return; }
    ticked.forEach(function (id) {
      var b = document.getElementById(id);
      if (b) { b.checked = true; }
    });
  }
}());
