// crypto.js: the web wallet's device keys, signatures and local encryption.
//
// An ES module with no build step: WebCrypto (crypto.subtle) and IndexedDB,
// and on a platform of the sm suite the vendored SM2/SM3 library
// (vendor/sm-crypto-v2, loaded only there: WebCrypto has no SM2 or SM3;
// its README says why that library, on @noble/curves and
// crypto.getRandomValues, of the three on npm). Every token it makes is the one
// the CLI wallet makes, checked by the same Go verifiers on the platform
// and at relying parties.
//
// The platform's suite (docs/sm-profile.md)
//
//   platformSuite()        → Promise<"es256" | "sm">
//       Read once per page from this origin's platform:
//       /.well-known/netid-configuration's signing_alg_values_supported
//       names "SM2" on an sm platform, "ES256" on an es256 one; naming
//       neither or both, the platform's signing keys in
//       /.well-known/jwks.json decide (an EC key of crv "SM2" means sm).
//       Unreadable: code "suite". Device keys are made for it: the platform
//       refuses a key of the other suite.
//
// Device keys
//
//   createKey(name, {suite}) → Promise<key pair>
//       suite defaults to platformSuite(). On es256: an ECDSA P-256 key
//       pair with extractable: false, the CryptoKey objects themselves
//       stored in IndexedDB under name (structured clone keeps the private
//       key non-extractable: no script, this one included, can read its
//       bytes). On sm: WebCrypto has no SM2, so the key is made in script
//       (sm-crypto-v2, randomness from crypto.getRandomValues) and its
//       32-byte private scalar is stored only encrypted, AES-256-GCM under
//       a WebCrypto key of its own made with extractable: false and kept
//       beside it (additional data: the public key), never in the clear;
//       it is decrypted into page memory for each signature and dropped
//       after (JavaScript cannot wipe the string and BigInt copies the
//       library makes). A script of this origin can therefore decrypt it
//       and take it away, which it cannot do with a P-256 CryptoKey; see
//       docs/web-wallet.md. An existing key of that name is an error with
//       code "key-exists". Names: "device" for the credential's key,
//       "batch-1", "batch-2"… for the batch credentials' keys, one set per
//       wallet if a browser holds several ("<wallet>/device").
//       A key pair is {privateKey, publicKey}: CryptoKeys on es256,
//       SM2PrivateKey and SM2PublicKey handles on sm (keySuite tells).
//   loadKey(name)          → Promise<key pair | null>
//   deleteKey(name)        → Promise<void>
//   listKeys()             → Promise<string[]>   names, sorted
//   keySuite(keyPair)      → "es256" | "sm"
//   publicJwk(keyPair)     → Promise<{kty, crv, x, y}>   crv "P-256", or
//       "SM2" (sm-profile section 3)
//   thumbprint(jwk)        → Promise<string>     RFC 7638, base64url, under
//       the key's own suite's hash: SHA-256 of a P-256 JWK, SM3 of an SM2
//       one (suite.KeyID)
//
// Tokens (compact JWS: ES256 by a P-256 key, SM2 by an SM2 key; both
// signatures the 64-byte r‖s, WebCrypto's ECDSA form and sm-profile
// section 2's: SM3 over Z_A with the user ID 1234567812345678)
//
//   signJws(privateKey, header, claims) → Promise<string>
//       header gets alg "ES256" or "SM2" by the key; claims is a JSON
//       object.
//   holderProof(keyPair, credentialId, method, url, {now}) → Promise<string>
//       typ "netid-holder+jwt", kid the credential ID; claims htm, htu (the
//       absolute URL including the query exactly as sent), iat, a random
//       128-bit jti. Sent in the HOLDER_PROOF_HEADER (Netid-Holder-Proof)
//       header.
//   deviceProof(keyPair, audience, nonce, {now}) → Promise<string>
//       typ "openid4vci-proof+jwt", the public jwk in the header; claims
//       aud (the platform's URL), nonce (the application's device nonce),
//       iat. One per key: the device key and each batch key.
//   present(sdjwt, disclose, keyPair, audience, nonce, {consent, now})
//       → Promise<string>
//       An issued SD-JWT reduced to the disclosures of the named top-level
//       claims (with the disclosures nested in them) and a key-binding JWT
//       appended: typ "kb+jwt", claims iat, aud, nonce, sd_hash (of the
//       presented SD-JWT up to and including its last "~"), and
//       guardian_consent when consent is given (an under-14 holder's
//       guardian consent statement for that audience). Disclosure digests
//       and sd_hash use the credential's _sd_alg: "sha-256" (or none) or
//       "sm3"; any other is code "malformed".
//   keyBinding(keyPair, presented, audience, nonce, {consent, now})
//       → Promise<string>   the key-binding JWT alone, over presented.
//   sdAlg(sdjwt)           → "sha-256" | "sm3"   the credential's _sd_alg
//   sdDigest(alg, text)    → Promise<string>     base64url digest of a
//       disclosure (or of a presentation, sd_hash) under alg
//   sm3(bytes)             → Promise<Uint8Array> SM3 (GB/T 32905)
//   verifySM2(jwk, input, signature) → Promise<boolean>
//       An SM2 JWS signature (64 bytes r‖s, r and s in [1, n−1]) over the
//       signing input (bytes) by the SM2 public JWK, a point of the curve.
//
// Local encryption (everything the wallet keeps besides the keys)
//
//   seal(password, value, {iterations}) → Promise<string>
//       value (any JSON value) encrypted with AES-256-GCM, a random 96-bit
//       nonce, under a key derived from password by PBKDF2-HMAC-SHA-256
//       with a random 128-bit salt and PBKDF2_ITERATIONS (600,000, OWASP's
//       figure for PBKDF2-HMAC-SHA-256; WebCrypto has no Argon2). The
//       result is a JSON string that carries the parameters.
//   open(password, sealed) → Promise<any>
//       The value back. A wrong password (or altered data) is an error
//       with code "wrong-password"; a record that is not a sealed value,
//       or whose parameters are out of bounds, code "malformed".
//   saveSealed(name, sealed), loadSealed(name) → IndexedDB storage of
//       sealed records (loadSealed gives null for none); deleteSealed(name).
//   savePlain(name, value), loadPlain(name), deletePlain(name) → records
//       kept without encryption (what a page needs before the password:
//       see wallet.js); loadPlain gives null for none.
//   wipe() → deletes every key and record.
//
// Errors are WalletCryptoError with a stable code for the page to turn
// into a message from the catalogue: "key-exists", "no-key",
// "wrong-password", "malformed", "unknown-claim", "key-mismatch",
// "storage", "suite".

export const DB_NAME = "netid-wallet";
const DB_VERSION = 2;
const KEYS = "keys";
const SEALED = "sealed";
const PLAIN = "plain";

export const HOLDER_PROOF_HEADER = "Netid-Holder-Proof";
export const HOLDER_PROOF_TYPE = "netid-holder+jwt";
export const DEVICE_PROOF_TYPE = "openid4vci-proof+jwt";
export const KB_TYPE = "kb+jwt";
export const CONSENT_CLAIM = "guardian_consent";

// PBKDF2_ITERATIONS is OWASP's minimum for PBKDF2-HMAC-SHA-256 (Password
// Storage Cheat Sheet, 2023). open refuses fewer, so an altered record
// cannot make a guess cheaper, and more than MAX_ITERATIONS, so it cannot
// hang the page.
export const PBKDF2_ITERATIONS = 600000;
const MAX_ITERATIONS = 10000000;
const SEAL_VERSION = 1;
const SEAL_AAD = "netid-wallet sealed v1";

const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
const ES256 = { name: "ECDSA", hash: "SHA-256" };

export const SUITE_ES256 = "es256";
export const SUITE_SM = "sm";
// SM2_USER_ID is GM/T 0009's default distinguishing identifier, the only
// one sm-profile section 2 allows.
export const SM2_USER_ID = "1234567812345678";
// SM2_N is the order of the SM2 curve's base point (GB/T 32918.5).
const SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123n;
const SM2_KEY_VERSION = 1;
const SM2_KEY_AAD = "netid-wallet sm2 key v1";
const SM_LIBRARY = "./vendor/sm-crypto-v2/sm-crypto-v2.umd.js";

export class WalletCryptoError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = "WalletCryptoError";
    this.code = code;
  }
}

// ---- encoding ----

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

export function b64url(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  }
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function unb64url(s) {
  if (typeof s !== "string" || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) {
    throw new WalletCryptoError("malformed", "not base64url");
  }
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function b64json(v) {
  return b64url(utf8.encode(JSON.stringify(v)));
}

function unb64json(s) {
  try {
    return JSON.parse(utf8Decoder.decode(unb64url(s)));
  } catch (e) {
    throw new WalletCryptoError("malformed", "not base64url-encoded JSON", { cause: e });
  }
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function toHex(bytes) {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}

function fromHex(hex) {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new WalletCryptoError("malformed", "not hex");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function nowSeconds(now) {
  const ms = now instanceof Date ? now.getTime() : typeof now === "number" ? now : Date.now();
  return Math.floor(ms / 1000);
}

function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

// ---- the SM library and the platform's suite ----

let smPromise = null;

// sm loads the vendored SM2/SM3 library (vendor/sm-crypto-v2/README.md):
// a UMD file that, evaluated as a module, defines globalThis.SmCryptoV2.
// Only pages of an sm platform load it.
function sm() {
  if (!smPromise) {
    smPromise = import(SM_LIBRARY).then(() => {
      const lib = globalThis.SmCryptoV2;
      if (!lib || !lib.sm2 || typeof lib.sm3 !== "function" || typeof lib.sm2.doSignature !== "function") {
        throw new Error("the SM library did not load");
      }
      return lib;
    });
    smPromise.catch(() => { smPromise = null; });
  }
  return smPromise.catch((e) => {
    throw new WalletCryptoError("suite", "the SM2/SM3 library could not be loaded", { cause: e });
  });
}

export async function sm3(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return fromHex((await sm()).sm3(b));
}

let suitePromise = null;

async function getJSON(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" });
  if (!r.ok) throw new Error(path + ": status " + r.status);
  return r.json();
}

// readSuite asks this origin's platform for its suite: the configuration
// names the algorithm of the suite's signatures (as the CLI wallet reads
// it); a configuration that names neither ES256 nor SM2, or both, leaves
// it to the platform's signing keys (an SM2 key is only ever in an sm
// platform's JWKS).
async function readSuite() {
  try {
    const conf = await getJSON("/.well-known/netid-configuration");
    const algs = conf && Array.isArray(conf.signing_alg_values_supported) ? conf.signing_alg_values_supported : [];
    const named = algs.includes("SM2");
    if (named !== algs.includes("ES256")) return named ? SUITE_SM : SUITE_ES256;
    const set = await getJSON("/.well-known/jwks.json");
    const keys = set && Array.isArray(set.keys) ? set.keys : [];
    return keys.some((k) => k && k.kty === "EC" && k.crv === "SM2") ? SUITE_SM : SUITE_ES256;
  } catch (e) {
    throw new WalletCryptoError("suite", "the platform's algorithms could not be read", { cause: e });
  }
}

export function platformSuite() {
  if (!suitePromise) {
    suitePromise = readSuite();
    suitePromise.catch(() => { suitePromise = null; });
  }
  return suitePromise;
}

// ---- IndexedDB ----

let dbPromise = null;

function openDB() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
        if (!db.objectStoreNames.contains(SEALED)) db.createObjectStore(SEALED);
        if (!db.objectStoreNames.contains(PLAIN)) db.createObjectStore(PLAIN);
      };
      req.onsuccess = () => {
        const db = req.result;
        // A newer version of the wallet in another tab upgrades the
        // database: let it, and open again on the next call.
        db.onversionchange = () => { db.close(); dbPromise = null; };
        resolve(db);
      };
      req.onerror = () => reject(new WalletCryptoError("storage", "IndexedDB: " + req.error, { cause: req.error }));
      req.onblocked = () => reject(new WalletCryptoError("storage", "IndexedDB is blocked by another tab"));
    });
    dbPromise.catch(() => { dbPromise = null; });
  }
  return dbPromise;
}

// exists reports whether this origin has the wallet's database, without
// making it: a page that only reads the wallet (most pages, for a person
// who has none yet) never creates the database. Creating it is the one
// step that, cut short by leaving the page, can leave Chromium's database
// of a fresh profile stuck, every later open waiting forever; so it is
// done only by the writes of someone making a wallet. Browsers without
// indexedDB.databases() are taken to have it.
async function exists() {
  if (dbPromise) return true;
  if (typeof indexedDB.databases !== "function") return true;
  try {
    return (await indexedDB.databases()).some((d) => d.name === DB_NAME);
  } catch {
    return true;
  }
}

// tx runs fn(store) in one transaction and resolves with the value of
// the request fn returns once the transaction has committed.
async function tx(storeName, mode, fn) {
  const db = await openDB();
  return new Promise((resolve, reject) => {
    const t = db.transaction(storeName, mode);
    const req = fn(t.objectStore(storeName));
    t.oncomplete = () => resolve(req ? req.result : undefined);
    t.onabort = t.onerror = () => {
      const err = t.error || (req && req.error);
      if (err && err.name === "ConstraintError") {
        reject(new WalletCryptoError("key-exists", "a key of this name already exists", { cause: err }));
        return;
      }
      reject(new WalletCryptoError("storage", "IndexedDB: " + err, { cause: err }));
    };
  });
}

function checkName(name) {
  if (typeof name !== "string" || name === "") {
    throw new WalletCryptoError("malformed", "a key or record name must be a non-empty string");
  }
}

// ---- device keys ----

// SM2PublicKey is an SM2 public key: its JWK (sm-profile section 3).
export class SM2PublicKey {
  constructor(jwk) {
    this.type = "public";
    this.algorithm = { name: "SM2" };
    this.jwk = Object.freeze({ kty: "EC", crv: "SM2", x: jwk.x, y: jwk.y });
  }
}

// SM2PrivateKey is an SM2 private key as IndexedDB keeps it: its scalar
// encrypted under a non-extractable AES-GCM CryptoKey. It holds no
// plaintext key; sign decrypts it for one signature.
export class SM2PrivateKey {
  #wrap;
  #iv;
  #ct;
  #public;
  constructor(wrap, iv, ct, publicKey) {
    this.type = "private";
    this.algorithm = { name: "SM2" };
    this.#wrap = wrap;
    this.#iv = iv;
    this.#ct = ct;
    this.#public = publicKey;
  }

  get publicKey() {
    return this.#public;
  }

  async sign(input) {
    let d;
    try {
      d = new Uint8Array(await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: this.#iv, additionalData: sm2KeyAAD(this.#public.jwk), tagLength: 128 }, this.#wrap, this.#ct));
    } catch (e) {
      throw new WalletCryptoError("malformed", "the SM2 key cannot be decrypted", { cause: e });
    }
    try {
      if (d.length !== 32) throw new WalletCryptoError("malformed", "the SM2 key is not 32 bytes");
      const lib = await sm();
      const sig = lib.sm2.doSignature(input, toHex(d), {
        hash: true, der: false, userId: SM2_USER_ID, publicKey: sm2PublicHex(this.#public.jwk),
      });
      return fromHex(sig);
    } finally {
      d.fill(0);
    }
  }
}

function sm2KeyAAD(jwk) {
  return utf8.encode(SM2_KEY_AAD + "." + jwk.x + "." + jwk.y);
}

// sm2PublicHex is the uncompressed point 04 ‖ x ‖ y of an SM2 JWK, in hex.
function sm2PublicHex(jwk) {
  const x = unb64url(jwk.x);
  const y = unb64url(jwk.y);
  if (x.length !== 32 || y.length !== 32) throw new WalletCryptoError("malformed", "an SM2 coordinate is not 32 bytes");
  return "04" + toHex(x) + toHex(y);
}

async function generateSM2() {
  const lib = await sm();
  const pair = lib.sm2.generateKeyPairHex();
  const pub = fromHex(pair.publicKey);
  const d = fromHex(pair.privateKey);
  try {
    if (pub.length !== 65 || pub[0] !== 4 || d.length !== 32) throw new WalletCryptoError("malformed", "the SM2 library made a malformed key");
    const jwk = { kty: "EC", crv: "SM2", x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33, 65)) };
    const wrap = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    const iv = randomBytes(12);
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: sm2KeyAAD(jwk), tagLength: 128 }, wrap, d));
    return { v: SM2_KEY_VERSION, suite: SUITE_SM, wrap, iv, ct, jwk };
  } finally {
    d.fill(0);
  }
}

function sm2Pair(rec) {
  const pub = new SM2PublicKey(rec.jwk);
  return { privateKey: new SM2PrivateKey(rec.wrap, rec.iv, rec.ct, pub), publicKey: pub };
}

export async function createKey(name, { suite } = {}) {
  checkName(name);
  const st = suite === undefined ? await platformSuite() : suite;
  if (st !== SUITE_ES256 && st !== SUITE_SM) throw new WalletCryptoError("suite", "unknown suite " + st);
  if (st === SUITE_SM) {
    const rec = await generateSM2();
    await tx(KEYS, "readwrite", (s) => s.add({ ...rec, created: Date.now() }, name));
    return sm2Pair(rec);
  }
  const pair = await crypto.subtle.generateKey(ECDSA, false, ["sign", "verify"]);
  // add (not put): two tabs making the same key cannot overwrite each
  // other's; the second gets "key-exists".
  await tx(KEYS, "readwrite", (s) => s.add({ privateKey: pair.privateKey, publicKey: pair.publicKey, created: Date.now() }, name));
  return pair;
}

export async function loadKey(name) {
  checkName(name);
  if (!(await exists())) return null;
  const rec = await tx(KEYS, "readonly", (s) => s.get(name));
  if (!rec) return null;
  if (rec.suite === SUITE_SM) {
    if (rec.v !== SM2_KEY_VERSION || !(rec.wrap instanceof CryptoKey) || !rec.jwk) {
      throw new WalletCryptoError("malformed", "not a stored SM2 key of a known kind");
    }
    return sm2Pair(rec);
  }
  return { privateKey: rec.privateKey, publicKey: rec.publicKey };
}

export async function deleteKey(name) {
  checkName(name);
  await tx(KEYS, "readwrite", (s) => s.delete(name));
}

export async function listKeys() {
  if (!(await exists())) return [];
  const names = await tx(KEYS, "readonly", (s) => s.getAllKeys());
  return names.map(String).sort();
}

function isSM2Pair(keyPair) {
  return !!keyPair && keyPair.privateKey instanceof SM2PrivateKey && keyPair.publicKey instanceof SM2PublicKey &&
    keyPair.privateKey.publicKey === keyPair.publicKey;
}

function requirePair(keyPair) {
  if (isSM2Pair(keyPair)) return;
  if (!keyPair || !(keyPair.privateKey instanceof CryptoKey) || !(keyPair.publicKey instanceof CryptoKey)) {
    throw new WalletCryptoError("no-key", "no device key");
  }
}

export function keySuite(keyPair) {
  requirePair(keyPair);
  return isSM2Pair(keyPair) ? SUITE_SM : SUITE_ES256;
}

export async function publicJwk(keyPair) {
  requirePair(keyPair);
  if (isSM2Pair(keyPair)) return { ...keyPair.publicKey.jwk };
  const j = await crypto.subtle.exportKey("jwk", keyPair.publicKey);
  return { kty: j.kty, crv: j.crv, x: j.x, y: j.y };
}

export async function thumbprint(jwk) {
  // RFC 7638 §3.2: the required members in lexicographic order, no
  // whitespace; an SM2 key's under SM3 (sm-profile section 3).
  const canonical = utf8.encode(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }));
  return b64url(jwk.crv === "SM2" ? await sm3(canonical) : await sha256(canonical));
}

export async function verifySM2(jwk, input, signature) {
  if (!jwk || jwk.kty !== "EC" || jwk.crv !== "SM2" || jwk.d !== undefined) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  const r = BigInt("0x" + toHex(signature.subarray(0, 32)));
  const s = BigInt("0x" + toHex(signature.subarray(32)));
  if (r < 1n || r >= SM2_N || s < 1n || s >= SM2_N) return false;
  const lib = await sm();
  try {
    const pub = sm2PublicHex(jwk);
    if (!lib.sm2.verifyPublicKey(pub)) return false;
    return lib.sm2.doVerifySignature(input, toHex(signature), pub, { hash: true, der: false, userId: SM2_USER_ID }) === true;
  } catch {
    return false;
  }
}

// ---- JWS ----

export async function signJws(privateKey, header, claims) {
  if (privateKey instanceof SM2PrivateKey) {
    const input = b64json({ alg: "SM2", ...header }) + "." + b64json(claims);
    return input + "." + b64url(await privateKey.sign(utf8.encode(input)));
  }
  if (!(privateKey instanceof CryptoKey)) throw new WalletCryptoError("no-key", "no device key");
  const input = b64json({ alg: "ES256", ...header }) + "." + b64json(claims);
  const sig = await crypto.subtle.sign(ES256, privateKey, utf8.encode(input));
  return input + "." + b64url(sig);
}

export async function holderProof(keyPair, credentialId, method, url, { now } = {}) {
  requirePair(keyPair);
  return signJws(keyPair.privateKey, { typ: HOLDER_PROOF_TYPE, kid: credentialId }, {
    htm: method, htu: url, iat: nowSeconds(now), jti: b64url(randomBytes(16)),
  });
}

export async function deviceProof(keyPair, audience, nonce, { now } = {}) {
  requirePair(keyPair);
  return signJws(keyPair.privateKey, { typ: DEVICE_PROOF_TYPE, jwk: await publicJwk(keyPair) }, {
    aud: audience, nonce, iat: nowSeconds(now),
  });
}

// issuerPayload is the payload of an SD-JWT's issuer-signed JWT.
function issuerPayload(sdjwt) {
  const jwtParts = sdjwt.split("~")[0].split(".");
  if (jwtParts.length !== 3) throw new WalletCryptoError("malformed", "the issuer-signed JWT is not a compact JWS");
  return unb64json(jwtParts[1]);
}

function sdAlgOfPayload(payload) {
  const alg = payload && payload._sd_alg;
  if (alg === undefined || alg === "sha-256") return "sha-256";
  if (alg === "sm3") return "sm3";
  throw new WalletCryptoError("malformed", "an _sd_alg the wallet does not know");
}

export function sdAlg(sdjwt) {
  if (typeof sdjwt !== "string") throw new WalletCryptoError("malformed", "not an SD-JWT");
  return sdAlgOfPayload(issuerPayload(sdjwt));
}

export async function sdDigest(alg, text) {
  const b = utf8.encode(text);
  if (alg === "sha-256") return b64url(await sha256(b));
  if (alg === "sm3") return b64url(await sm3(b));
  throw new WalletCryptoError("malformed", "an _sd_alg the wallet does not know");
}

export async function keyBinding(keyPair, presented, audience, nonce, { consent, now } = {}) {
  requirePair(keyPair);
  if (!audience) throw new WalletCryptoError("malformed", "empty audience");
  if (!nonce) throw new WalletCryptoError("malformed", "empty nonce");
  if (typeof presented !== "string" || !presented.endsWith("~")) {
    throw new WalletCryptoError("malformed", "the presented SD-JWT must end with ~");
  }
  const claims = { iat: nowSeconds(now), aud: audience, nonce, sd_hash: await sdDigest(sdAlg(presented), presented) };
  if (consent) claims[CONSENT_CLAIM] = consent;
  return signJws(keyPair.privateKey, { typ: KB_TYPE }, claims);
}

// digests collects the disclosure digests a JSON value refers to: the
// members of "_sd" arrays and the "..." of array elements (RFC 9901
// §4.2.4), at any depth.
function digests(v, out) {
  if (Array.isArray(v)) {
    for (const e of v) {
      if (e && typeof e === "object" && !Array.isArray(e) && Object.keys(e).length === 1 && typeof e["..."] === "string") {
        out.push(e["..."]);
      } else {
        digests(e, out);
      }
    }
  } else if (v && typeof v === "object") {
    for (const [k, e] of Object.entries(v)) {
      if (k === "_sd" && Array.isArray(e)) {
        for (const d of e) if (typeof d === "string") out.push(d);
      } else {
        digests(e, out);
      }
    }
  }
  return out;
}

export async function present(sdjwt, disclose, keyPair, audience, nonce, options = {}) {
  requirePair(keyPair);
  if (typeof sdjwt !== "string" || !sdjwt.endsWith("~")) {
    throw new WalletCryptoError("malformed", "not an issued SD-JWT (it must end with ~ and carry no key binding)");
  }
  const parts = sdjwt.split("~");
  const jwt = parts[0];
  const encoded = parts.slice(1, -1);
  const jwtParts = jwt.split(".");
  if (jwtParts.length !== 3) throw new WalletCryptoError("malformed", "the issuer-signed JWT is not a compact JWS");
  const payload = unb64json(jwtParts[1]);
  const alg = sdAlgOfPayload(payload);

  // The credential must be bound to this key: a wrong key fails here, not
  // at the relying party.
  const cnf = payload.cnf && payload.cnf.jwk;
  const mine = await publicJwk(keyPair);
  if (!cnf || cnf.kty !== mine.kty || cnf.crv !== mine.crv || cnf.x !== mine.x || cnf.y !== mine.y) {
    throw new WalletCryptoError("key-mismatch", "the credential is not bound to this key");
  }

  const byDigest = new Map();
  for (const e of encoded) {
    const d = unb64json(e);
    if (!Array.isArray(d) || (d.length !== 2 && d.length !== 3)) throw new WalletCryptoError("malformed", "a disclosure is not an array of 2 or 3");
    const value = d[d.length - 1];
    byDigest.set(await sdDigest(alg, e), { encoded: e, name: d.length === 3 ? d[1] : null, children: digests(value, []) });
  }
  const topLevel = new Map();
  for (const dg of Array.isArray(payload._sd) ? payload._sd : []) {
    const d = byDigest.get(dg);
    if (d && d.name !== null) topLevel.set(d.name, dg);
  }
  const keep = new Set();
  const mark = (dg) => {
    if (keep.has(dg) || !byDigest.has(dg)) return;
    keep.add(dg);
    for (const c of byDigest.get(dg).children) mark(c);
  };
  for (const name of disclose) {
    const dg = topLevel.get(name);
    if (dg === undefined) {
      // A credential issued when the 网号 was plaintext reveals it anyway.
      if (name === "wanghao" && Object.prototype.hasOwnProperty.call(payload, name)) continue;
      throw new WalletCryptoError("unknown-claim", "not a selectively disclosable claim: " + name);
    }
    mark(dg);
  }
  let presented = jwt + "~";
  for (const [dg, d] of byDigest) if (keep.has(dg)) presented += d.encoded + "~";
  return presented + (await keyBinding(keyPair, presented, audience, nonce, options));
}

// ---- local encryption ----

async function passwordKey(password, salt, iterations) {
  if (typeof password !== "string" || password === "") {
    throw new WalletCryptoError("wrong-password", "empty password");
  }
  const base = await crypto.subtle.importKey("raw", utf8.encode(password), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

export async function seal(password, value, { iterations = PBKDF2_ITERATIONS } = {}) {
  if (!Number.isInteger(iterations) || iterations < PBKDF2_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new WalletCryptoError("malformed", "iterations out of bounds");
  }
  if (value === undefined) throw new WalletCryptoError("malformed", "nothing to seal");
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const key = await passwordKey(password, salt, iterations);
  const plain = utf8.encode(JSON.stringify(value));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: utf8.encode(SEAL_AAD), tagLength: 128 }, key, plain);
  return JSON.stringify({ v: SEAL_VERSION, kdf: "PBKDF2-HMAC-SHA-256", iter: iterations, salt: b64url(salt), nonce: b64url(nonce), ct: b64url(ct) });
}

export async function open(password, sealed) {
  let env;
  try {
    env = JSON.parse(sealed);
  } catch (e) {
    throw new WalletCryptoError("malformed", "not a sealed record", { cause: e });
  }
  if (!env || env.v !== SEAL_VERSION || env.kdf !== "PBKDF2-HMAC-SHA-256" || !Number.isInteger(env.iter) ||
      env.iter < PBKDF2_ITERATIONS || env.iter > MAX_ITERATIONS) {
    throw new WalletCryptoError("malformed", "not a sealed record of a known kind");
  }
  const salt = unb64url(env.salt);
  const nonce = unb64url(env.nonce);
  const ct = unb64url(env.ct);
  if (salt.length !== 16 || nonce.length !== 12 || ct.length < 16) {
    throw new WalletCryptoError("malformed", "sealed record parameters out of bounds");
  }
  const key = await passwordKey(password, salt, env.iter);
  let plain;
  try {
    plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: utf8.encode(SEAL_AAD), tagLength: 128 }, key, ct);
  } catch (e) {
    // GCM cannot tell a wrong key from altered data; with a right key
    // only tampering fails, which the holder cannot fix either.
    throw new WalletCryptoError("wrong-password", "wrong password", { cause: e });
  }
  return JSON.parse(utf8Decoder.decode(plain));
}

export async function saveSealed(name, sealed) {
  checkName(name);
  await tx(SEALED, "readwrite", (s) => s.put(sealed, name));
}

export async function loadSealed(name) {
  checkName(name);
  if (!(await exists())) return null;
  const v = await tx(SEALED, "readonly", (s) => s.get(name));
  return v === undefined ? null : v;
}

export async function deleteSealed(name) {
  checkName(name);
  await tx(SEALED, "readwrite", (s) => s.delete(name));
}

export async function savePlain(name, value) {
  checkName(name);
  await tx(PLAIN, "readwrite", (s) => s.put(value, name));
}

export async function loadPlain(name) {
  checkName(name);
  if (!(await exists())) return null;
  const v = await tx(PLAIN, "readonly", (s) => s.get(name));
  return v === undefined ? null : v;
}

export async function deletePlain(name) {
  checkName(name);
  await tx(PLAIN, "readwrite", (s) => s.delete(name));
}

export async function wipe() {
  for (const store of [KEYS, SEALED, PLAIN]) {
    await tx(store, "readwrite", (s) => s.clear());
  }
}
