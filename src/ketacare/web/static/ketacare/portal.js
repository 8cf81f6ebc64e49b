// The portal's small helpers; every page works without them.
//
// Countdowns: the server sends the seconds left (data-remaining-seconds); this counts them
// down every second from the page's own clock (performance.now), so a wrong clock on the
// phone cannot move a deadline. data-suffix follows the time ("to go", "left"), and
// data-zero-text replaces it all once it has passed. Without JS the page shows the time
// and how long was left when it was loaded.
//
// Follow-up questions: an element with data-asked-if="<name>" shows only while the radio
// group <name> has data-asked-value checked (the checklist's questions after a yes to
// the question about thoughts of killing oneself). Hidden, its answers are cleared: the
// server decides what was asked. Without JS the questions stay on the page, each saying
// when to answer it.
(function () {
  "use strict";
  var started = new WeakMap();

  function words(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    if (h > 0) { return h + " h " + m + " min " + s + " s"; }
    if (m > 0) { return m + " min " + s + " s"; }
    return s + " s";
  }

  function tick() {
    var now = performance.now();
    document.querySelectorAll("[data-remaining-seconds]").forEach(function (el) {
      if (!started.has(el)) {
        started.set(el, { at: now, seconds: parseInt(el.getAttribute("data-remaining-seconds"), 10) || 0 });
      }
      var start = started.get(el);
      var left = Math.max(0, Math.round(start.seconds - (now - start.at) / 1000));
      el.textContent = left > 0
        ? words(left) + (el.getAttribute("data-suffix") || "")
        : (el.getAttribute("data-zero-text") || "no time");
    });
  }

  function followUps(form) {
    form.querySelectorAll("[data-asked-if]").forEach(function (item) {
      var gate = form.querySelector('input[name="' + item.getAttribute("data-asked-if") + '"]:checked');
      var asked = gate !== null && gate.value === item.getAttribute("data-asked-value");
      item.hidden = !asked;
      if (!asked) {
        item.querySelectorAll("input:checked").forEach(function (input) { input.checked = false; });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-asked-if]")) { return; }
      followUps(form);
      form.addEventListener("change", function () { followUps(form); });
    });
  });

  tick();
  window.setInterval(tick, 1000);
})();
