// The check-in countdown: the server sends the seconds left (data-remaining-seconds);
// this counts them down every second from the page's own clock (performance.now), so a
// wrong clock on the phone cannot move the deadline. Without JS the page shows the
// deadline time and the minutes left when it was loaded.
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
      el.textContent = left > 0 ? words(left) : "no time";
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
