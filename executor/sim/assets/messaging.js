// The simulated messaging page's script: the composer (a contenteditable,
// as LinkedIn's), whose Send stays disabled while it is empty, and which
// sends on Enter as LinkedIn does with "Press Enter to Send" on (Shift+Enter
// breaks the line). It uses sim.js's helpers and data-sim-* attributes; the
// adapter must never rely on them.
(() => {
  'use strict';
  const sim = window.sim;
  if (!sim) return;
  const page = (() => {
    const el = document.getElementById('sim-page');
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  })();
  const EDITOR = '.msg-form__contenteditable';

  // The composer's text: its lines as shown. A trailing <br> only holds
  // the line the caret is on, so it adds no line break of its own.
  function editorText(ed) {
    let t = ed.innerText || '';
    let last = ed;
    while (last.lastChild) last = last.lastChild;
    if (last.nodeName === 'BR' && t.endsWith('\n')) t = t.slice(0, -1);
    return t;
  }

  function sync() {
    for (const form of document.querySelectorAll('form.msg-form')) {
      const ed = form.querySelector(EDITOR), send = form.querySelector('.msg-form__send-button');
      if (ed && send) send.disabled = editorText(ed).trim() === '';
    }
  }

  async function submit(form) {
    const ed = form.querySelector(EDITOR);
    const text = ed ? editorText(ed) : '';
    if (!text.trim()) return;
    const res = await sim.api('/voyager/api/messaging/send', {
      slug: page.slug, text, inmail: form.querySelector('input[name="subject"]') ? 'true' : '',
    });
    if (res.status === 'login') return; // api() is already leaving for the login page
    if (res.status === 'checkpoint') { location.href = res.location; return; }
    if (res.status === 'restricted') { sim.restricted(); return; }
    if (res.status !== 'ok') { sim.toast('error', res.message || 'Your message couldn’t be sent.'); return; }
    ed.innerHTML = '<p><br></p>';
    // A new conversation becomes its thread, as LinkedIn's does.
    if (res.thread && location.pathname !== res.thread) history.replaceState(null, '', res.thread);
    await sim.refresh();
    sync();
  }

  document.addEventListener('input', sync);
  document.addEventListener('keydown', (e) => {
    const ed = e.target instanceof Element ? e.target.closest(EDITOR) : null;
    if (!ed || e.key !== 'Enter' || e.shiftKey) return;
    e.preventDefault();
    const form = ed.closest('form.msg-form');
    if (form) submit(form);
  });
  document.addEventListener('submit', (e) => {
    const form = e.target instanceof Element ? e.target.closest('form.msg-form') : null;
    if (!form) return;
    e.preventDefault();
    submit(form);
  });
  document.addEventListener('click', async (e) => {
    const act = e.target instanceof Element ? e.target.closest('[data-sim-action]') : null;
    if (!act) return;
    switch (act.dataset.simAction) {
      case 'msg-ai': {
        const res = await sim.api('/voyager/api/ai-draft', { slug: page.slug });
        const ed = act.closest('form.msg-form').querySelector(EDITOR);
        if (ed && res.draft) { ed.innerHTML = '<p></p>'; ed.firstChild.textContent = res.draft; sync(); }
        break;
      }
      case 'msg-dismiss': e.preventDefault(); history.back(); break;
    }
  });
  sync();
})();
