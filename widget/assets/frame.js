// @ts-check
/* AstraCaph iframe page (GET /captcha/widget?theme=&size=&siteKey=&parentOrigin=&lang=).
 * Talks to its parent with postMessage:
 *   out: {type:'astracaph-verified', detail:{token, success:true}} (only to a known parent origin),
 *        {type:'astracaph-error', detail:{error, success:false}}, {type:'astracaph-expired'},
 *        {type:'astracaph-resize', width, height} (the widget's size in CSS pixels: size the
 *        frame to it), {type:'astracaph-ready'}
 *   in:  {type:'astracaph-reset'}, {type:'astracaph-execute'} (only from the parent origin) */
(function () {
  'use strict';
  var q = new URLSearchParams(location.search);
  /** @param {string} u */
  function originOf(u) {
    try {
      var x = new URL(u);
      return /^https?:$/.test(x.protocol) ? x.origin : '';
    } catch (e) { return ''; }
  }
  // The parent origin comes from the embedder's parameter or, failing that, the referrer.
  var parentOrigin = originOf(q.get('parentOrigin') || '') || originOf(document.referrer || '');
  var parentWin = window.parent !== window ? window.parent : null;
  /**
   * @param {object} msg
   * @param {boolean} [secret] it carries the token: never sent to an unknown parent
   */
  function post(msg, secret) {
    if (!parentWin) return;
    if (parentOrigin) parentWin.postMessage(msg, parentOrigin);
    else if (!secret) parentWin.postMessage(msg, '*'); // never broadcast a token
  }
  /**
   * fail stops the page when a part of it is missing (a blocked widget.js, a changed frame.html).
   * @param {string} what
   * @returns {never}
   */
  function fail(what) { throw new Error('astracaph: frame: ' + what + ' missing'); }
  var A = window.astracaph || fail('widget.js');
  var el = document.getElementById('astracaph-frame') || fail('#astracaph-frame');
  var theme = q.get('theme'), size = q.get('size') || '';
  var id = A.render(el, {
    sitekey: q.get('siteKey') || q.get('sitekey') || '',
    theme: theme === 'dark' || theme === 'light' ? theme : 'auto',
    lang: q.get('lang') || q.get('hl') || '',
    size: /^(compact|flexible)$/.test(size) ? size : 'normal',
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
    if (d.type === 'astracaph-reset') A.reset(id);
    else if (d.type === 'astracaph-execute') A.execute(id).catch(function () { /* error message already posted */ });
  });
  // The parent sizes the frame to the widget: 300×65 (normal), 150×140 (compact), its own
  // width × 65 (flexible); the visual step and error messages make it taller.
  var root = el.querySelector('.astracaph') || fail('.astracaph'), last = '';
  function resize() {
    var r = root.getBoundingClientRect(), w = Math.ceil(r.width), hgt = Math.ceil(r.height);
    if (w + 'x' + hgt === last || !hgt) return;
    last = w + 'x' + hgt;
    post({ type: 'astracaph-resize', width: w, height: hgt });
  }
  if (window.ResizeObserver) new ResizeObserver(resize).observe(root);
  resize();
  post({ type: 'astracaph-ready' });
})();
