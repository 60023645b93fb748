/* Agent console: every text from the API is inserted with textContent (no HTML). */
(function () {
  "use strict";
  var token = sessionStorage.getItem("dalil-console-token") || "";
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ Authorization: "Bearer " + token, "Content-Type": "application/json" }, options.headers || {});
    return fetch(path, options).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
        return body;
      });
    });
  }
  function status(msg) { $("status").textContent = msg || ""; }
  function start() {
    api("/api/handoffs").then(function () {
      status("");
      $("app").hidden = false;
      loadHandoffs();
    }).catch(function (e) { $("app").hidden = true; status("Access denied: " + e.message); });
  }
  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    token = $("token").value;
    sessionStorage.setItem("dalil-console-token", token);
    start();
  });
  $("search").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("q").value.trim();
    if (!q) return;
    api("/api/search?k=10&q=" + encodeURIComponent(q)).then(function (res) {
      var tbody = $("results").querySelector("tbody");
      tbody.textContent = "";
      res.results.forEach(function (r, i) {
        var tr = el("tr", { "data-id": r.id });
        tr.append(el("td", {}, i + 1), el("td", {}, r.score.toFixed(3)));
        var name = el("td");
        var b = el("button", { type: "button", class: "svc" }, r.name_en);
        b.addEventListener("click", function () { showService(r.id); });
        name.appendChild(b);
        tr.append(name, el("td", { lang: "ar", dir: "rtl" }, r.name_ar), el("td", {}, r.entity_en));
        tbody.appendChild(tr);
      });
      status(res.confident ? "" : "Not confident: check the candidates carefully.");
    }).catch(function (e) { status(e.message); });
  });
  function list(items) {
    var ul = el("ol");
    items.forEach(function (x) { ul.appendChild(el("li", {}, x)); });
    return ul;
  }
  function showService(id) {
    api("/api/services/" + encodeURIComponent(id)).then(function (s) {
      var d = $("detail");
      d.textContent = "";
      var pair = el("div", { class: "pair" });
      ["en", "ar"].forEach(function (lang) {
        var col = el("div", { lang: lang, dir: lang === "ar" ? "rtl" : "ltr" });
        var x = s[lang];
        col.append(el("h3", {}, x.name), el("p", {}, x.description), el("h4", {}, lang === "ar" ? "الخطوات" : "Steps"),
          list(x.steps), el("h4", {}, lang === "ar" ? "المستندات" : "Documents"), list(x.documents),
          el("p", {}, (lang === "ar" ? "الرسوم: " : "Fees: ") + x.fees),
          el("p", {}, (lang === "ar" ? "القنوات: " : "Channels: ") + x.channels.join(lang === "ar" ? "، " : ", ")));
        pair.appendChild(col);
      });
      d.appendChild(pair);
      if (/^https?:\/\//.test(s.url)) d.appendChild(el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.url));
      if (s.unsure.length) d.appendChild(el("p", {}, "Unconfirmed: " + s.unsure.join(", ") + " (verified " + s.last_verified + ")"));
    }).catch(function (e) { status(e.message); });
  }
  var PAGE = 20, offset = 0;
  function loadHandoffs() {
    var f = $("filter").value;
    api("/api/handoffs?limit=" + PAGE + "&offset=" + offset + (f ? "&status=" + f : "")).then(function (res) {
      var box = $("handoffs");
      box.textContent = "";
      if (!res.handoffs.length && res.total && offset) { offset = Math.max(0, offset - PAGE); return loadHandoffs(); }
      $("page").textContent = res.total ? (offset + 1) + "–" + (offset + res.handoffs.length) + " of " + res.total : "";
      $("prev").disabled = offset === 0;
      $("next").disabled = offset + res.handoffs.length >= res.total;
      if (!res.handoffs.length) box.appendChild(el("p", {}, "No handoffs."));
      res.handoffs.forEach(function (h) {
        var art = el("article", { "data-ref": h.id });
        art.appendChild(el("h3", {}, h.id + " — " + h.status + " — " + h.language + (h.service_id ? " — " + h.service_id : "")));
        art.appendChild(el("p", {}, "Conversation " + h.conversation_id + ", " + h.reason + ", " + h.created_at));
        var tr = el("div", { class: "transcript" });
        h.transcript.forEach(function (t) {
          var p = el("p", { dir: "auto" }, (t.role === "user" ? "👤 " : "🤖 ") + t.text);
          tr.appendChild(p);
        });
        art.appendChild(tr);
        ["taken", "resolved"].forEach(function (st) {
          var b = el("button", { type: "button" }, "Mark " + st);
          b.disabled = h.status === st;
          b.addEventListener("click", function () {
            api("/api/handoffs/" + encodeURIComponent(h.id) + "/status", { method: "POST", body: JSON.stringify({ status: st }) })
              .then(loadHandoffs).catch(function (e) { status(e.message); });
          });
          art.appendChild(b);
        });
        box.appendChild(art);
      });
    }).catch(function (e) { status(e.message); });
  }
  $("refresh").addEventListener("click", loadHandoffs);
  $("filter").addEventListener("change", function () { offset = 0; loadHandoffs(); });
  $("prev").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); loadHandoffs(); });
  $("next").addEventListener("click", function () { offset += PAGE; loadHandoffs(); });
  if (token) start();
})();
