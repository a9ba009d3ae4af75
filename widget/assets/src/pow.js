// @ts-check
/** Proof of work: solving in Workers or on the main thread, and an honest progress estimate. */

// workModel describes how much work a challenge implies, for an honest progress bar, in
// counters tried from where the search starts. AstraCaph signs its deterministic counter
// range into the data (counterMin, where solvers start, and counterMax); the counter is
// uniform in it. Probabilistic challenges (a short keyPrefix) expect 16^len attempts however
// many were tried; PoW v1 numbers are uniform in [0, maxnumber]. With counterMin alone the
// top is assumed at twice it (AstraCaph's default range) but never trusted near the end;
// a challenge that says nothing gets a guess from its algorithm and cost, treated as
// memoryless so the bar never claims to be nearly done.
/** @param {any} x @returns {number} a finite non-negative number, or NaN */
function num(x) { x = Number(x); return x >= 0 && isFinite(x) ? x : NaN; }
/**
 * @typedef {{w: number, soft?: boolean} | {mean: number}} WorkModel w: counters in a uniform
 * range (soft: only a guess at it); mean: expected attempts of a memoryless search (always > 0)
 */
/**
 * @param {Challenge} ch
 * @returns {WorkModel}
 */
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
/**
 * @param {WorkModel} m
 * @param {number} n
 */
function workDone(m, n) {
  var r = 'mean' in m ? m.mean : m.soft ? Math.max((m.w - n) / 2, m.w / 4) : Math.max(0, (m.w - n) / 2);
  return n + r > 0 ? n / (n + r) : 0;
}
/** @type {Promise<PowSolver> | null} */
var mainSolver = null;
/**
 * loadMainSolver loads worker.js with a script tag for its main-thread solver.
 * @param {string} api
 * @returns {Promise<PowSolver>}
 */
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
/**
 * @typedef {{counter: number, derivedKey: string, time: number, workers: number, n: number,
 *   we: PowEnv | null, t0?: number}} Solution
 */
/**
 * @param {string} api
 * @param {Challenge} ch
 * @param {(share: number) => void} onProgress
 * @returns {{promise: Promise<Solution>, abort: () => void}}
 */
function solve(api, ch, onProgress) {
  var aborted = false, stop = function () { aborted = true; };
  var t0 = now(), model = workModel(ch), tried = 0, firstAt = 0, lastAt = 0;
  /** @param {number} n */
  function progress(n) {
    var t = now();
    if (n > tried) { if (!firstAt) firstAt = t0; tried = n; lastAt = t; }
    onProgress(share(n));
  }
  // The work never says 100 %: only the token does (a counter found at the top of its
  // signed range would otherwise reach 1 before the server has answered).
  /** @param {number} n */
  function share(n) { return Math.min(0.99, workDone(model, n)); }
  var ticker = setInterval(function () {
    if (!tried || aborted) return;
    var t = now(), rate = tried / Math.max(1, lastAt - firstAt);
    // Extrapolate at most half a second past the last report: a stalled solver (hidden
    // tab, throttled CPU) must not run the bar ahead of the work.
    onProgress(share(tried + rate * Math.min(500, t - lastAt)));
  }, 100);
  /**
   * @param {{counter: number, derivedKey: string}} m
   * @param {number} workers
   * @param {number} n
   * @param {PowEnv | null} we
   * @returns {Solution}
   */
  function finish(m, workers, n, we) {
    return { counter: m.counter, derivedKey: m.derivedKey, time: round1(now() - t0), workers: workers, n: n, we: we };
  }
  /** @returns {Promise<Solution>} */
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
  /** @returns {Promise<Solution>} */
  function onWorkers() {
    /** @type {Worker[]} */
    var ws = [];
    /** @type {number[]} */
    var counts = [];
    /** @type {PowEnv | null} */
    var we = null;
    var N = workerCount(), failed = 0, started = false;
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
          /** @param {MessageEvent} ev a PowMessage */
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
/**
 * payloadFor is the solution as the server redeems it: base64 JSON, v2 or v1.
 * @param {Challenge} ch
 * @param {{counter: number, derivedKey: string, time: number}} r
 */
function payloadFor(ch, r) {
  if (ch.parameters) {
    return b64(JSON.stringify({
      challenge: { parameters: ch.parameters, signature: ch.signature },
      solution: { counter: r.counter, derivedKey: r.derivedKey, time: r.time }
    }));
  }
  return b64(JSON.stringify({ algorithm: ch.algorithm, challenge: ch.challenge, number: r.counter, salt: ch.salt, signature: ch.signature, took: Math.round(r.time) }));
}
/** @param {Challenge} ch */
function algName(ch) { return String((ch.parameters || ch).algorithm || '').toLowerCase().replace(/[^a-z0-9]/g, ''); }
