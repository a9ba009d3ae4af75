/* AstraCaph widget: loader, UI, telemetry and proof-of-work orchestration.
 * No build step, no inline styles or scripts, no eval and no workers built from blobs: it runs under
 * default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'; connect-src 'self'.
 * Options (data- attributes or render() opts): sitekey, theme (light|dark|auto), lang,
 * auto (onload|onfocus|onsubmit), size (normal|compact|flexible|invisible), callback,
 * expired-callback, error-callback, api, name (hidden input), fields ("true": send form text),
 * origin, privacy-url. Script URL parameters: compat=turnstile|hcaptcha|recaptcha, onload=fn,
 * render=explicit. Every option, event and function is described in docs/widget.md. */
(function () {
  'use strict';
  var W = window, D = document;
  if (W.astracaph && W.astracaph.version) return;

  var script = D.currentScript;
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

  /* ---------- i18n ---------- */
  var KEYS = ['label', 'verifying', 'verified', 'error', 'retry', 'expired', 'visualTitle', 'code', 'verify',
    'audio', 'reload', 'wait', 'waiting', 'wrong', 'denied', 'imageAlt', 'footer', 'network', 'privacy'];
  var STR = {
    en: ["I'm not a robot", 'Verifying…', 'Verified', 'Verification failed.', 'Try again', 'Verification expired.',
      'Type the characters shown in the image', 'Code', 'Verify', 'Play audio code', 'New challenge',
      'Verify by waiting instead', 'Waiting… this can take a minute', 'Wrong code. Attempts left: {n}',
      'Verification denied.', 'Characters to type', 'Protected by AstraCaph', 'Connection problem.', 'Privacy'],
    ru: ['Я не робот', 'Проверка…', 'Проверено', 'Проверка не удалась.', 'Повторить', 'Срок проверки истёк.',
      'Введите символы с картинки', 'Код', 'Проверить', 'Прослушать код', 'Новое задание',
      'Пройти проверку ожиданием', 'Ожидание… это может занять минуту', 'Неверный код. Осталось попыток: {n}',
      'В проверке отказано.', 'Символы для ввода', 'Защищено AstraCaph', 'Ошибка соединения.', 'Конфиденциальность'],
    'pt-br': ['Não sou um robô', 'Verificando…', 'Verificado', 'A verificação falhou.', 'Tentar novamente',
      'A verificação expirou.', 'Digite os caracteres da imagem', 'Código', 'Verificar', 'Ouvir o código',
      'Novo desafio', 'Verificar esperando', 'Aguardando… pode levar um minuto',
      'Código incorreto. Tentativas restantes: {n}', 'Verificação negada.', 'Caracteres para digitar',
      'Protegido por AstraCaph', 'Problema de conexão.', 'Privacidade'],
    es: ['No soy un robot', 'Verificando…', 'Verificado', 'La verificación falló.', 'Reintentar',
      'La verificación caducó.', 'Escribe los caracteres de la imagen', 'Código', 'Verificar', 'Escuchar el código',
      'Nuevo desafío', 'Verificar esperando', 'Esperando… puede tardar un minuto',
      'Código incorrecto. Intentos restantes: {n}', 'Verificación denegada.', 'Caracteres a escribir',
      'Protegido por AstraCaph', 'Problema de conexión.', 'Privacidad'],
    de: ['Ich bin kein Roboter', 'Wird überprüft…', 'Verifiziert', 'Überprüfung fehlgeschlagen.', 'Erneut versuchen',
      'Überprüfung abgelaufen.', 'Zeichen aus dem Bild eingeben', 'Code', 'Prüfen', 'Code anhören',
      'Neue Aufgabe', 'Stattdessen durch Warten prüfen', 'Bitte warten… das kann eine Minute dauern',
      'Falscher Code. Verbleibende Versuche: {n}', 'Überprüfung abgelehnt.', 'Einzugebende Zeichen',
      'Geschützt durch AstraCaph', 'Verbindungsproblem.', 'Datenschutz'],
    fr: ['Je ne suis pas un robot', 'Vérification…', 'Vérifié', 'La vérification a échoué.', 'Réessayer',
      'La vérification a expiré.', "Saisissez les caractères de l'image", 'Code', 'Vérifier', 'Écouter le code',
      'Nouveau défi', 'Vérifier en patientant', 'Patientez… cela peut prendre une minute',
      'Code incorrect. Essais restants : {n}', 'Vérification refusée.', 'Caractères à saisir',
      'Protégé par AstraCaph', 'Problème de connexion.', 'Confidentialité'],
    'zh-cn': ['我不是机器人', '正在验证…', '已验证', '验证失败。', '重试', '验证已过期。', '请输入图片中的字符', '验证码',
      '验证', '播放语音验证码', '换一个', '改为等待验证', '请稍候…可能需要一分钟', '验证码错误。剩余次数：{n}', '验证被拒绝。',
      '需要输入的字符', '由 AstraCaph 保护', '连接出现问题。', '隐私'],
    ar: ['أنا لست روبوتًا', 'جارٍ التحقق…', 'تم التحقق', 'فشل التحقق.', 'أعد المحاولة', 'انتهت صلاحية التحقق.',
      'اكتب الأحرف الظاهرة في الصورة', 'الرمز', 'تحقق', 'استمع إلى الرمز', 'تحدٍّ جديد', 'تحقق بالانتظار بدلًا من ذلك',
      'جارٍ الانتظار… قد يستغرق ذلك دقيقة', 'رمز خاطئ. المحاولات المتبقية: {n}', 'تم رفض التحقق.', 'الأحرف المطلوب كتابتها',
      'محمي بواسطة AstraCaph', 'مشكلة في الاتصال.', 'الخصوصية']
  };
  var RTL = { ar: 1, fa: 1, he: 1, ur: 1 };

  function pickLang(pref) {
    var cands = [pref, D.documentElement.lang].concat(navigator.languages || [navigator.language]);
    var i, c;
    for (i = 0; i < cands.length; i++) {
      c = String(cands[i] || '').toLowerCase().replace('_', '-');
      if (STR[c]) return c;
    }
    for (i = 0; i < cands.length; i++) {
      c = String(cands[i] || '').toLowerCase().split(/[-_]/)[0];
      if (!c) continue;
      for (var k in STR) if (k.split('-')[0] === c) return k;
    }
    return 'en';
  }
  function strings(lang) {
    var t = {}, a = STR[lang];
    for (var i = 0; i < KEYS.length; i++) t[KEYS[i]] = a[i];
    return t;
  }

  /* ---------- small helpers ---------- */
  var seq = 0;
  function h(tag, attrs, kids) {
    var e = D.createElement(tag);
    for (var k in attrs) if (attrs[k] != null && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    (kids || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? D.createTextNode(c) : c); });
    return e;
  }
  function now() { return performance.now(); }
  function round1(x) { return Math.round(x * 10) / 10; }
  function fn(f) { return typeof f === 'function' ? f : typeof f === 'string' && typeof W[f] === 'function' ? W[f] : null; }
  function call(f, arg) { f = fn(f); if (f) try { f(arg); } catch (e) { setTimeout(function () { throw e; }); } }
  function emit(el, name, detail) {
    el.dispatchEvent(new CustomEvent('astracaph:' + name, { bubbles: true, detail: detail || {} }));
  }
  function b64(s) { return btoa(unescape(encodeURIComponent(s))); }

  function ensureCSS() {
    if (D.querySelector('link[data-astracaph-css]')) return;
    var l = h('link', { rel: 'stylesheet', href: SRC.origin + CSS_URL, 'data-astracaph-css': true });
    if (SRC.origin !== location.origin) { l.integrity = CSS_SRI; l.crossOrigin = 'anonymous'; }
    (D.head || D.documentElement).appendChild(l);
  }

  function request(base, path, body) {
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

  /* ---------- environment signals (docs/risk-notes.md, signals E1–E4, E6, S1, S2, S4–S11) ---------- */
  var AUTO = [['__playwright__binding__', 'pw1'], ['__pwInitScripts', 'pw2'], ['callPhantom', 'ph1'], ['_phantom', 'ph2'],
    ['__nightmare', 'nm'], ['domAutomation', 'da1'], ['domAutomationController', 'da2'], ['_selenium', 'se1'],
    ['__webdriver_evaluate', 'se2'], ['__selenium_unwrapped', 'se3'], ['__fxdriver_unwrapped', 'se4'],
    ['__driver_evaluate', 'se5'], ['_Selenium_IDE_Recorder', 'se6'], ['__webdriver_script_fn', 'se7'], ['Buffer', 'nd1'],
    ['emit', 'cef'], ['spawn', 'cef2']];
  function autoMarks() {
    var out = [], names = [];
    try { names = Object.getOwnPropertyNames(W).concat(Object.getOwnPropertyNames(D)); } catch (e) { /* neutral */ }
    AUTO.forEach(function (m) { if (names.indexOf(m[0]) >= 0) out.push(m[1]); });
    if (names.some(function (n) { return /^(\$?cdc_|\$wdc_)/.test(n); })) out.push('cdc');
    var de = D.documentElement;
    if (de && ['webdriver', 'selenium', 'driver'].some(function (a) { return de.getAttribute(a) !== null; })) out.push('attr');
    return out;
  }
  function stackMarks() {
    var s = '';
    try { s = String(new Error().stack || ''); } catch (e) { /* neutral */ }
    var out = [];
    if (s.indexOf('pptr:') >= 0) out.push('pptr');
    if (s.indexOf('UtilityScript.') >= 0) out.push('us');
    if (s.indexOf('__puppeteer_evaluation_script__') >= 0) out.push('pes');
    if (s.indexOf('node:internal') >= 0) out.push('node');
    return out;
  }
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
  var envCache = null;
  function env() {
    if (envCache) return envCache;
    var n = navigator, ua = n.userAgent || '', s = W.screen || {};
    var tz = '', tzOff = new Date().getTimezoneOffset();
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { /* neutral */ }
    var pe = (n.platform || '').toLowerCase();
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
  function envCheck(api, id) {
    return new Promise(function (res) {
      var done = false, s = null, tm;
      function fin(v) {
        if (done) return;
        done = true;
        D.removeEventListener('astracaph:proof', on);
        clearTimeout(tm);
        if (s) s.remove();
        res(v);
      }
      function on(ev) { var d = ev.detail || {}; if (d.id === id) fin(String(d.v)); }
      D.addEventListener('astracaph:proof', on);
      tm = setTimeout(function () { fin(null); }, 8000);
      s = h('script', { src: api + '/api/v1/challenge/proof.js?id=' + encodeURIComponent(id), async: true });
      s.onerror = function () { fin(null); };
      (D.head || D.documentElement).appendChild(s);
    });
  }
  function workerEnv(e, we) {
    if (!we) return;
    var n = navigator, mm = [];
    if (we.ua !== n.userAgent) mm.push('ua');
    if (we.platform && n.platform && we.platform !== n.platform) mm.push('platform');
    if (we.hc && we.hc !== n.hardwareConcurrency) mm.push('hc');
    if (we.langs && we.langs !== (n.languages || []).join(',')) mm.push('langs');
    if (we.wd !== (n.webdriver === true)) mm.push('wd');
    e.workerMismatch = mm;
    e.hlWorkerUA = /HeadlessChrome|PhantomJS|SlimerJS/.test(we.ua || '');
  }

  /* ---------- behaviour telemetry (risk.md §1.5; no key characters, no field contents) ---------- */
  var SPECIAL = [/^Tab$/, /^Backspace$/, /^Delete$/, /^Enter$/, /^Shift$/, /^Arrow/, /^(Control|Alt|Meta)$/, /^Escape$/];
  function Telemetry(root, scope) {
    var t0 = now(), last = {};
    var ptr = [], clicks = [], keys = { n: 0, iki: [0, 0, 0, 0, 0], paste: 0, special: [0, 0, 0, 0, 0, 0, 0, 0] };
    var focus = { n: 0, viaKey: 0, viaPtr: 0 }, touch = { n: 0, radii: {} }, vis = { hidden: 0, blur: 0 };
    var t = { ready: 0, first: null, submit: null }, untrusted = 0, lastKey = 0, lastMove = 0, marks = [];
    var act = { n: 0, t: null }, builtN = 0, gate = [];
    function ms() { return Math.round(now() - t0); }
    function seen(ev) {
      if (!ev.isTrusted) untrusted++;
      if (t.first === null) t.first = ms();
    }
    // activate counts a trusted activation (press, key, touch) and releases a waiting redemption.
    function activate(ev) {
      if (!ev.isTrusted) return;
      act.n++;
      act.t = ms();
      var g = gate;
      gate = [];
      g.forEach(function (f) { f(); });
    }
    var on = {
      pointermove: function (ev) {
        if (!ev.isTrusted) untrusted++;
        var tt = now();
        if (tt - lastMove < 20) return;
        lastMove = tt;
        var r = root.getBoundingClientRect();
        ptr.push([Math.round(ev.clientX - r.left), Math.round(ev.clientY - r.top), Math.round(tt - t0)]);
        if (ptr.length > 60) ptr.shift();
      },
      pointerdown: function (ev) { seen(ev); activate(ev); last.down = now(); last.type = ev.pointerType; last.ptr = now(); },
      pointerup: function () { last.up = now(); },
      keydown: function (ev) {
        seen(ev);
        activate(ev);
        var tt = now(), k = String(ev.key || '');
        keys.n++;
        if (lastKey && tt - lastKey < 3000) {
          var iki = keys.iki, x = tt - lastKey, d = x - iki[1];
          iki[0]++; iki[1] += d / iki[0]; iki[2] += d * (x - iki[1]); // Welford
          iki[3] = iki[0] === 1 ? x : Math.min(iki[3], x);
          iki[4] = Math.max(iki[4], x);
        }
        lastKey = tt;
        for (var i = 0; i < SPECIAL.length; i++) if (SPECIAL[i].test(k)) { keys.special[i]++; break; }
        if (k === 'Tab') last.tab = tt;
      },
      paste: function () { keys.paste++; },
      focusin: function (ev) {
        seen(ev);
        focus.n++;
        var tt = now();
        if (last.tab && tt - last.tab < 500) focus.viaKey++;
        else if (last.ptr && tt - last.ptr < 500) focus.viaPtr++;
      },
      touchstart: function (ev) {
        seen(ev);
        activate(ev);
        touch.n++;
        var tp = ev.touches && ev.touches[0];
        if (tp) touch.radii[round1(tp.radiusX || 0)] = 1;
      }
    };
    var onVis = function () { if (D.visibilityState === 'hidden') vis.hidden++; };
    var onBlur = function () { vis.blur++; };
    Object.keys(on).forEach(function (k) { scope.addEventListener(k, on[k], { capture: true, passive: true }); });
    D.addEventListener('visibilitychange', onVis);
    W.addEventListener('blur', onBlur);

    this.destroy = function () {
      Object.keys(on).forEach(function (k) { scope.removeEventListener(k, on[k], { capture: true }); });
      D.removeEventListener('visibilitychange', onVis);
      W.removeEventListener('blur', onBlur);
    };
    // click records the activation of the checkbox; detail 0 means keyboard/AT (neutral).
    this.click = function (ev, target) {
      seen(ev);
      marks = marks.concat(stackMarks());
      if (clicks.length >= 5) clicks.shift();
      var c = { detail: ev.detail, trusted: ev.isTrusted, type: ev.pointerType || (ev.detail ? last.type || 'mouse' : '') };
      if (ev.detail > 0) {
        var r = target.getBoundingClientRect();
        c.dx = round1(ev.clientX - (r.left + r.width / 2));
        c.dy = round1(ev.clientY - (r.top + r.height / 2));
        if (last.down) c.mdu = Math.round((last.up || now()) - last.down);
        c.dwell = ptr.length ? Math.max(0, Math.round(last.down - t0 - ptr[ptr.length - 1][2])) : null;
      }
      clicks.push(c);
    };
    // bind ties the next redemption to challenge ch: it notes when ch arrived, starts its
    // environment check, and ready() resolves once the check answered and, when the server
    // requires it (ch.interaction), a trusted activation newer than the last redemption exists.
    this.bind = function (ch, api) {
      var rcv = ms(), p = ch.parameters, id = p ? (p.data || {}).challengeId : ch.salt;
      var proof = id ? envCheck(api, String(id)) : Promise.resolve(null);
      return {
        ready: function () {
          var sol = ms() - rcv;
          var wait = ch.interaction && act.n <= builtN ? new Promise(function (res) { gate.push(res); }) : null;
          return Promise.all([proof, wait]).then(function (v) { return { id: id, rcv: rcv, sol: sol, proof: v[0] }; });
        }
      };
    };
    this.build = function (pow, we, b) {
      var e = env();
      workerEnv(e, we);
      e = Object.assign({}, e, { stackMarks: e.stackMarks.concat(marks).filter(function (v, i, a) { return a.indexOf(v) === i; }), focused: D.hasFocus() });
      t.submit = ms();
      var iki = keys.iki.map(round1);
      var doc = {
        v: 1, env: e,
        beh: {
          ptr: ptr.slice(), clicks: clicks, keys: { n: keys.n, iki: iki, paste: keys.paste, special: keys.special },
          focus: focus, touch: { n: touch.n, radiusDistinct: Object.keys(touch.radii).length }, vis: vis, t: t,
          untrusted: untrusted, act: { n: act.n, t: act.t }
        },
        pow: pow
      };
      if (b) {
        doc.ch = { id: String(b.id || ''), rcv: b.rcv, sol: b.sol, snd: ms() - b.rcv };
        if (b.proof) doc.proof = b.proof;
      }
      builtN = act.n;
      var s = JSON.stringify(doc);
      while (s.length > 4000 && doc.beh.ptr.length) { // stay under the 4 KB budget
        doc.beh.ptr = doc.beh.ptr.filter(function (_, i) { return i % 2; });
        s = JSON.stringify(doc);
      }
      if (s.length > 4000) { doc.env.gl = { class: e.gl.class }; doc.env.autoMarks = e.autoMarks.slice(0, 8); }
      return doc;
    };
  }

  /* ---------- proof of work ---------- */
  // workModel describes how much work a challenge implies, for an honest progress bar, in
  // counters tried from where the search starts. AstraCaph signs its deterministic counter
  // range into the data (counterMin, where solvers start, and counterMax); the counter is
  // uniform in it. Probabilistic challenges (a short keyPrefix) expect 16^len attempts however
  // many were tried; PoW v1 numbers are uniform in [0, maxnumber]. With counterMin alone the
  // top is assumed at twice it (AstraCaph's default range) but never trusted near the end;
  // a challenge that says nothing gets a guess from its algorithm and cost, treated as
  // memoryless so the bar never claims to be nearly done.
  function num(x) { x = Number(x); return x >= 0 && isFinite(x) ? x : NaN; }
  function workModel(ch) {
    var p = ch.parameters, d = (p && p.data) || {};
    if (!p) {
      var mx = num(ch.maxnumber != null ? ch.maxnumber : ch.maxNumber);
      return { w: mx > 0 ? mx : 1e6 };
    }
    var plen = String(p.keyPrefix || '').length;
    if (plen > 0 && plen <= 8) return { mean: Math.pow(16, plen) };
    var lo = num(d.counterMin), hi = num(d.counterMax);
    if (lo >= 0 && hi >= lo) return { w: Math.max(1, hi - lo) };
    if (lo > 0) return { w: lo, soft: true };
    if (num(d.expectedCounter) > 0) return { mean: num(d.expectedCounter) };
    var alg = String(p.algorithm || ''), cost = Math.max(1, p.cost || 1);
    return { mean: /^PBKDF2/.test(alg) ? Math.max(10, 3.75e7 / cost) : /^SHA/.test(alg) ? Math.max(10, 3e6 / cost) : 150 };
  }
  // workDone maps n counters tried to done/(done + expected remaining): 0 at the start,
  // rising steadily, 1 only when a known range is exhausted.
  function workDone(m, n) {
    var r = m.mean ? m.mean : m.soft ? Math.max((m.w - n) / 2, m.w / 4) : Math.max(0, (m.w - n) / 2);
    return n + r > 0 ? n / (n + r) : 0;
  }
  var mainSolver = null;
  function loadMainSolver(api) {
    if (W.__astracaphPow) return Promise.resolve(W.__astracaphPow);
    if (!mainSolver) {
      mainSolver = new Promise(function (res, rej) {
        var s = h('script', { src: api + WORKER_PATH, async: true });
        s.onload = function () { W.__astracaphPow ? res(W.__astracaphPow) : rej(new Error('solver missing')); };
        s.onerror = function () { mainSolver = null; rej(new Error('solver blocked')); };
        (D.head || D.documentElement).appendChild(s);
      });
    }
    return mainSolver;
  }
  function workerCount() {
    var n = Math.min(16, Math.max(1, navigator.hardwareConcurrency || 2));
    if (navigator.deviceMemory && navigator.deviceMemory <= 4) n = Math.min(n, 4);
    return n;
  }
  // solve returns {promise → {counter, derivedKey, time, workers, n, we}, abort()}.
  // Same-origin pages use Workers; a cross-origin embedder cannot construct a Worker from our
  // origin (and blob URLs are banned by CSP), so the solver then runs on the main thread.
  // onProgress receives the share of the expected work done, several times a second: between
  // the solvers' reports the count is extrapolated with the measured hash rate, so slow KDFs
  // (one report per few attempts) still move the bar.
  function solve(api, ch, onProgress) {
    var aborted = false, stop = function () { aborted = true; };
    var t0 = now(), model = workModel(ch), tried = 0, firstAt = 0, lastAt = 0;
    function progress(n) {
      var t = now();
      if (n > tried) { if (!firstAt) firstAt = t0; tried = n; lastAt = t; }
      onProgress(workDone(model, n));
    }
    var ticker = setInterval(function () {
      if (!tried || aborted) return;
      var t = now(), rate = tried / Math.max(1, lastAt - firstAt);
      // Extrapolate at most half a second past the last report: a stalled solver (hidden
      // tab, throttled CPU) must not run the bar ahead of the work.
      onProgress(workDone(model, tried + rate * Math.min(500, t - lastAt)));
    }, 100);
    function finish(m, workers, n, we) {
      return { counter: m.counter, derivedKey: m.derivedKey, time: round1(now() - t0), workers: workers, n: n, we: we };
    }
    function onMain() {
      return loadMainSolver(api).then(function (pow) {
        return new Promise(function (res, rej) {
          if (aborted) return rej(new Error('aborted'));
          var depth = Math.min(16, Math.max(2, (navigator.hardwareConcurrency || 2) * 2));
          var ab = pow(ch, depth, function (m) {
            if (m.type === 'progress') progress(m.n);
            else if (m.type === 'solution') res(finish(m, 0, m.n, null));
            else if (m.type === 'error') rej(new Error(m.message));
          });
          stop = function () { aborted = true; ab(); rej(new Error('aborted')); };
        });
      });
    }
    function onWorkers() {
      var N = workerCount(), ws = [], counts = [], we = null, failed = 0, started = false;
      // The signed lower bound of the counter range (see worker.js counterMin).
      var d = ch.parameters && ch.parameters.data, base = d && typeof d.counterMin === 'number' && d.counterMin >= 0 ? Math.floor(d.counterMin) : 0;
      return new Promise(function (res, rej) {
        function killAll() { ws.forEach(function (w) { w.terminate(); }); }
        function sum() { return counts.reduce(function (a, b) { return a + b; }, 0); }
        stop = function () { aborted = true; killAll(); rej(new Error('aborted')); };
        for (var i = 0; i < N; i++) {
          var w;
          try { w = new Worker(api + WORKER_PATH); } catch (e) { killAll(); return onMain().then(res, rej); }
          counts.push(0);
          ws.push(w);
          w.onmessage = (function (i) {
            return function (ev) {
              var m = ev.data || {};
              started = true;
              if (m.type === 'env') { we = we || m; return; }
              if (m.type === 'progress') {
                counts[i] = m.n;
                progress(sum());
              } else if (m.type === 'solution') {
                killAll();
                counts[i] = m.n;
                res(finish(m, N, sum(), we));
              } else if (m.type === 'error' && ++failed === N) { killAll(); rej(new Error(m.message)); }
            };
          })(i);
          w.onerror = function (ev) {
            ev.preventDefault();
            if (!started && !aborted) { started = true; killAll(); onMain().then(res, rej); } // CSP or 404: fall back
          };
          w.postMessage({ type: 'work', challenge: ch, counterStart: base + i, counterStep: N });
        }
      });
    }
    var sameOrigin = new URL(api).origin === location.origin && typeof W.Worker === 'function';
    var promise = (sameOrigin ? onWorkers() : onMain()).then(function (r) { r.t0 = t0; return r; });
    promise.then(function () { clearInterval(ticker); }, function () { clearInterval(ticker); });
    return { promise: promise, abort: function () { clearInterval(ticker); stop(); } };
  }
  function payloadFor(ch, r) {
    if (ch.parameters) {
      return b64(JSON.stringify({
        challenge: { parameters: ch.parameters, signature: ch.signature },
        solution: { counter: r.counter, derivedKey: r.derivedKey, time: r.time }
      }));
    }
    return b64(JSON.stringify({ algorithm: ch.algorithm, challenge: ch.challenge, number: r.counter, salt: ch.salt, signature: ch.signature, took: Math.round(r.time) }));
  }
  function algName(ch) { return String((ch.parameters || ch).algorithm || '').toLowerCase().replace(/[^a-z0-9]/g, ''); }

  /* ---------- widget instance ---------- */
  var instances = [];
  var ATTRS = ['sitekey', 'theme', 'lang', 'language', 'auto', 'size', 'callback', 'expired-callback', 'error-callback',
    'api', 'name', 'fields', 'origin', 'privacy-url'];
  var SIZES = /^(normal|compact|flexible|invisible)$/;
  // Errors that describe the integration, not the visitor: the widget shows the server's
  // message so that whoever set the page up sees what to fix. Risk decisions stay generic.
  var SETUP_ERRORS = {
    'origin-required': 1, 'origin-not-allowed': 1, 'site-not-found': 1, 'site-key-required': 1, 'site-mismatch': 1,
    'unknown-algorithm': 1, 'rate-limited': 1, 'solve-failed': 1, 'bad-challenge': 1
  };
  var SVGNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, kids) {
    var e = D.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }
  // mark is the AstraCaph logo: a four-pointed star in a ring, drawn with presentation
  // attributes and classes only (no style attribute, so strict CSPs allow it).
  function mark() {
    return svg('svg', { class: 'astracaph__mark', viewBox: '0 0 24 24', width: '20', height: '20', 'aria-hidden': 'true', focusable: 'false' }, [
      svg('circle', { class: 'astracaph__mark-ring', cx: '12', cy: '12', r: '10.5', fill: 'none', 'stroke-width': '1.5' }),
      svg('path', { class: 'astracaph__mark-star', d: 'M12 4.5l1.9 5.6 5.6 1.9-5.6 1.9-1.9 5.6-1.9-5.6-5.6-1.9 5.6-1.9z' })
    ]);
  }
  function percent(lang, x) {
    try { return new Intl.NumberFormat(lang, { style: 'percent' }).format(x); } catch (e) { return Math.round(x * 100) + '%'; }
  }
  // pageOrigin is the origin the token is bound to. A sandboxed frame (srcdoc, or
  // sandbox without allow-same-origin) has the opaque origin "null" and sends no Referer, so
  // the server could bind it to nothing: claim the embedding page's origin instead, which
  // Chromium and Safari expose as location.ancestorOrigins (elsewhere the server says
  // "origin required" and data-origin names it).
  function pageOrigin() {
    var o = location.origin, a = location.ancestorOrigins;
    return o === 'null' && a && a.length && a[0] !== 'null' ? a[0] : o;
  }
  function shown(el) { return !!el && !el.closest('[hidden]') && el.getClientRects().length > 0; }

  function Instance(el, opts) {
    this.el = el;
    this.n = instances.length;
    this.id = 'astracaph-' + (++seq);
    var o = {};
    ATTRS.forEach(function (a) { var v = el.getAttribute('data-' + a); if (v !== null) o[a] = v; });
    Object.keys(opts || {}).forEach(function (k) { o[k] = opts[k]; });
    this.o = o;
    this.api = String(o.api || SRC.origin).replace(/\/+$/, '');
    this.lang = pickLang(o.lang || o.language);
    this.t = strings(this.lang);
    this.names = o.names || [o.name || 'astracaph-response'];
    this.token = '';
    this.epoch = 0;
    this.waiters = [];
    this.form = el.closest('form');
    this.build();
    this.tele = new Telemetry(this.root, D); // document-wide: a Tab into the form counts too
    this.wire();
    this.set('idle');
  }
  var P = Instance.prototype;

  P.privacyURL = function () {
    var u = this.o['privacy-url'] || PRIVACY_URL || '/captcha/privacy';
    try { u = new URL(u, this.api + '/'); } catch (e) { return this.api + '/captcha/privacy'; }
    return /^https?:$/.test(u.protocol) ? u.href : this.api + '/captcha/privacy';
  };

  P.build = function () {
    var t = this.t, id = this.id, o = this.o;
    var theme = /^(light|dark)$/.test(o.theme) ? o.theme : 'auto';
    var size = SIZES.test(o.size) ? o.size : 'normal';
    this.size = size;
    this.theme = theme;
    this.check = h('button', { type: 'button', class: 'astracaph__check', role: 'checkbox', 'aria-checked': 'false', id: id + '-cb', 'aria-describedby': id + '-st' }, [
      h('span', { class: 'astracaph__box', 'aria-hidden': 'true' }),
      h('span', { class: 'astracaph__label' }, [t.label])
    ]);
    // role=status is a polite live region; it stays rendered (zero height when empty) so
    // that screen readers track it from the start.
    this.status = h('div', { class: 'astracaph__status', id: id + '-st', role: 'status' });
    this.retry = h('button', { type: 'button', class: 'astracaph__btn astracaph__btn--link astracaph__retry', hidden: true }, [t.retry]);
    this.bar = svg('rect', { class: 'astracaph__bar', x: '0', y: '0', width: '0%', height: '100%' });
    this.progress = h('div', {
      class: 'astracaph__progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0',
      'aria-label': t.verifying, hidden: true
    }, [svg('svg', { class: 'astracaph__track', width: '100%', height: '100%', 'aria-hidden': 'true', focusable: 'false', preserveAspectRatio: 'none' }, [this.bar])]);
    this.live = h('div', { class: 'astracaph__sr', 'aria-live': 'polite' }); // a few progress milestones
    this.img = h('img', { class: 'astracaph__img', alt: t.imageAlt, width: '240', height: '80' });
    this.code = h('input', {
      type: 'text', class: 'astracaph__code', id: id + '-code', autocomplete: 'off', autocapitalize: 'characters',
      spellcheck: 'false', 'aria-describedby': id + '-ce'
    });
    this.codeErr = h('p', { class: 'astracaph__cerr', id: id + '-ce' });
    this.audio = h('audio', { class: 'astracaph__audio', preload: 'none' });
    this.vbtn = {
      verify: h('button', { type: 'button', class: 'astracaph__btn astracaph__btn--primary' }, [t.verify]),
      audio: h('button', { type: 'button', class: 'astracaph__btn' }, [t.audio]),
      reload: h('button', { type: 'button', class: 'astracaph__btn' }, [t.reload]),
      wait: h('button', { type: 'button', class: 'astracaph__btn astracaph__btn--link astracaph__wait' }, [t.wait])
    };
    this.visual = h('div', { class: 'astracaph__visual', role: 'group', 'aria-labelledby': id + '-vt', hidden: true }, [
      h('p', { class: 'astracaph__vtitle', id: id + '-vt' }, [t.visualTitle]),
      this.img,
      h('label', { class: 'astracaph__clabel', for: id + '-code' }, [t.code]),
      this.code,
      this.codeErr,
      h('div', { class: 'astracaph__actions' }, [this.vbtn.verify, this.vbtn.audio, this.vbtn.reload]),
      this.vbtn.wait,
      this.audio
    ]);
    var brand = h('div', { class: 'astracaph__brand' }, [
      h('span', { class: 'astracaph__logo', role: 'img', 'aria-label': t.footer, title: t.footer }, [
        mark(), h('span', { class: 'astracaph__name', 'aria-hidden': 'true' }, ['AstraCaph'])
      ]),
      h('a', { class: 'astracaph__privacy', href: this.privacyURL(), target: '_blank', rel: 'noopener noreferrer' }, [t.privacy])
    ]);
    this.root = h('div', {
      class: 'astracaph astracaph--' + theme + ' astracaph--' + size, lang: this.lang,
      dir: RTL[this.lang.split('-')[0]] ? 'rtl' : 'ltr', id: id
    }, [
      h('div', { class: 'astracaph__main' }, [
        h('div', { class: 'astracaph__lead' }, [this.check, h('div', { class: 'astracaph__msg' }, [this.status, this.retry])]),
        brand
      ]),
      this.visual, this.progress, this.live
    ]);
    this.el.appendChild(this.root);
  };

  P.wire = function () {
    var me = this, o = this.o, form = this.form;
    this.check.addEventListener('click', function (ev) {
      me.tele.click(ev, me.check);
      if (me.state === 'idle' || me.state === 'error' || me.state === 'expired') me.start();
    });
    this.retry.addEventListener('click', function () { me.start(); });
    this.vbtn.verify.addEventListener('click', function () { me.submitCode(); });
    this.code.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') { ev.preventDefault(); me.submitCode(); } // never submit the host form
    });
    // Implicit form submission runs on the Enter keypress; when keydown's preventDefault
    // does not suppress it (synthetic key events, some IMEs), stop it here too.
    this.code.addEventListener('keypress', function (ev) { if (ev.key === 'Enter') ev.preventDefault(); });
    this.code.addEventListener('input', function () { me.codeError(''); });
    this.vbtn.audio.addEventListener('click', function () {
      if (me.answering) return;
      if (!me.audio.getAttribute('src') && me.vis) me.audio.src = me.url(me.vis.audio); // single-use URL: fetched once
      var p = me.audio.play();
      if (p && p.catch) p.catch(function () { /* autoplay policy or used URL; the button stays usable */ });
      me.code.focus();
    });
    this.vbtn.reload.addEventListener('click', function () { if (!me.answering) me.start(); });
    this.vbtn.wait.addEventListener('click', function () { if (!me.answering) me.waitInstead(); });
    if (form && o.auto === 'onsubmit') {
      this.onSubmit = function (ev) {
        if (me.token) return;
        ev.preventDefault();
        me.submitter = ev.submitter || null;
        me.pendingSubmit = true;
        if (me.state !== 'solving') me.start();
      };
      form.addEventListener('submit', this.onSubmit);
    }
    if (o.auto === 'onfocus') {
      this.onFocus = function () { if (me.state === 'idle') me.start(); };
      (form || this.el).addEventListener('focusin', this.onFocus, { once: true });
    }
    if (o.auto === 'onload') setTimeout(function () { if (me.state === 'idle') me.start(); });
  };

  P.url = function (u) { return new URL(u, this.api + '/').href; };

  // set switches the visible state. When the control that had focus disappears with it (the
  // retry button, the visual step's buttons), focus moves to the checkbox, which describes the
  // new state, instead of falling back to the top of the page.
  P.set = function (state, msg) {
    var t = this.t, a = D.activeElement, hadFocus = a && a !== D.body && this.root.contains(a);
    this.state = state;
    this.root.setAttribute('data-state', state);
    this.check.setAttribute('aria-checked', state === 'verified' ? 'true' : state === 'solving' || state === 'waiting' || state === 'visual' ? 'mixed' : 'false');
    this.check.setAttribute('aria-disabled', state === 'idle' || state === 'error' || state === 'expired' ? 'false' : 'true');
    var busy = state === 'solving' || state === 'waiting';
    this.progress.hidden = !busy;
    this.progress.setAttribute('aria-label', state === 'waiting' ? t.waiting : t.verifying);
    this.retry.hidden = state !== 'error';
    this.visual.hidden = state !== 'visual';
    if (state !== 'visual') this.codeError('');
    this.root.classList.toggle('astracaph--show', this.size === 'invisible' && (state === 'visual' || state === 'waiting' || state === 'error'));
    this.status.textContent = msg || {
      solving: t.verifying, verified: t.verified, expired: t.expired, error: t.error, visual: t.visualTitle, waiting: t.waiting
    }[state] || '';
    // The visual step has its own visible heading: announce it, but do not show it twice.
    this.status.classList.toggle('astracaph__status--sr', state === 'visual' && !msg);
    if (hadFocus && !shown(a)) this.refocus();
  };

  // refocus puts focus on the widget's main control, or, in invisible mode (no checkbox),
  // back where it was before the widget showed itself.
  P.refocus = function () {
    if (shown(this.check)) return this.check.focus();
    var back = this.returnTo;
    this.returnTo = null;
    if (back && back.isConnected && shown(back)) back.focus();
    else if (this.form) {
      var f = this.form.querySelector('button, input:not([type=hidden]), select, textarea, [tabindex]');
      if (f) f.focus();
    }
  };

  // showProgress moves the bar to x (0–1). The value only ever grows: when the estimate does
  // not, the bar creeps a little closer to 99 %; 100 % is reserved for the token.
  P.showProgress = function (x, reset) {
    if (reset) { this.pval = 0; this.pint = -1; this.milestone = 0; }
    var cur = this.pval || 0, next = Math.min(x, 0.99);
    if (!reset && next <= cur) next = cur + (0.99 - cur) * 0.02;
    this.pval = next;
    var pct = x >= 1 ? 100 : Math.floor(next * 100);
    if (pct <= this.pint) return;
    this.pint = pct;
    this.progress.setAttribute('aria-valuenow', String(pct));
    this.bar.setAttribute('width', pct + '%');
    // Announce a few steps only: a screen reader reading every percent is noise.
    var step = pct >= 75 && pct < 100 ? 3 : pct >= 50 && pct < 100 ? 2 : pct >= 25 && pct < 100 ? 1 : 0;
    if (step > this.milestone) {
      this.milestone = step;
      this.live.textContent = (this.state === 'waiting' ? this.t.waiting : this.t.verifying) + ' ' + percent(this.lang, step / 4);
    }
  };

  P.codeError = function (msg) {
    this.codeErr.textContent = msg;
    if (msg) this.code.setAttribute('aria-invalid', 'true');
    else this.code.removeAttribute('aria-invalid');
  };

  // answering marks the visual step busy while its answer is in flight: the field turns
  // read-only and the buttons aria-disabled, so focus stays where it is (a disabled control
  // would drop it).
  P.setAnswering = function (on) {
    this.answering = on;
    this.code.readOnly = on;
    [this.vbtn.verify, this.vbtn.audio, this.vbtn.reload, this.vbtn.wait].forEach(function (b) { b.setAttribute('aria-disabled', on ? 'true' : 'false'); });
  };

  P.start = function () {
    var me = this, ep = ++this.epoch;
    this.stopWork();
    this.clearToken();
    this.vis = null;
    this.setAnswering(false);
    this.set('solving');
    this.showProgress(0, true);
    var live = function () { return ep === me.epoch; };
    var qs = this.o.sitekey ? '?siteKey=' + encodeURIComponent(this.o.sitekey) : '';
    request(this.api, '/api/v1/challenge' + qs).then(function (ch) {
      if (!live()) return;
      if (!ch || ch.success === false || !(ch.parameters || ch.challenge)) return me.fail(ch && ch.error || 'bad-challenge', ch && ch.message);
      var bind = me.tele.bind(ch, me.api);
      me.work = solve(me.api, ch, function (x) { if (live() && me.state === 'solving') me.showProgress(x); });
      return me.work.promise.then(function (r) { return bind.ready().then(function (b) { return [r, b]; }); }).then(function (rb) {
        if (!live()) return;
        var r = rb[0], b = rb[1];
        var body = {
          payload: payloadFor(ch, r),
          telemetry: me.tele.build({ alg: algName(ch), ms: Math.round(r.time), workers: r.workers, n: r.n, wasm: false }, r.we, b),
          siteKey: me.o.sitekey || '',
          origin: me.o.origin || pageOrigin()
        };
        if (me.o.fields === true || me.o.fields === 'true') body.fields = me.fields();
        return request(me.api, '/api/v1/challenge', body).then(function (res) { if (live()) me.handle(res); });
      });
    }).catch(function (e) { if (live() && e && e.message !== 'aborted') me.fail('solve-failed', String(e && e.message || e)); });
  };

  P.fields = function () {
    var out = {};
    if (!this.form) return out;
    Array.prototype.forEach.call(this.form.querySelectorAll('input, textarea'), function (f) {
      var ty = (f.type || 'text').toLowerCase();
      if (!f.name || f.hasAttribute('data-no-spamfilter') || !/^(text|email|url|search|textarea|tel)$/.test(ty)) return;
      out[f.name] = String(f.value).slice(0, 2000);
    });
    return out;
  };

  P.handle = function (res) {
    if (res && res.success === true && res.token) return this.verified(res.token, res.expiresAt);
    if (res && res.step === 'visual' && res.visual) return this.showVisual(res.visual);
    this.fail(res && res.error || 'bad-response', res && res.message);
  };

  P.showVisual = function (v) {
    var me = this, ep = this.epoch, dark = this.theme === 'dark' ||
      (this.theme === 'auto' && W.matchMedia && W.matchMedia('(prefers-color-scheme: dark)').matches);
    this.vis = v;
    if (this.size === 'invisible' && !this.returnTo && D.activeElement !== D.body) this.returnTo = D.activeElement;
    this.audio.removeAttribute('src');
    this.audio.load();
    this.img.src = this.url(v.image) + (dark ? '?theme=dark' : ''); // single-use: set once per visual challenge
    this.code.value = '';
    if (v.length) this.code.setAttribute('maxlength', String(v.length));
    this.setAnswering(false);
    this.set('visual');
    this.code.focus();
    clearTimeout(this.visTimer);
    if (v.expiresAt) {
      this.visTimer = setTimeout(function () { if (ep === me.epoch && me.vis === v) me.start(); }, Math.max(1000, v.expiresAt * 1000 - Date.now()));
    }
  };

  P.submitCode = function () {
    var me = this, v = this.vis, ep = this.epoch, code = this.code.value.trim();
    if (this.answering) return;
    if (!v || !code) { this.code.focus(); return; }
    this.setAnswering(true);
    request(this.api, '/api/v1/challenge/visual', { id: v.id, code: code }).then(function (res) {
      if (ep !== me.epoch) return;
      me.setAnswering(false);
      me.visualResult(res);
    });
  };

  P.visualResult = function (res) {
    if (res && res.success === true && res.token) return this.verified(res.token, res.expiresAt);
    if (res && res.error === 'wrong-answer' && res.attemptsLeft > 0) {
      this.set('visual');
      this.code.value = '';
      this.codeError(this.t.wrong.replace('{n}', res.attemptsLeft));
      this.code.focus();
      return;
    }
    if (res && (res.error === 'expired' || res.error === 'wrong-answer' || res.error === 'no-attempts-left')) return this.start();
    this.fail(res && res.error || 'bad-response', res && res.message);
  };

  // waitInstead trades the code for a heavier proof of work; the code part of the step is
  // hidden meanwhile (it can no longer be answered from this widget).
  P.waitInstead = function () {
    var me = this, v = this.vis, ep = this.epoch;
    if (!v || !v.wait) return;
    this.set('waiting');
    this.showProgress(0, true);
    this.work = solve(this.api, v.wait, function (x) { if (ep === me.epoch && me.state === 'waiting') me.showProgress(x); });
    this.work.promise.then(function (r) {
      if (ep !== me.epoch) return;
      return request(me.api, '/api/v1/challenge/visual', { id: v.id, payload: payloadFor(v.wait, r) }).then(function (res) {
        if (ep === me.epoch) me.visualResult(res);
      });
    }).catch(function (e) { if (ep === me.epoch && e.message !== 'aborted') me.fail('solve-failed', e.message); });
  };

  P.fail = function (code, message, reasons) {
    this.stopWork();
    var t = this.t, text = code === 'network' ? t.network : code === 'denied' ? t.denied : t.error;
    if (SETUP_ERRORS[code] && message) text += ' ' + message;
    this.set('error', text);
    var err = { error: code, message: message || '', reasons: reasons || [] };
    emit(this.el, 'error', err);
    call(this.o['error-callback'], code);
    this.settle(null, err);
  };

  P.verified = function (token, expiresAt) {
    var me = this, ep = this.epoch;
    this.stopWork();
    this.vis = null;
    this.token = token;
    this.writeInputs(token);
    this.showProgress(1);
    this.set('verified');
    emit(this.el, 'verified', { token: token });
    call(this.o.callback, token);
    this.settle(token);
    if (this.pendingSubmit && this.form) {
      this.pendingSubmit = false;
      var s = this.submitter && this.submitter.form === this.form ? this.submitter : undefined;
      this.form.requestSubmit(s);
    }
    clearTimeout(this.expTimer);
    if (expiresAt) {
      this.expTimer = setTimeout(function () { if (ep === me.epoch) me.expire(); }, Math.max(1000, expiresAt * 1000 - Date.now() - 2000));
    }
  };

  P.expire = function () {
    this.clearToken();
    this.set('expired');
    emit(this.el, 'expired');
    call(this.o['expired-callback']);
    if (this.size !== 'invisible') this.start(); // refresh the token in place
  };

  P.writeInputs = function (v) {
    var host = this.form || this.el;
    var el = this.el;
    this.names.forEach(function (name) {
      var inp = host.querySelector('input[name="' + name.replace(/"/g, '') + '"]');
      if (!inp) { inp = h('input', { type: 'hidden', name: name }); el.appendChild(inp); }
      inp.value = v;
    });
  };

  P.clearToken = function () {
    clearTimeout(this.expTimer);
    if (this.token) { this.token = ''; this.writeInputs(''); }
  };

  P.stopWork = function () {
    clearTimeout(this.visTimer);
    if (this.work) { this.work.abort(); this.work = null; }
  };

  P.settle = function (token, err) {
    var ws = this.waiters;
    this.waiters = [];
    ws.forEach(function (w) { token ? w[0](token) : w[1](err); });
  };

  P.execute = function () {
    var me = this;
    if (this.token) return Promise.resolve(this.token);
    return new Promise(function (res, rej) {
      me.waiters.push([res, rej]);
      if (me.state !== 'solving' && me.state !== 'visual' && me.state !== 'waiting') me.start();
    });
  };

  P.reset = function () {
    this.epoch++;
    this.stopWork();
    this.clearToken();
    this.vis = null;
    this.setAnswering(false);
    this.set('idle');
  };

  P.remove = function () {
    this.reset();
    this.tele.destroy();
    if (this.onSubmit) this.form.removeEventListener('submit', this.onSubmit);
    if (this.onFocus) (this.form || this.el).removeEventListener('focusin', this.onFocus);
    this.root.remove();
    delete this.el.__astracaph;
    instances.splice(instances.indexOf(this), 1);
  };

  /* ---------- public API ---------- */
  function resolveEl(el) {
    if (typeof el === 'string') el = D.getElementById(el.replace(/^#/, '')) || D.querySelector(el);
    if (!el || el.nodeType !== 1) throw new Error('astracaph: render: container not found');
    return el;
  }
  function find(id) {
    if (id == null) return instances[0];
    if (typeof id === 'number') return instances.filter(function (i) { return i.n === id; })[0];
    if (id.nodeType === 1) return id.__astracaph;
    return instances.filter(function (i) { return i.id === id; })[0];
  }
  function render(el, opts) {
    el = resolveEl(el);
    if (el.__astracaph) return el.__astracaph.id;
    ensureCSS();
    var inst = new Instance(el, opts);
    el.__astracaph = inst;
    instances.push(inst);
    return inst.id;
  }
  var api = {
    version: '1',
    render: render,
    reset: function (id) { var i = find(id); if (i) i.reset(); },
    remove: function (id) { var i = find(id); if (i) i.remove(); },
    getResponse: function (id) { var i = find(id); return i ? i.token : ''; },
    isExpired: function (id) { var i = find(id); return !!i && i.state === 'expired'; },
    execute: function (id) {
      var i = find(id);
      return i ? i.execute() : Promise.reject(new Error('astracaph: execute: no widget'));
    },
    _find: find
  };
  W.astracaph = api;

  /* ---------- compatibility shims (docs/widget.md, "Compatibility shims") ---------- */
  var compatSel = '';
  function optsFrom(el, o, fields) {
    o = Object.assign({}, o || {});
    ['callback', 'expired-callback', 'error-callback', 'theme', 'size', 'sitekey'].forEach(function (k) {
      if (o[k] == null && el.getAttribute('data-' + k) !== null) o[k] = el.getAttribute('data-' + k);
    });
    if (o.language || o.hl) o.lang = o.language || o.hl;
    if (o.execution === 'execute' || o.size === 'invisible') o.size = 'invisible';
    o.names = fields;
    return o;
  }
  if (COMPAT === 'turnstile') {
    compatSel = '.cf-turnstile';
    W.turnstile = {
      render: function (el, o) {
        el = resolveEl(el);
        var name = (o && o['response-field-name']) || el.getAttribute('data-response-field-name') || 'cf-turnstile-response';
        var off = (o && o['response-field'] === false) || el.getAttribute('data-response-field') === 'false';
        return render(el, optsFrom(el, o, off ? [] : [name]));
      },
      reset: api.reset, remove: api.remove, getResponse: api.getResponse, isExpired: api.isExpired,
      execute: function (el, o) {
        var i = find(el) || (el && el.nodeType !== 1 ? null : find(W.turnstile.render(el, o)));
        return i ? i.execute() : undefined;
      },
      ready: function (f) { setTimeout(f); }
    };
  } else if (COMPAT === 'hcaptcha') {
    compatSel = '.h-captcha';
    W.hcaptcha = {
      render: function (el, o) { el = resolveEl(el); return render(el, optsFrom(el, o, ['h-captcha-response', 'g-recaptcha-response'])); },
      reset: api.reset, remove: api.remove, getResponse: api.getResponse,
      getRespKey: function (id) { var i = find(id); return i ? i.id : ''; },
      execute: function (id, o) {
        var i = find(id);
        if (!i) return o && o.async ? Promise.reject(new Error('challenge-error')) : undefined;
        var p = i.execute().then(function (t) { return { response: t, key: i.id }; });
        if (o && o.async) return p;
        p.catch(function () { /* reported through error-callback */ });
      }
    };
  } else if (COMPAT === 'recaptcha') {
    compatSel = '.g-recaptcha';
    var v3 = {};
    var g = W.grecaptcha = {
      render: function (el, o) { el = resolveEl(el); render(el, optsFrom(el, o, ['g-recaptcha-response'])); return el.__astracaph.n; },
      reset: api.reset, getResponse: api.getResponse,
      execute: function (id, o) {
        var i = find(id);
        if (!i && typeof id === 'string') { // v3: execute(siteKey, {action}) → fresh single-use token
          i = v3[id];
          if (!i) {
            var host = h('div', { class: 'astracaph-v3' });
            D.body.appendChild(host);
            render(host, { sitekey: id, size: 'invisible', names: [] });
            i = v3[id] = host.__astracaph;
          }
          i.reset();
        }
        void o;
        return i ? i.execute() : Promise.reject(new Error('astracaph: execute: no widget'));
      },
      ready: function (f) { setTimeout(f); }
    };
    g.enterprise = g;
  }

  function autoRender() {
    if (RENDER !== 'explicit') {
      var sel = '#astracaph-container, [data-astracaph]' + (compatSel ? ', ' + compatSel : '');
      Array.prototype.forEach.call(D.querySelectorAll(sel), function (el) {
        if (el.__astracaph) return;
        if (compatSel && el.matches(compatSel)) {
          var c = COMPAT === 'turnstile' ? W.turnstile : COMPAT === 'hcaptcha' ? W.hcaptcha : W.grecaptcha;
          c.render(el);
        } else render(el);
      });
    }
    if (ONLOAD) call(ONLOAD);
  }
  if (D.readyState === 'loading') D.addEventListener('DOMContentLoaded', autoRender);
  else setTimeout(autoRender);
})();
