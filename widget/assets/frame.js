/* AstraCaph iframe page (GET /captcha/widget?theme=&siteKey=&parentOrigin=&lang=).
 * Talks to its parent with postMessage:
 *   out: {type:'astracaph-verified', detail:{token, success:true}} (only to a known parent origin),
 *        {type:'astracaph-error', detail:{error, success:false}}, {type:'astracaph-expired'},
 *        {type:'astracaph-resize', height}, {type:'astracaph-ready'}
 *   in:  {type:'astracaph-reset'}, {type:'astracaph-execute'} (only from the parent origin) */
(function () {
  'use strict';
  var q = new URLSearchParams(location.search);
  function originOf(u) {
    try {
      var x = new URL(u);
      return /^https?:$/.test(x.protocol) ? x.origin : '';
    } catch (e) { return ''; }
  }
  // The parent origin comes from the embedder's parameter or, failing that, the referrer.
  var parentOrigin = originOf(q.get('parentOrigin') || '') || originOf(document.referrer || '');
  var parentWin = window.parent !== window ? window.parent : null;
  function post(msg, secret) {
    if (!parentWin) return;
    if (parentOrigin) parentWin.postMessage(msg, parentOrigin);
    else if (!secret) parentWin.postMessage(msg, '*'); // never broadcast a token
  }
  var el = document.getElementById('astracaph-frame');
  var theme = q.get('theme');
  var id = window.astracaph.render(el, {
    sitekey: q.get('siteKey') || q.get('sitekey') || '',
    theme: theme === 'dark' || theme === 'light' ? theme : 'auto',
    lang: q.get('lang') || q.get('hl') || '',
    size: q.get('size') === 'compact' ? 'compact' : 'normal',
    api: location.origin,
    origin: parentOrigin || undefined,
    names: []
  });
  el.addEventListener('astracaph:verified', function (e) {
    post({ type: 'astracaph-verified', detail: { token: e.detail.token, success: true } }, true);
  });
  el.addEventListener('astracaph:error', function (e) {
    post({ type: 'astracaph-error', detail: { error: e.detail.error, success: false } });
  });
  el.addEventListener('astracaph:expired', function () {
    post({ type: 'astracaph-expired', detail: { success: false } });
  });
  window.addEventListener('message', function (e) {
    if (!parentOrigin || e.origin !== parentOrigin || e.source !== parentWin) return;
    var d = e.data || {};
    if (d.type === 'astracaph-reset') window.astracaph.reset(id);
    else if (d.type === 'astracaph-execute') window.astracaph.execute(id).catch(function () { /* error message already posted */ });
  });
  var lastHeight = 0;
  function resize() {
    var hgt = Math.ceil(document.documentElement.scrollHeight);
    if (hgt === lastHeight) return;
    lastHeight = hgt;
    post({ type: 'astracaph-resize', height: hgt });
  }
  if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
  resize();
  post({ type: 'astracaph-ready' });
})();
