/*
 * Dalil chat widget. Embed with one tag:
 *   <script src="https://HOST/widget/dalil-widget.js" data-server="https://RASA" data-lang="ar" defer></script>
 * data-server: the Rasa server (REST channel); data-lang: initial language (ar|en);
 * data-api: where feedback goes and where the widget asks for an agent's messages (default:
 * the origin this script came from).
 *
 * Live agents: when the bot hands the conversation over (a `handoff` custom message), the
 * widget asks data-api's /api/live every second whether an agent has joined and for their
 * messages, until the conversation is back with the bot; it keeps asking after a reload.
 *
 * Safety: every text from the user or the bot is put in the page with textContent,
 * never as HTML; links are kept only when they are http(s).
 * Privacy: the conversation kept in localStorage (and shown by DalilWidget.state()) holds
 * the user's messages only after redact() (e-mails, runs of 6+ digits, passport numbers);
 * it is dropped 24 hours after its last message and keeps at most the last 50 messages.
 * The sender id is 16 random bytes from crypto.getRandomValues, in hex.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var cfg = {
    server: (script && script.dataset.server) || "http://localhost:5005",
    lang: (script && script.dataset.lang) === "en" ? "en" : "ar",
    api: (script && script.dataset.api) || (script ? new URL(script.src, location.href).origin : ""),
  };
  var STORE = "dalil-widget:v1";
  var MAX_KEPT = 50;                 // messages kept in storage
  var MAX_AGE = 24 * 60 * 60 * 1000; // ms after the last message before the stored conversation is dropped
  var MASK = "\u2022\u2022\u2022";     // •••
  var POLL_MS = 1000;                // how often the widget asks for an agent's messages
  var UI = {
    ar: {
      title: "دليل — الخدمات الحكومية", open: "افتح المحادثة مع دليل", close: "أغلق المحادثة",
      input: "اكتب سؤالك عن أي خدمة حكومية", send: "إرسال", toggle: "English", toggleLabel: "Switch to English",
      typing: "دليل يكتب…", error: "عذراً، تعذر الاتصال بالخدمة الآن. حاول بعد قليل أو اتصل على 109.",
      up: "إجابة مفيدة", down: "إجابة غير مفيدة", thanks: "شكراً على تقييمك", body: "الجهة", channels: "القنوات",
      fees: "الرسوم", link: "الصفحة الرسمية", log: "المحادثة", welcome: "مرحباً! اسألني عن أي خدمة حكومية في قطر.",
      joined: "انضم إلى المحادثة {agent} من مركز الاتصال الحكومي. يمكنك الكتابة هنا.",
      handed_back: "عدت إلى دليل، المساعد الآلي. اسألني عن أي خدمة حكومية.",
      closed: "أنهى {agent} المحادثة. شكراً لتواصلك مع مركز الاتصال الحكومي.",
      agent: "{agent} — مركز الاتصال الحكومي",
    },
    en: {
      title: "Dalil — Government services", open: "Open the chat with Dalil", close: "Close the chat",
      input: "Type your question about any government service", send: "Send", toggle: "عربي",
      toggleLabel: "التحويل إلى العربية", typing: "Dalil is typing…",
      error: "Sorry, the service can't be reached right now. Please try again shortly or call 109.",
      up: "Helpful answer", down: "Not helpful", thanks: "Thank you for your rating", body: "Provided by",
      channels: "Channels", fees: "Fees", link: "Official page", log: "Conversation",
      welcome: "Hello! Ask me about any Qatar government service.",
      joined: "{agent} from the Government Contact Center has joined the conversation. You can write here.",
      handed_back: "You're back with Dalil, the automated assistant. Ask me about any government service.",
      closed: "{agent} has closed the conversation. Thank you for contacting the Government Contact Center.",
      agent: "{agent} — Government Contact Center",
    },
  };
  var AR_WORD = /[\u0621-\u064A\u066E-\u06D3\u06D5\u06FA-\u06FC\u06FF\u0750-\u077F\uFB50-\uFBB1\uFBD3-\uFD3D\uFD50-\uFD8F\uFD92-\uFDC7\uFDF0-\uFDFB\uFE70-\uFE74\uFE76-\uFEFC]+/g;
  var LATIN_WORD = /[A-Za-z\u00C0-\u024F]+/g;

  // The same rule as knowledge/text.py: Arabic when it has at least half as many words as Latin.
  function detectLang(text) {
    var ar = (String(text).match(AR_WORD) || []).length;
    var la = (String(text).match(LATIN_WORD) || []).length;
    if (!ar && !la) return null;
    return ar > 0 && 2 * ar >= la ? "ar" : "en";
  }
  // The browser's copy of what the user typed loses personal numbers before it is stored
  // (the server redacts again, more finely, on its side). Errs on the side of masking.
  var DIGIT = "[0-9\\u0660-\\u0669\\u06F0-\\u06F9]"; // ASCII, Arabic-Indic, Extended Arabic-Indic
  var EMAIL_RE = /[^\s@]+@[^\s@]+\.[^\s@]+/g;
  var PASSPORT_RE = new RegExp("(^|[^A-Za-z0-9])[A-Za-z]{1,2}[\\s\\-]?" + DIGIT + "{6,9}(?!" + DIGIT + ")", "g");
  var DIGITS_RE = new RegExp(DIGIT + "(?:[\\s.\\-/\\u2010-\\u2015]*" + DIGIT + "){5,}", "g");
  function redact(text) {
    return String(text).replace(EMAIL_RE, MASK).replace(PASSPORT_RE, "$1" + MASK).replace(DIGITS_RE, MASK);
  }
  function newSender() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function safeUrl(url) {
    try {
      var u = new URL(url);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function setDir(node, text, fallback) {
    var lang = detectLang(text) || fallback;
    node.setAttribute("dir", lang === "ar" ? "rtl" : "ltr");
    node.setAttribute("lang", lang);
    return lang;
  }

  var state = load();
  // A stored conversation is used only when it is well-formed and its last message is less
  // than MAX_AGE old; anything else (damaged, expired, from an older widget) is removed.
  function load() {
    var now = Date.now();
    try {
      var s = JSON.parse(localStorage.getItem(STORE));
      if (s && typeof s.sender === "string" && /^[0-9a-f]{32}$/.test(s.sender) && Array.isArray(s.history) &&
          typeof s.updated === "number" && now - s.updated < MAX_AGE && s.updated <= now + 60000) {
        s.history = s.history.filter(function (e) { return e && typeof e === "object"; }).slice(-MAX_KEPT);
        s.history.forEach(function (e) { if (e.role === "user") e.text = redact(e.text); });
        s.lang = s.lang === "en" ? "en" : s.lang === "ar" ? "ar" : cfg.lang;
        s.open = s.open === true;
        s.live = s.live && typeof s.live.after === "number" ? { after: s.live.after } : null;
        s.seen = typeof s.seen === "number" ? s.seen : 0;
        return s;
      }
    } catch (e) { /* a damaged store starts a new conversation */ }
    try { localStorage.removeItem(STORE); } catch (e) { /* storage blocked */ }
    return { sender: newSender(), lang: cfg.lang, history: [], open: false, updated: now, live: null, seen: 0 };
  }
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* storage full or blocked */ }
  }

  // --- DOM -------------------------------------------------------------------------
  var link = el("link", { rel: "stylesheet", href: new URL("dalil-widget.css", script ? script.src : location.href).href });
  document.head.appendChild(link);
  var root = el("div", { class: "dalil-root" });
  var launcher = el("button", { type: "button", class: "dalil-launcher", "aria-expanded": "false", "aria-controls": "dalil-panel" });
  launcher.appendChild(el("span", { "aria-hidden": "true" }, "💬"));
  var panel = el("section", { id: "dalil-panel", class: "dalil-panel", role: "dialog", hidden: "" });
  var header = el("header", { class: "dalil-header" });
  var title = el("h2", { class: "dalil-title", id: "dalil-title" });
  var toggle = el("button", { type: "button", class: "dalil-toggle" });
  var closeBtn = el("button", { type: "button", class: "dalil-close" }, "×");
  header.append(title, toggle, closeBtn);
  var log = el("div", { class: "dalil-log", role: "log", "aria-live": "polite", tabindex: "0" });
  var typing = el("div", { class: "dalil-typing", role: "status", hidden: "" });
  typing.append(el("span", { class: "dalil-dot", "aria-hidden": "true" }), el("span", { class: "dalil-dot", "aria-hidden": "true" }),
    el("span", { class: "dalil-dot", "aria-hidden": "true" }), el("span", { class: "dalil-sr" }));
  var form = el("form", { class: "dalil-form" });
  var input = el("input", { type: "text", class: "dalil-input", id: "dalil-input", autocomplete: "off", maxlength: "2000", dir: "auto" });
  var label = el("label", { for: "dalil-input", class: "dalil-sr" });
  var send = el("button", { type: "submit", class: "dalil-send" });
  form.append(label, input, send);
  panel.append(header, log, typing, form);
  panel.setAttribute("aria-labelledby", "dalil-title");
  root.append(panel, launcher);
  document.body.appendChild(root);

  function applyLang() {
    var t = UI[state.lang];
    root.setAttribute("lang", state.lang);
    panel.setAttribute("dir", state.lang === "ar" ? "rtl" : "ltr");
    title.textContent = t.title;
    launcher.setAttribute("aria-label", t.open);
    closeBtn.setAttribute("aria-label", t.close);
    toggle.textContent = t.toggle;
    toggle.setAttribute("aria-label", t.toggleLabel);
    toggle.setAttribute("lang", state.lang === "ar" ? "en" : "ar");
    input.setAttribute("placeholder", t.input);
    label.textContent = t.input;
    send.textContent = t.send;
    typing.querySelector(".dalil-sr").textContent = t.typing;
    typing.setAttribute("aria-label", t.typing);
    log.setAttribute("aria-label", t.log);
  }

  // --- rendering ---------------------------------------------------------------------
  function renderButtons(container, buttons) {
    if (!buttons || !buttons.length) return;
    var row = el("div", { class: "dalil-buttons", role: "group" });
    buttons.forEach(function (b) {
      var btn = el("button", { type: "button", class: "dalil-quick" }, b.title);
      setDir(btn, b.title, state.lang);
      btn.addEventListener("click", function () { sendMessage(String(b.payload || b.title), String(b.title)); });
      row.appendChild(btn);
    });
    container.appendChild(row);
  }
  function renderCard(container, card) {
    var t = UI[card.lang === "en" ? "en" : "ar"];
    var box = el("article", { class: "dalil-card" });
    setDir(box, card.name, card.lang);
    box.appendChild(el("h3", { class: "dalil-card-name" }, card.name));
    var body = el("p", { class: "dalil-card-body" });
    body.append(el("strong", {}, t.body + ": "), document.createTextNode(String(card.body || "")));
    box.appendChild(body);
    box.appendChild(el("p", { class: "dalil-card-desc" }, card.description));
    var badges = el("ul", { class: "dalil-badges", "aria-label": t.channels });
    (card.channels || []).forEach(function (c) { badges.appendChild(el("li", { class: "dalil-badge" }, c)); });
    box.appendChild(badges);
    var fees = el("p", { class: "dalil-card-fees" });
    fees.append(el("strong", {}, t.fees + ": "), document.createTextNode(String(card.fees || "")));
    box.appendChild(fees);
    var href = safeUrl(card.url);
    if (href) {
      var a = el("a", { class: "dalil-card-link", href: href, target: "_blank", rel: "noopener noreferrer" }, t.link);
      box.appendChild(a);
    }
    container.appendChild(box);
  }
  function renderFeedback(container, entry) {
    var t = UI[state.lang];
    var row = el("div", { class: "dalil-feedback", role: "group" });
    [[1, "👍", t.up], [-1, "👎", t.down]].forEach(function (f) {
      var btn = el("button", { type: "button", class: "dalil-thumb", "aria-label": f[2], "aria-pressed": String(entry.rating === f[0]) }, f[1]);
      btn.addEventListener("click", function () {
        entry.rating = f[0];
        save();
        row.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === btn)); });
        fetch(cfg.api + "/api/feedback", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ conversation_id: state.sender, message: entry.text || (entry.card && entry.card.name) || "",
            rating: f[0], service_id: entry.card ? entry.card.id : null }),
        }).catch(function () { /* the rating stays shown; it is only lost if the server is down */ });
      });
      row.appendChild(btn);
    });
    container.appendChild(row);
  }
  function named(template, agent) { return template.replace("{agent}", String(agent || "")); }
  // An agent's joining, handing back or closing: a line in the citizen's language.
  function renderNotice(entry) {
    var t = UI[state.lang];
    var p = el("p", { class: "dalil-notice", role: "status", lang: state.lang, dir: state.lang === "ar" ? "rtl" : "ltr" },
      named(t[entry.kind] || "", entry.agent));
    log.appendChild(p);
    log.scrollTop = log.scrollHeight;
  }
  // `shown`: what the user typed, shown on this page only; the stored entry is redacted.
  function renderEntry(entry, shown) {
    if (entry.role === "notice") return renderNotice(entry);
    var text = shown === undefined ? entry.text : shown;
    var bubble = el("div", { class: "dalil-msg dalil-" + entry.role });
    if (entry.role === "agent") {
      var who = el("p", { class: "dalil-agent-name", lang: state.lang }, named(UI[state.lang].agent, entry.agent));
      bubble.appendChild(who);
    }
    var card = entry.card && entry.card.type === "service_card" && entry.card.ar ? entry.card[state.lang] : entry.card;
    if (card) {
      renderCard(bubble, card);
    } else {
      var p = el("p", { class: "dalil-text" }, text);
      setDir(p, text, state.lang);
      bubble.appendChild(p);
    }
    var lang = card ? card.lang : detectLang(text) || state.lang;
    bubble.setAttribute("dir", lang === "ar" ? "rtl" : "ltr");
    if (entry.role === "bot") {
      renderButtons(bubble, entry.buttons);
      if (!entry.plain) renderFeedback(bubble, entry);
    }
    log.appendChild(bubble);
    log.scrollTop = log.scrollHeight;
  }
  function add(entry, shown) {
    state.history.push(entry);
    if (state.history.length > MAX_KEPT) state.history = state.history.slice(-MAX_KEPT);
    state.updated = Date.now();
    save();
    renderEntry(entry, shown);
  }
  function addUser(text) {
    add({ role: "user", text: redact(text) }, String(text));
  }
  function addBot(entry) { add(entry); } // for forEach, whose index must not become `shown`

  // Rasa's REST channel answers with separate messages for text(+buttons) and `custom`;
  // a service card is shown once, as a card carrying the text message's buttons.
  function entriesFrom(messages) {
    var out = [];
    messages.forEach(function (m) {
      if (m.custom && m.custom.type === "handoff") {
        startLive();
      } else if (m.custom && m.custom.type === "service_card") {
        var prev = out[out.length - 1];
        var card = { role: "bot", card: m.custom, buttons: prev && !prev.card ? prev.buttons : [] };
        if (prev && !prev.card) out.pop();
        out.push(card);
      } else if (m.text) {
        out.push({ role: "bot", text: m.text, buttons: m.buttons || [] });
      }
    });
    return out;
  }

  var busy = false;
  function sendMessage(message, shown) {
    if (busy || !String(message).trim()) return;
    busy = true;
    if (shown !== null) addUser(shown === undefined ? message : shown);
    typing.hidden = false;
    fetch(cfg.server.replace(/\/$/, "") + "/webhooks/rest/webhook", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message }),
    }).then(function (r) {
      // The server answers its refusals (429: too many messages) with a reply like any other:
      // a JSON list of messages. Those are shown; only an answer that is not such a list
      // (or no answer at all) shows the "can't be reached" message.
      return r.text().then(function (body) {
        var messages = JSON.parse(body); // not JSON: the catch below
        if (!Array.isArray(messages)) throw new Error("HTTP " + r.status + ": not a list of messages");
        var entries = entriesFrom(messages);
        if (!r.ok) {
          if (!entries.length) throw new Error("HTTP " + r.status);
          entries.forEach(function (e) { e.plain = true; }); // no thumbs on a refusal
        }
        return entries;
      });
    }).then(function (entries) {
      entries.forEach(addBot);
    }).catch(function () {
      add({ role: "bot", text: UI[state.lang].error, plain: true });
    }).then(function () {
      typing.hidden = true;
      busy = false;
      input.focus();
    });
  }

  // --- a live agent ------------------------------------------------------------------
  var polling = false; // one chain of polls at a time, however often a handoff is announced
  function startLive() {
    // From the last agent message this conversation has shown: a second handoff in the same
    // conversation must not show the first one's messages again.
    if (!state.live) { state.live = { after: state.seen || 0 }; save(); }
    if (!polling) { polling = true; setTimeout(poll, 0); }
  }
  function next(ms) {
    if (state.live) setTimeout(poll, ms); else polling = false;
  }
  function poll() {
    if (!state.live) { polling = false; return; }
    fetch(cfg.api + "/api/live", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ conversation_id: state.sender, after: state.live.after }),
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (res) {
      (res.messages || []).forEach(function (m) {
        if (!state.live || typeof m.id !== "number" || m.id <= state.live.after) return;
        state.live.after = state.seen = m.id;
        if (m.kind === "text") add({ role: "agent", agent: m.agent, text: String(m.text || ""), plain: true });
        else if (m.kind === "card" && m.card) add({ role: "agent", agent: m.agent, card: m.card, plain: true });
        else add({ role: "notice", kind: m.kind, agent: m.agent });
      });
      if (res.state === "bot") state.live = null; // back with the bot: stop asking
      save();
      next(POLL_MS);
    }).catch(function () {
      next(5 * POLL_MS); // the server is away: ask less often
    });
  }

  // --- events ------------------------------------------------------------------------
  function setOpen(open) {
    state.open = open;
    save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) input.focus(); else launcher.focus();
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    var lang = detectLang(text);
    if (lang && lang !== state.lang) { state.lang = lang; applyLang(); }
    sendMessage(text);
  });
  toggle.addEventListener("click", function () {
    state.lang = state.lang === "ar" ? "en" : "ar";
    applyLang();
    save();
    sendMessage('/change_language{"language": "' + state.lang + '"}', null);
  });

  applyLang();
  if (!state.history.length) add({ role: "bot", text: UI[state.lang].welcome, buttons: [], plain: true });
  else state.history.forEach(function (e) { renderEntry(e); }); // not forEach(renderEntry): the index must not become `shown`
  if (state.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); }
  if (state.live) startLive(); // a reload while an agent is (or may soon be) on the conversation
  // state(): a copy, so a page cannot change what is stored.
  window.DalilWidget = { open: function () { setOpen(true); }, state: function () { return JSON.parse(JSON.stringify(state)); } };
})();
