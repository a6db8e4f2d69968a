// wallet.js: what every page of the web wallet shares.
//
// An ES module with no dependency and no build step, on crypto.js. It
// gives a page its messages, the platform's API, and the wallet kept in
// this browser.
//
// Messages
//
//   t(key, ...args)   the catalogue's message in the page's language, from
//                     the JSON block the server put in the page
//                     (<script type="application/json" id="netid-messages">);
//                     %s, %d and %v take args in order. A missing key comes
//                     back as itself, as the Go catalogue does.
//   has(key)          whether the page has the message.
//
// The API (same origin; JSON in and out)
//
//   api(method, path, {body, token})   a request; token is an application's
//       bearer token. Resolves with the decoded JSON (null for 204); a
//       problem document (RFC 9457) rejects with ApiError {status, slug,
//       problem}; no answer at all rejects with ApiError slug "network".
//   holderApi(method, path, {body})    the same with a holder proof made by
//       this browser's device key for this wallet's credential.
//   errorText(err) → {what, next}      what a person reads about an error:
//       the catalogue's err.<slug> and err.<slug>.next where they exist,
//       else the problem's title (localized by the platform) and a general
//       next step; crypto.js's errors by their code (js.crypto.<code>).
//   showError(el, err)                 writes errorText into el (an element
//       with role="alert") and shows it, with helpBlock(err) under it.
//   helpBlock(err) → element or null   the operator's help (text, hotline,
//       office finder) that a problem a person cannot resolve alone
//       carries (member "help"; see /v1/help), to show under the error.
//
// The wallet in this browser
//
//   The device key and batch keys are non-extractable CryptoKeys in
//   IndexedDB (crypto.js). Beside them:
//   profile()            → the wallet's profile or null: {v, issuer,
//       credentialId, maskedWanghao, minor, created}: what pages need
//       before the holder gives the password (to sign holder proofs, to
//       show the masked 网号). Not encrypted: see docs/web-wallet.md.
//   saveProfile(p)
//   unlock(password)     → the wallet's secrets, sealed under the 网证口令
//       (PBKDF2 + AES-GCM): {wanghao, credential (the issued SD-JWT),
//       batch: [{key, credential}], …}. A wrong password rejects with
//       WalletCryptoError code "wrong-password".
//   saveSecrets(password, secrets)
//   pending() / savePending(app) / clearPending()   an application under
//       way: {id, token, kind, documentType}, so that a reload goes on
//       where it was.
//   wipe()               deletes everything this wallet keeps here.

import * as wc from "./crypto.js";

export { wc };

// ---- messages ----

let catalogue = null;

function messages() {
  if (catalogue === null) {
    const el = document.getElementById("netid-messages");
    try {
      catalogue = el ? JSON.parse(el.textContent) : {};
    } catch {
      catalogue = {};
    }
  }
  return catalogue;
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(messages(), key);
}

export function t(key, ...args) {
  if (!has(key)) return key;
  let i = 0;
  return messages()[key].replace(/%[sdv%]/g, (m) => {
    if (m === "%%") return "%";
    return i < args.length ? String(args[i++]) : m;
  });
}

// ---- DOM ----

export function $(id) {
  return document.getElementById(id);
}

// show shows or hides el (the hidden attribute).
export function show(el, on = true) {
  if (typeof el === "string") el = $(el);
  if (el) el.hidden = !on;
}

// el makes an element: el("p", {class: "x"}, "text", child…). Attributes
// are set as attributes (never innerHTML): text stays text.
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// busy marks a form as working: its buttons are disabled until done.
export async function busy(form, fn) {
  const buttons = form ? [...form.querySelectorAll("button")] : [];
  buttons.forEach((b) => { b.disabled = true; });
  if (form) form.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    if (form) form.removeAttribute("aria-busy");
  }
}

// ---- the API ----

const PROBLEM_BASE = "https://netid.dev/problems/";

export class ApiError extends Error {
  constructor(status, slug, problem, options) {
    super((problem && problem.title) || slug, options);
    this.name = "ApiError";
    this.status = status;
    this.slug = slug;
    this.problem = problem || null;
  }
}

async function request(method, path, { body, token, proof } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  if (proof) headers[wc.HOLDER_PROOF_HEADER] = proof;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, "network", null, { cause: e });
  }
  const text = await r.text();
  let data = null;
  if (text !== "") {
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new ApiError(r.status, "bad-answer", null, { cause: e });
    }
  }
  if (!r.ok) {
    let slug = "status-" + r.status;
    if (data && typeof data.type === "string" && data.type.startsWith(PROBLEM_BASE)) {
      slug = data.type.slice(PROBLEM_BASE.length);
    }
    throw new ApiError(r.status, slug, data);
  }
  return data;
}

// PageError is a failure a page explains itself: the message key (with
// its page's prefix) says what went wrong, key + ".next" what to do.
export class PageError extends Error {
  constructor(key) {
    super(key);
    this.name = "PageError";
    this.key = key;
  }
}

export function api(method, path, options = {}) {
  return request(method, path, options);
}

export async function holderApi(method, path, options = {}) {
  const p = await profile();
  if (!p || !p.credentialId) throw new wc.WalletCryptoError("no-key", "no credential in this browser");
  const keys = await wc.loadKey("device");
  if (!keys) throw new wc.WalletCryptoError("no-key", "no device key in this browser");
  const proof = await wc.holderProof(keys, p.credentialId, method, location.origin + path);
  return request(method, path, { ...options, proof });
}

export function errorText(err) {
  if (err instanceof PageError) {
    return { what: t(err.key), next: t(err.key + ".next") };
  }
  if (err && err.name === "InsecureContext") {
    return { what: t("js.insecure"), next: t("js.insecure.next") };
  }
  if (err instanceof ApiError) {
    const key = "err." + err.slug;
    const what = has(key) ? t(key) : (err.problem && err.problem.title) || t("js.error.what");
    let next = has(key + ".next") ? t(key + ".next") : t("js.error.next");
    if (err.problem && Number.isInteger(err.problem.remaining_attempts) && has("js.error.remaining")) {
      next = t("js.error.remaining", err.problem.remaining_attempts) + " " + next;
    }
    return { what, next };
  }
  if (err instanceof wc.WalletCryptoError) {
    const key = "js.crypto." + err.code;
    return { what: has(key) ? t(key) : t("js.error.what"), next: has(key + ".next") ? t(key + ".next") : t("js.error.next") };
  }
  if (err && err.name === "NotAllowedError" && has("js.camera.denied")) {
    return { what: t("js.camera.denied"), next: t("js.camera.denied.next") };
  }
  return { what: t("js.error.what"), next: t("js.error.next") };
}

export function showError(target, err) {
  const box = typeof target === "string" ? $(target) : target;
  if (!box) return;
  const { what, next } = errorText(err);
  box.replaceChildren(el("p", { class: "what" }, what), el("p", { class: "next" }, next), helpBlock(err));
  box.hidden = false;
  box.focus && box.focus();
}

// helpOf returns the help a problem carries, its members checked: strings
// only, the office finder an http(s) URL.
function helpOf(err) {
  const h = err instanceof ApiError && err.problem ? err.problem.help : null;
  if (!h || typeof h !== "object") return null;
  const str = (v) => (typeof v === "string" ? v.trim() : "");
  const out = { text: str(h.text), hotline: str(h.hotline), offices: str(h.offices_url) };
  if (!/^https?:\/\//i.test(out.offices)) out.offices = "";
  if (!/^\+?[0-9][0-9 -]*$/.test(out.hotline)) out.hotline = "";
  return out.text || out.hotline || out.offices ? out : null;
}

export function helpBlock(err) {
  const h = helpOf(err);
  if (!h) return null;
  return el("div", { class: "help-box" },
    el("p", { class: "help-title" }, t("js.help.title")),
    h.text ? el("p", { class: "help-text" }, h.text) : null,
    h.hotline ? el("p", {}, el("a", { class: "help-hotline", href: "tel:" + h.hotline.replace(/[ -]/g, "") }, t("js.help.hotline", h.hotline))) : null,
    h.offices ? el("p", {}, el("a", { class: "help-offices", href: h.offices, rel: "noopener noreferrer" }, t("js.help.offices"))) : null);
}

export function clearError(target) {
  const box = typeof target === "string" ? $(target) : target;
  if (box) { box.replaceChildren(); box.hidden = true; }
}

// ---- the wallet in this browser ----

// maskWanghao is a 网号 as the platform masks it (netnum.Mask): the first
// and last four characters, in groups of four.
export function maskWanghao(w) {
  if (typeof w !== "string" || w.length !== 16) return "****-****-****-****";
  return w.slice(0, 4) + "-****-****-" + w.slice(12, 16);
}

// saveIssued keeps a credential the platform just issued: the profile and
// the secrets sealed under password. batchKeys name the batch keys in the
// order of their proofs; extra goes into the secrets as well (the chip
// data for the eID card, for example).
export async function saveIssued(issued, password, batchKeys = [], extra = {}) {
  await saveProfile({ issuer: location.origin, credentialId: issued.credential_id,
    maskedWanghao: maskWanghao(issued.wanghao), expiresAt: issued.expires_at, created: new Date().toISOString() });
  await saveSecrets(password, { ...extra, wanghao: issued.wanghao, credential: issued.credential,
    batch: (issued.batch || []).map((c, i) => ({ key: batchKeys[i], credential: c })) });
}

const PROFILE = "profile";
const PENDING = "pending";
const SECRETS = "secrets";
export const PROFILE_VERSION = 1;

export async function profile() {
  const p = await wc.loadPlain(PROFILE);
  return p && p.v === PROFILE_VERSION ? p : null;
}

export async function saveProfile(p) {
  await wc.savePlain(PROFILE, { ...p, v: PROFILE_VERSION });
}

export async function unlock(password) {
  const sealed = await wc.loadSealed(SECRETS);
  if (sealed === null) throw new wc.WalletCryptoError("no-key", "no wallet in this browser");
  return wc.open(password, sealed);
}

export async function saveSecrets(password, secrets) {
  await wc.saveSealed(SECRETS, await wc.seal(password, secrets));
}

export async function pending() {
  return wc.loadPlain(PENDING);
}

export async function savePending(app) {
  await wc.savePlain(PENDING, app);
}

export async function clearPending() {
  await wc.deletePlain(PENDING);
}

export async function wipe() {
  await wc.wipe();
}

// ready runs fn once the page has loaded, and shows an error in the
// page's #error box if it fails.
export function ready(fn) {
  const go = () => Promise.resolve().then(fn).catch((e) => showError("error", e));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go, { once: true });
  else go();
}

// A page served over plain http to another device is not a secure
// context: the browser gives it no WebCrypto (crypto.subtle) and no
// camera, so no wallet can live there. Say so at once, rather than fail at
// the first key or picture.
if (typeof window !== "undefined" && !window.isSecureContext) {
  const say = () => {
    const e = new Error("not a secure context");
    e.name = "InsecureContext";
    showError("error", e);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", say, { once: true });
  else say();
}
