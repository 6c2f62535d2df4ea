// The simulated LinkedIn's page script. It mimics what the real web app does
// in the browser: the More menu rendered as a portal only once opened, the
// invite dialog inside an open shadow root, toasts, and in-place re-rendering
// after an action. It uses data-sim-* attributes for its own wiring; the
// adapter must never rely on them.
(() => {
  'use strict';
  const data = (() => {
    const el = document.getElementById('sim-page');
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  })();

  async function api(path, body) {
    const r = await fetch(path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body || {}),
    });
    if (r.status === 401) { location.href = '/login'; return { status: 'login' }; }
    return r.json();
  }

  // refresh re-renders the page from the server, the way the web app
  // updates the top card after an action, without a navigation.
  async function refresh() {
    const r = await fetch(location.href, { credentials: 'same-origin', headers: { 'X-Sim-Refresh': '1' } });
    const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
    for (const sel of ['div[role="toolbar"]', 'main#workspace', '#sim-more-menu']) {
      const cur = document.querySelector(sel), next = doc.querySelector(sel);
      if (cur && next) cur.replaceWith(document.adoptNode(next));
    }
  }

  function toast(kind, text) {
    let box = document.querySelector('.sim-toasts');
    if (!box) {
      box = document.createElement('div');
      box.className = 'sim-toasts';
      document.body.appendChild(box);
    }
    const t = document.createElement('div');
    t.setAttribute('data-test-artdeco-toast-item-type', kind);
    t.setAttribute('role', 'alert');
    t.innerHTML = '<p></p><button type="button" aria-label="Dismiss" data-sim-action="dismiss-toast">×</button>';
    t.querySelector('p').textContent = text;
    box.appendChild(t);
  }

  // --- the More menu, a portal at the end of body ---------------------------
  let portal = null, opener = null, seq = 0;
  function closeMenu() {
    if (!portal) return;
    portal.remove();
    portal = null;
    if (opener) {
      opener.setAttribute('aria-expanded', 'false');
      opener.parentElement.querySelectorAll('span[aria-owns], span[data-floating-ui-focus-guard]').forEach((s) => s.remove());
    }
    opener = null;
  }
  function openMenu(btn) {
    closeMenu();
    const tpl = document.getElementById('sim-more-menu');
    if (!tpl) return;
    const id = ':r' + (++seq).toString(36) + ':';
    portal = document.createElement('div');
    portal.id = id;
    portal.setAttribute('data-floating-ui-portal', '');
    const pop = document.createElement('div');
    pop.setAttribute('popover', 'manual');
    pop.className = 'sim-menu';
    const r = btn.getBoundingClientRect();
    pop.style.position = 'fixed';
    pop.style.left = Math.max(8, r.left) + 'px';
    pop.style.top = (r.bottom + 4) + 'px';
    pop.appendChild(tpl.content.cloneNode(true));
    portal.appendChild(pop);
    document.body.appendChild(portal);
    if (pop.showPopover) pop.showPopover();
    // Like floating-ui: below the button, or above it when there is no room.
    const h = pop.getBoundingClientRect().height;
    if (r.bottom + 4 + h > window.innerHeight) pop.style.top = Math.max(8, r.top - 4 - h) + 'px';
    btn.setAttribute('aria-expanded', 'true');
    const owns = document.createElement('span');
    owns.setAttribute('aria-owns', id);
    btn.after(owns);
    opener = btn;
  }

  // --- the invite dialog, inside the open shadow root of #interop-outlet ----
  const host = document.getElementById('interop-outlet');
  const root = host ? (host.shadowRoot || host.attachShadow({ mode: 'open' })) : null;
  let inv = null;
  // Styles do not cross into a shadow root: the dialog brings its own.
  const shadowCSS = '.sim-overlay{position:fixed;inset:0;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center;z-index:100}' +
    '.sim-modal{background:#fff;border-radius:8px;padding:20px;width:520px;max-width:90vw;font:14px system-ui,sans-serif}' +
    'textarea{width:100%;height:90px;box-sizing:border-box}input{width:100%;box-sizing:border-box;margin-bottom:8px}' +
    '.sim-actions{display:flex;gap:8px;margin-top:12px}button{font:inherit;border:1px solid #0a66c2;border-radius:16px;padding:4px 14px;background:#fff;color:#0a66c2}' +
    '.sim-primary{background:#0a66c2;color:#fff}button[disabled],button[aria-disabled="true"]{opacity:.5}';

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }
  function closeDialog() { if (root) root.innerHTML = ''; inv = null; }

  function renderDialog() {
    const name = esc(inv.name), first = esc(inv.first);
    let body = '';
    if (!inv.withNote) {
      body += '<h2 id="send-invite-modal">Add a note to your invitation?</h2>';
      if (inv.email_required) {
        body += '<p>To verify this member knows you, please enter their email to connect. You can also include a personal note.</p>' +
          '<label for="email">Email</label><input type="email" id="email" name="email" autocomplete="off" value="' + esc(inv.email || '') + '">';
      } else {
        body += '<p>Personalize your invitation to ' + name + ' by adding a note. LinkedIn members are more likely to accept invitations that include a note.</p>';
      }
      body += '<div class="sim-actions">' +
        '<button type="button" aria-label="Add a note" data-sim-action="add-note">Add a note</button>';
      if (inv.email_required) {
        body += '<button type="button" class="sim-primary" aria-label="Send invitation" aria-disabled="true" data-sim-action="send">Send</button>';
      } else {
        body += '<button type="button" class="sim-primary" aria-label="Send without a note" data-sim-action="send-bare">Send without a note</button>';
      }
      body += '</div>';
    } else if (inv.notes_remaining === 0) {
      body += '<h2 id="send-invite-modal">Add a note to your invitation</h2>' +
        '<p>You’re out of personalized invitations for this month.</p>' +
        '<p>Upgrade to Premium to send unlimited personalized invitations.</p>' +
        '<div class="sim-actions"><button type="button" data-sim-action="premium">Try Premium for €0</button>' +
        '<button type="button" aria-label="Send without a note" data-sim-action="send-bare">Send without a note</button></div>';
    } else {
      body += '<h2 id="send-invite-modal">Add a note to your invitation</h2>';
      if (inv.notes_remaining > 0) {
        body += '<p>' + inv.notes_remaining + ' personalized invitations remaining for this month. <a href="/premium/">Upgrade to Premium</a> for unlimited.</p>';
      }
      if (inv.email_required) {
        body += '<label for="email">Email</label><input type="email" id="email" name="email" autocomplete="off" value="' + esc(inv.email || '') + '">';
      }
      body += '<label for="custom-message">Add a note to ' + first + '</label>' +
        '<textarea id="custom-message" name="message" maxlength="' + inv.note_limit + '" placeholder="Ex: We know each other from…">' + esc(inv.note || '') + '</textarea>' +
        '<div class="sim-counter" aria-live="polite">0/' + inv.note_limit + '</div>' +
        '<div class="sim-actions">' +
        (inv.ai ? '<button type="button" aria-label="Write with AI" data-sim-action="ai">Write with AI</button>' : '') +
        '<button type="button" aria-label="Cancel adding a note" data-sim-action="cancel">Cancel</button>' +
        '<button type="button" class="sim-primary" aria-label="Send invitation" disabled data-sim-action="send">Send</button></div>';
    }
    root.innerHTML = '<div class="theme--light"><div class="sim-overlay">' +
      '<div role="dialog" aria-modal="true" aria-labelledby="send-invite-modal" class="sim-modal artdeco-modal send-invite">' +
      '<button type="button" aria-label="Dismiss" data-sim-action="dismiss">×</button>' + body + '</div></div></div>' +
      '<style>' + shadowCSS + '</style>';
    syncButtons();
  }

  function syncButtons() {
    if (!root || !inv) return;
    const ta = root.querySelector('#custom-message');
    const email = root.querySelector('input[type="email"]');
    const send = root.querySelector('[data-sim-action="send"]');
    const counter = root.querySelector('.sim-counter');
    if (ta && counter) counter.textContent = ta.value.length + '/' + inv.note_limit;
    if (!send) return;
    const emailOK = !inv.email_required || (email && /.+@.+/.test(email.value));
    if (ta) {
      send.disabled = !(ta.value.trim().length > 0 && emailOK);
    } else {
      send.setAttribute('aria-disabled', emailOK ? 'false' : 'true');
    }
  }

  async function startInvite(slug) {
    closeMenu();
    const res = await api('/voyager/api/invite/start', { slug });
    if (res.status === 'login') return;
    if (res.status === 'weekly_limit') { weeklyLimit(); return; }
    if (res.status === 'restricted') { restricted(); return; }
    if (res.status !== 'ok') { toast('error', res.message || 'Something went wrong.'); return; }
    // A member's dialog may open with text already in its fields: the email
    // field holding an address, or the note field shown at once holding a
    // note nobody wrote for this invitation.
    inv = Object.assign({ slug, withNote: !!res.note_prefill, email: res.email_prefill || '', note: res.note_prefill || '' }, res);
    renderDialog();
    inv.note = '';
  }

  function weeklyLimit() {
    closeDialog();
    const o = document.createElement('div');
    o.className = 'sim-overlay';
    o.innerHTML = '<div class="sim-modal artdeco-modal ip-fuse-limit-alert" role="dialog" aria-labelledby="ip-fuse-limit-alert__header">' +
      '<h2 id="ip-fuse-limit-alert__header">You’ve reached the weekly invitation limit</h2>' +
      '<p>You’ve reached the weekly limit for connection requests. Please try again next week.</p>' +
      '<div class="sim-actions"><button type="button" class="sim-primary" data-sim-action="close-alert">Got it</button></div></div>';
    document.body.appendChild(o);
  }

  // restricted shows LinkedIn's notice that the account may not invite for
  // a while.
  function restricted() {
    closeDialog();
    const o = document.createElement('div');
    o.className = 'sim-overlay';
    o.innerHTML = '<div class="sim-modal artdeco-modal" role="alertdialog" aria-labelledby="restricted-h">' +
      '<h2 id="restricted-h">Your account is temporarily restricted</h2>' +
      '<p>You’ve been temporarily restricted from sending invitations because of unusual activity.</p>' +
      '<div class="sim-actions"><button type="button" class="sim-primary" data-sim-action="close-alert">Got it</button></div></div>';
    document.body.appendChild(o);
  }

  async function send(withNote) {
    const ta = root.querySelector('#custom-message');
    const email = root.querySelector('input[type="email"]');
    const note = withNote && ta ? ta.value : '';
    const body = { slug: inv.slug, note, email: email ? email.value : (inv.email || '') };
    const name = inv.name;
    const res = await api('/voyager/api/invite/send', body);
    if (res.status === 'login') return; // api() is already leaving for the login page
    if (res.status === 'checkpoint') { location.href = res.location; return; }
    if (res.status === 'weekly_limit') { weeklyLimit(); return; }
    if (res.status === 'restricted') { restricted(); return; }
    if (res.status === 'email_required') { inv.email_required = true; inv.withNote = false; renderDialog(); return; }
    if (res.status === 'out_of_notes') { inv.notes_remaining = 0; renderDialog(); return; }
    closeDialog();
    if (res.status !== 'ok') { toast('error', res.message || 'Something went wrong. Please try again later.'); return; }
    toast('success', 'Your invitation to ' + name + ' was sent.');
    await refresh();
  }

  function withdrawDialog(slug, name) {
    const o = document.createElement('div');
    o.className = 'sim-overlay';
    o.innerHTML = '<div class="sim-modal" role="dialog" aria-labelledby="withdraw-h">' +
      '<h2 id="withdraw-h">Withdraw invitation</h2><p></p>' +
      '<div class="sim-actions"><button type="button" data-sim-action="close-alert">Cancel</button>' +
      '<button type="button" class="sim-primary" data-sim-action="withdraw-confirm">Withdraw</button></div></div>';
    o.querySelector('p').textContent = 'If you withdraw now, you won’t be able to resend to ' + name + ' for up to 3 weeks.';
    o.querySelector('[data-sim-action="withdraw-confirm"]').dataset.simSlug = slug;
    document.body.appendChild(o);
  }

  document.addEventListener('click', async (e) => {
    const t = e.composedPath()[0];
    if (!(t instanceof Element)) return;
    const act = t.closest('[data-sim-action]');
    const invite = t.closest('a[href*="/preload/custom-invite/"]');
    if (!act && !invite && portal && !portal.contains(t)) closeMenu();
    if (invite) {
      e.preventDefault();
      const slug = new URL(invite.href, location.href).searchParams.get('vanityName');
      await startInvite(slug);
      return;
    }
    if (!act) return;
    const slug = act.dataset.simSlug || data.slug;
    switch (act.dataset.simAction) {
      case 'more':
        e.preventDefault();
        if (portal && opener === act) closeMenu(); else openMenu(act);
        break;
      case 'follow':
        e.preventDefault(); closeMenu();
        await api('/voyager/api/follow', { slug });
        await refresh();
        break;
      case 'pending':
        e.preventDefault(); closeMenu();
        withdrawDialog(slug, act.dataset.simName || data.name);
        break;
      case 'withdraw-row':
        e.preventDefault();
        withdrawDialog(slug, act.dataset.simName);
        break;
      case 'withdraw-confirm': {
        const res = await api('/voyager/api/invite/withdraw', { slug });
        act.closest('.sim-overlay').remove();
        if (res.status !== 'ok') toast('error', res.message || 'Something went wrong.');
        await refresh();
        break;
      }
      case 'rail-invite': {
        e.preventDefault();
        const res = await api('/voyager/api/invite/send', { slug, note: '', direct: 'true' });
        if (res.status === 'weekly_limit') { weeklyLimit(); break; }
        if (res.status === 'ok') { act.textContent = 'Pending'; act.disabled = true; }
        break;
      }
      case 'like': {
        const res = await api('/voyager/api/like', { slug, post: act.dataset.simPost });
        if (act.hasAttribute('aria-pressed')) {
          // The older markup: aria-pressed, and a lower-case label.
          act.setAttribute('aria-pressed', res.liked ? 'true' : 'false');
          act.setAttribute('aria-label', 'Reaction button state: ' + (res.liked ? 'like' : 'no reaction'));
        } else {
          // Today's: the label alone names the reaction.
          act.setAttribute('aria-label', 'Reaction button state: ' + (res.liked ? 'Like' : 'no reaction'));
        }
        break;
      }
      case 'add-note': {
        const email = root.querySelector('input[type="email"]');
        if (email) inv.email = email.value;
        inv.withNote = true;
        renderDialog();
        break;
      }
      case 'send-bare': await send(false); break;
      case 'send':
        if (act.disabled || act.getAttribute('aria-disabled') === 'true') break;
        await send(true);
        break;
      case 'ai': {
        const res = await api('/voyager/api/ai-draft', { slug: inv.slug });
        const ta = root.querySelector('#custom-message');
        if (ta && res.draft) { ta.value = res.draft.slice(0, inv.note_limit); syncButtons(); }
        break;
      }
      case 'cancel': {
        const email = root.querySelector('input[type="email"]');
        if (email) inv.email = email.value;
        inv.withNote = false;
        renderDialog();
        break;
      }
      case 'dismiss': closeDialog(); break;
      case 'close-alert': act.closest('.sim-overlay').remove(); break;
      case 'dismiss-toast': act.closest('[data-test-artdeco-toast-item-type]').remove(); break;
      case 'close-overlay': e.preventDefault(); history.back(); break;
    }
  });
  if (root) root.addEventListener('input', syncButtons);
  // What the messaging page's script (messaging.js) shares.
  window.sim = { api, refresh, toast, restricted };
  window.addEventListener('scroll', () => document.body.classList.toggle('sim-scrolled', window.scrollY > 240), { passive: true });
})();
