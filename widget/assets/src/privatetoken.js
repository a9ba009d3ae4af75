// @ts-check
/** Private Access Tokens (docs/privacypass.md): when a challenge offers privateToken, the widget
 * asks the server for a site token against one while the proof of work runs. A browser that can
 * (Safari on Apple devices, or a Privacy Pass extension) answers the server's 401 PrivateToken
 * challenge by itself and retries the request with its token; anything else — a 401 nobody
 * answered, a 404, an error, the timeout — is ignored, and the proof of work decides. */

// How long a token may take (the attester checks the device, the issuer signs) before only the
// proof of work counts.
var PAT_TIMEOUT = 10000;

/**
 * @typedef {{token: string, expiresAt?: number}} PrivateToken
 */
/**
 * privateToken asks for a site token against a Private Access Token for challenge ch. The
 * request carries credentials: to Fetch, a browser's answer to an HTTP authentication
 * challenge is one (the server's CORS allows it on this route only).
 * @param {string} api the captcha server's origin
 * @param {Challenge} ch
 * @param {string} siteKey
 * @param {string} origin the page origin the token is bound to
 * @returns {{promise: Promise<PrivateToken | null>, abort: () => void}} the promise never rejects
 */
function privateToken(api, ch, siteKey, origin) {
  var offer = ch.privateToken, none = { promise: Promise.resolve(null), abort: function () {} };
  if (!offer || typeof offer.url !== 'string' || !ch.parameters || typeof AbortController !== 'function') return none;
  var u;
  try { u = new URL(offer.url, api + '/'); } catch (e) { return none; }
  if (u.origin !== new URL(api).origin) return none; // only ever this captcha server
  u.searchParams.set('challenge', b64url(JSON.stringify({ parameters: ch.parameters, signature: ch.signature })));
  if (siteKey) u.searchParams.set('siteKey', siteKey);
  u.searchParams.set('origin', origin);
  var ac = new AbortController(), timer = setTimeout(function () { ac.abort(); }, PAT_TIMEOUT);
  /** @param {PrivateToken | null} r */
  function done(r) { clearTimeout(timer); return r; }
  var promise = fetch(u.href, { credentials: 'include', cache: 'no-store', mode: 'cors', signal: ac.signal })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (j) {
      if (!j || j.success !== true || typeof j.token !== 'string' || !j.token) return done(null);
      return done({ token: j.token, expiresAt: typeof j.expiresAt === 'number' ? j.expiresAt : undefined });
    }, function () { return done(null); });
  return { promise: promise, abort: function () { clearTimeout(timer); ac.abort(); } };
}
/** @param {string} s */
function b64url(s) { return b64(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''); }
