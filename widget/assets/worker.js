// @ts-check
/* AstraCaph proof-of-work solver; runs as a Web Worker or, loaded with <script>, on the
 * main thread (see __astracaphPow below). Worker protocol:
 *   in:  {type:'work', challenge, counterStart, counterStep} | {type:'abort'}
 *   out: {type:'env', ...} once at start (window/worker consistency check),
 *        {type:'progress', n} (n = counters tried so far by this worker),
 *        {type:'solution', counter, derivedKey, time} | {type:'error', message}
 * challenge is either a PoW v2 challenge ({parameters, signature}) or a legacy v1 one
 * ({algorithm, challenge, salt, signature, maxnumber}); for v1 `counter` is the number. */
'use strict';
(function () {
  var subtle = self.crypto && self.crypto.subtle;
  var job = 0; // bumped on every work/abort so stale async chains stop
  var DEPTH = 4; // operations in flight: hides the promise round trip for cheap KDFs

  /** @param {unknown} h */
  function hexToBytes(h) {
    if (typeof h !== 'string' || h.length % 2 || /[^0-9a-fA-F]/.test(h)) throw new Error('bad hex');
    var b = new Uint8Array(h.length / 2);
    for (var i = 0; i < b.length; i++) b[i] = parseInt(h.substr(i * 2, 2), 16);
    return b;
  }
  /** @type {string[]} */
  var HEX = [];
  for (var i = 0; i < 256; i++) HEX[i] = (i < 16 ? '0' : '') + i.toString(16);
  /** @param {Uint8Array} b */
  function bytesToHex(b) {
    var s = '';
    for (var i = 0; i < b.length; i++) s += HEX[b[i]];
    return s;
  }

  // matcher compiles a lower-case hex prefix (odd length allowed) into a byte test.
  /**
   * @param {any} prefix
   * @returns {(k: Uint8Array) => boolean}
   */
  function matcher(prefix) {
    prefix = String(prefix || '').toLowerCase();
    var full = hexToBytes(prefix.slice(0, prefix.length & ~1));
    var half = prefix.length & 1 ? parseInt(prefix[prefix.length - 1], 16) : -1;
    var n = full.length;
    return function (k) {
      if (k.length < n + (half >= 0 ? 1 : 0)) return false;
      for (var i = 0; i < n; i++) if (k[i] !== full[i]) return false;
      return half < 0 || k[n] >> 4 === half;
    };
  }

  /** @type {Object<string, number>} */
  var HASHES = { 'SHA-256': 1, 'SHA-384': 1, 'SHA-512': 1 };

  // kernel returns {derive(counter) → Promise<Uint8Array>, match(bytes) → bool}.
  /**
   * @typedef {{match: (k: Uint8Array) => boolean, derive: (c: number) => Promise<Uint8Array>, max?: number}} Kernel
   * max: v1's last counter; v2 has none (the whole 32-bit space)
   */
  /**
   * @param {Challenge} ch
   * @returns {Kernel}
   */
  function kernel(ch) {
    if (ch && typeof ch.challenge === 'string') return kernelV1(ch, ch.challenge);
    var p = ch && ch.parameters;
    if (!p) throw new Error('malformed challenge');
    var alg = String(p.algorithm);
    var cost = Math.max(1, Number(p.cost) | 0), kl = Number(p.keyLength);
    var keyLength = kl > 0 ? kl | 0 : 32;
    var nonce = hexToBytes(p.nonce);
    var salt = hexToBytes(p.salt);
    var match = matcher(p.keyPrefix);
    if (alg.indexOf('PBKDF2/') === 0 && HASHES[alg.slice(7)]) {
      var pw = new Uint8Array(nonce.length + 4);
      pw.set(nonce);
      var dv = new DataView(pw.buffer);
      var params = { name: 'PBKDF2', hash: alg.slice(7), salt: salt, iterations: cost };
      var bits = keyLength * 8;
      /** @type {KeyUsage[]} */
      var imp = ['deriveBits'];
      return {
        match: match,
        /** @param {number} c */
        derive: function (c) {
          dv.setUint32(nonce.length, c); // importKey copies the bytes synchronously
          return subtle.importKey('raw', pw, 'PBKDF2', false, imp).then(function (key) {
            return subtle.deriveBits(params, key, bits);
          }).then(function (buf) { return new Uint8Array(buf); });
        }
      };
    }
    if (HASHES[alg]) {
      var buf = new Uint8Array(salt.length + nonce.length + 4);
      buf.set(salt);
      buf.set(nonce, salt.length);
      var bdv = new DataView(buf.buffer);
      var off = salt.length + nonce.length;
      /**
       * @param {ArrayBuffer} d
       * @param {number} left
       * @returns {ArrayBuffer | Promise<ArrayBuffer>}
       */
      var round = function (d, left) {
        return left > 0 ? subtle.digest(alg, d).then(function (x) { return round(x, left - 1); }) : d;
      };
      return {
        match: match,
        /** @param {number} c */
        derive: function (c) {
          bdv.setUint32(off, c); // digest copies its input at call time
          return subtle.digest(alg, buf).then(function (d) {
            return cost > 1 ? round(d, cost - 1) : d;
          }).then(function (d) {
            // Truncate once, after the last round (widget ≤3.2.2 truncated every round).
            return new Uint8Array(d, 0, Math.min(keyLength, d.byteLength));
          });
        }
      };
    }
    throw new Error('unsupported algorithm ' + alg);
  }

  /**
   * @param {Challenge} ch
   * @param {string} challenge ch.challenge
   * @returns {Kernel}
   */
  function kernelV1(ch, challenge) {
    var alg = String(ch.algorithm || 'SHA-256').toUpperCase();
    if (!HASHES[alg]) throw new Error('unsupported algorithm ' + alg);
    var target = hexToBytes(challenge.toLowerCase());
    var enc = new TextEncoder();
    var salt = String(ch.salt);
    return {
      max: ch.maxnumber || ch.maxNumber || 1e7,
      /** @param {Uint8Array} k */
      match: function (k) {
        if (k.length !== target.length) return false;
        for (var i = 0; i < k.length; i++) if (k[i] !== target[i]) return false;
        return true;
      },
      /** @param {number} c */
      derive: function (c) {
        return subtle.digest(alg, enc.encode(salt + c)).then(function (d) { return new Uint8Array(d); });
      }
    };
  }

  // run searches counters start, start+step, … and reports through emit(msg); live() turns
  // false when the job was aborted or superseded.
  /**
   * @param {Challenge} ch
   * @param {number} start
   * @param {number} step
   * @param {number} depth operations in flight
   * @param {(m: PowMessage) => void} emit
   * @param {() => boolean} live
   */
  function run(ch, start, step, depth, emit, live) {
    var t0 = performance.now();
    var k = kernel(ch);
    var max = k.max === undefined ? 0xffffffff : k.max;
    var next = start, tried = 0, inflight = 0, done = false, lastReport = t0;
    /** @param {PowMessage} msg */
    function finish(msg) {
      if (done) return;
      done = true;
      if (live()) emit(msg);
    }
    function launch() {
      while (!done && inflight < depth && next <= max) {
        var c = next;
        next += step;
        inflight++;
        k.derive(c).then(onKey.bind(null, c), function (e) {
          finish({ type: 'error', message: String(e && e.message || e) });
        });
      }
      if (!done && inflight === 0 && next > max) finish({ type: 'error', message: 'counter space exhausted' });
    }
    /**
     * @param {number} c
     * @param {Uint8Array} key
     */
    function onKey(c, key) {
      inflight--;
      if (done) return;
      if (!live()) { done = true; return; }
      tried++;
      if (k.match(key)) {
        finish({ type: 'solution', counter: c, derivedKey: bytesToHex(key), time: Math.round((performance.now() - t0) * 10) / 10, n: tried });
        return;
      }
      // Report about ten times a second whatever the KDF's cost: a slow one (ARGON2ID, SCRYPT)
      // would otherwise leave the progress bar still for seconds.
      var now = performance.now();
      if (now - lastReport > 100) {
        lastReport = now;
        emit({ type: 'progress', n: tried });
      }
      launch();
    }
    launch();
  }

  // counterMin: AstraCaph signs the lower bound of a deterministic challenge's counter range
  // into its data; starting there saves work a bot would save anyway.
  /** @param {Challenge} ch */
  function counterMin(ch) {
    var d = ch && ch.parameters && ch.parameters.data, m = d && d.counterMin;
    return typeof m === 'number' && m >= 0 && m < 4294967296 ? Math.floor(m) : 0;
  }

  var inWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;
  if (!inWorker) {
    // Loaded with <script> by a cross-origin widget that may not start a Worker: expose
    // the same solver for main-thread use. WebCrypto resolves on tasks, so the page stays
    // responsive, and several operations in flight still use the browser's crypto threads.
    self.__astracaphPow = function (ch, depth, emit) {
      var live = true;
      if (!subtle) throw new Error('WebCrypto unavailable (insecure context?)');
      run(ch, counterMin(ch), 1, depth, emit, function () { return live; });
      return function abort() { live = false; };
    };
    return;
  }

  self.onmessage = function (e) {
    var m = e.data || {};
    var id = ++job;
    if (m.type !== 'work') return;
    try {
      if (!subtle) throw new Error('WebCrypto unavailable (insecure context?)');
      run(m.challenge, m.counterStart | 0, Math.max(1, m.counterStep | 0), DEPTH,
        /** @param {PowMessage} msg */
        function (msg) { self.postMessage(msg); }, function () { return id === job; });
    } catch (err) {
      self.postMessage({ type: 'error', message: String(err && err.message || err) });
    }
  };

  /** @type {Partial<WorkerNavigator>} */
  var nav = self.navigator || {};
  self.postMessage({
    type: 'env',
    ua: nav.userAgent || '',
    platform: nav.platform || '',
    hc: nav.hardwareConcurrency || 0,
    langs: (nav.languages || []).join(','),
    wd: nav.webdriver === true
  });
})();
