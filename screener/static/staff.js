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
    remember();
  }

  // The current row survives the page reload an action causes ("a" posts the bulk form): it is
  // found again by its submission, wherever the reload put it.
  var CURRENT_KEY = "screener-queue-current";

  function remember() {
    var box = current >= 0 && rows[current].querySelector("input[name=selected]");
    try { if (box) { window.sessionStorage.setItem(CURRENT_KEY, box.id); } } catch (e) { /* private mode */ }
  }

  (function restoreCurrent() {
    var id;
    try { id = window.sessionStorage.getItem(CURRENT_KEY); } catch (e) { return; }
    var box = id && document.getElementById(id);
    var index = box ? rows.indexOf(box.closest("tr")) : -1;
    if (index >= 0) { current = index; rows[current].classList.add("current"); }
  }());

  function assignCurrentToMe() {
    var form = document.getElementById("bulk");
    if (!form || current < 0) { return; }
    remember();
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

// Bulk actions: the field the chosen action uses, and (with nothing ticked) only a hint line,
// so the table starts high on the page. Without this script every field shows, on one line.
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  if (!form) { return; }
  var action = form.querySelector("[name=action]");
  var boxes = document.querySelectorAll("input[name=selected]");

  function update() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-bulk-for]"), function (field) {
      var use = field.getAttribute("data-bulk-for");
      field.hidden = use !== "always" && use !== action.value;
    });
    var ticked = Array.prototype.some.call(boxes, function (box) { return box.checked; });
    form.classList.toggle("bulk-idle", !ticked);
  }

  action.addEventListener("change", update);
  Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
  window.addEventListener("pageshow", update);
  update();
}());

// The idle warning: a minute before the login's idle limit (counted from this page's load, the
// last request), a "Stay logged in" button that makes one request. Past the limit, the warning
// says so: a note saved then is kept for the next login (staff/kept.py).
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box || !window.fetch) { return; }
  var minutes = parseFloat(box.getAttribute("data-idle-minutes")) || 15;
  var text = document.getElementById("idle-warning-text");
  var button = document.getElementById("stay-logged-in");
  var warnTimer, endTimer;

  function arm() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(warn, Math.max(0, minutes - 1) * 60000);
    endTimer = window.setTimeout(ended, minutes * 60000);
  }

  function warn() { box.hidden = false; button.focus(); }

  function ended() {
    text.textContent = "Your login has ended. A note you save now is kept and put back in " +
      "its form after you log in again.";
    button.hidden = true;
    box.hidden = false;
  }

  button.addEventListener("click", function () {
    var token = document.querySelector("input[name=csrf_token]");
    fetch(box.getAttribute("data-url"), {method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : ""}})
      .then(function (response) {
        if (response.ok) { box.hidden = true; arm(); } else { ended(); }
      })
      .catch(function () { /* offline: the warning stays */ });
  });
  arm();
}());
