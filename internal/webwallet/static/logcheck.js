// logcheck.js: the check of the platform's verification record log, as
// the command-line wallet makes it (internal/wallet/logcheck.go).
//
// Each history page comes with the platform's newest signed tree head and
// every record's inclusion proof in it. The page checks that the head is
// signed by the platform's key, that every record is in it, and that the
// log extends the newest head this browser saw before (a consistency
// proof): a platform that removed or rewrote records since, even its own
// operator with the database in hand, cannot make it so.
//
// The tree is RFC 9162's (Certificate Transparency 2.0): leaf hash
// SHA-256(0x00 || record hash), node hash SHA-256(0x01 || left || right);
// the record Seq is the leaf at index Seq-1 (SHA-256 on either suite). A
// tree head is a compact JWS (typ netid-tree-head+jwt, the platform's kid)
// over {size, root, iat}: ES256 by a P-256 key, checked with WebCrypto, or
// on a platform of the sm suite SM2 by an SM2 key (docs/sm-profile.md),
// checked with crypto.js's verifySM2. The alg must be the key's.
//
//   verifyInclusion(index, size, leaf, proof, root)   → Promise<boolean>
//   verifyConsistency(size1, size2, proof, root1, root2) → Promise<boolean>
//   parseTreeHead(jws, jwks)   → Promise<{size, root, iat, signature}>
//   checkHistory(history, {jwks, seen, consistency})
//       → Promise<head to keep | null>; throws LogError with code
//       "rewound", "forked" or "unproven". consistency(from, to) fetches
//       the proof between two sizes (base64url hashes).
//
// Hashes are Uint8Arrays; sizes and indexes are numbers (exact up to
// 2^53, far beyond any log).

import { unb64url, verifySM2 } from "./crypto.js";

export const HEAD_TYPE = "netid-tree-head+jwt";
export const HASH_SIZE = 32;
export const MAX_PROOF_HASHES = 128;
const MAX_HEAD_SIZE = 4096;

export class LogError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "LogError";
    this.code = code;
  }
}

async function sha256(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const buf = new Uint8Array(n);
  let i = 0;
  for (const p of parts) {
    buf.set(p, i);
    i += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
}

export function leafHash(recordHash) {
  return sha256(Uint8Array.of(0), recordHash);
}

function node(left, right) {
  return sha256(Uint8Array.of(1), left, right);
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const odd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

function powerOfTwo(n) {
  while (n > 1 && !odd(n)) n = half(n);
  return n === 1;
}

function wellFormed(proof) {
  return Array.isArray(proof) && proof.length <= MAX_PROOF_HASHES && proof.every((h) => h instanceof Uint8Array && h.length === HASH_SIZE);
}

// verifyInclusion is RFC 9162 section 2.1.3.2.
export async function verifyInclusion(index, size, leaf, proof, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size || !wellFormed(proof)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = await node(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await node(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal(r, root);
}

// verifyConsistency is RFC 9162 section 2.1.4.2.
export async function verifyConsistency(size1, size2, proof, root1, root2) {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 1 || size1 > size2 || !wellFormed(proof)) return false;
  if (size1 === size2) return proof.length === 0 && equal(root1, root2);
  if (proof.length === 0) return false;
  let path = proof;
  // size1 a power of two: the first tree's root is the path's start.
  if (powerOfTwo(size1)) path = [root1, ...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await node(c, fr);
      sr = await node(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await node(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return equal(fr, root1) && equal(sr, root2) && sn === 0;
}

function decodeHash(s) {
  if (typeof s !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(s)) return null;
  const h = unb64url(s);
  return h.length === HASH_SIZE ? h : null;
}

function decodeHashes(list) {
  if (!Array.isArray(list) || list.length > MAX_PROOF_HASHES) return null;
  const out = [];
  for (const s of list) {
    const h = decodeHash(s);
    if (!h) return null;
    out.push(h);
  }
  return out;
}

function json(bytes) {
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
}

// parseTreeHead verifies a signed tree head with the key of jwks its kid
// names.
export async function parseTreeHead(signed, jwks) {
  const bad = (why) => new LogError("unproven", "tree head: " + why);
  if (typeof signed !== "string" || signed.length > MAX_HEAD_SIZE) throw bad("malformed");
  const parts = signed.split(".");
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) throw bad("not a compact JWS");
  let header;
  let payload;
  try {
    header = json(unb64url(parts[0]));
    payload = json(unb64url(parts[1]));
  } catch {
    throw bad("not JSON");
  }
  const crv = { ES256: "P-256", SM2: "SM2" }[header.alg];
  if (!crv || header.typ !== HEAD_TYPE || typeof header.kid !== "string" || header.kid === "" || header.crit !== undefined) {
    throw bad("header");
  }
  const jwk = ((jwks && jwks.keys) || []).find((k) => k.kid === header.kid && k.kty === "EC" && k.crv === crv);
  if (!jwk) throw bad("signed by an unknown key");
  let sig;
  try {
    sig = unb64url(parts[2]);
  } catch {
    throw bad("signature");
  }
  const input = new TextEncoder().encode(parts[0] + "." + parts[1]);
  let ok;
  if (crv === "SM2") {
    ok = await verifySM2({ kty: "EC", crv: "SM2", x: jwk.x, y: jwk.y }, input, sig);
  } else {
    const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    ok = sig.length === 64 && await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, sig, input);
  }
  if (!ok) throw bad("invalid signature");
  const root = decodeHash(payload.root);
  if (!Number.isSafeInteger(payload.size) || payload.size < 1 || !root || !Number.isSafeInteger(payload.iat)) throw bad("payload");
  return { size: payload.size, root, iat: payload.iat, signature: signed };
}

// checkHistory checks a history page (GET /v1/wallet/history's answer)
// and returns the head to keep: the page's, if newer than seen.
export async function checkHistory(history, { jwks, seen, consistency }) {
  const records = (history && history.records) || [];
  const signed = history && history.tree_head && history.tree_head.signature;
  if (!signed) {
    if (seen) throw new LogError("rewound", "no signed tree head now, " + seen.size + " records before");
    if (records.length > 0) throw new LogError("unproven", "no signed tree head");
    return null;
  }
  const head = await parseTreeHead(signed, jwks);
  for (const r of records) {
    const hash = decodeHash(r.hash);
    const proof = decodeHashes(r.inclusion || []);
    if (!hash || !proof || !(await verifyInclusion(r.seq - 1, head.size, await leafHash(hash), proof, head.root))) {
      throw new LogError("unproven", "record " + r.seq + " is not in the signed tree head");
    }
  }
  if (!seen) return head;
  if (head.size < seen.size) throw new LogError("rewound", head.size + " records now, " + seen.size + " before");
  if (head.size === seen.size) {
    if (!equal(head.root, seen.root)) throw new LogError("forked", "two roots for " + head.size + " records");
    return seen;
  }
  const proof = decodeHashes(await consistency(seen.size, head.size));
  if (!proof || !(await verifyConsistency(seen.size, head.size, proof, seen.root, head.root))) {
    throw new LogError("forked", "the log of " + head.size + " records does not extend the one of " + seen.size);
  }
  return head;
}
