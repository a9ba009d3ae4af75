// @ts-check
/** Behaviour telemetry (docs/risk.md, "Telemetry (version 1)"; docs/risk-notes.md,
 * "Accessibility and privacy rules"): no key characters, no field contents. */
var SPECIAL = [/^Tab$/, /^Backspace$/, /^Delete$/, /^Enter$/, /^Shift$/, /^Arrow/, /^(Control|Alt|Meta)$/, /^Escape$/];
/**
 * Telemetry records how the visitor reaches and activates the widget, from the first event
 * to the redemption.
 * @constructor
 * @param {Element} root the widget, origin of the pointer coordinates
 * @param {Document | Element} scope where events are listened to (capture, passive)
 */
function Telemetry(root, scope) {
  var t0 = now();
  /** @type {{down?: number, up?: number, type?: string, ptr?: number, tab?: number}} the latest of each */
  var last = {};
  /** @type {number[][]} x, y, ms */
  var ptr = [];
  /** @type {object[]} */
  var clicks = [];
  var keys = { n: 0, iki: [0, 0, 0, 0, 0], paste: 0, special: [0, 0, 0, 0, 0, 0, 0, 0] };
  var focus = { n: 0, viaKey: 0, viaPtr: 0 }, vis = { hidden: 0, blur: 0 };
  /** @type {{n: number, radii: Object<number, number>}} */
  var touch = { n: 0, radii: {} };
  /** @type {{ready: number, first: number | null, submit: number | null}} */
  var t = { ready: 0, first: null, submit: null };
  /** @type {string[]} */
  var marks = [];
  var untrusted = 0, lastKey = 0, lastMove = 0;
  /** @type {Array<(v?: unknown) => void>} redemptions waiting for an activation */
  var gate = [];
  /** @type {{n: number, t: number | null}} */
  var act = { n: 0, t: null };
  var builtN = 0;
  function ms() { return Math.round(now() - t0); }
  /** @param {Event} ev */
  function seen(ev) {
    if (!ev.isTrusted) untrusted++;
    if (t.first === null) t.first = ms();
  }
  // activate counts a trusted activation (press, key, touch) and releases a waiting redemption.
  /** @param {Event} ev */
  function activate(ev) {
    if (!ev.isTrusted) return;
    act.n++;
    act.t = ms();
    var g = gate;
    gate = [];
    g.forEach(function (f) { f(); });
  }
  /** @type {Object<string, (ev: any) => void>} */
  var on = {
    /** @param {PointerEvent} ev */
    pointermove: function (ev) {
      if (!ev.isTrusted) untrusted++;
      var tt = now();
      if (tt - lastMove < 20) return;
      lastMove = tt;
      var r = root.getBoundingClientRect();
      ptr.push([Math.round(ev.clientX - r.left), Math.round(ev.clientY - r.top), Math.round(tt - t0)]);
      if (ptr.length > 60) ptr.shift();
    },
    /** @param {PointerEvent} ev */
    pointerdown: function (ev) { seen(ev); activate(ev); last.down = evTime(ev); last.type = ev.pointerType; last.ptr = now(); },
    /** @param {PointerEvent} ev */
    pointerup: function (ev) { last.up = evTime(ev); },
    /** @param {KeyboardEvent} ev */
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
    /** @param {FocusEvent} ev */
    focusin: function (ev) {
      seen(ev);
      focus.n++;
      var tt = now();
      if (last.tab && tt - last.tab < 500) focus.viaKey++;
      else if (last.ptr && tt - last.ptr < 500) focus.viaPtr++;
    },
    /** @param {TouchEvent} ev */
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
  /**
   * @param {PointerEvent} ev the click (a MouseEvent without pointerType in some browsers)
   * @param {Element} target
   */
  this.click = function (ev, target) {
    seen(ev);
    marks = marks.concat(stackMarks());
    if (clicks.length >= 5) clicks.shift();
    /** @type {{[k: string]: unknown, detail: number}} */
    var c = { detail: ev.detail, trusted: ev.isTrusted, type: ev.pointerType || (ev.detail ? last.type || 'mouse' : '') };
    if (ev.detail > 0) {
      var r = target.getBoundingClientRect();
      c.dx = round1(ev.clientX - (r.left + r.width / 2));
      c.dy = round1(ev.clientY - (r.top + r.height / 2));
      if (last.down) c.mdu = Math.round((last.up || now()) - last.down);
      c.dwell = ptr.length && last.down ? Math.max(0, Math.round(last.down - t0 - ptr[ptr.length - 1][2])) : null;
    }
    clicks.push(c);
  };
  // bind ties the next redemption to challenge ch: it notes when ch arrived, starts its
  // environment check, and ready() resolves once the check answered and, when the server
  // requires it (ch.interaction), a trusted activation newer than the last redemption exists.
  /**
   * @param {Challenge} ch
   * @param {string} api
   * @returns {{ready: () => Promise<Binding>}}
   */
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
  /**
   * build returns the telemetry document sent with the solution (under 4 KB as JSON).
   * @param {object} pow the solve's figures
   * @param {PowEnv | null} we what the worker saw
   * @param {Binding} [b]
   */
  this.build = function (pow, we, b) {
    var e = env();
    workerEnv(e, we);
    e = Object.assign({}, e, { stackMarks: e.stackMarks.concat(marks).filter(function (v, i, a) { return a.indexOf(v) === i; }), focused: D.hasFocus() });
    t.submit = ms();
    var iki = keys.iki.map(round1);
    /** @type {{v: number, env: Env, beh: {ptr: number[][], [k: string]: unknown}, pow: object, ch?: object, proof?: string}} */
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

/**
 * evTime is when the browser created ev (its input pipeline's clock, the same origin as
 * performance.now()), so press durations do not depend on how busy the main thread was
 * when the handler ran. Browsers that give no usable timeStamp fall back to now().
 * @param {Event} ev
 * @returns {number}
 */
function evTime(ev) {
  var t = ev.timeStamp, n = now();
  return typeof t === 'number' && t > 0 && t <= n + 1 ? t : n;
}
