// ggzy bidder opening page: live phase through server-sent events, and the key from a file.
// The page works without this script (reload it; paste the key or the key file's content).
(function () {
  "use strict";
  var live = document.getElementById("opening-live");
  if (live && window.EventSource) {
    var phase = live.getAttribute("data-phase");
    var es = new EventSource(live.getAttribute("data-events"));
    es.addEventListener("opening", function (m) {
      var v;
      try { v = JSON.parse(m.data); } catch (e) { return; }
      // The page is rendered by the server: when the phase changes (window opened, record
      // recorded), show the new page.
      if (v.phase !== phase) {
        es.close();
        window.location.reload();
      }
    });
  }
  var field = document.getElementById("keyfile-field");
  var input = document.getElementById("f-keyfile");
  var key = document.getElementById("f-key");
  var err = document.getElementById("f-keyfile-error");
  if (field && input && key && window.FileReader) {
    field.hidden = false;
    input.addEventListener("change", function () {
      var f = input.files && input.files[0];
      if (!f) return;
      var r = new FileReader();
      r.onload = function () {
        var v = null;
        try { v = JSON.parse(String(r.result)); } catch (e) { v = null; }
        if (v && v.format === "ggzy-bid-key/1" && typeof v.key === "string") {
          key.value = v.key;
          err.hidden = true;
          input.removeAttribute("aria-invalid");
        } else {
          err.hidden = false;
          input.setAttribute("aria-invalid", "true");
        }
      };
      r.readAsText(f);
    });
  }
})();
