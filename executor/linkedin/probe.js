// The LinkedIn adapter's page script. It reads a page the way the adapter
// needs it, in one round trip, and finds the elements the adapter clicks.
// It never clicks anything itself. All selectors and labels come from cfg
// (selectors.yaml); this file holds only the logic.
//
// Called as (cfg, target, op, arg): op "probe" returns a report of a profile
// page and any open dialog; "pick" returns the element named by arg; "sent",
// "connections", "contact" and "activity" return what those pages list;
// "thread" reads the conversation with the member target names (JSON) and
// "inbox" the messaging list.
function (cfg, target, op, arg) {
  'use strict';
  const S = cfg.selectors, L = cfg.labels, P = cfg.paths;
  target = (target || '').toLowerCase();

  const norm = (s) => (s || '').replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, ' ').trim();
  const lower = (s) => norm(s).toLowerCase();
  const text = (el) => norm(el.textContent);
  const label = (el) => norm(el.getAttribute('aria-label') || '');
  const escRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = (t) => new RegExp('^' + norm(t).split('{name}').map(escRe).join('(.+)') + '$', 'i');
  // The config object lives as long as the document's copy of this script,
  // so compiled patterns are kept on it.
  const memo = cfg.__memo || (cfg.__memo = new Map());
  const patterns = (list) => {
    if (!memo.has(list)) memo.set(list, (list || []).map(pattern));
    return memo.get(list);
  };
  const nameIn = (res, s) => { s = norm(s); for (const re of res) { const m = s.match(re); if (m) return m[1] !== undefined ? m[1] : ''; } return null; };
  const inList = (list, s) => (list || []).some((v) => lower(v) === lower(s));
  // Go's (?P<name>…) groups, should a selectors file use them, are (?<name>…) here.
  const re = (p, flags) => new RegExp(p.replace(/\(\?P</g, '(?<'), flags);
  const contains = (list, s) => { s = lower(s); return (list || []).some((v) => s.includes(lower(v))); };
  const sameName = (a, b) => lower(a) === lower(b);
  const visible = (el) => {
    if (!el || !el.isConnected) return false;
    if (el.checkVisibility) return el.checkVisibility({ visibilityProperty: true });
    return el.getClientRects().length > 0;
  };
  const abs = (h) => {
    try { return new URL(h, document.baseURI); } catch (e) {
      try { return new URL(h, 'https://www.linkedin.com/'); } catch (e2) { return null; }
    }
  };
  const slugOfHref = (h) => {
    const u = h ? abs(h) : null;
    if (!u) return '';
    const m = u.pathname.match(/^\/in\/([^/?#]+)/);
    if (!m) return '';
    try { return decodeURIComponent(m[1]).toLowerCase(); } catch (e) { return m[1].toLowerCase(); }
  };
  const vanityOf = (el) => {
    const a = el.closest('a[href]') || (el.querySelector && el.querySelector('a[href]'));
    const h = a ? a.getAttribute('href') : '';
    if (!h || !h.includes(P.custom_invite)) return '';
    const u = abs(h);
    return u ? (u.searchParams.get(P.vanity_param) || '').toLowerCase() : '';
  };
  const clickable = (el) => el.closest(S.clickable) || el;
  const isAI = (el) => inList(L.write_with_ai, label(el)) || inList(L.write_with_ai, text(el));

  // Every open shadow root, found by walking the tree: the invite dialog
  // renders inside one (div#interop-outlet).
  const roots = () => {
    const out = [document];
    for (let i = 0; i < out.length; i++) {
      for (const el of out[i].querySelectorAll('*')) if (el.shadowRoot) out.push(el.shadowRoot);
    }
    return out;
  };
  const qsa = (root, sel) => (root && sel ? [...root.querySelectorAll(sel)] : []);
  const deepAll = (sel) => roots().flatMap((r) => qsa(r, sel));
  const outermost = (els) => els.filter((el) => !els.some((o) => o !== el && o.contains(el)));
  // The texts of the leaf elements under el, in order: lines as the page
  // lays them out, whatever its CSS.
  const leaves = (el) => [el, ...el.querySelectorAll('*')].filter((e) => !e.children.length).map(text).filter(Boolean);
  const buttons = (root, list) => qsa(root, 'button, [role="button"], a')
    .filter((b) => !isAI(b) && (inList(list, label(b)) || inList(list, text(b))));

  const anchors = [];
  const mark = (a) => { if (!anchors.includes(a)) anchors.push(a); };

  // --- URL-level states -----------------------------------------------------
  const path = location.protocol.startsWith('http') ? location.pathname : '';
  const login = (P.login_prefixes || []).some((p) => path.startsWith(p)) ||
    (!!document.querySelector(S.login_form) && !document.querySelector(S.topcard));
  const checkpoint = !login && ((P.checkpoint_prefixes || []).some((p) => path.startsWith(p)) || deepAll(S.captcha_frame).length > 0);

  // --- the top card and its More menu ----------------------------------------
  const workspace = document.querySelector(S.workspace);
  let topcard = workspace ? workspace.querySelector(S.topcard) : null;
  if (!topcard && workspace) {
    for (const f of S.topcard_fallbacks || []) { topcard = workspace.querySelector(f); if (topcard) break; }
  }
  const toolbar = document.querySelector(S.toolbar);
  const nameEl = topcard ? topcard.querySelector(S.name) : null;
  const name = nameEl ? text(nameEl) : '';

  // The target is the slug the caller asked about; a saved page without
  // one tells it through its top card's links and controls.
  let inferred = '';
  if (topcard) {
    const counts = {};
    for (const a of qsa(topcard, 'a[href]')) {
      const s = slugOfHref(a.getAttribute('href')) || vanityOf(a);
      if (s) counts[s] = (counts[s] || 0) + 1;
    }
    inferred = Object.keys(counts).sort((a, b) => counts[b] - counts[a])[0] || '';
  }
  const who = target || inferred;

  const moreBtn = topcard ? qsa(topcard, S.more_button).find((b) => inList(L.more, text(b)) || inList(L.more, label(b))) : null;
  const menuOpen = !!moreBtn && moreBtn.getAttribute('aria-expanded') === 'true';
  let menu = null;
  if (menuOpen) {
    const owner = moreBtn.parentElement ? moreBtn.parentElement.querySelector('[aria-owns]') : null;
    const id = (owner && owner.getAttribute('aria-owns')) || moreBtn.getAttribute('aria-controls');
    const host = id ? document.getElementById(id) : null;
    if (host) menu = host.matches(S.menu) ? host : host.querySelector(S.menu);
    if (!menu) {
      // Without an id link, accept the portal menu only if it is the only
      // one open.
      const open = qsa(document, S.menu_portal + ' ' + S.menu);
      if (open.length === 1) menu = open[0];
    }
  }
  const menuItems = menu ? qsa(menu, S.menu_item) : [];

  // Does el belong to the target? By the vanity name or profile link it
  // carries, else by the card it sits in.
  const ownerOf = (el) => {
    const v = vanityOf(el);
    if (v) return v;
    const a = el.closest('a[href]');
    if (a && slugOfHref(a.getAttribute('href'))) return slugOfHref(a.getAttribute('href'));
    if (topcard && topcard.contains(el)) return who;
    if (menu && menu.contains(el)) return who;
    for (let n = el.parentElement, i = 0; n && i < 10; n = n.parentElement, i++) {
      if (n === document.body) break;
      const link = n.querySelector('a[href*="/in/"]');
      if (link) return slugOfHref(link.getAttribute('href'));
    }
    return '';
  };

  const invRes = patterns(L.invite);
  const isInvite = (el) => nameIn(invRes, label(el)) !== null;
  const forTarget = (el, nm) => {
    const owner = ownerOf(el);
    if (owner) return owner === who;
    return nm !== null && nm !== undefined && nm !== '' && sameName(nm, name);
  };

  // Connect directly in the top card (older markup).
  let connectDirect = null;
  if (topcard) {
    const cands = outermost(qsa(topcard, '[aria-label], a[href*="' + P.custom_invite + '"], button').filter((el) =>
      isInvite(el) || (el.matches('a') && (el.getAttribute('href') || '').includes(P.custom_invite)) ||
      (el.matches('button') && inList(L.connect, text(el)))));
    connectDirect = cands.find((el) => forTarget(el, nameIn(invRes, label(el)))) || null;
  }
  // Connect in the open More menu.
  let connectMenu = null;
  for (const item of menuItems) {
    const inner = [item, ...qsa(item, '[aria-label]')];
    const inv = inner.find(isInvite);
    const hasHref = (item.getAttribute('href') || '').includes(P.custom_invite);
    if (inv || hasHref || inList(L.connect, text(item))) {
      if (forTarget(item, inv ? nameIn(invRes, label(inv)) : null)) { connectMenu = item; break; }
    }
  }

  // Pending, in the top card only (the toolbar repeats it).
  const pendRes = patterns(L.pending_control);
  let pending = null;
  if (topcard) {
    for (const el of qsa(topcard, 'a, button, [role="button"]')) {
      const nm = nameIn(pendRes, label(el));
      if (nm !== null || inList(L.pending, text(el))) {
        const href = el.getAttribute('href');
        const slug = href ? slugOfHref(href) : '';
        // Scoped to the top card: a Pending there is the target's unless its
        // link or label names someone else.
        if ((slug && slug === who) || (!slug && (nm === null || sameName(nm, name)))) { pending = el; break; }
      }
    }
  }

  // Degree. 2nd-degree cards also carry a pre-rendered, hidden "· 1st": the
  // text "1st" alone proves nothing. Visible markers win; a farther degree
  // beats the 1st alternative.
  const degreeOf = (s) => {
    s = norm(s).replace(/^·\s*/, '');
    if (inList(L.degree_first, s)) return 1;
    if (inList(L.degree_second, s)) return 2;
    if (inList(L.degree_third, s)) return 3;
    return 0;
  };
  const markers = topcard ? qsa(topcard, S.degree).filter((el) => /^·/.test(text(el)) && degreeOf(text(el)) > 0) : [];
  const shown = markers.filter(visible);
  const considered = shown.length ? shown : markers;
  const degrees = considered.map((el) => degreeOf(text(el)));
  let degree = 0;
  if (degrees.some((d) => d > 1)) degree = Math.max(...degrees);
  else if (degrees.includes(1)) degree = 1;
  const hiddenFirst = markers.some((el) => degreeOf(text(el)) === 1) && degree > 1;

  const removeRes = patterns(L.remove_connection);
  const removeConnection = menuItems.some((it) => [it, ...qsa(it, '[aria-label]')].some((el) =>
    nameIn(removeRes, label(el)) !== null) || inList(L.remove_connection, text(it)));

  const folRes = patterns(L.follow), followingRes = patterns(L.following);
  const scope = [topcard, menu].filter(Boolean);
  const labelled = scope.flatMap((r) => qsa(r, '[aria-label]'));
  const followEl = labelled.find((el) => { const nm = nameIn(folRes, label(el)); return nm !== null && (sameName(nm, name) || !name); }) || null;
  const following = labelled.some((el) => { const nm = nameIn(followingRes, label(el)); return nm !== null && (sameName(nm, name) || !name); });
  const message = topcard ? !!topcard.querySelector(S.message_link) : false;

  // Invite controls on the page that are not the target's: side rails
  // ("More profiles for you") carry strangers' Invite buttons.
  const inviteEls = outermost(deepAll('[aria-label], a[href*="' + P.custom_invite + '"]').filter((el) =>
    isInvite(el) || (el.matches('a') && (el.getAttribute('href') || '').includes(P.custom_invite))));
  const foreign = inviteEls.filter((el) => ownerOf(el) !== who || !who);

  const unavailable = !topcard && contains(L.unavailable, document.body ? document.body.innerText || document.body.textContent : '');

  // --- dialogs, alerts and toasts (anywhere, shadow roots included) ------------
  const rs = roots();
  const dialogs = rs.flatMap((r) => qsa(r, S.dialog)).filter(visible);
  const weeklyEl = rs.flatMap((r) => qsa(r, S.weekly_limit)).find(visible) ||
    dialogs.find((d) => contains(L.weekly_limit, d.textContent));
  const toastEl = rs.flatMap((r) => qsa(r, S.error_toast)).find(visible);
  const inviteDialog = dialogs.find((d) => d !== weeklyEl && !(weeklyEl && d.contains(weeklyEl)) &&
    (buttons(d, L.add_note).length || buttons(d, L.send_without_note).length || buttons(d, L.send).length || qsa(d, S.note_field).length));
  let dlg = null;
  if (inviteDialog) {
    const d = inviteDialog, dt = d.textContent;
    const field = qsa(d, S.note_field)[0];
    const email = qsa(d, S.email_field)[0];
    const send = buttons(d, L.send)[0];
    let limit = 0, counter = '';
    for (const el of qsa(d, '*')) {
      if (el.children.length) continue;
      const m = norm(el.textContent).match(/^(\d+)\s*\/\s*(\d+)$/);
      if (m) { limit = +m[2]; counter = m[0]; break; }
    }
    if (!limit && field && field.maxLength > 0) limit = field.maxLength;
    let remaining = -1;
    for (const p of L.notes_remaining || []) {
      const m = norm(dt).match(re(p, 'i'));
      if (m) { remaining = +m[1]; break; }
    }
    dlg = {
      add_note: buttons(d, L.add_note).length > 0,
      send_without: buttons(d, L.send_without_note).length > 0,
      send: !!send,
      send_enabled: !!send && !send.disabled && send.getAttribute('aria-disabled') !== 'true',
      note_field: !!field,
      note_value: field ? field.value : '',
      note_limit: limit,
      counter,
      email_field: !!email,
      email_value: email ? email.value : '',
      email_required: !!email || contains(L.email_required, dt),
      out_of_notes: contains(L.out_of_notes, dt),
      notes_remaining: remaining,
      ai: qsa(d, 'button, [role="button"]').some(isAI),
      in_shadow: d.getRootNode() !== document,
    };
  }
  const otherDialog = dialogs.find((d) => d !== inviteDialog && d !== weeklyEl && !(weeklyEl && d.contains(weeklyEl)));

  // A restriction notice: in a dialog, an alert or a toast, or filling a
  // page that has no top card.
  let restricted = '';
  const noticeEl = [...dialogs, ...rs.flatMap((r) => qsa(r, S.notice)).filter(visible), toastEl]
    .find((el) => el && contains(L.restricted, el.textContent));
  if (noticeEl) {
    restricted = norm(noticeEl.innerText || noticeEl.textContent);
  } else if (!topcard && document.body) {
    const body = lower(document.body.innerText || document.body.textContent);
    restricted = (L.restricted || []).find((v) => body.includes(lower(v))) || '';
  }
  // What ends any action at once, whatever page it is on.
  const stops = { url: location.href, login, checkpoint, restricted, weekly_limit: !!weeklyEl };

  // --- posts: the latest post's Like ---------------------------------------------
  // A Like button's label is its reaction state: "Reaction button state: no
  // reaction", then the reaction's name ("… Like"). 2026 markup has no
  // aria-pressed; where the older markup has one, it must agree.
  const isLike = (b) => (L.reaction_state || []).some((p) => lower(label(b)).startsWith(lower(p)));
  const likeIn = (root) => qsa(root, S.like_button).find(isLike) || null;
  // The latest post's Like: in the first post card of the older markup,
  // else (2026 cards carry no marker) the first Like in the main column.
  const latestLike = () => {
    const main = workspace || document;
    const posts = qsa(main, S.post);
    return posts.length ? likeIn(posts[0]) : likeIn(main);
  };
  const reactionOf = (b) => {
    const pressed = b.getAttribute('aria-pressed');
    if (inList(L.reaction_none, label(b))) return pressed === 'true' ? 'unknown' : 'none';
    return pressed === 'false' ? 'unknown' : 'reacted';
  };

  // --- messaging: a conversation with the member, and its composer ---------------
  // The member a messaging op is about, passed as JSON in target:
  // {slug, urn, name} (lower-cased with target).
  const member = () => {
    try { const m = JSON.parse(target); return m && typeof m === 'object' ? m : {}; } catch (e) { return { slug: target }; }
  };
  // A composer's text: its lines as shown. A trailing <br> only holds the
  // line the caret is on, so it adds no line break of its own.
  const editorText = (ed) => {
    let t = ed.innerText || '';
    let last = ed;
    while (last.lastChild) last = last.lastChild;
    if (last.nodeName === 'BR' && t.endsWith('\n')) t = t.slice(0, -1);
    return t;
  };
  // A conversation belongs to the member when a profile link outside its
  // messages names them (by vanity name or URN id), or, linking nobody,
  // when its title is their name. The persistent messaging overlay and
  // other members' bubbles may carry composers of their own.
  const ofMember = (pane, m) => {
    const list = pane.querySelector(S.message_list);
    const links = qsa(pane, 'a[href*="/in/"]').filter((a) => !(list && list.contains(a)))
      .map((a) => slugOfHref(a.getAttribute('href'))).filter(Boolean);
    if (links.length) return links.some((s) => s === m.slug || (!!m.urn && s === m.urn));
    return !!m.name && qsa(pane, S.message_title).some((t) => sameName(text(t), m.name));
  };
  const memberPane = () => {
    const m = member();
    const pane = outermost(deepAll(S.message_pane)).filter(visible).find((p) => ofMember(p, m)) || null;
    if (!pane) return { pane };
    const form = qsa(pane, S.message_form)[0] || pane;
    return {
      pane, form,
      list: pane.querySelector(S.message_list),
      editor: qsa(form, S.composer)[0] || null,
      send: qsa(form, S.send_message).filter((b) => !isAI(b))[0] || null,
    };
  };
  // What a conversation offers: an InMail composer (a subject field, or
  // upsell text outside the composer and the messages) is not a message.
  const threadOf = (c) => {
    const outside = (e) => !(c.editor && c.editor.contains(e)) && !(c.list && c.list.contains(e));
    const words = qsa(c.pane, '*').filter((e) => !e.children.length && outside(e)).map(text).join(' ');
    return {
      composer: !!c.editor, text: c.editor ? editorText(c.editor) : '',
      editable: !!c.editor && c.editor.isContentEditable,
      send: !!c.send, send_enabled: !!c.send && !c.send.disabled && c.send.getAttribute('aria-disabled') !== 'true',
      inmail: qsa(c.form, S.inmail_subject).length > 0 || contains(L.message_upsell, words),
      list: !!c.list,
      messages: c.list ? qsa(c.list, S.message_body).map((b) => ({
        own: !b.closest(S.message_other), text: (b.innerText || b.textContent || '').trim(),
      })) : [],
    };
  };

  // --- picks: the element the adapter will click or type into ----------------
  if (op === 'pick') {
    const d = inviteDialog;
    const first = (els) => (els.length ? els[0] : null);
    switch (arg) {
      case 'more': return moreBtn;
      case 'connect': return connectDirect ? clickable(connectDirect) : null;
      case 'menu_connect': return connectMenu;
      case 'pending': return pending;
      case 'follow': return followEl ? clickable(followEl) : null;
      case 'add_note': return d ? first(buttons(d, L.add_note)) : null;
      case 'send_without': return d ? first(buttons(d, L.send_without_note)) : null;
      case 'send': return d ? first(buttons(d, L.send)) : null;
      case 'note_field': return d ? first(qsa(d, S.note_field)) : null;
      case 'email_field': return d ? first(qsa(d, S.email_field)) : null;
      case 'dismiss': return d ? first(buttons(d, L.dismiss)) : null;
      case 'got_it': return weeklyEl ? first(buttons(weeklyEl.closest(S.dialog) || weeklyEl.parentElement || document, L.got_it)) || first(buttons(document, L.got_it)) : null;
      case 'toast_dismiss': return toastEl ? first(buttons(toastEl, L.dismiss)) : null;
      case 'withdraw_confirm': return otherDialog ? first(buttons(otherDialog, L.withdraw)) : null;
      case 'like': return latestLike();
      case 'message_link': return topcard ? topcard.querySelector(S.message_link) : null;
      case 'composer': return memberPane().editor || null;
      case 'send_message': return memberPane().send || null;
      case 'withdraw_row': {
        const wRes = patterns(L.withdraw_control);
        for (const el of qsa(document, '[aria-label]')) {
          if (nameIn(wRes, label(el)) === null) continue;
          const row = el.closest(S.list_item) || el.parentElement;
          const link = row ? row.querySelector('a[href*="/in/"]') : null;
          if (link && slugOfHref(link.getAttribute('href')) === target) return el;
        }
        return null;
      }
    }
    return null;
  }

  const ready = document.readyState !== 'loading';
  // The headings of a list page, which carry its counts.
  const headings = () => qsa(workspace || document.body, S.heading || 'h1, h2, h3').map((h) => (h.textContent || '').trim());

  if (op === 'sent') {
    const wRes = patterns(L.withdraw_control);
    const rows = [];
    for (const el of qsa(document, '[aria-label]')) {
      const nm = nameIn(wRes, label(el));
      if (nm === null) continue;
      const row = el.closest(S.list_item) || el.parentElement;
      const link = row ? row.querySelector('a[href*="/in/"]') : null;
      const lines = row ? leaves(row) : [];
      const age = lines.find((l) => (L.sent_prefix || []).some((p) => lower(l).startsWith(lower(p)))) || '';
      rows.push({ slug: link ? slugOfHref(link.getAttribute('href')) : '', name: nm, age });
    }
    // The count of all pending invitations ("People (N)") heads the list.
    return { ...stops, ready, rows, headings: headings() };
  }

  if (op === 'connections') {
    const rows = [], seen = {};
    const main = workspace || document.body;
    for (const link of qsa(main, 'a[href*="/in/"]')) {
      const slug = slugOfHref(link.getAttribute('href'));
      if (!slug || seen[slug]) continue;
      const row = link.closest(S.list_item);
      if (!row) continue;
      seen[slug] = true;
      const lines = leaves(link);
      const rowLines = leaves(row);
      const connected = rowLines.find((l) => (L.connected_on || []).some((p) => re(p, 'i').test(l))) || '';
      rows.push({ slug, name: lines[0] || '', headline: lines[1] || '', connected });
    }
    // The count of all connections ("1,234 connections") heads the list.
    return { ...stops, ready, rows, headings: headings() };
  }

  if (op === 'contact') {
    const box = dialogs.find((d) => contains(L.contact_info, d.textContent) || qsa(d, S.mailto).length);
    const emails = box ? qsa(box, S.mailto).map((a) => decodeURIComponent((a.getAttribute('href') || '').replace(/^mailto:/i, '').split('?')[0])) : [];
    return { ...stops, ready, unavailable, open: !!box, emails };
  }

  if (op === 'activity') {
    const btn = latestLike();
    return {
      ...stops, ready, unavailable,
      empty: contains(L.no_posts, document.body ? document.body.textContent : ''),
      like: !!btn,
      reaction: btn ? reactionOf(btn) : '',
    };
  }

  if (op === 'thread') {
    const c = memberPane();
    return {
      ...stops, ready,
      thread: c.pane ? threadOf(c) : null,
      // A free account's Message to a non-connection opens a Premium upsell.
      upsell: dialogs.some((d) => contains(L.message_upsell, d.textContent)),
      toast: toastEl ? norm(toastEl.innerText || toastEl.textContent) : '',
    };
  }

  if (op === 'inbox') {
    // The cards' texts as shown: names and snippets keep their apostrophes.
    const asShown = (el) => (el.textContent || '').replace(/\s+/g, ' ').trim();
    const list = deepAll(S.conversation_list)[0] || null;
    const selRes = patterns(L.select_conversation);
    const cards = [];
    for (const li of list ? [...list.children].filter((c) => c.matches(S.conversation_item)) : []) {
      const nameEl = li.querySelector(S.conversation_name);
      let name = nameEl ? asShown(nameEl) : '';
      for (const el of name ? [] : qsa(li, '[aria-label]')) {
        const nm = nameIn(selRes, label(el));
        if (nm) { name = nm; break; }
      }
      const img = name ? null : li.querySelector('img[alt]');
      if (img) name = (img.getAttribute('alt') || '').replace(/\s+/g, ' ').trim();
      const link = li.querySelector(S.conversation_link);
      const u = link ? abs(link.getAttribute('href')) : null;
      const stamp = li.querySelector(S.conversation_time);
      const snippet = li.querySelector(S.conversation_snippet);
      cards.push({
        slug: qsa(li, 'a[href*="/in/"]').map((a) => slugOfHref(a.getAttribute('href'))).find(Boolean) || '',
        name, url: u ? u.origin + u.pathname : '',
        time: stamp ? asShown(stamp) : '', snippet: snippet ? asShown(snippet) : '',
      });
    }
    // The stamps are in the browser's time zone.
    return { ...stops, ready, list: !!list, cards, tz_offset: -new Date().getTimezoneOffset() };
  }

  // --- the report ------------------------------------------------------------
  if (document.querySelector(S.workspace)) mark('workspace');
  if (topcard) mark('topcard');
  if (toolbar) mark('toolbar(ignored)');
  if (name) mark('name');
  if (degree) mark('degree:' + degree);
  if (hiddenFirst) mark('degree:hidden_1st_alternative(ignored)');
  if (moreBtn) mark(menuOpen ? 'more_button:open' : 'more_button:closed');
  if (menu) mark('menu_portal');
  if (connectDirect) mark('topcard_connect');
  if (connectMenu) mark('menu_connect');
  if (pending) mark('topcard_pending');
  if (message) mark('message_link');
  if (followEl) mark('follow_control');
  if (following) mark('following');
  if (removeConnection) mark('remove_connection');
  if (topcard && topcard.querySelector(S.contact_info_link)) mark('contact_info_link');
  if (unavailable) mark('unavailable_text');
  if (login) mark('login');
  if (checkpoint) mark('checkpoint');
  if (inviteDialog) mark(dlg.in_shadow ? 'invite_dialog(shadow_root)' : 'invite_dialog');
  if (weeklyEl) mark('weekly_limit_alert');
  if (toastEl) mark('error_toast');

  if (restricted) mark('restriction_notice');

  return {
    ...stops, ready, unavailable,
    topcard: !!topcard, name, target: who, inferred,
    more: !!moreBtn, menu_open: menuOpen, menu: !!menu, menu_items: menuItems.length,
    connect_direct: !!connectDirect, connect_menu: !!connectMenu, pending: !!pending,
    degree, remove_connection: removeConnection,
    follow: !!followEl, following, message,
    foreign_invites: foreign.length,
    dialog: dlg, toast: toastEl ? norm(toastEl.innerText || toastEl.textContent) : '',
    other_dialog: !!otherDialog,
    anchors,
  };
}
