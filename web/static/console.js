/* Agent console, in English or Arabic (the toggle; kept in localStorage). Every text from the
 * API is inserted with textContent (no HTML); conversation bubbles get dir="auto", so each is
 * right-to-left or left-to-right by its own language. */
(function () {
  "use strict";
  var token = sessionStorage.getItem("dalil-console-token") || "";
  var lang = localStorage.getItem("dalil-agent-lang") === "ar" ? "ar" : "en";
  var $ = function (id) { return document.getElementById(id); };
  var T = {
    en: {
      title: "Dalil — agent console", analytics: "Analytics", token: "Token", signIn: "Sign in", searchH: "Search services",
      question: "Question", search: "Search", score: "Score", service: "Service", body: "Body", queueH: "Handoff queue",
      status: "Status", all: "all", open: "open", taken: "taken", resolved: "resolved", refresh: "Refresh",
      reference: "Reference", openVerb: "Open", previous: "Previous", next: "Next", conversation: "Conversation",
      take: "Take this conversation", handback: "Hand back to Dalil", close: "Close conversation",
      export: "Export (redacted)", leave: "Close this view", replyLabel: "Message to the citizen", send: "Send",
      cardHint: "To send a service card: search for it above and press “Insert card”.", pastH: "Past conversations",
      from: "From", to: "To", language: "Language", any: "any", arabic: "Arabic", english: "English", outcome: "Outcome",
      answered: "answered", clarified: "clarified", declined: "declined", handed_over: "handed over", other: "other",
      find: "Find", lastAt: "Last message", firstQuestion: "First question", questions: "Questions", outcomes: "Outcomes",
      signedIn: "Signed in as {name}", denied: "Access denied: ", insert: "Insert card", markResolved: "Mark resolved",
      noHandoffs: "No handoffs.", notConfident: "Not confident: check the candidates carefully.", takenBy: "Taken by {agent}",
      notYours: "Not yours: taken by {agent}", pageOf: "{from}–{to} of {total}", citizen: "Citizen", dalil: "Dalil",
      paused: "— the bot is paused: an agent is on the conversation —", resumed: "— the bot answers again —",
      info: "Handoff {ref} — conversation {cid} — {status}", infoTaken: " — taken by {agent}",
      past: "Conversation {cid} (past)", handoffLine: "Conversation {cid}, {reason}, {at}", steps: "Steps",
      documents: "Documents", fees: "Fees: ", channels: "Channels: ", unsure: "Unconfirmed: {what} (verified {when})",
      none: "None found.",
    },
    ar: {
      title: "دليل — لوحة موظفي مركز الاتصال", analytics: "الإحصاءات", token: "الرمز", signIn: "دخول", searchH: "البحث في الخدمات",
      question: "السؤال", search: "ابحث", score: "الدرجة", service: "الخدمة (بالإنجليزية)", body: "الجهة", queueH: "المحادثات المحوّلة",
      status: "الحالة", all: "الكل", open: "مفتوحة", taken: "مع موظف", resolved: "منتهية", refresh: "تحديث",
      reference: "رقم المرجع", openVerb: "افتح", previous: "السابق", next: "التالي", conversation: "المحادثة",
      take: "استلم هذه المحادثة", handback: "أعدها إلى دليل", close: "أنهِ المحادثة",
      export: "تصدير (بعد حجب البيانات الشخصية)", leave: "أغلق هذا العرض", replyLabel: "رسالة إلى المراجع", send: "إرسال",
      cardHint: "لإرسال بطاقة خدمة: ابحث عنها في الأعلى واضغط «أدرج البطاقة».", pastH: "المحادثات السابقة",
      from: "من", to: "إلى", language: "اللغة", any: "أي", arabic: "العربية", english: "الإنجليزية", outcome: "النتيجة",
      answered: "أجاب", clarified: "استوضح", declined: "اعتذر", handed_over: "حوّل إلى موظف", other: "غير ذلك",
      find: "ابحث", lastAt: "آخر رسالة", firstQuestion: "أول سؤال", questions: "الأسئلة", outcomes: "النتائج",
      signedIn: "دخلت باسم {name}", denied: "تعذر الدخول: ", insert: "أدرج البطاقة", markResolved: "اعتبرها منتهية",
      noHandoffs: "لا توجد محادثات محوّلة.", notConfident: "النتائج غير مؤكدة: راجع الخيارات بعناية.",
      takenBy: "مع الموظف {agent}", notYours: "ليست لك: المحادثة مع {agent}", pageOf: "{from}–{to} من {total}",
      citizen: "المراجع", dalil: "دليل", paused: "— توقف المساعد: موظف يتابع المحادثة —", resumed: "— عاد المساعد للإجابة —",
      info: "التحويل {ref} — المحادثة {cid} — {status}", infoTaken: " — مع {agent}", past: "المحادثة {cid} (سابقة)",
      handoffLine: "المحادثة {cid}، {reason}، {at}", steps: "الخطوات", documents: "المستندات", fees: "الرسوم: ",
      channels: "القنوات: ", unsure: "غير مؤكد: {what} (تاريخ التحقق {when})", none: "لا نتائج.",
    },
  };
  function t(key, values) {
    var s = T[lang][key];
    Object.keys(values || {}).forEach(function (k) { s = s.replace("{" + k + "}", String(values[k])); });
    return s;
  }
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
        if (!r.ok) { var err = new Error(body.error || ("HTTP " + r.status)); err.status = r.status; err.body = body; throw err; }
        return body;
      });
    });
  }
  function status(msg) { $("status").textContent = msg || ""; }
  var me = null;
  function applyLang() {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
    document.title = t("title");
    document.querySelectorAll("[data-t]").forEach(function (n) { n.textContent = t(n.getAttribute("data-t")); });
    $("lang").textContent = lang === "ar" ? "English" : "عربي";
    $("lang").setAttribute("lang", lang === "ar" ? "en" : "ar");
    if (me) $("me").textContent = t("signedIn", { name: me });
    document.querySelectorAll("#results button.insert").forEach(function (b) { b.textContent = t("insert"); });
    if (me) { loadHandoffs(); if (current) { shownTurns = -1; refresh(); } if (pastLoaded) loadPast(); }
  }
  $("lang").addEventListener("click", function () {
    lang = lang === "ar" ? "en" : "ar";
    localStorage.setItem("dalil-agent-lang", lang);
    applyLang();
  });
  function start() {
    api("/api/me").then(function (who) {
      me = who.name;
      $("me").textContent = t("signedIn", { name: me });
      status("");
      $("app").hidden = false;
      loadHandoffs();
    }).catch(function (e) { $("app").hidden = true; status(t("denied") + e.message); });
  }
  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    token = $("token").value;
    sessionStorage.setItem("dalil-console-token", token);
    start();
  });

  // --- search ---------------------------------------------------------------------------
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
        var b = el("button", { type: "button", class: "svc", lang: "en", dir: "ltr" }, r.name_en);
        b.addEventListener("click", function () { showService(r.id); });
        name.appendChild(b);
        var ins = el("button", { type: "button", class: "insert" }, t("insert"));
        ins.hidden = !holding();
        ins.addEventListener("click", function () { sendToCitizen({ service_id: r.id }); });
        name.appendChild(ins);
        tr.append(name, el("td", { lang: "ar", dir: "rtl" }, r.name_ar), el("td", { lang: "en", dir: "ltr" }, r.entity_en));
        tbody.appendChild(tr);
      });
      status(res.confident ? "" : t("notConfident"));
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
      ["en", "ar"].forEach(function (l) {
        var col = el("div", { lang: l, dir: l === "ar" ? "rtl" : "ltr" });
        var x = s[l];
        col.append(el("h3", {}, x.name), el("p", {}, x.description), el("h4", {}, l === "ar" ? "الخطوات" : "Steps"),
          list(x.steps), el("h4", {}, l === "ar" ? "المستندات" : "Documents"), list(x.documents),
          el("p", {}, (l === "ar" ? "الرسوم: " : "Fees: ") + x.fees),
          el("p", {}, (l === "ar" ? "القنوات: " : "Channels: ") + x.channels.join(l === "ar" ? "، " : ", ")));
        pair.appendChild(col);
      });
      d.appendChild(pair);
      if (/^https?:\/\//.test(s.url)) d.appendChild(el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.url));
      if (s.unsure.length) d.appendChild(el("p", {}, t("unsure", { what: s.unsure.join(", "), when: s.last_verified })));
    }).catch(function (e) { status(e.message); });
  }

  // --- the handoff queue ------------------------------------------------------------------
  var PAGE = 20, offset = 0;
  function loadHandoffs() {
    var f = $("filter").value;
    api("/api/handoffs?limit=" + PAGE + "&offset=" + offset + (f ? "&status=" + f : "")).then(function (res) {
      var box = $("handoffs");
      box.textContent = "";
      if (!res.handoffs.length && res.total && offset) { offset = Math.max(0, offset - PAGE); return loadHandoffs(); }
      $("page").textContent = res.total ? t("pageOf", { from: offset + 1, to: offset + res.handoffs.length, total: res.total }) : "";
      $("prev").disabled = offset === 0;
      $("next").disabled = offset + res.handoffs.length >= res.total;
      if (!res.handoffs.length) box.appendChild(el("p", {}, t("noHandoffs")));
      res.handoffs.forEach(function (h) {
        var art = el("article", { "data-ref": h.id });
        art.appendChild(el("h3", {}, h.id + " — " + t(h.status) + " — " + h.language + (h.service_id ? " — " + h.service_id : "")));
        if (h.agent && h.status === "taken") art.appendChild(el("p", { class: "holder" }, t("takenBy", { agent: h.agent })));
        art.appendChild(el("p", {}, t("handoffLine", { cid: h.conversation_id, reason: h.reason, at: h.created_at })));
        var tr = el("div", { class: "transcript" });
        h.transcript.forEach(function (x) { tr.appendChild(el("p", { dir: "auto" }, (x.role === "user" ? "👤 " : "🤖 ") + x.text)); });
        art.appendChild(tr);
        var open = el("button", { type: "button", class: "open" }, t("openVerb"));
        open.addEventListener("click", function () { openConversation(h.id); });
        art.appendChild(open);
        var done = el("button", { type: "button" }, t("markResolved"));
        done.disabled = h.status === "resolved";
        done.addEventListener("click", function () {
          api("/api/handoffs/" + encodeURIComponent(h.id) + "/status", { method: "POST", body: JSON.stringify({ status: "resolved" }) })
            .then(loadHandoffs).catch(function (e) { status(e.status === 409 ? t("notYours", { agent: e.body.agent }) : e.message); });
        });
        art.appendChild(done);
        box.appendChild(art);
      });
    }).catch(function (e) { status(e.message); });
  }

  // --- one conversation: live (a handoff) or past (read only) --------------------------------
  var current = null;   // the handoff open in the view ({past: id} for a past conversation)
  var shownTurns = -1;  // how many turns are on screen (redrawn only when that changes)
  var timer = null;
  function holding() { return !!(current && current.status === "taken" && current.agent === me); }
  function liveStatus(msg) { $("live-status").textContent = msg || ""; }
  function showControls() {
    var mine = holding(), past = !!(current && current.past);
    $("take").hidden = past || mine || (current && current.status === "resolved");
    $("handback").hidden = $("close-conv").hidden = !mine;
    $("reply-form").hidden = $("card-hint").hidden = !mine;
    document.querySelectorAll("#results button.insert").forEach(function (b) { b.hidden = !mine; });
    var c = current || {};
    $("live-info").textContent = past ? t("past", { cid: c.past }) : t("info", { ref: c.id, cid: c.conversation_id, status: t(c.status || "open") }) +
      (c.agent && c.status === "taken" ? t("infoTaken", { agent: c.agent }) : "");
  }
  function turnLabel(x) {
    return x.role === "user" ? t("citizen") : x.role === "agent" ? x.agent : x.role === "bot" ? t("dalil") : "";
  }
  function drawTurns(turns) {
    if (turns.length === shownTurns) return;
    shownTurns = turns.length;
    var box = $("turns");
    box.textContent = "";
    turns.forEach(function (x) {
      if (x.role === "event") { box.appendChild(el("p", { class: "event" }, t(x.text === "paused" ? "paused" : "resumed"))); return; }
      var p = el("p", { class: x.role, dir: "auto" });
      p.appendChild(el("span", { class: "who", dir: "auto" }, turnLabel(x)));
      p.appendChild(document.createTextNode(x.text));
      box.appendChild(p);
    });
    box.scrollTop = box.scrollHeight;
  }
  function refresh() {
    if (!current) return Promise.resolve();
    var c = current;
    var path = c.past ? "/api/conversations/" + encodeURIComponent(c.past) : "/api/handoffs/" + encodeURIComponent(c.id) + "/conversation";
    return api(path).then(function (res) {
      if (current !== c) return;
      if (!c.past) current = res.handoff;
      showControls();
      drawTurns(res.turns);
    }).catch(function (e) { liveStatus(e.message); });
  }
  function poll() {
    clearTimeout(timer);
    refresh().then(function () { if (current && !current.past) timer = setTimeout(poll, 1000); });
  }
  function show(c) {
    clearTimeout(timer);
    current = c;
    shownTurns = -1;
    liveStatus("");
    $("live").hidden = false;
    $("turns").textContent = "";
    showControls();
    poll();
    $("turns").focus();
  }
  function openConversation(ref) { show({ id: ref }); }
  function act(path, body) {
    liveStatus("");
    return api("/api/handoffs/" + encodeURIComponent(current.id) + path, { method: "POST", body: JSON.stringify(body || {}) })
      .then(function (res) { return refresh().then(function () { loadHandoffs(); return res; }); })
      .catch(function (e) {
        liveStatus(e.status === 409 && e.body.agent ? t("notYours", { agent: e.body.agent }) : e.message);
        return refresh();
      });
  }
  function sendToCitizen(body) { return act("/messages", body); }
  $("take").addEventListener("click", function () { act("/take").then(function () { if (holding()) $("reply").focus(); }); });
  $("handback").addEventListener("click", function () { act("/handback"); });
  $("close-conv").addEventListener("click", function () { act("/close"); });
  $("leave").addEventListener("click", function () { current = null; clearTimeout(timer); $("live").hidden = true; });
  $("export").addEventListener("click", function () {
    var cid = current && (current.past || current.conversation_id);
    if (!cid) return;
    // The export needs the token, so it is fetched here and saved from a blob (a plain link could not send it).
    fetch("/api/conversations/" + encodeURIComponent(cid) + "/export", { headers: { Authorization: "Bearer " + token } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.blob(); })
      .then(function (blob) {
        var a = el("a", { href: URL.createObjectURL(blob), download: "conversation-" + cid.replace(/[^A-Za-z0-9_-]/g, "_") + ".json" });
        document.body.appendChild(a);
        a.click();
        a.remove();
      }).catch(function (e) { liveStatus(e.message); });
  });
  $("reply-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("reply").value;
    if (!text.trim()) return;
    $("reply").value = "";
    sendToCitizen({ text: text });
  });
  $("open-ref").addEventListener("submit", function (e) {
    e.preventDefault();
    var ref = $("ref").value.trim().toUpperCase();
    if (/^[0-9A-F]{8}$/.test(ref)) openConversation(ref);
  });
  $("refresh").addEventListener("click", loadHandoffs);
  $("filter").addEventListener("change", function () { offset = 0; loadHandoffs(); });
  $("prev").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); loadHandoffs(); });
  $("next").addEventListener("click", function () { offset += PAGE; loadHandoffs(); });

  // --- past conversations ---------------------------------------------------------------------
  var PAST_PAGE = 20, pastOffset = 0, pastLoaded = false;
  function loadPast() {
    var q = ["limit=" + PAST_PAGE, "offset=" + pastOffset];
    [["since", "past-since"], ["until", "past-until"], ["language", "past-lang"], ["outcome", "past-outcome"]].forEach(function (p) {
      if ($(p[1]).value) q.push(p[0] + "=" + encodeURIComponent($(p[1]).value));
    });
    api("/api/conversations?" + q.join("&")).then(function (res) {
      pastLoaded = true;
      var tbody = $("past-list").querySelector("tbody");
      tbody.textContent = "";
      $("past-page").textContent = res.total ? t("pageOf", { from: pastOffset + 1, to: pastOffset + res.conversations.length, total: res.total })
        : t("none");
      $("past-prev").disabled = pastOffset === 0;
      $("past-next").disabled = pastOffset + res.conversations.length >= res.total;
      res.conversations.forEach(function (c) {
        var tr = el("tr", { "data-id": c.conversation_id });
        var outcomes = Object.keys(c.outcomes).filter(function (o) { return c.outcomes[o]; })
          .map(function (o) { return t(o) + " " + c.outcomes[o]; }).join(lang === "ar" ? "، " : ", ");
        tr.append(el("td", { dir: "ltr" }, c.last_at.replace("T", " ").slice(0, 16)), el("td", {}, t(c.language === "ar" ? "arabic" : "english")),
          el("td", { dir: "auto" }, c.first_question), el("td", {}, c.questions), el("td", {}, outcomes));
        var cell = el("td");
        var b = el("button", { type: "button", class: "open-past" }, t("openVerb"));
        b.addEventListener("click", function () { show({ past: c.conversation_id }); });
        cell.appendChild(b);
        tr.appendChild(cell);
        tbody.appendChild(tr);
      });
    }).catch(function (e) { status(e.message); });
  }
  $("past-form").addEventListener("submit", function (e) { e.preventDefault(); pastOffset = 0; loadPast(); });
  $("past-prev").addEventListener("click", function () { pastOffset = Math.max(0, pastOffset - PAST_PAGE); loadPast(); });
  $("past-next").addEventListener("click", function () { pastOffset += PAST_PAGE; loadPast(); });

  applyLang();
  if (token) start();
})();
