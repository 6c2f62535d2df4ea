// Pacer's console: shows the workspace's channels as a Slack client would,
// rendered from the Block Kit the bot posted, and sends what the person
// does to the console, which passes it to the bot as Slack would. Plain
// JavaScript, no build step. Text is only ever set with textContent: what
// the bot posts (names from a CSV, notes) never becomes HTML.
"use strict";
(() => {
  const base = "/console";
  let state = null;
  let current = null; // a channel id, or "home"
  let loading = false;
  let again = false;
  let shownModal = ""; // id + hash of the modal on screen
  const openThreads = new Set();
  const dismissed = new Set();

  const $ = (id) => document.getElementById(id);

  // h builds an element: h("a", {class: "x", href: u}, child, "text").
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("data-")) el.setAttribute(k, v);
      else if (k === "onclick") el.addEventListener("click", v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      el.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return el;
  }

  // --- talking to the console

  async function post(path, body) {
    let res;
    try {
      res = await fetch(base + path, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {}),
      });
    } catch (e) {
      return {ok: false, status: 0, data: {message: "Pacer does not answer; is `pacer serve` still running?"}};
    }
    let data = {};
    try { data = await res.json(); } catch (e) { /* an empty answer */ }
    if (res.status === 401) showLogin();
    return {ok: res.ok, status: res.status, data};
  }

  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      do {
        again = false;
        const res = await fetch(base + "/state", {credentials: "same-origin", cache: "no-store"});
        if (res.status === 401) { showLogin(); return; }
        if (!res.ok) { setConnection("Pacer answered HTTP " + res.status); return; }
        state = await res.json();
        render();
      } while (again);
    } catch (e) {
      setConnection("Pacer does not answer; retrying…");
    } finally {
      loading = false;
    }
  }

  let events = null;
  function listen() {
    if (events) events.close();
    events = new EventSource(base + "/events");
    events.addEventListener("change", () => refresh());
    events.onopen = () => setConnection("● live");
    events.onerror = () => setConnection("reconnecting…");
  }

  function setConnection(text) { $("connection").textContent = text; }

  // --- login (only when PACER_CONSOLE_TOKEN is set)

  function showLogin() {
    if (events) { events.close(); events = null; }
    $("app").hidden = true;
    $("login").hidden = false;
    $("login-token").focus();
  }

  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await post("/login", {token: $("login-token").value});
    if (!r.ok) { $("login-error").textContent = r.data.message || "The token was not accepted."; return; }
    $("login").hidden = true;
    $("login-token").value = "";
    start();
  });

  // --- the page

  function channelName(id) {
    const c = (state.channels || []).find((c) => c.id === id);
    return c ? c.name : id;
  }
  function userName(id) { return (state.users && state.users[id]) || id; }

  function render() {
    $("app").hidden = false;
    if (!current || (current !== "home" && !state.channels.some((c) => c.id === current))) {
      const withMessages = state.channels.find((c) => state.messages.some((m) => m.channel === c.id));
      current = (withMessages || state.channels[0] || {}).id;
    }
    renderChannels();
    const home = current === "home";
    $("timeline").hidden = home;
    $("home").hidden = !home;
    $("composer").hidden = home;
    if (home) {
      $("title").textContent = "Pacer · Home";
      renderHome();
    } else {
      const c = state.channels.find((c) => c.id === current);
      $("title").textContent = c && c.dm ? "Pacer (direct messages)" : "#" + channelName(current);
      renderTimeline();
    }
    renderModal();
  }

  function renderChannels() {
    const list = $("channels");
    list.replaceChildren(...state.channels.map((c) => h("li", {},
      h("button", {type: "button", class: "nav-item" + (c.id === current ? " active" : ""), "data-channel": c.id,
        onclick: () => { current = c.id; render(); }}, c.dm ? "Pacer (DM)" : "# " + c.name))));
    $("home-link").classList.toggle("active", current === "home");
  }

  $("home-link").addEventListener("click", async () => {
    current = "home";
    render();
    const r = await post("/home");
    if (!r.ok) $("home").replaceChildren(h("p", {class: "error"}, r.data.message || "Pacer did not open its Home tab."));
  });

  function renderTimeline() {
    const tl = $("timeline");
    const atBottom = tl.scrollHeight - tl.scrollTop - tl.clientHeight < 40;
    const keep = tl.scrollTop;
    const top = state.messages.filter((m) => m.channel === current && (!m.thread_ts || m.thread_ts === m.ts));
    const eph = state.ephemerals.filter((m) => m.channel === current && !dismissed.has(m.ts));
    const all = top.concat(eph).sort((a, b) => tsNum(a.ts) - tsNum(b.ts));
    if (all.length === 0) {
      tl.replaceChildren(h("p", {class: "empty"},
        "Nothing here yet. Type /pacer propose demo below: Pacer posts a proposal here for you to approve, edit or skip."));
      return;
    }
    // A message keeps its elements until it changes, so that a click is
    // never lost on a button that was just drawn again.
    tl.replaceChildren(...all.map((m) => {
      const key = m.channel + "/" + m.ts + (m.for ? "/ephemeral" : "");
      const sig = signature(m);
      const had = rendered.get(key);
      if (had && had.sig === sig) return had.el;
      const el = renderMessage(m);
      rendered.set(key, {sig, el});
      return el;
    }));
    tl.scrollTop = atBottom ? tl.scrollHeight : keep;
  }

  const rendered = new Map();

  // signature is what a message shows: it changes when the message does.
  function signature(m) {
    const replies = state.messages.filter((r) => r.channel === m.channel && r.thread_ts === m.ts && r.ts !== m.ts);
    return [m.edited || "", m.text, openThreads.has(m.ts), ...replies.map((r) => r.ts + (r.edited || ""))].join("|");
  }

  function tsNum(ts) { return parseFloat(ts) || 0; }

  function renderMessage(m) {
    const ephemeral = !!m.for;
    const el = h("div", {class: "message" + (ephemeral ? " ephemeral" : ""), "data-ts": m.ts, "data-channel": m.channel});
    const meta = h("div", {class: "meta"},
      h("span", {class: "author"}, userName(m.user)),
      m.user === state.bot ? h("span", {class: "badge"}, "APP") : null,
      h("span", {class: "time", title: new Date(tsNum(m.ts) * 1000).toString()}, clock(tsNum(m.ts))),
      m.edited ? h("span", {class: "edited"}, "(edited)") : null,
      ephemeral ? h("span", {class: "only-you"}, "Only visible to you") : null,
      ephemeral ? h("button", {type: "button", class: "dismiss", onclick: () => { dismissed.add(m.ts); render(); }}, "Dismiss") : null);
    el.append(meta);
    const body = h("div", {class: "blocks"});
    if (m.blocks && m.blocks.length) body.append(renderBlocks(m.blocks, {kind: "message", channel: m.channel, ts: m.ts}));
    else mrkdwn(m.text || "", body);
    el.append(body);
    if (!ephemeral) {
      const replies = state.messages.filter((r) => r.channel === m.channel && r.thread_ts === m.ts && r.ts !== m.ts);
      if (replies.length) {
        const open = openThreads.has(m.ts);
        el.append(h("button", {type: "button", class: "thread-toggle",
          onclick: () => { if (open) openThreads.delete(m.ts); else openThreads.add(m.ts); render(); }},
        (open ? "Hide " : "") + replies.length + (replies.length === 1 ? " reply" : " replies")));
        if (open) el.append(h("div", {class: "thread"}, ...replies.map((r) => renderMessage(r))));
      }
    }
    return el;
  }

  function clock(unix) {
    return new Date(unix * 1000).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }

  function renderHome() {
    const home = $("home");
    if (!state.home) { home.replaceChildren(h("p", {class: "empty"}, "Opening Pacer's Home tab…")); return; }
    home.replaceChildren(h("div", {class: "message"}, renderBlocks(state.home.blocks || [], {kind: "home"})));
  }

  // --- Block Kit

  function renderBlocks(blocks, ctx) {
    const frag = document.createDocumentFragment();
    for (const b of blocks) frag.append(renderBlock(b, ctx));
    return frag;
  }

  function renderBlock(b, ctx) {
    const id = b.block_id || "";
    switch (b.type) {
    case "header":
      return h("h3", {class: "block header", "data-block-id": id}, plainText(b.text));
    case "divider":
      return h("hr", {class: "block", "data-block-id": id});
    case "section": {
      const el = h("div", {class: "block section", "data-block-id": id});
      if (b.text) el.append(textObject(b.text));
      if (b.fields && b.fields.length) el.append(h("div", {class: "fields"}, ...b.fields.map((f) => h("div", {}, textObject(f)))));
      if (b.accessory) {
        if (b.accessory.type === "button") el.append(h("div", {class: "actions"}, renderButton(b.accessory, ctx, id)));
        else if (b.accessory.type === "image") el.append(image(b.accessory.image_url, b.accessory.alt_text));
      }
      return el;
    }
    case "context":
      return h("div", {class: "block context", "data-block-id": id}, ...(b.elements || []).map((e) =>
        e.type === "image" ? image(e.image_url, e.alt_text) : textObject(e)));
    case "actions":
      return h("div", {class: "block actions", "data-block-id": id}, ...(b.elements || []).map((e) =>
        e.type === "button" ? renderButton(e, ctx, id) : h("span", {class: "unknown"}, "(a " + e.type + ", which the console does not show)")));
    case "image":
      return h("figure", {class: "block", "data-block-id": id}, image(b.image_url, b.alt_text), b.title ? h("figcaption", {}, plainText(b.title)) : null);
    case "input":
      return renderInput(b, ctx);
    case "rich_text":
      return h("div", {class: "block", "data-block-id": id}, ...(b.elements || []).map(richText));
    }
    return h("div", {class: "block unknown", "data-block-id": id}, "(a " + b.type + " block, which the console does not show)");
  }

  function image(url, alt) {
    return /^https?:\/\//i.test(url || "") ? h("img", {src: url, alt: alt || ""}) : h("span", {class: "unknown"}, alt || "(image)");
  }

  function richText(section) {
    const el = h(section.type === "rich_text_preformatted" ? "pre" : section.type === "rich_text_quote" ? "blockquote" : "div", {});
    for (const e of section.elements || []) {
      if (e.type === "text") {
        const s = e.style || {};
        let node = document.createTextNode(e.text || "");
        if (s.code) node = h("code", {}, node);
        if (s.bold) node = h("strong", {}, node);
        if (s.italic) node = h("em", {}, node);
        if (s.strike) node = h("s", {}, node);
        el.append(node);
      } else if (e.type === "link") {
        el.append(/^(https?:|mailto:)/i.test(e.url) ? h("a", {href: e.url, target: "_blank", rel: "noopener noreferrer"}, e.text || e.url) : (e.text || e.url));
      } else if (e.type === "user") {
        el.append(h("span", {class: "mention"}, "@" + userName(e.user_id)));
      } else if (e.type === "channel") {
        el.append(h("span", {class: "mention"}, "#" + channelName(e.channel_id)));
      } else if (e.type === "emoji") {
        el.append(emoji[e.name] || ":" + e.name + ":");
      } else if (e.elements) {
        el.append(richText(e));
      }
    }
    return el;
  }

  function textObject(t) {
    if (!t) return document.createTextNode("");
    if (t.type === "mrkdwn") { const span = h("div", {class: "mrkdwn"}); mrkdwn(t.text || "", span); return span; }
    return h("span", {}, plainText(t));
  }

  function plainText(t) {
    if (!t) return "";
    const s = t.text || "";
    return t.emoji === false ? s : withEmoji(s);
  }

  function renderButton(el, ctx, blockID) {
    const b = h("button", {type: "button", class: "btn" + (el.style ? " " + el.style : ""),
      "data-action-id": el.action_id || "", "data-block-id": blockID}, plainText(el.text));
    if (ctx.kind !== "message" && ctx.kind !== "home") {
      b.disabled = true;
      b.title = "The console passes clicks on messages and in the Home tab only.";
      return b;
    }
    b.addEventListener("click", async () => {
      if (el.confirm && !(await confirmDialog(el.confirm))) return;
      if (el.url && /^https?:\/\//i.test(el.url)) window.open(el.url, "_blank", "noopener");
      b.disabled = true;
      const where = ctx.kind === "home" ? {home: true} : {channel: ctx.channel, ts: ctx.ts};
      const r = await post("/action", {...where, block_id: blockID, action_id: el.action_id});
      b.disabled = false;
      if (!r.ok) showError(r.data.message || "The click did not reach Pacer.");
    });
    return b;
  }

  function showError(text) {
    $("composer-error").textContent = text;
    setTimeout(() => { if ($("composer-error").textContent === text) $("composer-error").textContent = ""; }, 8000);
  }

  // --- modals

  function renderModal() {
    const overlay = $("overlay");
    const v = state.modal;
    const key = v ? v.id + "/" + v.hash : "";
    if (key === shownModal && (!v || !overlay.hidden)) return; // keep what the person typed
    shownModal = key;
    if (!v) { overlay.hidden = true; overlay.replaceChildren(); return; }
    const errorLine = h("p", {class: "error modal-error", role: "alert"});
    const modal = h("div", {class: "modal", role: "dialog", "aria-modal": "true", "data-view-id": v.id, "data-callback-id": v.callback_id || ""},
      h("header", {}, h("h2", {}, plainText(v.title)), h("button", {type: "button", class: "close", "aria-label": "Close", onclick: () => closeModal(v.id)}, "×")),
      h("div", {class: "modal-body"}, renderBlocks(v.blocks || [], {kind: "modal"})),
      errorLine);
    const footer = h("footer", {}, h("button", {type: "button", class: "btn", "data-role": "close", onclick: () => closeModal(v.id)}, plainText(v.close) || "Cancel"));
    if (v.submit) {
      const submit = h("button", {type: "button", class: "btn primary", "data-role": "submit"}, plainText(v.submit));
      submit.addEventListener("click", () => submitModal(v, modal, submit, errorLine));
      footer.append(submit);
    }
    modal.append(footer);
    overlay.replaceChildren(modal);
    overlay.hidden = false;
    const first = modal.querySelector("textarea, input");
    if (first) first.focus();
  }

  function renderInput(b, ctx) {
    const id = b.block_id || "";
    const e = b.element || {};
    const field = "input-" + id;
    let control;
    if (e.type === "plain_text_input") {
      control = e.multiline ? h("textarea", {id: field}) : h("input", {id: field, type: "text"});
      control.value = e.initial_value || "";
      if (e.placeholder) control.placeholder = plainText(e.placeholder);
      if (e.max_length) control.maxLength = e.max_length;
      control.dataset.blockId = id;
      control.dataset.actionId = e.action_id || "";
    } else {
      control = h("span", {class: "unknown"}, "(a " + e.type + ", which the console does not show)");
    }
    return h("div", {class: "block input", "data-block-id": id},
      h("label", {for: field}, plainText(b.label), b.optional ? h("span", {class: "muted"}, " (optional)") : null),
      control,
      b.hint ? h("div", {class: "hint"}, plainText(b.hint)) : null,
      h("div", {class: "error field-error", "data-error-for": id}));
  }

  async function submitModal(v, modal, button, errorLine) {
    const values = {};
    modal.querySelectorAll("[data-block-id][data-action-id]").forEach((c) => { values[c.dataset.blockId] = c.value; });
    modal.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
    errorLine.textContent = "";
    button.disabled = true;
    const r = await post("/submit", {view_id: v.id, values});
    button.disabled = false;
    if (!r.ok) { errorLine.textContent = r.data.message || "The form did not reach Pacer."; return; }
    if (r.data.closed) {
      shownModal = "";
      $("overlay").hidden = true;
      $("overlay").replaceChildren();
      return;
    }
    for (const [block, msg] of Object.entries(r.data.errors || {})) {
      const slot = modal.querySelector('[data-error-for="' + CSS.escape(block) + '"]');
      if (slot) slot.textContent = msg; else errorLine.textContent = msg;
    }
  }

  async function closeModal(id) {
    shownModal = "";
    $("overlay").hidden = true;
    $("overlay").replaceChildren();
    await post("/close", {view_id: id});
  }

  // confirmDialog shows a button's confirm object and resolves to whether
  // the person confirmed.
  function confirmDialog(c) {
    return new Promise((resolve) => {
      const layer = h("div", {class: "confirm-layer"});
      const done = (yes) => { layer.remove(); if (!shownModal) $("overlay").hidden = true; resolve(yes); };
      const dialog = h("div", {class: "modal", role: "alertdialog", "aria-modal": "true"},
        h("header", {}, h("h2", {}, plainText(c.title) || "Are you sure?")),
        h("div", {class: "modal-body"}, textObject(c.text)),
        h("footer", {},
          h("button", {type: "button", class: "btn", "data-role": "deny", onclick: () => done(false)}, plainText(c.deny) || "Cancel"),
          h("button", {type: "button", class: "btn " + (c.style === "danger" ? "danger" : "primary"), "data-role": "confirm", onclick: () => done(true)}, plainText(c.confirm) || "Yes")));
      layer.append(dialog);
      $("overlay").append(layer);
      $("overlay").hidden = false;
    });
  }

  // --- mrkdwn (https://docs.slack.dev/messaging/formatting-message-text)

  function decode(s) { return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"); }

  function mrkdwn(text, parent) {
    text.split("```").forEach((part, i) => {
      if (i % 2 === 1) { parent.append(h("pre", {}, decode(part.replace(/^\n/, "")))); return; }
      let prev = null;
      let quote = null;
      for (const line of part.split("\n")) {
        // A literal > quotes the line; one typed by a person arrives as &gt;.
        if (line.startsWith(">")) {
          if (prev === "quote") quote.append(h("br"));
          else { quote = h("blockquote"); parent.append(quote); }
          inline(line.slice(1), quote);
          prev = "quote";
          continue;
        }
        if (prev === "text") parent.append(h("br"));
        inline(line, parent);
        prev = "text";
      }
    });
  }

  const opensAfter = /[\s([{"'>~_*]/;
  const closesBefore = /[\s.,;:!?)\]}"'<~_*-]/;

  function inline(s, parent) {
    let buf = "";
    const flush = () => { if (buf) { parent.append(withEmoji(decode(buf))); buf = ""; } };
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === "<") {
        const j = s.indexOf(">", i + 1);
        if (j > i + 1) { flush(); parent.append(special(s.slice(i + 1, j))); i = j + 1; continue; }
      } else if (c === "`") {
        const j = s.indexOf("`", i + 1);
        if (j > i + 1) { flush(); parent.append(h("code", {}, decode(s.slice(i + 1, j)))); i = j + 1; continue; }
      } else if ((c === "*" || c === "_" || c === "~") && (i === 0 || opensAfter.test(s[i - 1])) && s[i + 1] && !/\s/.test(s[i + 1])) {
        const j = closing(s, i, c);
        if (j > 0) {
          flush();
          const el = h(c === "*" ? "strong" : c === "_" ? "em" : "s");
          inline(s.slice(i + 1, j), el);
          parent.append(el);
          i = j + 1;
          continue;
        }
      }
      buf += c;
      i++;
    }
    flush();
  }

  // closing finds the marker that closes the one at i, skipping <…> tokens.
  function closing(s, i, c) {
    for (let j = i + 2; j < s.length; j++) {
      if (s[j] === "<") { const k = s.indexOf(">", j); if (k > 0) { j = k; continue; } }
      if (s[j] === c && !/\s/.test(s[j - 1]) && (j + 1 === s.length || closesBefore.test(s[j + 1]))) return j;
    }
    return -1;
  }

  function special(inner) {
    const bar = inner.indexOf("|");
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? "" : decode(inner.slice(bar + 1));
    if (target.startsWith("@")) return h("span", {class: "mention"}, "@" + (label || userName(target.slice(1))));
    if (target.startsWith("#")) return h("span", {class: "mention"}, "#" + (label || channelName(target.slice(1))));
    if (target.startsWith("!subteam^")) return h("span", {class: "mention"}, "@" + (label || target.slice(9)));
    if (target === "!here" || target === "!channel" || target === "!everyone") return h("span", {class: "mention"}, "@" + target.slice(1));
    if (target.startsWith("!date^")) {
      const [, unix, format] = target.split("^");
      return h("span", {class: "date", title: label}, slackDate(parseInt(unix, 10), format || "", label));
    }
    const url = decode(target);
    // A permalink to a message of this workspace (chat.getPermalink) opens
    // its channel here.
    const own = /^https:\/\/pacer-console\.slack\.com\/archives\/([A-Z0-9]+)\/p\d+$/.exec(url);
    if (own) {
      return h("a", {href: "#", class: "permalink", "data-channel": own[1],
        onclick: (e) => { e.preventDefault(); current = own[1]; render(); }}, label || "#" + channelName(own[1]));
    }
    if (/^(https?:|mailto:)/i.test(url)) return h("a", {href: url, target: "_blank", rel: "noopener noreferrer"}, label || url);
    return document.createTextNode(label || url);
  }

  function slackDate(unix, format, fallback) {
    const d = new Date(unix * 1000);
    if (isNaN(d.getTime())) return fallback;
    const day = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
    const diff = Math.round((day(d) - day(new Date())) / 86400000);
    const pretty = diff === 0 ? "today" : diff === -1 ? "yesterday" : diff === 1 ? "tomorrow" : "";
    const fmt = (o) => d.toLocaleDateString([], o);
    const date = fmt({month: "long", day: "numeric", year: "numeric"});
    const short = fmt({month: "short", day: "numeric", year: "numeric"});
    const long = fmt({weekday: "long", month: "long", day: "numeric", year: "numeric"});
    const out = format.replace(/\{(\w+)\}/g, (m, tok) => {
      switch (tok) {
      case "date_num": return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
      case "date": return date;
      case "date_short": return short;
      case "date_long": return long;
      case "date_pretty": return pretty || date;
      case "date_short_pretty": return pretty || short;
      case "date_long_pretty": return pretty || long;
      case "time": return d.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
      case "time_secs": return d.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit"});
      case "ago": return ago(d);
      }
      return m;
    });
    return out.charAt(0).toUpperCase() + out.slice(1);
  }

  function ago(d) {
    const s = Math.round((Date.now() - d.getTime()) / 1000);
    const abs = Math.abs(s);
    const [n, unit] = abs < 60 ? [abs, "second"] : abs < 3600 ? [Math.round(abs / 60), "minute"] : abs < 86400 ? [Math.round(abs / 3600), "hour"] : [Math.round(abs / 86400), "day"];
    const words = n + " " + unit + (n === 1 ? "" : "s");
    return s >= 0 ? words + " ago" : "in " + words;
  }

  // The emoji Pacer's messages use, and a few more.
  const emoji = {
    warning: "⚠️", no_entry: "⛔", double_vertical_bar: "⏸️", sos: "🆘", white_check_mark: "✅", x: "❌",
    fast_forward: "⏩", arrow_forward: "▶️", thread: "🧵", no_entry_sign: "🚫", large_green_circle: "🟢",
    large_yellow_circle: "🟡", red_circle: "🔴", hourglass_flowing_sand: "⏳", hourglass: "⌛", heavy_minus_sign: "➖",
    heavy_check_mark: "✔️", chart_with_downwards_trend: "📉", chart_with_upwards_trend: "📈", bar_chart: "📊",
    tada: "🎉", rocket: "🚀", bell: "🔔", email: "📧", envelope: "✉️", handshake: "🤝", wave: "👋",
    information_source: "ℹ️", lock: "🔒", key: "🔑", calendar: "📅", mag: "🔍", stop_sign: "🛑",
    construction: "🚧", eyes: "👀", thumbsup: "👍", "+1": "👍", inbox_tray: "📥", outbox_tray: "📤", link: "🔗",
    memo: "📝", robot_face: "🤖", zap: "⚡", fire: "🔥", sparkles: "✨", checkered_flag: "🏁", repeat: "🔁",
    pause_button: "⏸️", arrows_counterclockwise: "🔄", bust_in_silhouette: "👤", busts_in_silhouette: "👥",
  };

  function withEmoji(s) {
    return s.replace(/:([a-z0-9_+-]+):/g, (m, name) => emoji[name] || m);
  }

  // --- the composer

  $("composer").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("command");
    const text = input.value.trim();
    if (!text) return;
    input.disabled = true;
    const r = await post("/command", {channel: current, text});
    input.disabled = false;
    input.focus();
    if (!r.ok) { showError(r.data.message || "The command did not reach Pacer."); return; }
    input.value = "";
    $("composer-error").textContent = "";
  });

  function start() {
    listen();
    refresh();
  }

  start();
})();
