// The supervision dashboard's live part: follows the sealed event log over Server-Sent Events
// (the frame's session cookie authenticates the GET routes), the audit search, the hash-chain
// check and the section history export. Texts come from the page's data attributes (its language).
(function () {
  var root = document.getElementById('dashboard');
  if (!root) return;
  var lang = root.getAttribute('data-lang');
  function text(tag, s, cls) { var e = document.createElement(tag); e.textContent = s; if (cls) e.className = cls; return e; }
  var events = document.getElementById('events'), state = document.getElementById('stream-state');
  var es = new EventSource('/api/v1/monitoring/stream?after=' + encodeURIComponent(root.getAttribute('data-after')));
  es.onopen = function () { state.textContent = root.getAttribute('data-live'); };
  es.onerror = function () { state.textContent = root.getAttribute('data-reconnect'); };
  es.onmessage = function (m) {
    var e = JSON.parse(m.data);
    var local = new Date(e.occurred_at).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
    events.insertBefore(text('li', '#' + e.seq + ' ' + local + ' ' + e.event_type), events.firstChild);
    while (events.children.length > 100) events.removeChild(events.lastChild);
    if (e.event_type === 'monitoring.alert.raised') {
      var p = e.payload, li = text('li', '[' + p.severity + '] ' + p.rule_id + ' — ' + (lang === 'en' ? p.message_en : p.message_zh), 'sev-' + p.severity);
      li.setAttribute('data-alert', p.alert_id);
      var list = document.getElementById('alerts'); list.insertBefore(li, list.firstChild);
      var c = document.getElementById('count-' + p.severity); if (c) c.textContent = String(Number(c.textContent) + 1);
    }
  };
  document.getElementById('verify').onclick = function () {
    fetch('/api/v1/monitoring/audit/verify', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (v) {
      document.getElementById('verify-result').textContent = v.ok
        ? (root.getAttribute('data-chain-ok') + ' ' + v.checked)
        : (root.getAttribute('data-chain-bad') + ' #' + v.broken_at + ': ' + v.problem);
    });
  };
  document.getElementById('export').onclick = function () {
    var s = document.getElementById('export-section').value.trim();
    if (s) window.location = '/api/v1/monitoring/sections/' + encodeURIComponent(s) + '/history';
  };
  document.getElementById('audit-form').onsubmit = function (ev) {
    ev.preventDefault();
    var q = new URLSearchParams(), f = ev.target;
    ['project', 'org', 'person'].forEach(function (k) { if (f[k].value) q.set(k, f[k].value); });
    ['from', 'to'].forEach(function (k) { if (f[k].value) q.set(k, new Date(f[k].value + '+08:00').toISOString()); });
    fetch('/api/v1/monitoring/audit/events?' + q, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (v) {
      var t = document.getElementById('audit-results'); t.textContent = '';
      (v.events || []).forEach(function (e) {
        var tr = document.createElement('tr');
        [e.seq, e.occurred_at, e.event_type, e.aggregate_id, e.actor].forEach(function (x) { tr.appendChild(text('td', String(x))); });
        t.appendChild(tr);
      });
    });
  };
})();
