// @ts-check
/** The public API, window.astracaph (docs/widget.md, "JavaScript API"). */
/**
 * @param {string | Element | null} el an element, or its id (with or without #) or a selector; null throws
 * @returns {Element}
 */
function resolveEl(el) {
  if (typeof el === 'string') el = D.getElementById(el.replace(/^#/, '')) || D.querySelector(el);
  if (!el || el.nodeType !== 1) throw new Error('astracaph: render: container not found');
  return el;
}
/**
 * find returns a widget by id string, render order (the reCAPTCHA shim's ids), container, or
 * the first one.
 * @param {string | number | Element} [id]
 * @returns {Instance | undefined}
 */
function find(id) {
  if (id == null) return instances[0];
  if (typeof id === 'number') return instances.filter(function (i) { return i.n === id; })[0];
  if (typeof id !== 'string' && id.nodeType === 1) return id.__astracaph;
  return instances.filter(function (i) { return i.id === id; })[0];
}
/**
 * mount returns the widget rendered into el, rendering it first if there is none.
 * @param {string | Element} el
 * @param {WidgetOptions} [opts]
 * @returns {Instance}
 */
function mount(el, opts) {
  el = resolveEl(el);
  if (el.__astracaph) return el.__astracaph;
  ensureCSS();
  var inst = new Instance(el, opts);
  el.__astracaph = inst;
  instances.push(inst);
  return inst;
}
/**
 * @param {string | Element} el
 * @param {WidgetOptions} [opts]
 */
function render(el, opts) { return mount(el, opts).id; }
var api = {
  version: '1',
  render: render,
  /** @param {string | number | Element} [id] */
  reset: function (id) { var i = find(id); if (i) i.reset(); },
  /** @param {string | number | Element} [id] */
  remove: function (id) { var i = find(id); if (i) i.remove(); },
  /** @param {string | number | Element} [id] */
  getResponse: function (id) { var i = find(id); return i ? i.token : ''; },
  /** @param {string | number | Element} [id] */
  isExpired: function (id) { var i = find(id); return !!i && i.state === 'expired'; },
  /**
   * @param {string | number | Element} [id]
   * @returns {Promise<string>}
   */
  execute: function (id) {
    var i = find(id);
    return i ? i.execute() : Promise.reject(new Error('astracaph: execute: no widget'));
  },
  _find: find
};
W.astracaph = api;
