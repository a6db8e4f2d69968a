// verifier.js: the in-person verifier's terminal (/verify/eid).
//
// A terminal signs in once. Its enrolment code (from the platform's
// operator, netid admin verifier-device add, or from its relying party's
// own call) goes to POST /v1/eid/devices/enrol inside a proof made by a
// new ECDSA P-256 key: non-extractable, kept in IndexedDB under the name
// "verifier" as the wallet keeps its device key (crypto.js), typ
// netid-verifier-enrol+jwt with the public jwk in the header, claims
// {code, aud: this origin, iat}. The terminal's plain record "verifier"
// keeps its device ID and what it showed last (no secret: the key is the
// credential, and it cannot be read out).
//
// Every request after that carries a proof in the Netid-Verifier-Proof
// header: typ netid-verifier+jwt, kid the device ID, claims htm, htu (this
// origin + the path), iat, a random jti and bsh, the base64url SHA-256 of
// the exact body sent. No client ID or secret is ever typed in.
//
// A code is read with the camera (qr.js on the vendored jsQR), typed by a
// hand-held scanner or pasted into the box, or read from a picture. Only
// online codes (NETIDEID1.) are checked here. The result is shown large:
// valid or not valid and why, the photo and the fields the terminal's kind
// of check may see; it clears itself after two minutes. Where the legal
// basis allows it, the terminal may ask for the full name and document
// number: the holder agrees on their own phone, and the page shows them
// once (GET /v1/eid/full-data/{id}, polled while the holder decides).
import { $, show, t, el, PageError, ApiError, api, errorText, helpBlock, showError, clearError, busy, wc, ready } from "../wallet.js";

const KEY = "verifier";
const RECORD = "verifier";
const RECORD_VERSION = 1;
const PROOF_TYPE = "netid-verifier+jwt";
const ENROL_TYPE = "netid-verifier-enrol+jwt";
const PROOF_HEADER = "Netid-Verifier-Proof";
const PREFIX_ONLINE = "NETIDEID1.";
const PREFIX_OFFLINE = "NETIDEID1SD.";
const CODE = /^[2-9ABCDEFGHJKMNPQRSTVWXYZ]{16}$/;
const PROBLEM_BASE = "https://netid.dev/problems/";
const CLEAR_AFTER = 120 * 1000;
const POLL_EVERY = 1500;

const lang = document.documentElement.lang || "zh-CN";
const utf8 = new TextEncoder();

let session = null;

// ---- requests signed by the terminal's key ----

async function deviceApi(method, path, body) {
  const keys = await wc.loadKey(KEY);
  const rec = await wc.loadPlain(RECORD);
  if (!keys || !rec || !rec.deviceId) throw new PageError("verifier.revoked");
  const text = body === undefined ? "" : JSON.stringify(body);
  const bsh = wc.b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text))));
  const proof = await wc.signJws(keys.privateKey, { typ: PROOF_TYPE, kid: rec.deviceId }, {
    htm: method, htu: location.origin + path, iat: Math.floor(Date.now() / 1000),
    jti: wc.b64url(crypto.getRandomValues(new Uint8Array(16))), bsh,
  });
  const headers = { Accept: "application/json", [PROOF_HEADER]: proof };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : text, credentials: "same-origin", cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, "network", null, { cause: e });
  }
  const answer = await r.text();
  let data = null;
  if (answer !== "") {
    try {
      data = JSON.parse(answer);
    } catch (e) {
      throw new ApiError(r.status, "bad-answer", null, { cause: e });
    }
  }
  if (!r.ok) {
    let slug = "status-" + r.status;
    if (data && typeof data.type === "string" && data.type.startsWith(PROBLEM_BASE)) slug = data.type.slice(PROBLEM_BASE.length);
    throw new ApiError(r.status, slug, data);
  }
  return data;
}

function revokedError(e) {
  return (e instanceof ApiError && (e.slug === "verifier-device-revoked" || e.slug === "verifier-device-unauthenticated")) ||
    (e instanceof PageError && e.key === "verifier.revoked");
}

// ---- enrolment ----

async function enrol(typed) {
  const code = typed.toUpperCase().replace(/[\s-]/g, "");
  if (!CODE.test(code)) throw new PageError("verifier.err.code");
  await wc.deleteKey(KEY);
  const pair = await wc.createKey(KEY);
  const proof = await wc.signJws(pair.privateKey, { typ: ENROL_TYPE, jwk: await wc.publicJwk(pair) }, {
    code, aud: location.origin, iat: Math.floor(Date.now() / 1000),
  });
  let s;
  try {
    s = await api("POST", "/v1/eid/devices/enrol", { body: { proof } });
  } catch (e) {
    await wc.deleteKey(KEY);
    throw e;
  }
  await remember(s);
  return s;
}

async function remember(s) {
  await wc.savePlain(RECORD, { v: RECORD_VERSION, deviceId: s.device.id, name: s.device.name, rpName: s.rp_name, kind: s.kind });
}

async function forget() {
  stopScan();
  await wc.deleteKey(KEY);
  await wc.deletePlain(RECORD);
}

// ---- what the page shows ----

function showEnrol(revoked) {
  session = null;
  for (const id of ["terminal", "scan", "manual", "result", "forget-box"]) show(id, false);
  show("revoked", revoked);
  show("enrol", true);
}

function showTerminal(s) {
  session = s;
  show("enrol", false);
  show("revoked", false);
  $("who").textContent = t("verifier.terminal.of", s.rp_name, s.device.name);
  $("kind").textContent = t("verifier.terminal.kind", t("verifier.kind." + s.kind));
  show("full-choice", s.full_data === true);
  show("full-choice-hint", s.full_data === true);
  for (const id of ["terminal", "scan", "manual", "forget-box"]) show(id, true);
}

// ---- the camera ----

let scanning = null;

function stopScan() {
  if (!scanning) return;
  scanning.stop();
  scanning.stream.getTracks().forEach((tr) => tr.stop());
  scanning = null;
  $("scan-video").srcObject = null;
  show("scan-video", false);
  show("scan-stop", false);
  show("scan-start", true);
}

async function startScan() {
  clearError("error");
  const { loadDecoder, scanVideo } = await import("../qr.js");
  await loadDecoder();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  const video = $("scan-video");
  video.srcObject = stream;
  show("scan-video", true);
  try {
    await video.play();
  } catch (e) {
    stream.getTracks().forEach((tr) => tr.stop());
    throw e;
  }
  show("scan-start", false);
  show("scan-stop", true);
  const stop = scanVideo(video, (text) => {
    queueMicrotask(() => {
      stopScan();
      check(text);
    });
    return true;
  });
  scanning = { stop, stream };
}

async function readPicture(file) {
  const { loadDecoder, decodeImage } = await import("../qr.js");
  await loadDecoder();
  const bitmap = await createImageBitmap(file);
  try {
    const text = decodeImage(bitmap);
    if (text === null) throw new PageError("verifier.err.image");
    return text;
  } finally {
    bitmap.close();
  }
}

// ---- the check and its result ----

let photoURL = null;
let clearTimer = null;
let polling = null;

function clearResult() {
  clearTimeout(clearTimer);
  clearTimer = null;
  if (polling) polling.stopped = true;
  polling = null;
  if (photoURL) URL.revokeObjectURL(photoURL);
  photoURL = null;
  const photo = $("photo");
  photo.removeAttribute("src");
  show(photo, false);
  $("fields").replaceChildren();
  $("full-name").textContent = "";
  $("full-number").textContent = "";
  $("reason").replaceChildren();
  for (const id of ["result", "reason", "facts", "compare", "full-box", "full-fields", "photo-none"]) show(id, false);
}

function verdict(ok) {
  const box = $("result");
  box.classList.toggle("ok", ok);
  box.classList.toggle("bad", !ok);
  $("verdict").textContent = ok ? t("verifier.ok") : t("verifier.bad");
  show(box, true);
  clearTimer = setTimeout(clearResult, CLEAR_AFTER);
  box.focus();
}

function refuse(err) {
  clearResult();
  const { what, next } = errorText(err);
  // The operator's help, where the holder cannot resolve it alone.
  $("reason").replaceChildren(el("p", { class: "what" }, what), el("p", { class: "next" }, next), helpBlock(err));
  show("reason", true);
  $("checked-at").textContent = "";
  verdict(false);
}

function photoBlob(dataURI) {
  const m = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/]+=*)$/.exec(dataURI || "");
  if (!m) return null;
  const bin = atob(m[2]);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return new Blob([out], { type: m[1] });
}

function value(res, f) {
  switch (f) {
    case "name_masked": return res.name_masked;
    case "number_partial": return res.number_partial;
    case "sex": return t("verifier.sex." + res.sex);
    case "age_over_18": return res.age_over_18 ? t("verifier.adult") : t("verifier.minor");
    case "document_valid_until": return res.document_valid_until === "long_term" ? t("verifier.long-term") : res.document_valid_until;
  }
  return null;
}

function showResult(res) {
  clearResult();
  const fields = $("fields");
  for (const f of res.provided || []) {
    if (f === "photo") continue;
    const v = value(res, f);
    if (v === null || v === undefined) continue;
    fields.append(el("dt", {}, t("verifier.f." + f)), el("dd", { id: "f-" + f }, v));
  }
  const wantsPhoto = (res.provided || []).includes("photo");
  const blob = wantsPhoto ? photoBlob(res.photo) : null;
  if (blob) {
    photoURL = URL.createObjectURL(blob);
    $("photo").src = photoURL;
    show("photo", true);
  }
  show("photo-none", wantsPhoto && !blob);
  show("compare", wantsPhoto && blob !== null);
  show("facts", fields.childElementCount > 0 || wantsPhoto);
  const at = new Date(res.checked_at);
  $("checked-at").textContent = t("verifier.checked-at", Number.isNaN(at.getTime()) ? res.checked_at : at.toLocaleString(lang));
  verdict(true);
  if (res.full_data_request) waitForFullData(res.full_data_request);
}

function fullState(key) {
  $("full-state").textContent = t(key);
  show("full-box", true);
}

async function waitForFullData(req) {
  const me = { stopped: false };
  polling = me;
  fullState("verifier.full.waiting");
  const until = Date.parse(req.expires_at) + 5000;
  while (!me.stopped) {
    let ans;
    try {
      ans = await deviceApi("GET", "/v1/eid/full-data/" + encodeURIComponent(req.id));
    } catch (e) {
      if (me.stopped) return;
      showError("error", e);
      return;
    }
    if (me.stopped) return;
    switch (ans.state) {
      case "provided":
        $("full-name").textContent = ans.name;
        $("full-number").textContent = ans.document_number;
        show("full-fields", true);
        fullState("verifier.full.given");
        return;
      case "declined":
        fullState("verifier.full.declined");
        return;
      case "expired":
        fullState("verifier.full.expired");
        return;
      case "already_provided":
        fullState("verifier.full.again");
        return;
    }
    if (Date.now() > until) {
      fullState("verifier.full.expired");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY));
  }
}

async function check(text) {
  clearError("error");
  text = String(text || "").trim();
  try {
    if (text === "") throw new PageError("verifier.err.empty");
    if (text.startsWith(PREFIX_OFFLINE)) throw new PageError("verifier.err.offline");
    if (!text.startsWith(PREFIX_ONLINE)) throw new PageError("verifier.err.notcode");
    const body = { payload: text };
    if (session && session.full_data === true && $("full").checked) body.full_data = true;
    show("checking", true);
    let res;
    try {
      res = await deviceApi("POST", "/v1/eid/verify", body);
    } finally {
      show("checking", false);
    }
    showResult(res);
  } catch (e) {
    if (revokedError(e)) {
      showEnrol(true);
      return;
    }
    refuse(e);
  }
}

// ---- wiring ----

ready(async () => {
  $("enrol-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearError("enrol-error");
    busy($("enrol-form"), async () => {
      const s = await enrol($("enrol-code").value);
      $("enrol-code").value = "";
      showTerminal(s);
      $("terminal-h").focus();
    }).catch((e) => showError("enrol-error", e));
  });
  $("scan-start").addEventListener("click", () => startScan().catch((e) => showError("error", e)));
  $("scan-stop").addEventListener("click", stopScan);
  $("manual-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy($("manual-form"), async () => {
      const file = $("qr-file").files[0];
      let text = $("payload").value;
      if (file && text.trim() === "") {
        try {
          text = await readPicture(file);
        } catch (e) {
          refuse(e instanceof PageError ? e : new PageError("verifier.err.image"));
          return;
        }
      }
      $("payload").value = "";
      $("qr-file").value = "";
      await check(text);
    });
  });
  // A hand-held scanner types the code and presses Enter.
  $("payload").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) {
      ev.preventDefault();
      $("manual-form").requestSubmit();
    }
  });
  $("next").addEventListener("click", () => {
    clearResult();
    $("scan-start").focus();
  });
  $("forget").addEventListener("click", () => {
    if (!confirm(t("verifier.forget.confirm"))) return;
    forget().then(() => showEnrol(false)).catch((e) => showError("error", e));
  });
  const keys = await wc.loadKey(KEY);
  const rec = await wc.loadPlain(RECORD);
  if (!keys || !rec || rec.v !== RECORD_VERSION) {
    showEnrol(false);
    return;
  }
  try {
    const s = await deviceApi("GET", "/v1/eid/device");
    await remember(s);
    showTerminal(s);
  } catch (e) {
    if (revokedError(e)) {
      showEnrol(true);
      return;
    }
    throw e;
  }
});
