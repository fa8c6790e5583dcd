// Sealing a bid in the browser (ggzy-bid/1, docs/bid-package.md), with WebCrypto only:
// AES-256-GCM + SHA-256, segmented STREAM encryption exactly as crates/projects/src/package.rs.
// The key never leaves this page before the opening: it is shown once and offered as a download.
// Only ciphertext is uploaded (PUT with the session's CSRF token in X-CSRF-Token).
(function () {
  "use strict";
  var SUITE = "AES-256-GCM+SHA-256";
  var SEGMENT = 65536;
  var enc = new TextEncoder();

  function hex(buf) {
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return s;
  }
  function b64(buf) {
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s);
  }
  function sha256(data) { return crypto.subtle.digest("SHA-256", data); }
  function concat(parts, total) {
    var out = new Uint8Array(total), at = 0;
    for (var i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
    return out;
  }

  // The price rule of the manifest: digits, at most two decimal places, no sign or exponent.
  function checkPrice(p) { return /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/.test(p); }

  // Builds the plaintext: manifest_len (u32 BE) ‖ manifest ‖ documents.
  // The SME declaration (中小企业声明函) is optional: {scale, by_small_micro} or null.
  async function plaintext(price, files, sme) {
    var docs = [], bodies = [], total = 0;
    for (var i = 0; i < files.length; i++) {
      var bytes = new Uint8Array(await files[i].arrayBuffer());
      docs.push({ name: files[i].name, size: bytes.length, digest: hex(await sha256(bytes)) });
      bodies.push(bytes);
      total += bytes.length;
    }
    var salt = hex(crypto.getRandomValues(new Uint8Array(32)));
    var m = { format: "ggzy-bid/1", salt: salt, price: price, currency: "CNY", documents: docs };
    if (sme) { m.sme = sme; }
    var manifest = enc.encode(JSON.stringify(m));
    var len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, manifest.length, false);
    return concat([len, manifest].concat(bodies), 4 + manifest.length + total);
  }

  // header ‖ nonce prefix ‖ segments; segment i = AES-GCM(key, prefix ‖ i BE32 ‖ last, aad = header).
  async function seal(key, plain, onProgress) {
    var name = enc.encode(SUITE);
    var header = concat([enc.encode("GGZYBID1"), new Uint8Array([name.length]), name], 9 + name.length);
    var prefix = crypto.getRandomValues(new Uint8Array(7));
    var n = Math.max(1, Math.ceil(plain.length / SEGMENT));
    var parts = [header, prefix], total = header.length + 7;
    for (var i = 0; i < n; i++) {
      var iv = new Uint8Array(12);
      iv.set(prefix, 0);
      new DataView(iv.buffer).setUint32(7, i, false);
      iv[11] = i === n - 1 ? 1 : 0;
      var seg = plain.subarray(i * SEGMENT, Math.min(plain.length, (i + 1) * SEGMENT));
      var ct = new Uint8Array(await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: iv, additionalData: header, tagLength: 128 }, key, seg));
      parts.push(ct);
      total += ct.length;
      if (onProgress) onProgress((i + 1) / n);
    }
    return concat(parts, total);
  }

  function upload(url, csrf, digest, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      x.open("PUT", url);
      x.setRequestHeader("Content-Type", "application/octet-stream");
      x.setRequestHeader("X-Bid-Digest", digest);
      x.setRequestHeader("X-CSRF-Token", csrf);
      x.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      x.onload = function () {
        var v = null;
        try { v = JSON.parse(x.responseText); } catch (e) { v = null; }
        if (x.status === 200 || x.status === 201) resolve(v); else reject({ status: x.status, problem: v });
      };
      x.onerror = function () { reject({ status: 0, problem: null }); };
      x.send(body);
    });
  }

  var form = document.getElementById("seal-form");
  if (!form) return;
  var out = document.getElementById("seal-status");
  var bar = document.getElementById("seal-progress");
  var keyBox = document.getElementById("seal-key");
  var keyText = document.getElementById("seal-key-text");
  var keyLink = document.getElementById("seal-key-download");
  var errBox = document.getElementById("seal-error");
  function say(t) { out.textContent = t; }
  function fail(t) { errBox.hidden = false; errBox.textContent = t; errBox.focus(); }

  if (!window.crypto || !crypto.subtle) {
    fail(form.getAttribute("data-msg-nocrypto"));
    return;
  }
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    errBox.hidden = true;
    var price = form.elements.price.value.trim();
    var files = Array.prototype.slice.call(form.elements.documents.files || []);
    if (!checkPrice(price)) { fail(form.getAttribute("data-msg-price")); return; }
    if (!files.length) { fail(form.getAttribute("data-msg-files")); return; }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      say(form.getAttribute("data-msg-sealing"));
      var scale = form.elements.sme ? form.elements.sme.value : "";
      var sme = scale ? { scale: scale, by_small_micro: !!form.elements.sme_by_small_micro.checked } : null;
      var plain = await plaintext(price, files, sme);
      var digest = hex(await sha256(plain));
      var key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
      var raw = await crypto.subtle.exportKey("raw", key);
      var pkg = await seal(key, plain, function (f) { bar.value = f * 0.5; });
      plain.fill(0);
      var keyB64 = b64(raw);
      // The key first: even if the upload fails, the bidder keeps the key of what it sealed.
      var keyFile = JSON.stringify({ format: "ggzy-bid-key/1", suite: SUITE, key: keyB64,
        digest: digest, package: "browser-upload" });
      keyLink.href = URL.createObjectURL(new Blob([keyFile], { type: "application/json" }));
      keyText.textContent = keyB64;
      keyBox.hidden = false;
      say(form.getAttribute("data-msg-uploading"));
      var receipt = await upload(form.getAttribute("data-upload"), form.getAttribute("data-csrf"),
        digest, pkg, function (f) { bar.value = 0.5 + f * 0.5; });
      bar.value = 1;
      say(form.getAttribute("data-msg-done"));
      document.getElementById("seal-receipt").textContent = JSON.stringify(receipt, null, 2);
    } catch (e) {
      var p = e && e.problem;
      var msg = (p && (p.detail || p.title)) || String(e && e.message || e);
      var rule = p && (p.rule || (p.errors && p.errors[0] && p.errors[0].rule));
      fail(form.getAttribute("data-msg-failed") + " " + msg + (rule ? " [" + rule + "]" : ""));
    } finally {
      button.disabled = false;
    }
  });
})();
