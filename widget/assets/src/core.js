// @ts-check
/* AstraCaph widget: loader, UI, telemetry and proof-of-work orchestration.
 * No build step, no inline styles or scripts, no eval and no workers built from blobs: it runs under
 * default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'; connect-src 'self'.
 * Options (data- attributes or render() opts): sitekey, theme (light|dark|auto), lang,
 * auto (onload|onfocus|onsubmit), size (normal|compact|flexible|invisible), callback,
 * expired-callback, error-callback, api, name (hidden input), fields ("true": send form text),
 * origin, privacy-url. Script URL parameters: compat=turnstile|hcaptcha|recaptcha, onload=fn,
 * render=explicit. Every option, event and function is described in docs/widget.md.
 * The files of widget/assets/src/ share one closure, in the order widget.go lists them
 * (docs/widget.md, "Source layout"); this one holds the configuration and small helpers. */

var W = window, D = document;
var script = /** @type {HTMLScriptElement | null} */ (D.currentScript);
var SRC = new URL(script && script.src || location.href, location.href);
var Q = SRC.searchParams;
var COMPAT = Q.get('compat') || '';
var RENDER = Q.get('render') || '';
var ONLOAD = Q.get('onload') || '';
var CSS_URL = '__ASTRACAPH_URL(widget.css)__';
var CSS_SRI = '__ASTRACAPH_SRI(widget.css)__';
var WORKER_PATH = '/api/v1/worker.js';
// The operator's privacy page (widget.WithPrivacyURL); empty: the server's /captcha/privacy.
var PRIVACY_URL = '__ASTRACAPH_PRIVACY_URL__';

var seq = 0;
/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Object<string, string | boolean | null | undefined>} [attrs] null and false leave an attribute out, true sets it empty
 * @param {Array<Node | string>} [kids] strings become text nodes
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, attrs, kids) {
  var e = D.createElement(tag);
  for (var k in attrs) { var v = attrs[k]; if (v != null && v !== false) e.setAttribute(k, v === true ? '' : v); }
  (kids || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? D.createTextNode(c) : c); });
  return e;
}
var SVGNS = 'http://www.w3.org/2000/svg';
/**
 * @param {string} tag
 * @param {Object<string, string>} attrs
 * @param {Node[]} [kids]
 * @returns {SVGElement}
 */
function svg(tag, attrs, kids) {
  var e = /** @type {SVGElement} */ (D.createElementNS(SVGNS, tag));
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  (kids || []).forEach(function (c) { e.appendChild(c); });
  return e;
}
function now() { return performance.now(); }
/** @param {number} x */
function round1(x) { return Math.round(x * 10) / 10; }
/**
 * fn resolves a callback option: a function, or the name of a global function.
 * @param {unknown} f
 * @returns {Function | null}
 */
function fn(f) { return typeof f === 'function' ? f : typeof f === 'string' && typeof W[f] === 'function' ? W[f] : null; }
/**
 * call runs a callback option; what it throws is reported asynchronously, not to the widget.
 * @param {unknown} f
 * @param {unknown} [arg]
 */
function call(f, arg) { var g = fn(f); if (g) try { g(arg); } catch (e) { setTimeout(function () { throw e; }); } }
/**
 * @param {Element} el
 * @param {string} name the event is astracaph:name
 * @param {object} [detail]
 */
function emit(el, name, detail) {
  el.dispatchEvent(new CustomEvent('astracaph:' + name, { bubbles: true, detail: detail || {} }));
}
/** @param {string} s */
function b64(s) { return btoa(unescape(encodeURIComponent(s))); }

function ensureCSS() {
  if (D.querySelector('link[data-astracaph-css]')) return;
  var l = h('link', { rel: 'stylesheet', href: SRC.origin + CSS_URL, 'data-astracaph-css': true });
  if (SRC.origin !== location.origin) { l.integrity = CSS_SRI; l.crossOrigin = 'anonymous'; }
  (D.head || D.documentElement).appendChild(l);
}

/**
 * request calls the captcha API. It always resolves, with the JSON answer or
 * {success: false, error} (network, http-NNN, bad-response).
 * @param {string} base the captcha server's origin
 * @param {string} path
 * @param {object} [body] POSTed as JSON; none: GET
 * @returns {Promise<any>}
 */
function request(base, path, body) {
  /** @type {RequestInit} */
  var init = { method: body ? 'POST' : 'GET', credentials: 'omit', cache: 'no-store', mode: 'cors' };
  if (body) { init.headers = { 'Content-Type': 'application/json' }; init.body = JSON.stringify(body); }
  return fetch(base + path, init).then(function (r) {
    return r.json().catch(function () { return { success: false, error: r.ok ? 'bad-response' : 'http-' + r.status }; })
      .then(function (j) {
        if (!r.ok && j && j.success !== false) j = { success: false, error: 'http-' + r.status };
        if (j && r.headers.get('X-Astracaph-Interaction') === 'required') j.interaction = true; // see Telemetry.bind
        return j || { success: false, error: 'bad-response' };
      });
  }, function () { return { success: false, error: 'network' }; });
}
