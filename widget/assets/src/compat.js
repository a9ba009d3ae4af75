// @ts-check
/** Compatibility shims for pages written for Turnstile, hCaptcha or reCAPTCHA
 * (docs/widget.md, "Compatibility shims"). */
var compatSel = '';
/** @type {Shim | null} the shim installed for COMPAT; it renders the elements compatSel matches */
var shim = null;
/**
 * optsFrom maps another CAPTCHA's options and data- attributes to AstraCaph's.
 * @param {Element} el
 * @param {Object<string, any> | undefined} o
 * @param {string[]} fields the hidden inputs the other CAPTCHA fills
 * @returns {WidgetOptions}
 */
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
  /** @type {Shim} */
  var ts = shim = W.turnstile = {
    render: function (el, o) {
      el = resolveEl(el);
      var name = (o && o['response-field-name']) || el.getAttribute('data-response-field-name') || 'cf-turnstile-response';
      var off = (o && o['response-field'] === false) || el.getAttribute('data-response-field') === 'false';
      return render(el, optsFrom(el, o, off ? [] : [name]));
    },
    reset: api.reset, remove: api.remove, getResponse: api.getResponse, isExpired: api.isExpired,
    /**
     * @param {any} el a widget's container or id (a container not rendered yet is rendered)
     * @param {Object<string, any>} [o]
     */
    execute: function (el, o) {
      var i = find(el) || (el && el.nodeType !== 1 ? null : find(ts.render(el, o)));
      return i ? i.execute() : undefined;
    },
    /** @param {() => void} f */
    ready: function (f) { setTimeout(f); }
  };
} else if (COMPAT === 'hcaptcha') {
  compatSel = '.h-captcha';
  shim = W.hcaptcha = {
    render: function (el, o) { el = resolveEl(el); return render(el, optsFrom(el, o, ['h-captcha-response', 'g-recaptcha-response'])); },
    reset: api.reset, remove: api.remove, getResponse: api.getResponse,
    /** @param {string | number | Element} [id] */
    getRespKey: function (id) { var i = find(id); return i ? i.id : ''; },
    /**
     * @param {string | number | Element} [id]
     * @param {{async?: boolean}} [o]
     */
    execute: function (id, o) {
      var i = find(id);
      if (!i) return o && o.async ? Promise.reject(new Error('challenge-error')) : undefined;
      var key = i.id, p = i.execute().then(function (t) { return { response: t, key: key }; });
      if (o && o.async) return p;
      p.catch(function () { /* reported through error-callback */ });
    }
  };
} else if (COMPAT === 'recaptcha') {
  compatSel = '.g-recaptcha';
  /** @type {Object<string, Instance>} an invisible widget per site key (v3) */
  var v3 = {};
  /** @type {Shim} */
  var g = shim = W.grecaptcha = {
    render: function (el, o) { el = resolveEl(el); return mount(el, optsFrom(el, o, ['g-recaptcha-response'])).n; },
    reset: api.reset, getResponse: api.getResponse,
    /**
     * @param {string | number | Element} [id] a widget, or v3's site key
     * @param {object} [o] v3's {action}, ignored
     */
    execute: function (id, o) {
      var i = find(id);
      if (!i && typeof id === 'string') { // v3: execute(siteKey, {action}) → fresh single-use token
        i = v3[id];
        if (!i) {
          var host = h('div', { class: 'astracaph-v3' });
          D.body.appendChild(host);
          i = v3[id] = mount(host, { sitekey: id, size: 'invisible', names: [] });
        }
        i.reset();
      }
      void o;
      return i ? i.execute() : Promise.reject(new Error('astracaph: execute: no widget'));
    },
    /** @param {() => void} f */
    ready: function (f) { setTimeout(f); }
  };
  g.enterprise = g;
}

