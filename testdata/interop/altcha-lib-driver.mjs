// AstraCaph interop driver: reads {"requests":[…]} on stdin, runs each against
// altcha-lib, prints a JSON array of results (one per request) on stdout; a request that
// throws yields {"error": stack}.
//
// interop_test.go copies this file into the altcha-lib install directory before running it
// (testenv.NodeScript), so the bare and ./node_modules/ imports below resolve there.
import crypto from 'node:crypto';
import * as v2 from 'altcha-lib';
import * as v1 from 'altcha-lib/v1';
import { deriveKey as shaKey } from 'altcha-lib/algorithms/sha';
import { deriveKey as pbkdf2Key } from 'altcha-lib/algorithms/pbkdf2';
import { deriveKey as scryptKey } from 'altcha-lib/algorithms/scrypt';
import { deriveKey as argon2Key } from 'altcha-lib/algorithms/argon2id';
// Not exported by the package entry point; pinned version, so the path is stable.
import { canonicalJSON } from './node_modules/altcha-lib/dist/esm/v2/helpers.js';
import { PasswordBuffer } from './node_modules/altcha-lib/dist/esm/v2/pow.js';

const hasArgon2 = 'argon2' in crypto;

// altcha-lib's verifySolution takes the caller's deriveKey; for a name none of its KDFs
// knows, this one throws, which fails only the re-derive path (as it would in an app).
function kdfOrThrow(alg) {
  try { return kdf(alg); } catch { return async () => { throw new Error('unknown algorithm ' + alg); }; }
}

function kdf(alg) {
  if (alg.startsWith('PBKDF2/')) return pbkdf2Key;
  if (alg.startsWith('SHA-')) return shaKey;
  if (alg === 'SCRYPT') return scryptKey;
  if (alg === 'ARGON2ID') return argon2Key;
  throw new Error('unknown algorithm ' + alg);
}

// The widget submits btoa(JSON.stringify(payload)); btoa throws on characters above
// U+00FF, so those (and only when needed) are written as JSON \u escapes first.
function b64(obj) {
  const s = JSON.stringify(obj);
  try {
    return btoa(s);
  } catch {
    return btoa(s.replace(/[\u0100-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')));
  }
}
const unb64 = (p) => JSON.parse(atob(p));
const hex = (b) => Buffer.from(b).toString('hex');
const nodeAlg = (a) => a.replace('-', '').toLowerCase();

function brief(r) {
  return { verified: r.verified, expired: r.expired, invalidSignature: r.invalidSignature, invalidSolution: r.invalidSolution };
}

async function verify2(challenge, solution, q, withKeySig) {
  const r = await v2.verifySolution({
    challenge, solution,
    deriveKey: kdf(challenge.parameters.algorithm),
    hmacSignatureSecret: q.hmacKey,
    hmacKeySignatureSecret: withKeySig ? q.keySigKey : undefined,
    hmacAlgorithm: q.hmacAlgorithm || undefined,
  });
  return brief(r);
}

async function solve2(challenge) {
  const sol = await v2.solveChallenge({ challenge, deriveKey: kdf(challenge.parameters.algorithm), timeout: 30000 });
  if (!sol) throw new Error('altcha-lib solveChallenge found no solution');
  return sol;
}

const ops = {
  caps: async () => ({ node: process.version, argon2: hasArgon2 }),

  // Go challenge -> altcha-lib solves and verifies; also verifies Go's own payload.
  'v2.solve': async (q) => {
    const ch = q.challenge;
    if (ch.parameters.algorithm === 'ARGON2ID' && !hasArgon2) return { skipped: 'node ' + process.version + ' has no crypto.argon2' };
    const solution = await solve2(ch);
    const go = unb64(q.goPayload);
    return {
      solution,
      canonical: canonicalJSON(ch.parameters),
      fast: await verify2(ch, solution, q, true),
      slow: await verify2(ch, solution, q, false),
      payload: b64({ challenge: { parameters: ch.parameters, signature: ch.signature }, solution }),
      goFast: await verify2(go.challenge, go.solution, q, true),
      goSlow: await verify2(go.challenge, go.solution, q, false),
    };
  },

  // altcha-lib creates and solves; Go verifies the payloads.
  'v2.create': async (q) => {
    if (q.options.algorithm === 'ARGON2ID' && !hasArgon2) return { skipped: 'node ' + process.version + ' has no crypto.argon2' };
    const opts = { ...q.options, deriveKey: kdf(q.options.algorithm), hmacSignatureSecret: q.hmacKey };
    if (q.keySigKey) opts.hmacKeySignatureSecret = q.keySigKey;
    if (q.hmacAlgorithm) opts.hmacAlgorithm = q.hmacAlgorithm;
    if (q.expiresIn) opts.expiresAt = Math.floor(Date.now() / 1000) + q.expiresIn;
    if (q.counterRange) opts.counter = v2.randomInt(q.counterRange[1], q.counterRange[0]);
    const ch = await v2.createChallenge(opts);
    const solution = await solve2(ch);
    const badCounter = { ...solution, counter: solution.counter + 1 };
    const last = solution.derivedKey.slice(-1);
    const badKey = { ...solution, derivedKey: solution.derivedKey.slice(0, -1) + (last === '0' ? '1' : '0') };
    return {
      challenge: ch,
      canonical: canonicalJSON(ch.parameters),
      solution,
      payload: b64({ challenge: ch, solution }),
      payloadBadCounter: b64({ challenge: ch, solution: badCounter }),
      payloadBadKey: b64({ challenge: ch, solution: badKey }),
      fast: await verify2(ch, solution, q, true),
      slow: await verify2(ch, solution, q, false),
      badCounterFast: await verify2(ch, badCounter, q, true),
      badCounterSlow: await verify2(ch, badCounter, q, false),
      badKeyFast: await verify2(ch, badKey, q, true),
      badKeySlow: await verify2(ch, badKey, q, false),
    };
  },

  // Signature check only: JS canonical JSON and verdict for a Go challenge and solution.
  'v2.verify': async (q) => {
    const p = unb64(q.payload);
    return { canonical: canonicalJSON(p.challenge.parameters), result: await verify2(p.challenge, p.solution, q, false) };
  },

  'v1.solve': async (q) => {
    const ch = q.challenge;
    const sol = await v1.solveChallenge(ch.challenge, ch.salt, ch.algorithm, ch.maxnumber).promise;
    if (!sol) throw new Error('altcha-lib/v1 solveChallenge found no solution');
    const payload = b64({ algorithm: ch.algorithm, challenge: ch.challenge, number: sol.number, salt: ch.salt, signature: ch.signature, took: sol.took });
    return {
      number: sol.number,
      payload,
      params: v1.extractParams(payload),
      verified: await v1.verifySolution(payload, q.hmacKey, true),
      goVerified: await v1.verifySolution(q.goPayload, q.hmacKey, true),
      goVerifiedNoExpiry: await v1.verifySolution(q.goPayload, q.hmacKey, false),
    };
  },

  'v1.create': async (q) => {
    const opts = { algorithm: q.algorithm, hmacKey: q.hmacKey, maxnumber: q.maxnumber, params: q.params };
    if (q.expiresIn) opts.expires = new Date(Date.now() + q.expiresIn * 1000);
    const ch = await v1.createChallenge(opts);
    const sol = await v1.solveChallenge(ch.challenge, ch.salt, ch.algorithm, ch.maxnumber).promise;
    if (!sol) throw new Error('altcha-lib/v1 solveChallenge found no solution');
    const p = { algorithm: ch.algorithm, challenge: ch.challenge, number: sol.number, salt: ch.salt, signature: ch.signature, took: sol.took };
    const payload = b64(p);
    const bad = b64({ ...p, number: p.number + 1 });
    return {
      challenge: ch,
      payload,
      payloadBadNumber: bad,
      verified: await v1.verifySolution(payload, q.hmacKey, true),
      verifiedNoExpiry: await v1.verifySolution(payload, q.hmacKey, false),
      badVerified: await v1.verifySolution(bad, q.hmacKey, false),
    };
  },

  'server.verify': async (q) => {
    const r = await v2.verifyServerSignature({ payload: unb64(q.payload), hmacSecret: q.hmacKey });
    const out = { ...brief(r), verificationData: r.verificationData };
    if (q.fields) {
      out.fieldsOK = await v2.verifyFieldsHash({ formData: q.form, fields: q.fields, fieldsHash: q.fieldsHash, algorithm: q.fieldsAlgorithm || undefined });
    }
    out.v1 = await v1.verifyServerSignature(q.payload, q.hmacKey);
    return out;
  },

  // docs/protocol-notes.md, "Server-signature payloads": signature = hex(HMAC_alg(secret, H_alg(verificationData))); altcha-lib
  // has no signer, so the payload is built here with node:crypto.
  'server.sign': async (q) => {
    const form = q.form || {};
    const pairs = q.pairs.slice();
    if (q.fields) {
      const text = q.fields.map((f) => String(form[f] || '')).join('\n');
      pairs.push(['fields', q.fields.join(',')]);
      pairs.push(['fieldsHash', crypto.createHash(nodeAlg(q.algorithm)).update(text).digest('hex')]);
    }
    const vd = new URLSearchParams(pairs).toString();
    const digest = crypto.createHash(nodeAlg(q.algorithm)).update(vd).digest();
    const signature = crypto.createHmac(nodeAlg(q.algorithm), q.hmacKey).update(digest).digest('hex');
    const payload = b64({ algorithm: q.algorithm, apiKey: 'key_test', id: 'unsigned-top-level-id', signature, verificationData: vd, verified: q.verified });
    const lib = await v2.verifyServerSignature({ payload: unb64(payload), hmacSecret: q.hmacKey });
    return { payload, verificationData: vd, fieldsHash: pairs.find((p) => p[0] === 'fieldsHash')?.[1], lib: brief(lib) };
  },

  // The Node verdict on a payload whatever its producer: read with atob (the widget's
  // Latin-1) and as UTF-8 (a server-side encoder), accepted if either reading verifies.
  'verify.any': async (q) => {
    const objs = [];
    for (const dec of [(x) => atob(x), (x) => Buffer.from(x, 'base64').toString('utf8')]) {
      try { objs.push(JSON.parse(dec(q.payload))); } catch {}
    }
    const anyOf = async (f) => {
      for (const o of objs) { try { if (await f(o)) return true; } catch {} }
      return false;
    };
    if (q.kind === 'v1') return { verified: await anyOf((o) => v1.verifySolution(o, q.hmacKey, true)) };
    if (q.kind === 'server') return {
      verified: await anyOf(async (o) => (await v2.verifyServerSignature({ payload: o, hmacSecret: q.hmacKey })).verified),
      v1Verified: await anyOf(async (o) => (await v1.verifyServerSignature(o, q.hmacKey)).verified),
    };
    const v = (ks) => anyOf(async (o) => (await v2.verifySolution({ challenge: o.challenge, solution: o.solution,
      deriveKey: kdfOrThrow(o.challenge.parameters.algorithm), hmacSignatureSecret: q.hmacKey,
      hmacKeySignatureSecret: ks ? q.keySigKey : undefined, hmacAlgorithm: q.hmacAlgorithm || undefined })).verified);
    return { fast: q.keySigKey ? await v(true) : await v(false), slow: await v(false) };
  },

  // A v2 challenge whose algorithm is spelled in another case ("Scrypt"): altcha-lib's own
  // KDFs refuse such names, so creation and solving go through the upper-case one.
  'v2.createSpelled': async (q) => {
    const d = (p, s, pw) => kdf(q.options.algorithm.toUpperCase())({ ...p, algorithm: q.options.algorithm.toUpperCase() }, s, pw);
    const ch = await v2.createChallenge({ ...q.options, deriveKey: d, hmacSignatureSecret: q.hmacKey,
      hmacKeySignatureSecret: q.keySigKey, counter: q.counter, expiresAt: Math.floor(Date.now() / 1000) + 600 });
    const solution = await v2.solveChallenge({ challenge: ch, deriveKey: d, timeout: 30000 });
    return { payload: b64({ challenge: ch, solution }) };
  },

  // Raw key derivation through altcha-lib's own PasswordBuffer and deriveKey.
  derive: async (q) => {
    const pw = new PasswordBuffer(Buffer.from(q.nonce, 'hex'), q.counterMode);
    const returned = pw.setCounter(q.counter);
    const params = { algorithm: q.algorithm, cost: q.cost, keyLength: q.keyLength };
    const salt = Buffer.from(q.salt, 'hex');
    return {
      password: hex(returned),
      key: hex((await kdf(q.algorithm)(params, salt, returned)).derivedKey),
      // What upstream tests/v2 algorithms tests feed deriveKey: password.buffer, not the
      // value setCounter returns.
      bufferPassword: hex(pw.buffer),
      bufferKey: hex((await kdf(q.algorithm)(params, salt, pw.buffer)).derivedKey),
    };
  },
};

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { requests } = JSON.parse(input);
const results = [];
for (const q of requests) {
  try {
    const op = ops[q.op];
    if (!op) throw new Error('unknown op ' + q.op);
    results.push(await op(q));
  } catch (e) {
    results.push({ error: String(e && e.stack || e) });
  }
}
process.stdout.write(JSON.stringify(results));
