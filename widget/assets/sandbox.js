// @ts-check
/* AstraCaph sandbox page: inline and iframe widgets, a srcdoc playground, a live log of the
 * server's decisions (EventSource /sandbox/events) and token verification (/api/v1/verify). */
(function () {
  'use strict';
  /**
   * fail stops the page when a part of it is missing (a blocked widget.js, a changed sandbox.html).
   * @param {string} what
   * @returns {never}
   */
  function fail(what) { throw new Error('astracaph: sandbox: ' + what + ' missing'); }
  var D = document, A = window.astracaph || fail('widget.js');
  /** @param {string} id an element of sandbox.html */
  function $(id) { return D.getElementById(id) || fail('#' + id); }
  var tokenBox = /** @type {HTMLTextAreaElement} */ ($('token'));
  /** @param {any} t a token, or what the form holds */
  function setToken(t) { tokenBox.value = t || ''; }

  // Inline widget.
  /** @type {string | undefined} */
  var inlineId;
  function renderInline() {
    if (inlineId) A.remove(inlineId);
    inlineId = A.render($('inline-widget'), { theme: /** @type {HTMLSelectElement} */ ($('inline-theme')).value, size: /** @type {HTMLSelectElement} */ ($('inline-size')).value, fields: 'true' });
  }
  $('inline-widget').addEventListener('astracaph:verified', function (e) { setToken(e.detail.token); });
  $('inline-theme').addEventListener('change', renderInline);
  $('inline-size').addEventListener('change', renderInline);
  $('inline-reset').addEventListener('click', function () { A.reset(inlineId); });
  $('inline-form').addEventListener('submit', function (e) {
    e.preventDefault();
    setToken(new FormData(/** @type {HTMLFormElement} */ (e.target)).get('astracaph-response') || '');
  });
  renderInline();

  // Iframe widget.
  var frame = /** @type {HTMLIFrameElement} */ ($('frame'));
  frame.src = '/captcha/widget?theme=auto&parentOrigin=' + encodeURIComponent(location.origin);
  window.addEventListener('message', function (e) {
    if (e.origin !== location.origin || e.source !== frame.contentWindow) return;
    var d = e.data || {};
    if (d.type === 'astracaph-resize' && d.height > 0) {
      frame.height = String(Math.min(600, d.height));
      if (d.width > 0) frame.width = String(d.width);
    }
    else if (d.type === 'astracaph-verified' && d.detail) setToken(d.detail.token);
  });
  /** @param {string} type */
  function toFrame(type) { var w = frame.contentWindow; if (w) w.postMessage({ type: type }, location.origin); }
  $('frame-reset').addEventListener('click', function () { toFrame('astracaph-reset'); });
  $('frame-execute').addEventListener('click', function () { toFrame('astracaph-execute'); });

  // srcdoc playground; relative URLs in srcdoc resolve against this page's URL.
  var editor = /** @type {HTMLTextAreaElement} */ ($('editor'));
  editor.value = '<!doctype html>\n<html lang="en">\n<body>\n<form>\n  <input name="email" type="email" aria-label="Email">\n' +
    '  <div data-astracaph data-theme="auto"></div>\n  <button type="submit">Send</button>\n</form>\n' +
    '<script src="' + location.origin + '/api/v1/widget.js"></' + 'script>\n</body>\n</html>\n';
  $('run').addEventListener('click', function () { /** @type {HTMLIFrameElement} */ ($('preview')).srcdoc = editor.value; });

  // Token verification.
  $('verify').addEventListener('click', function () {
    var out = $('verify-out');
    out.textContent = '…';
    fetch('/api/v1/verify', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin',
      body: JSON.stringify({ token: tokenBox.value.trim(), origin: location.origin })
    }).then(function (r) { return r.text(); }).then(function (t) {
      try { t = JSON.stringify(JSON.parse(t), null, 2); } catch (e) { /* show as is */ }
      out.textContent = t;
    }, function (e) { out.textContent = 'request failed: ' + e.message; });
  });

  // Live log.
  var log = /** @type {HTMLTableSectionElement} */ ($('log')), status = $('log-status');
  $('clear').addEventListener('click', function () { log.textContent = ''; });
  /**
   * @param {HTMLTableRowElement} tr
   * @param {unknown} text
   * @param {string} [cls]
   */
  function cell(tr, text, cls) {
    var td = D.createElement('td');
    td.textContent = text == null ? '' : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  /** @param {{time?: string, kind?: string, status?: number, decision?: string, score?: number, reasons?: string[], path?: string}} ev a /sandbox/events line */
  function addRow(ev) {
    var tr = D.createElement('tr');
    tr.className = 'sb-d-' + String(ev.decision || 'none').replace(/[^a-z-]/g, '');
    var time = ev.time ? new Date(ev.time) : new Date();
    cell(tr, isNaN(time.getTime()) ? ev.time : time.toLocaleTimeString());
    cell(tr, ev.kind);
    cell(tr, ev.status);
    cell(tr, ev.decision, 'sb-decision');
    cell(tr, typeof ev.score === 'number' ? ev.score.toFixed(2) : '');
    cell(tr, (ev.reasons || []).join(', '));
    cell(tr, ev.path);
    log.insertBefore(tr, log.firstChild);
    while (log.rows.length > 200) log.deleteRow(-1);
  }
  if (window.EventSource) {
    var es = new EventSource('/sandbox/events');
    es.onopen = function () { status.textContent = 'live'; };
    es.onerror = function () { status.textContent = 'reconnecting…'; };
    es.onmessage = function (m) {
      try { addRow(JSON.parse(m.data)); } catch (e) { /* ignore malformed lines */ }
    };
  } else status.textContent = 'EventSource unsupported';
})();
