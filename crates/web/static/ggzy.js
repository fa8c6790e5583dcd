// ggzy pages: small progressive enhancements, no framework, no external requests.
// Every page works without this script; it only adds live countdowns.
(function () {
  "use strict";
  // <time data-countdown datetime="2026-12-05T09:00:00+08:00">…</time> gets a live "remaining" text
  // in the element named by its data-countdown-out id (or right after it).
  function fmt(ms, en) {
    if (ms <= 0) return en ? "passed" : "已截止";
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60), sec = s % 60;
    function p(n) { return (n < 10 ? "0" : "") + n; }
    var hms = p(h) + ":" + p(m) + ":" + p(sec);
    if (en) return (d > 0 ? d + " d " : "") + hms + " left";
    return "剩余 " + (d > 0 ? d + " 天 " : "") + hms;
  }
  function tick() {
    var en = document.documentElement.lang === "en";
    var els = document.querySelectorAll("time[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      var t = Date.parse(els[i].getAttribute("datetime"));
      var out = document.getElementById(els[i].getAttribute("data-countdown"));
      if (out && !isNaN(t)) out.textContent = fmt(t - Date.now(), en);
    }
  }
  if (document.querySelector("time[data-countdown]")) {
    tick();
    setInterval(tick, 1000);
  }
})();
