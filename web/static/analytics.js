/* Analytics page: every figure drawn as a chart (Chart.js, vendored) and written in a table
 * beside it (for keyboards, screen readers and copying); texts inserted with textContent. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var token = sessionStorage.getItem("dalil-console-token") || "";
  var lang = localStorage.getItem("dalil-agent-lang") === "ar" ? "ar" : "en";
  var T = {
    en: { title: "Dalil — analytics", console: "Agent console", token: "Token", signIn: "Sign in", from: "From", to: "To",
      show: "Show", perDay: "Questions per day, by language", outcomes: "What the bot did", top: "Most asked services",
      thumbs: "Thumbs up and down per service", wait: "Handoff waiting time", day: "Day", ar: "Arabic", en: "English",
      outcome: "Outcome", count: "Count", share: "Share", service: "Service", up: "Thumbs up", down: "Thumbs down",
      answered: "answered", clarified: "clarified", declined: "declined", handed_over: "handed over", other: "other",
      handoffs: "handoffs", taken: "taken by an agent", waiting: "still waiting", mean_seconds: "mean wait (s)",
      median_seconds: "median wait (s)", max_seconds: "longest wait (s)", total: "{n} questions", denied: "Access denied: " },
    ar: { title: "دليل — الإحصاءات", console: "لوحة الموظفين", token: "الرمز", signIn: "دخول", from: "من", to: "إلى",
      show: "اعرض", perDay: "الأسئلة في كل يوم حسب اللغة", outcomes: "ماذا فعل المساعد", top: "أكثر الخدمات سؤالاً",
      thumbs: "التقييم بالإعجاب وعدمه لكل خدمة", wait: "مدة انتظار التحويل إلى موظف", day: "اليوم", ar: "العربية",
      en: "الإنجليزية", outcome: "النتيجة", count: "العدد", share: "النسبة", service: "الخدمة", up: "مفيد", down: "غير مفيد",
      answered: "أجاب", clarified: "استوضح", declined: "اعتذر", handed_over: "حوّل إلى موظف", other: "غير ذلك",
      handoffs: "التحويلات", taken: "تسلّمها موظف", waiting: "ما زالت تنتظر", mean_seconds: "متوسط الانتظار (ثانية)",
      median_seconds: "وسيط الانتظار (ثانية)", max_seconds: "أطول انتظار (ثانية)", total: "عدد الأسئلة: {n}",
      denied: "تعذر الدخول: " },
  };
  var OUTCOMES = ["answered", "clarified", "declined", "handed_over", "other"];
  var charts = {};
  var last = null;
  function t(key) { return T[lang][key]; }
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function table(id, head, rows) {
    var tbl = $(id);
    tbl.textContent = "";
    var tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", { scope: "col" }, h)); });
    tbl.appendChild(el("thead")).appendChild(tr);
    var body = tbl.appendChild(el("tbody"));
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) { row.appendChild(el("td", { dir: "auto" }, c)); });
      body.appendChild(row);
    });
  }
  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, animation: false, locale: lang === "ar" ? "ar-QA" : "en-GB" }, config.options || {});
    charts[id] = new window.Chart($(id), config);
    $(id).setAttribute("aria-label", config.label || "");
  }
  function name(s) { return (lang === "ar" ? s.name_ar : s.name_en) || s.service_id; }
  function draw(f) {
    last = f;
    $("total").textContent = t("total").replace("{n}", f.questions);
    var days = f.questions_per_day.map(function (d) { return d.day; });
    chart("per-day-chart", { type: "bar", label: t("perDay"), data: { labels: days, datasets: [
      { label: t("ar"), data: f.questions_per_day.map(function (d) { return d.ar; }), backgroundColor: "#8a1538" },
      { label: t("en"), data: f.questions_per_day.map(function (d) { return d.en; }), backgroundColor: "#0969da" }] },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } });
    table("per-day", [t("day"), t("ar"), t("en")], f.questions_per_day.map(function (d) { return [d.day, d.ar, d.en]; }));
    chart("outcomes-chart", { type: "doughnut", label: t("outcomes"), data: { labels: OUTCOMES.map(t), datasets: [
      { data: OUTCOMES.map(function (o) { return f.outcomes[o]; }),
        backgroundColor: ["#1a7f37", "#0969da", "#bf8700", "#8a1538", "#8c959f"] }] } });
    table("outcomes", [t("outcome"), t("count"), t("share")], OUTCOMES.map(function (o) {
      return [t(o), f.outcomes[o], (100 * f.shares[o]).toFixed(1) + "%"];
    }));
    chart("top-chart", { type: "bar", label: t("top"), data: { labels: f.top_services.map(name), datasets: [
      { label: t("count"), data: f.top_services.map(function (s) { return s.count; }), backgroundColor: "#8a1538" }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } });
    table("top", [t("service"), t("count")], f.top_services.map(function (s) { return [name(s), s.count]; }));
    chart("thumbs-chart", { type: "bar", label: t("thumbs"), data: { labels: f.feedback.map(name), datasets: [
      { label: t("up"), data: f.feedback.map(function (s) { return s.up; }), backgroundColor: "#1a7f37" },
      { label: t("down"), data: f.feedback.map(function (s) { return s.down; }), backgroundColor: "#a40e26" }] },
      options: { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } } });
    table("thumbs", [t("service"), t("up"), t("down")], f.feedback.map(function (s) { return [name(s), s.up, s.down]; }));
    var w = f.handoff_wait;
    table("wait", [t("wait"), t("count")], ["handoffs", "taken", "waiting", "mean_seconds", "median_seconds", "max_seconds"]
      .map(function (k) { return [t(k), w[k] === null ? "—" : w[k]]; }));
  }
  function applyLang() {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
    [["title", "title"], ["to-console", "console"], ["token-label", "token"], ["sign-in", "signIn"], ["since-label", "from"],
     ["until-label", "to"], ["show", "show"], ["per-day-h", "perDay"], ["outcomes-h", "outcomes"], ["top-h", "top"],
     ["thumbs-h", "thumbs"], ["wait-h", "wait"]].forEach(function (p) { $(p[0]).textContent = t(p[1]); });
    document.title = t("title");
    $("lang").textContent = lang === "ar" ? "English" : "عربي";
    $("lang").setAttribute("lang", lang === "ar" ? "en" : "ar");
    if (last) draw(last);
  }
  function load() {
    var q = [];
    if ($("since").value) q.push("since=" + encodeURIComponent($("since").value));
    if ($("until").value) q.push("until=" + encodeURIComponent($("until").value));
    return fetch("/api/analytics" + (q.length ? "?" + q.join("&") : ""), { headers: { Authorization: "Bearer " + token } })
      .then(function (r) {
        return r.json().then(function (body) { if (!r.ok) throw new Error(body.error || ("HTTP " + r.status)); return body; });
      }).then(function (f) {
        $("status").textContent = "";
        $("app").hidden = false;
        if (!$("since").value) { $("since").value = f.since; $("until").value = f.until; }
        draw(f);
      }).catch(function (e) { $("status").textContent = t("denied") + e.message; });
  }
  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    token = $("token").value;
    sessionStorage.setItem("dalil-console-token", token);
    load();
  });
  $("range").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  $("lang").addEventListener("click", function () {
    lang = lang === "ar" ? "en" : "ar";
    localStorage.setItem("dalil-agent-lang", lang);
    applyLang();
  });
  applyLang();
  if (token) load();
})();
