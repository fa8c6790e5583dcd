// The live land/property auction page (/bidder/auctions/{id}): follows the auction's feed (SSE,
// the same events as the API's stream) and updates the current price, the bid log, the lowest
// acceptable price in the bid box, the bidder's status and the countdown. The countdown is the
// server's: every `state` event carries the time left by the server clock, and the page only
// counts down between two events. An extension (延时) moves the end visibly. A change of phase
// (listing → auction → deal) reloads the page, which the server renders afresh. Without this
// script the page works by reloading.
(function () {
  "use strict";
  var root = document.getElementById("auction");
  if (!root || !window.EventSource) return;
  var en = root.getAttribute("data-lang") === "en";
  var phase = root.getAttribute("data-phase");
  var incFen = parseInt(root.getAttribute("data-increment-fen"), 10) || 0;
  var left = parseFloat(root.getAttribute("data-left")) || 0;
  var at = performance.now();
  var endsIso = null;
  function $(id) { return document.getElementById(id); }
  function fen(s) {
    // "1010000.00" → 101000000 (integers only: no floating-point money).
    var m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(s));
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }
  function plain(f) {
    var c = String(f % 100);
    return Math.floor(f / 100) + "." + (c.length < 2 ? "0" + c : c);
  }
  function yuan(f) {
    var p = plain(f).split(".");
    return p[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + p[1] + " 元";
  }
  function beijing(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return "";
    return new Date(t + 8 * 3600 * 1000).toISOString().slice(0, 19).replace("T", " ");
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var out = $("a-left");
    if (!out) return;
    var s = Math.max(0, Math.floor(left - (performance.now() - at) / 1000));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    var hms = two(h) + ":" + two(m) + ":" + two(s % 60);
    out.textContent = en ? (d > 0 ? d + " d " : "") + hms + " left"
                         : "剩余 " + (d > 0 ? d + " 天 " : "") + hms;
  }
  var statusText = {
    watching: ["旁观", "watching"], not_bidding: ["尚未报价", "no quote yet"],
    leading: ["您的报价最高", "you are the highest"], outbid: ["已被超过", "outbid"],
    won: ["您已竞得", "you won"], lost: ["未竞得", "not won"]
  };
  function setCurrent(priceFen) {
    if (priceFen === null) return;
    $("a-current").textContent = yuan(priceFen);
    var min = priceFen + incFen;
    var nm = $("a-next-min");
    if (nm) nm.textContent = yuan(min);
    var box = $("f-price");
    // Prefill the bid box with current + increment unless the bidder is typing in it.
    if (box && document.activeElement !== box) box.value = plain(min);
  }
  function news(text) {
    var n = $("a-news");
    n.textContent = text;
    n.hidden = false;
  }
  var es = new EventSource(root.getAttribute("data-stream"));
  es.addEventListener("bid", function (e) {
    var b = JSON.parse(e.data);
    var body = $("a-bids");
    if (body && !body.querySelector('tr[data-seq="' + b.seq + '"]')) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-seq", b.seq);
      var mine = $("a-number") && $("a-number").textContent === b.number;
      var cells = [String(b.seq), b.number + (mine ? (en ? " (me)" : " （我）") : ""), yuan(fen(b.price)),
        b.phase === "auction" ? (en ? "auction" : "竞价") : (en ? "listing" : "挂牌"), beijing(b.at)];
      for (var i = 0; i < cells.length; i++) {
        var td = document.createElement("td");
        td.textContent = cells[i];
        if (i === 2) td.className = "money";
        tr.appendChild(td);
      }
      body.insertBefore(tr, body.firstChild);
    }
    setCurrent(fen(b.price));
    var l = $("a-leader");
    if (l) l.textContent = "（" + b.number + "）";
  });
  es.addEventListener("state", function (e) {
    var s = JSON.parse(e.data);
    if (s.phase !== phase) {
      // listing → auction → deal/failed: the server renders the new phase.
      es.close();
      window.location.reload();
      return;
    }
    left = s.time_left_secs;
    at = performance.now();
    if (s.current_price) setCurrent(fen(s.current_price));
    if (endsIso !== null && s.ends_at !== endsIso && Date.parse(s.ends_at) > Date.parse(endsIso)) {
      news((en ? "Extended: the auction now ends at " : "延时：结束时间延至 ") + beijing(s.ends_at));
    }
    if (endsIso === null || s.ends_at !== endsIso) {
      endsIso = s.ends_at;
      var el = $("a-ends");
      el.setAttribute("datetime", s.ends_at);
      el.textContent = beijing(s.ends_at).slice(0, 19);
    }
    var st = statusText[s.my_status];
    if (st && $("a-status")) $("a-status").textContent = st[en ? 1 : 0];
    tick();
    if (s.over) es.close();
  });
  tick();
  setInterval(tick, 1000);
})();
