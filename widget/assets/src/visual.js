// @ts-check
/** The visual step (docs/widget.md, "What the visitor sees"): an image code with an audio
 * version, a new challenge, or a heavier proof of work instead. Its state lives on the
 * Instance; these functions are its part of the state machine. */

/**
 * visualParts builds the step's elements, hidden until the server asks for the step.
 * @param {string} id the widget's id, prefix of the elements' ids
 * @param {Strings} t
 */
function visualParts(id, t) {
  var img = h('img', { class: 'astracaph__img', alt: t.imageAlt, width: '240', height: '80' });
  var code = h('input', {
    type: 'text', class: 'astracaph__code', id: id + '-code', autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', 'aria-describedby': id + '-ce'
  });
  var codeErr = h('p', { class: 'astracaph__cerr', id: id + '-ce' });
  // Shown once the audio plays: the clip mixes the code with a reversed second voice.
  var audioHint = h('p', { class: 'astracaph__ahint', id: id + '-ah', hidden: true }, [t.audioHint]);
  var audio = h('audio', { class: 'astracaph__audio', preload: 'none' });
  var vbtn = {
    verify: h('button', { type: 'button', class: 'astracaph__btn astracaph__btn--primary' }, [t.verify]),
    audio: h('button', { type: 'button', class: 'astracaph__btn' }, [t.audio]),
    reload: h('button', { type: 'button', class: 'astracaph__btn' }, [t.reload]),
    wait: h('button', { type: 'button', class: 'astracaph__btn astracaph__btn--link astracaph__wait' }, [t.wait])
  };
  var group = h('div', { class: 'astracaph__visual', role: 'group', 'aria-labelledby': id + '-vt', hidden: true }, [
    h('p', { class: 'astracaph__vtitle', id: id + '-vt' }, [t.visualTitle]),
    img,
    h('label', { class: 'astracaph__clabel', for: id + '-code' }, [t.code]),
    code,
    codeErr,
    audioHint,
    h('div', { class: 'astracaph__actions' }, [vbtn.verify, vbtn.audio, vbtn.reload]),
    vbtn.wait,
    audio
  ]);
  return { group: group, img: img, code: code, codeErr: codeErr, audio: audio, audioHint: audioHint, vbtn: vbtn };
}

/** @param {Instance} me */
function visualWire(me) {
  me.vbtn.verify.addEventListener('click', function () { visualSubmit(me); });
  me.code.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') { ev.preventDefault(); visualSubmit(me); } // never submit the host form
  });
  // Implicit form submission runs on the Enter keypress; when keydown's preventDefault
  // does not suppress it (synthetic key events, some IMEs), stop it here too.
  me.code.addEventListener('keypress', function (ev) { if (ev.key === 'Enter') ev.preventDefault(); });
  me.code.addEventListener('input', function () { visualError(me, ''); });
  me.vbtn.audio.addEventListener('click', function () {
    if (me.answering) return;
    if (!me.audio.getAttribute('src') && me.vis) me.audio.src = me.url(me.vis.audio); // single-use URL: fetched once
    var p = me.audio.play();
    if (p && p.catch) p.catch(function () { /* autoplay policy or used URL; the button stays usable */ });
    me.audioHint.hidden = false;
    me.code.setAttribute('aria-describedby', me.id + '-ce ' + me.id + '-ah');
    me.code.focus();
  });
  me.vbtn.reload.addEventListener('click', function () { if (!me.answering) me.start(); });
  me.vbtn.wait.addEventListener('click', function () { if (!me.answering) visualWait(me); });
}

/**
 * @param {Instance} me
 * @param {string} msg
 */
function visualError(me, msg) {
  me.codeErr.textContent = msg;
  if (msg) me.code.setAttribute('aria-invalid', 'true');
  else me.code.removeAttribute('aria-invalid');
}

// visualBusy marks the step busy while its answer is in flight: the field turns read-only
// and the buttons aria-disabled, so focus stays where it is (a disabled control would drop it).
/**
 * @param {Instance} me
 * @param {boolean} on
 */
function visualBusy(me, on) {
  me.answering = on;
  me.code.readOnly = on;
  [me.vbtn.verify, me.vbtn.audio, me.vbtn.reload, me.vbtn.wait].forEach(function (b) { b.setAttribute('aria-disabled', on ? 'true' : 'false'); });
}

/**
 * @param {Instance} me
 * @param {VisualChallenge} v
 */
function visualShow(me, v) {
  var ep = me.epoch, dark = me.theme === 'dark' ||
    (me.theme === 'auto' && W.matchMedia && W.matchMedia('(prefers-color-scheme: dark)').matches);
  me.vis = v;
  if (me.size === 'invisible' && !me.returnTo && D.activeElement !== D.body) me.returnTo = /** @type {HTMLElement} */ (D.activeElement);
  me.audio.removeAttribute('src');
  me.audio.load();
  me.audioHint.hidden = true;
  me.code.setAttribute('aria-describedby', me.id + '-ce');
  me.img.src = me.url(v.image) + (dark ? '?theme=dark' : ''); // single-use: set once per visual challenge
  me.code.value = '';
  if (v.length) me.code.setAttribute('maxlength', String(v.length));
  visualBusy(me, false);
  me.set('visual');
  me.code.focus();
  clearTimeout(me.visTimer);
  if (v.expiresAt) {
    me.visTimer = setTimeout(function () { if (ep === me.epoch && me.vis === v) me.start(); }, Math.max(1000, v.expiresAt * 1000 - Date.now()));
  }
}

/** @param {Instance} me */
function visualSubmit(me) {
  var v = me.vis, ep = me.epoch, code = me.code.value.trim();
  if (me.answering) return;
  if (!v || !code) { me.code.focus(); return; }
  visualBusy(me, true);
  request(me.api, '/api/v1/challenge/visual', { id: v.id, code: code }).then(function (res) {
    if (ep !== me.epoch) return;
    visualBusy(me, false);
    visualResult(me, res);
  });
}

/**
 * @param {Instance} me
 * @param {any} res the server's answer to a code or a wait proof
 */
function visualResult(me, res) {
  if (res && res.success === true && res.token) return me.verified(res.token, res.expiresAt);
  if (res && res.error === 'wrong-answer' && res.attemptsLeft > 0) {
    me.set('visual');
    me.code.value = '';
    visualError(me, me.t.wrong.replace('{n}', res.attemptsLeft));
    me.code.focus();
    return;
  }
  if (res && (res.error === 'expired' || res.error === 'wrong-answer' || res.error === 'no-attempts-left')) return me.start();
  me.fail(res && res.error || 'bad-response', res && res.message);
}

// visualWait trades the code for a heavier proof of work; the code part of the step is
// hidden meanwhile (it can no longer be answered from this widget).
/**
 * The callbacks keep the checked id and challenge: a var's check does not reach into them.
 * @param {Instance} me
 */
function visualWait(me) {
  var v = me.vis, ep = me.epoch;
  if (!v || !v.wait) return;
  var id = v.id, ch = v.wait;
  me.set('waiting');
  me.showProgress(0, true);
  me.work = solve(me.api, ch, function (x) { if (ep === me.epoch && me.state === 'waiting') me.showProgress(x); });
  me.work.promise.then(function (r) {
    if (ep !== me.epoch) return;
    return request(me.api, '/api/v1/challenge/visual', { id: id, payload: payloadFor(ch, r) }).then(function (res) {
      if (ep === me.epoch) visualResult(me, res);
    });
  }).catch(function (e) { if (ep === me.epoch && e.message !== 'aborted') me.fail('solve-failed', e.message); });
}
