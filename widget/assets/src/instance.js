// @ts-check
/** One widget on the page: its elements, its state machine and its token (docs/widget.md,
 * "What the visitor sees"); the visual step's part is in visual.js. */
/** @type {Instance[]} in render order */
var instances = [];
var ATTRS = ['sitekey', 'theme', 'lang', 'language', 'auto', 'size', 'callback', 'expired-callback', 'error-callback',
  'api', 'name', 'fields', 'origin', 'privacy-url'];
var SIZES = /^(normal|compact|flexible|invisible)$/;
// Errors that describe the integration, not the visitor: the widget shows the server's
// message so that whoever set the page up sees what to fix. Risk decisions stay generic.
/** @type {Object<string, number>} */
var SETUP_ERRORS = {
  'origin-required': 1, 'origin-not-allowed': 1, 'site-not-found': 1, 'site-key-required': 1, 'site-mismatch': 1,
  'unknown-algorithm': 1, 'rate-limited': 1, 'solve-failed': 1, 'bad-challenge': 1
};
// mark is the AstraCaph logo: a four-pointed star in a ring, drawn with presentation
// attributes and classes only (no style attribute, so strict CSPs allow it).
function mark() {
  return svg('svg', { class: 'astracaph__mark', viewBox: '0 0 24 24', width: '20', height: '20', 'aria-hidden': 'true', focusable: 'false' }, [
    svg('circle', { class: 'astracaph__mark-ring', cx: '12', cy: '12', r: '10.5', fill: 'none', 'stroke-width': '1.5' }),
    svg('path', { class: 'astracaph__mark-star', d: 'M12 4.5l1.9 5.6 5.6 1.9-5.6 1.9-1.9 5.6-1.9-5.6-5.6-1.9 5.6-1.9z' })
  ]);
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
/** @param {Element | null} el */
function shown(el) { return !!el && !el.closest('[hidden]') && el.getClientRects().length > 0; }

class Instance {
  /**
   * The constructor builds the widget's elements itself, so that they exist, by construction,
   * for every method.
   * @param {Element} el the container
   * @param {WidgetOptions} [opts] render() options; they override the data- attributes
   */
  constructor(el, opts) {
    this.el = el;
    this.n = instances.length;
    this.id = 'astracaph-' + (++seq);
    /** @type {WidgetOptions} */
    var o = {};
    ATTRS.forEach(function (a) { var v = el.getAttribute('data-' + a); if (v !== null) o[a] = v; });
    Object.assign(o, opts);
    this.o = o;
    this.api = String(o.api || SRC.origin).replace(/\/+$/, '');
    this.lang = pickLang(o.lang || o.language);
    this.t = STR[this.lang];
    this.names = o.names || [o.name || 'astracaph-response'];
    this.token = '';
    this.epoch = 0;
    /** @type {Array<[(token: string) => void, (err: WidgetError) => void]>} */
    this.waiters = [];
    this.form = el.closest('form');
    /** @type {VisualChallenge | null} the visual challenge on show */
    this.vis = null;
    /** @type {{promise: Promise<Solution>, abort: () => void} | null} the proof of work under way */
    this.work = null;
    /** @type {{promise: Promise<PrivateToken | null>, abort: () => void} | null} the private token asked for */
    this.pat = null;
    this.answering = false; // see visualBusy
    this.visTimer = 0;
    this.pval = this.milestone = 0; // see showProgress
    this.pint = -1;
    this.pendingSubmit = false; // auto=onsubmit: submit the form once verified
    /** @type {(HTMLElement & {form?: HTMLFormElement | null}) | null} the control that submitted */
    this.submitter = null;
    /** @type {HTMLElement | null} where focus goes back when an invisible widget hides */
    this.returnTo = null;
    var t = this.t, id = this.id, theme = String(o.theme), size = String(o.size);
    theme = /^(light|dark)$/.test(theme) ? theme : 'auto';
    size = SIZES.test(size) ? size : 'normal';
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
    var vp = visualParts(id, t);
    this.img = vp.img;
    this.code = vp.code;
    this.codeErr = vp.codeErr;
    this.audio = vp.audio;
    this.audioHint = vp.audioHint;
    this.vbtn = vp.vbtn;
    this.visual = vp.group;
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
    this.tele = new Telemetry(this.root, D); // document-wide: a Tab into the form counts too
    this.wire();
    this.set('idle');
  }

  privacyURL() {
    var u = this.o['privacy-url'] || PRIVACY_URL || '/captcha/privacy', x;
    try { x = new URL(u, this.api + '/'); } catch (e) { return this.api + '/captcha/privacy'; }
    return /^https?:$/.test(x.protocol) ? x.href : this.api + '/captcha/privacy';
  }

  wire() {
    var me = this, o = this.o, form = this.form;
    this.check.addEventListener('click', function (ev) {
      me.tele.click(ev, me.check);
      if (me.state === 'idle' || me.state === 'error' || me.state === 'expired') me.start();
    });
    this.retry.addEventListener('click', function () { me.start(); });
    visualWire(this);
    if (form && o.auto === 'onsubmit') {
      /** @param {SubmitEvent} ev */
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
  }

  /** @param {string} u a URL the server sent, relative to the API */
  url(u) { return new URL(u, this.api + '/').href; }

  // set switches the visible state. When the control that had focus disappears with it (the
  // retry button, the visual step's buttons), focus moves to the checkbox, which describes the
  // new state, instead of falling back to the top of the page.
  /**
   * @param {string} state idle, solving, visual, waiting, verified, expired or error
   * @param {string} [msg] the status line instead of the state's own
   */
  set(state, msg) {
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
    if (state !== 'visual') visualError(this, '');
    this.root.classList.toggle('astracaph--show', this.size === 'invisible' && (state === 'visual' || state === 'waiting' || state === 'error'));
    this.status.textContent = msg || {
      solving: t.verifying, verified: t.verified, expired: t.expired, error: t.error, visual: t.visualTitle, waiting: t.waiting
    }[state] || '';
    // The visual step has its own visible heading: announce it, but do not show it twice.
    this.status.classList.toggle('astracaph__status--sr', state === 'visual' && !msg);
    if (hadFocus && !shown(a)) this.refocus();
  }

  // refocus puts focus on the widget's main control, or, in invisible mode (no checkbox),
  // back where it was before the widget showed itself.
  refocus() {
    if (shown(this.check)) return this.check.focus();
    var back = this.returnTo;
    this.returnTo = null;
    if (back && back.isConnected && shown(back)) back.focus();
    else if (this.form) {
      var f = /** @type {HTMLElement | null} */ (this.form.querySelector('button, input:not([type=hidden]), select, textarea, [tabindex]'));
      if (f) f.focus();
    }
  }

  // showProgress moves the bar to x (0–1). The value only ever grows: when the estimate does
  // not, the bar creeps a little closer to 99 %; 100 % is reserved for the token.
  /**
   * @param {number} x
   * @param {boolean} [reset] a new proof of work starts
   */
  showProgress(x, reset) {
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
  }

  start() {
    var me = this, ep = ++this.epoch;
    this.stopWork();
    this.clearToken();
    this.vis = null;
    visualBusy(this, false);
    this.set('solving');
    this.showProgress(0, true);
    var live = function () { return ep === me.epoch; };
    var qs = this.o.sitekey ? '?siteKey=' + encodeURIComponent(this.o.sitekey) : '';
    request(this.api, '/api/v1/challenge' + qs).then(function (ch) {
      if (!live()) return;
      if (!ch || ch.success === false || !(ch.parameters || ch.challenge)) return me.fail(ch && ch.error || 'bad-challenge', ch && ch.message);
      // A Private Access Token, when the browser has one, finishes before (or instead of) the work.
      var pat = me.pat = privateToken(me.api, ch, me.o.sitekey || '', me.o.origin || pageOrigin());
      pat.promise.then(function (r) {
        if (r && live() && me.state === 'solving') { me.epoch++; me.verified(r.token, r.expiresAt); }
      });
      var bind = me.tele.bind(ch, me.api);
      me.work = solve(me.api, ch, function (x) { if (live() && me.state === 'solving') me.showProgress(x); });
      return me.work.promise.then(function (r) {
        return bind.ready().then(
          /** @returns {[Solution, Binding]} */
          function (b) { return [r, b]; });
      }).then(function (rb) {
        if (!live()) return;
        var r = rb[0], b = rb[1];
        /** @type {{payload: string, telemetry: object, siteKey: string, origin: string, fields?: Object<string, string>}} */
        var body = {
          payload: payloadFor(ch, r),
          telemetry: me.tele.build({ alg: algName(ch), ms: Math.round(r.time), workers: r.workers, n: r.n, wasm: false }, r.we, b),
          siteKey: me.o.sitekey || '',
          origin: me.o.origin || pageOrigin()
        };
        if (me.o.fields === true || me.o.fields === 'true') body.fields = me.fields();
        return request(me.api, '/api/v1/challenge', body).then(function (res) {
          if (!live()) return;
          // A refused solution may have lost the race to a private token for the same
          // challenge ("already-used"): that answer comes first.
          if (res && res.success === false && !res.step) return pat.promise.then(function (r) { if (!r && live()) me.handle(res); });
          me.handle(res);
        });
      });
    }).catch(function (e) { if (live() && e && e.message !== 'aborted') me.fail('solve-failed', String(e && e.message || e)); });
  }

  /** @returns {Object<string, string>} */
  fields() {
    /** @type {Object<string, string>} */
    var out = {};
    if (!this.form) return out;
    Array.prototype.forEach.call(this.form.querySelectorAll('input, textarea'),
      /** @param {HTMLInputElement | HTMLTextAreaElement} f */
      function (f) {
      var ty = (f.type || 'text').toLowerCase();
      if (!f.name || f.hasAttribute('data-no-spamfilter') || !/^(text|email|url|search|textarea|tel)$/.test(ty)) return;
      out[f.name] = String(f.value).slice(0, 2000);
    });
    return out;
  }

  /** @param {any} res the server's answer to a solution */
  handle(res) {
    if (res && res.success === true && res.token) return this.verified(res.token, res.expiresAt);
    if (res && res.step === 'visual' && res.visual) return visualShow(this, res.visual);
    this.fail(res && res.error || 'bad-response', res && res.message);
  }

  /**
   * @param {string} code
   * @param {string} [message] the server's, shown only for SETUP_ERRORS
   * @param {string[]} [reasons]
   */
  fail(code, message, reasons) {
    this.stopWork();
    var t = this.t, text = code === 'network' ? t.network : code === 'denied' ? t.denied : t.error;
    if (SETUP_ERRORS[code] && message) text += ' ' + message;
    this.set('error', text);
    var err = { error: code, message: message || '', reasons: reasons || [] };
    emit(this.el, 'error', err);
    call(this.o['error-callback'], code);
    this.settle('', err);
  }

  /**
   * @param {string} token
   * @param {number} [expiresAt] Unix seconds
   */
  verified(token, expiresAt) {
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
  }

  expire() {
    this.clearToken();
    this.set('expired');
    emit(this.el, 'expired');
    call(this.o['expired-callback']);
    if (this.size !== 'invisible') this.start(); // refresh the token in place
  }

  /** @param {string} v */
  writeInputs(v) {
    var host = this.form || this.el;
    var el = this.el;
    this.names.forEach(function (name) {
      var inp = /** @type {HTMLInputElement | null} */ (host.querySelector('input[name="' + name.replace(/"/g, '') + '"]'));
      if (!inp) { inp = h('input', { type: 'hidden', name: name }); el.appendChild(inp); }
      inp.value = v;
    });
  }

  clearToken() {
    clearTimeout(this.expTimer);
    if (this.token) { this.token = ''; this.writeInputs(''); }
  }

  stopWork() {
    clearTimeout(this.visTimer);
    if (this.work) { this.work.abort(); this.work = null; }
    if (this.pat) { this.pat.abort(); this.pat = null; }
  }

  /**
   * settle resolves the promises execute() returned, or rejects them with err.
   * @param {string} token
   * @param {WidgetError} [err]
   */
  settle(token, err) {
    var ws = this.waiters;
    this.waiters = [];
    ws.forEach(function (w) { err ? w[1](err) : w[0](token); });
  }

  /** @returns {Promise<string>} */
  execute() {
    var me = this;
    if (this.token) return Promise.resolve(this.token);
    return new Promise(function (res, rej) {
      me.waiters.push([res, rej]);
      if (me.state !== 'solving' && me.state !== 'visual' && me.state !== 'waiting') me.start();
    });
  }

  reset() {
    this.epoch++;
    this.stopWork();
    this.clearToken();
    this.vis = null;
    visualBusy(this, false);
    this.set('idle');
  }

  remove() {
    this.reset();
    this.tele.destroy();
    if (this.onSubmit && this.form) this.form.removeEventListener('submit', this.onSubmit);
    if (this.onFocus) (this.form || this.el).removeEventListener('focusin', this.onFocus);
    this.root.remove();
    delete this.el.__astracaph;
    instances.splice(instances.indexOf(this), 1);
  }
}
