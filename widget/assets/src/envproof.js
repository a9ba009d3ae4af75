// @ts-check
/** Environment signals (docs/risk-notes.md, signals E1–E4, E6, S1, S2, S4–S11) and the
 * challenge's generated environment check (docs/risk.md, "The environment check"). */
var AUTO = [['__playwright__binding__', 'pw1'], ['__pwInitScripts', 'pw2'], ['callPhantom', 'ph1'], ['_phantom', 'ph2'],
  ['__nightmare', 'nm'], ['domAutomation', 'da1'], ['domAutomationController', 'da2'], ['_selenium', 'se1'],
  ['__webdriver_evaluate', 'se2'], ['__selenium_unwrapped', 'se3'], ['__fxdriver_unwrapped', 'se4'],
  ['__driver_evaluate', 'se5'], ['_Selenium_IDE_Recorder', 'se6'], ['__webdriver_script_fn', 'se7'], ['Buffer', 'nd1'],
  ['emit', 'cef'], ['spawn', 'cef2']];
/** @returns {string[]} */
function autoMarks() {
  /** @type {string[]} */
  var out = [];
  /** @type {string[]} */
  var names = [];
  try { names = Object.getOwnPropertyNames(W).concat(Object.getOwnPropertyNames(D)); } catch (e) { /* neutral */ }
  AUTO.forEach(function (m) { if (names.indexOf(m[0]) >= 0) out.push(m[1]); });
  if (names.some(function (n) { return /^(\$?cdc_|\$wdc_)/.test(n); })) out.push('cdc');
  var de = D.documentElement;
  if (de && ['webdriver', 'selenium', 'driver'].some(function (a) { return de.getAttribute(a) !== null; })) out.push('attr');
  return out;
}
/** @returns {string[]} */
function stackMarks() {
  var s = '';
  try { s = String(new Error().stack || ''); } catch (e) { /* neutral */ }
  /** @type {string[]} */
  var out = [];
  if (s.indexOf('pptr:') >= 0) out.push('pptr');
  if (s.indexOf('UtilityScript.') >= 0) out.push('us');
  if (s.indexOf('__puppeteer_evaluation_script__') >= 0) out.push('pes');
  if (s.indexOf('node:internal') >= 0) out.push('node');
  return out;
}
/** @param {unknown} f */
function native(f) {
  try { return /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(f)); } catch (e) { return false; }
}
function lies() {
  var n = native(Function.prototype.toString) ? 0 : 1;
  ['webdriver', 'userAgent', 'platform', 'languages', 'plugins', 'hardwareConcurrency', 'deviceMemory'].forEach(function (k) {
    try {
      var d = Object.getOwnPropertyDescriptor(Navigator.prototype, k);
      if (d && d.get && !native(d.get)) n++;
    } catch (e) { n++; }
  });
  try { if (Object.getOwnPropertyNames(navigator).length) n++; } catch (e) { /* neutral */ }
  return n;
}
/** @returns {GLInfo} */
function glInfo() {
  try {
    var g = h('canvas').getContext('webgl');
    if (!g) return { class: 'none', blocked: true };
    var x = g.getExtension('WEBGL_debug_renderer_info');
    if (!x) return { class: 'unknown', blocked: true };
    var r = String(g.getParameter(x.UNMASKED_RENDERER_WEBGL) || ''), v = String(g.getParameter(x.UNMASKED_VENDOR_WEBGL) || '');
    var lose = g.getExtension('WEBGL_lose_context');
    if (lose) lose.loseContext();
    var s = (v + ' ' + r).toLowerCase();
    return {
      class: /swiftshader|llvmpipe|softpipe|mesa offscreen|basic render/.test(s) ? 'sw' : 'hw',
      vendorClass: (/apple/.test(s) && 'apple') || (/nvidia|geforce|quadro/.test(s) && 'nvidia') ||
        (/amd|radeon|ati /.test(s) && 'amd') || (/intel/.test(s) && 'intel') || (/adreno|qualcomm/.test(s) && 'qualcomm') ||
        (/mali|arm/.test(s) && 'arm') || (/google|swiftshader/.test(s) && 'google') || 'other',
      blocked: false,
      r: r.slice(0, 64)
    };
  } catch (e) { return { class: 'none', blocked: true }; }
}
/** @type {Env | null} */
var envCache = null;
/** @returns {Env} */
function env() {
  if (envCache) return envCache;
  var n = navigator, ua = n.userAgent || '';
  /** @type {Partial<Screen>} */
  var s = W.screen || {};
  var tz = '', tzOff = new Date().getTimezoneOffset();
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { /* neutral */ }
  var pe = (n.platform || '').toLowerCase();
  /** @type {Env} */
  var e = {
    wd: n.webdriver === true,
    hlUA: /HeadlessChrome|PhantomJS|SlimerJS/.test(ua + ' ' + (n.appVersion || '')),
    hlWorkerUA: false,
    autoMarks: autoMarks(),
    runtimeLeak: !!((W.process && W.process.versions && W.process.versions.node) || W.Bun || W.Deno),
    stackMarks: stackMarks(),
    lies: lies(),
    workerMismatch: [],
    chromeObj: !!W.chrome,
    plugins: n.plugins ? n.plugins.length : -1,
    pdf: n.pdfViewerEnabled,
    langs: n.languages ? n.languages.length : 0,
    lang: n.language || '',
    gl: glInfo(),
    uaData: n.userAgentData ? { platform: n.userAgentData.platform, mobile: n.userAgentData.mobile } : null,
    platformEst: /win/.test(pe) ? 'windows' : /mac/.test(pe) ? 'mac' : /iphone|ipad|ipod/.test(pe) ? 'ios' :
      /android/.test(pe) || /Android/.test(ua) ? 'android' : /linux|x11/.test(pe) ? 'linux' : pe ? 'other' : '',
    mtp: n.maxTouchPoints || 0,
    touchEv: 'ontouchstart' in W || typeof W.TouchEvent === 'function',
    win: [W.innerWidth, W.innerHeight, W.outerWidth, W.outerHeight],
    scr: [s.width, s.height, s.availWidth, s.availHeight],
    dpr: W.devicePixelRatio || 1,
    focused: D.hasFocus(),
    tz: tz,
    tzOff: tzOff,
    hc: n.hardwareConcurrency || 0,
    dm: n.deviceMemory || 0,
    privacy: null
  };
  if (n.brave && typeof n.brave.isBrave === 'function') e.privacy = 'brave';
  else if (/Firefox\//.test(ua) && tzOff === 0 && (e.hc === 2 || (Date.now() % 100 === 0 && now() % 100 === 0))) {
    // resistFingerprinting shape; Tor Browser additionally letterboxes to 200×100 steps.
    e.privacy = W.innerWidth % 200 === 0 && W.innerHeight % 100 === 0 ? 'tor' : 'rfp';
  }
  envCache = e;
  return e;
}
// envCheck loads the challenge's generated environment check (a script from the captcha
// origin: no eval, no inline code) and resolves with its answer, or null when it cannot run.
/**
 * @param {string} api
 * @param {string} id the challenge's id
 * @returns {Promise<string | null>}
 */
function envCheck(api, id) {
  return new Promise(function (res) {
    /** @type {HTMLScriptElement | null} */
    var s = null;
    var done = false, tm = 0;
    /** @param {string | null} v */
    function fin(v) {
      if (done) return;
      done = true;
      D.removeEventListener('astracaph:proof', on);
      clearTimeout(tm);
      if (s) s.remove();
      res(v);
    }
    /** @param {CustomEvent} ev */
    function on(ev) { var d = ev.detail || {}; if (d.id === id) fin(String(d.v)); }
    D.addEventListener('astracaph:proof', on);
    tm = setTimeout(function () { fin(null); }, 8000);
    s = h('script', { src: api + '/api/v1/challenge/proof.js?id=' + encodeURIComponent(id), async: true });
    s.onerror = function () { fin(null); };
    (D.head || D.documentElement).appendChild(s);
  });
}
/**
 * workerEnv notes where the worker's view of the browser differs from the page's.
 * @param {Env} e
 * @param {PowEnv | null} we
 */
function workerEnv(e, we) {
  if (!we) return;
  /** @type {string[]} */
  var mm = [];
  var n = navigator;
  if (we.ua !== n.userAgent) mm.push('ua');
  if (we.platform && n.platform && we.platform !== n.platform) mm.push('platform');
  if (we.hc && we.hc !== n.hardwareConcurrency) mm.push('hc');
  if (we.langs && we.langs !== (n.languages || []).join(',')) mm.push('langs');
  if (we.wd !== (n.webdriver === true)) mm.push('wd');
  e.workerMismatch = mm;
  e.hlWorkerUA = /HeadlessChrome|PhantomJS|SlimerJS/.test(we.ua || '');
}
