// eid.js: the electronic ID card (电子身份证).
//
// Adding the card: the holder's 8-digit 网证口令 opens the wallet's
// secrets, which hold the chip data ({dg1, dg2, sod}) the holder applied
// with; the card must be the credential holder's (document type, number
// and name equal the credential's disclosures, each found under a digest
// the issuer signed), and its attributes and photo are sealed under a
// 6-digit usage password of its own in the sealed record "eid", as the
// CLI wallet keeps eid.json.
//
// Opening it with the usage password shows the attributes and the photo
// (a blob: URL). Its QR code is the CLI wallet's: online, "NETIDEID1." and
// a compact JWS by the device key (typ netid-eid+jwt, kid the credential
// ID, claims iss, cid, iat, exp = iat + 60 s, jti); offline,
// "NETIDEID1SD." and a presentation disclosing age_over_18 to the audience
// netid:eid. A new code replaces it every 30 s (?renew=N, 1 to 30,
// shortens that), with a countdown; "who checked it" lists the eID
// checks of the holder's history.
import { $, show, t, has, el, PageError, profile, holderApi, showError, clearError, unlock, busy, wc, ready } from "../wallet.js";
import { drawQR } from "../qrdraw.js";

const RECORD = "eid";
const CARD_VERSION = 1;
const PREFIX_ONLINE = "NETIDEID1.";
const PREFIX_OFFLINE = "NETIDEID1SD.";
const TYP = "netid-eid+jwt";
const WINDOW = 60;
const RENEW = 30;
const AUDIENCE_OFFLINE = "netid:eid";
const OFFLINE_DISCLOSE = ["age_over_18"];
const MAX_OFFLINE = 2953;
const MAX_PHOTO = 512 << 10;


// renewEvery is the renewal period in seconds: 30, or the page's ?renew=
// (1 to 30) for a demonstration or a test.
function renewEvery() {
  const n = Number.parseInt(new URLSearchParams(location.search).get("renew") || "", 10);
  return Number.isInteger(n) && n >= 1 && n <= RENEW ? n : RENEW;
}

// ---- the card from the chip ----

const utf8 = new TextDecoder("utf-8", { fatal: true });

function unb64(s) {
  if (typeof s !== "string" || s === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new PageError("eid.err.chip");
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function b64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function photoType(b) {
  if (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length > 8 && png.every((v, i) => b[i] === v)) return "image/png";
  return "";
}

// cardFromChip reads DG1 (the identity as JSON) and DG2 (the photo) and
// checks that they hold what a document's chip must, as the CLI wallet's
// checkCard does.
function cardFromChip(chip) {
  if (!chip || typeof chip !== "object") throw new PageError("eid.err.no-chip");
  let id;
  try {
    id = JSON.parse(utf8.decode(unb64(chip.dg1)));
  } catch {
    throw new PageError("eid.err.chip");
  }
  const photo = unb64(chip.dg2);
  const str = (v) => typeof v === "string" && v !== "";
  if (!id || !str(id.type) || !str(id.number) || !str(id.name) || !str(id.birth_date) || !str(id.valid_from) ||
      photo.length === 0 || photo.length > MAX_PHOTO || photoType(photo) === "") {
    throw new PageError("eid.err.chip");
  }
  return { v: CARD_VERSION, identity: id, photo: b64(photo), photoType: photoType(photo), addedAt: new Date().toISOString() };
}

// disclosures are the credential's disclosed claims: those of its
// disclosures whose digest is in the issuer-signed payload's _sd.
async function disclosures(sdjwt) {
  if (typeof sdjwt !== "string") throw new PageError("eid.err.mismatch");
  const parts = sdjwt.split("~");
  const jwt = parts[0].split(".");
  if (jwt.length !== 3) throw new PageError("eid.err.mismatch");
  const payload = JSON.parse(new TextDecoder().decode(wc.unb64url(jwt[1])));
  const signed = new Set(Array.isArray(payload._sd) ? payload._sd : []);
  // Digests under the credential's _sd_alg: SHA-256, or SM3 on an sm
  // platform.
  const alg = wc.sdAlg(sdjwt);
  const out = {};
  for (const d of parts.slice(1, -1)) {
    const digest = await wc.sdDigest(alg, d);
    if (!signed.has(digest)) continue;
    const v = JSON.parse(new TextDecoder().decode(wc.unb64url(d)));
    if (Array.isArray(v) && v.length === 3 && typeof v[1] === "string") out[v[1]] = v[2];
  }
  return { payload, claims: out };
}

// reduced is the issued SD-JWT sdjwt with only the disclosures of the
// top-level claims in names.
async function reduced(sdjwt, names) {
  const parts = sdjwt.split("~");
  const { payload } = await disclosures(sdjwt);
  const signed = new Set(Array.isArray(payload._sd) ? payload._sd : []);
  const alg = wc.sdAlg(sdjwt);
  let out = parts[0] + "~";
  for (const d of parts.slice(1, -1)) {
    const digest = await wc.sdDigest(alg, d);
    const v = JSON.parse(new TextDecoder().decode(wc.unb64url(d)));
    if (signed.has(digest) && Array.isArray(v) && v.length === 3 && names.includes(v[1])) out += d + "~";
  }
  return out;
}

function same(a, b) {
  if (typeof a !== "string" || typeof b !== "string" || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

// checkHolder: the card is the document the credential was issued for.
async function checkHolder(credential, id) {
  const { claims } = await disclosures(credential);
  for (const [claim, want] of [["document_type", id.type], ["document_number", id.number], ["name", id.name]]) {
    if (!same(claims[claim], want)) throw new PageError("eid.err.mismatch");
  }
}

// ---- adding, opening ----

let current = null; // the opened card
let photoURL = null;

async function addCard() {
  clearError("add-error");
  const usage = $("add-usage").value;
  if (!/^[0-9]{6}$/.test(usage)) throw new PageError("eid.err.usage-rule");
  if (usage !== $("add-usage-again").value) throw new PageError("eid.err.usage-mismatch");
  const p = await profile();
  const secrets = await unlock($("add-password").value);
  const card = cardFromChip(secrets.chip);
  await checkHolder(secrets.credential, card.identity);
  card.credentialId = p.credentialId;
  // For the offline code, the card keeps the credential reduced to the
  // disclosure that code shows (age_over_18, which the card's birth date
  // tells anyway): the usage password guards nothing the 网证口令 guards.
  card.offline = await reduced(secrets.credential, OFFLINE_DISCLOSE);
  await wc.saveSealed(RECORD, await wc.seal(usage, card));
  $("add-form").reset();
  openedCard(card);
}

async function openCard() {
  clearError("open-error");
  const sealed = await wc.loadSealed(RECORD);
  if (sealed === null) throw new PageError("eid.err.no-card");
  let card;
  try {
    card = await wc.open($("open-usage").value, sealed);
  } catch (e) {
    if (e instanceof wc.WalletCryptoError && e.code === "wrong-password") throw new PageError("eid.err.usage-wrong");
    throw e;
  }
  if (!card || card.v !== CARD_VERSION || !card.identity) throw new PageError("eid.err.chip");
  $("open-form").reset();
  openedCard(card);
}

function sexText(s) {
  return s === "M" || s === "F" ? t("eid.sex." + s) : s || "";
}

function openedCard(card) {
  current = card;
  const id = card.identity;
  const until = !id.valid_until || id.valid_until.startsWith("0000") ? t("eid.long-term") : id.valid_until;
  const rows = [
    ["eid.f.type", has("eid.type." + id.type) ? t("eid.type." + id.type) : id.type],
    ["eid.f.name", id.name], ["eid.f.name-latin", id.name_latin], ["eid.f.sex", sexText(id.sex)],
    ["eid.f.ethnicity", id.ethnicity], ["eid.f.nationality", id.nationality], ["eid.f.birth", id.birth_date],
    ["eid.f.address", id.address], ["eid.f.number", id.number], ["eid.f.authority", id.issuing_authority],
    ["eid.f.validity", id.valid_from + " – " + until],
  ];
  $("attrs").replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", null, t(k)), el("dd", { id: "attr-" + k.slice(6) }, v)]));
  if (photoURL) URL.revokeObjectURL(photoURL);
  photoURL = URL.createObjectURL(new Blob([unb64(card.photo)], { type: card.photoType }));
  $("photo").src = photoURL;
  show("add", false);
  show("open", false);
  show("replace");
  show("card");
  $("card-h").focus();
}

function closeCard() {
  stopCode();
  current = null;
  if (photoURL) URL.revokeObjectURL(photoURL);
  photoURL = null;
  $("photo").removeAttribute("src");
  $("attrs").replaceChildren();
  show("card", false);
  show("open");
  $("open-usage").focus();
}

// ---- the QR code ----

let timer = null;
let seq = 0;

async function onlinePayload(p, keys) {
  const iat = Math.floor(Date.now() / 1000);
  const jti = wc.b64url(crypto.getRandomValues(new Uint8Array(16)));
  const claims = { iss: p.issuer, cid: p.credentialId, iat, exp: iat + WINDOW, jti };
  return PREFIX_ONLINE + (await wc.signJws(keys.privateKey, { typ: TYP, kid: p.credentialId }, claims));
}

async function offlinePayload(p, keys) {
  if (!current.offline || current.credentialId !== p.credentialId) throw new PageError("eid.err.offline-stale");
  const { payload } = await disclosures(current.offline);
  let consent;
  if (payload.guardian_consent_required === true) {
    // An under-14 holder's code carries the guardian's consent for
    // in-person checks, fetched now while online.
    const jkt = await wc.thumbprint(await wc.publicJwk(keys));
    const list = await holderApi("GET", "/v1/wallet/guardian-consents");
    const st = (list.statements || []).find((s) => s.audience === AUDIENCE_OFFLINE && s.key_thumbprint === jkt && Date.parse(s.expires_at) > Date.now());
    if (!st) throw new PageError("eid.err.offline-consent");
    consent = st.statement;
  }
  const nonce = wc.b64url(crypto.getRandomValues(new Uint8Array(16)));
  const code = PREFIX_OFFLINE + (await wc.present(current.offline, OFFLINE_DISCLOSE, keys, AUDIENCE_OFFLINE, nonce, { consent }));
  if (code.length > MAX_OFFLINE) throw new PageError("eid.err.offline-size");
  return code;
}

async function renew() {
  const p = await profile();
  if (p.expiresAt && Date.parse(p.expiresAt) <= Date.now()) throw new PageError("eid.err.expired");
  const keys = await wc.loadKey("device");
  if (!keys) throw new wc.WalletCryptoError("no-key", "no device key");
  const offline = $("offline").checked;
  const code = offline ? await offlinePayload(p, keys) : await onlinePayload(p, keys);
  const canvas = $("qr");
  drawQR(canvas, code, { level: offline ? "L" : "M" });
  seq++;
  canvas.dataset.seq = String(seq);
  $("code-kind").textContent = t(offline ? "eid.code.offline-now" : "eid.code.online-now");
  return Date.now() + renewEvery() * 1000;
}

function countdown(next) {
  const left = Math.max(0, Math.ceil((next - Date.now()) / 1000));
  $("countdown").textContent = t("eid.code.renews", left);
  return left;
}

async function showCode() {
  clearError("code-error");
  stopCode();
  let next = await renew();
  show("code");
  countdown(next);
  $("code-h").focus();
  let working = false;
  timer = setInterval(async () => {
    if (working) return;
    if (countdown(next) > 0) return;
    working = true;
    try {
      next = await renew();
      countdown(next);
      loadChecks().catch(() => {});
    } catch (e) {
      stopCode();
      showError("code-error", e);
    } finally {
      working = false;
    }
  }, 250);
}

function stopCode() {
  if (timer !== null) clearInterval(timer);
  timer = null;
  const canvas = $("qr");
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  show("code", false);
}

function fullScreen() {
  const box = $("code");
  if (document.fullscreenElement) {
    document.exitFullscreen().catch(() => {});
  } else if (document.fullscreenEnabled && box.requestFullscreen) {
    box.requestFullscreen().catch(() => box.classList.toggle("enlarged"));
  } else {
    box.classList.toggle("enlarged");
  }
}

// ---- who checked it ----

function outcomeText(o) {
  return has("eid.outcome." + o) ? t("eid.outcome." + o) : o;
}

async function loadChecks() {
  const h = await holderApi("GET", "/v1/wallet/history?limit=100");
  const checks = (h.records || []).filter((r) => r.channel === "eid");
  $("check-list").replaceChildren(...checks.map((r) => el("li", { class: "check" },
    el("span", { class: "check-who" }, r.relying_party || r.rp_id || t("eid.checks.unknown")), " ",
    el("time", { datetime: r.time }, new Date(r.time).toLocaleString(document.documentElement.lang)), " ",
    el("span", { class: "check-outcome" }, outcomeText(r.outcome)),
    r.provided && r.provided.length ? el("span", { class: "check-provided" }, " · " + t("eid.checks.provided", r.provided.join(", "))) : null)));
  show("checks-none", checks.length === 0);
  show("checks");
}

// ---- full-data requests (实名登记) ----
//
// A hotel or a counter that checked the code may ask for the full name
// and document number. While this page is open it asks the platform every
// few seconds (GET /v1/wallet/eid/full-data) and shows a request with
// exactly what the verifier would receive; the holder agrees with the
// 网证口令 (a separate consent for this check) or declines
// (POST /v1/wallet/eid/full-data/{id}).

const FULL_POLL = 2500;
let fullTimer = null;
let fullShown = null;

async function pollFullData() {
  const list = await holderApi("GET", "/v1/wallet/eid/full-data");
  const reqs = (list && list.requests) || [];
  if (reqs.length === 0 || reqs.some((r) => r.id === fullShown)) return;
  showFull(reqs[0]);
}

function showFull(r) {
  fullShown = r.id;
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  $("code").classList.remove("enlarged");
  $("full-intro").textContent = t("eid.full.intro", r.rp_name);
  $("full-law").textContent = r.legal_basis;
  $("full-device").textContent = r.device || r.rp_name;
  $("full-name").textContent = r.name;
  $("full-number").textContent = r.document_number;
  $("full-until").textContent = t("eid.full.until", new Date(r.expires_at).toLocaleTimeString(document.documentElement.lang));
  $("full-password").value = "";
  clearError("full-error");
  show("full-done", false);
  show("full-form", true);
  show("full", true);
  $("full").focus();
}

async function answerFull(approve) {
  const body = { decision: approve ? "approve" : "decline" };
  if (approve) {
    body.password = $("full-password").value;
    if (!/^[0-9]{8}$/.test(body.password)) throw new PageError("eid.full.err.password");
  }
  await holderApi("POST", "/v1/wallet/eid/full-data/" + encodeURIComponent(fullShown), { body });
  $("full-password").value = "";
  $("full-name").textContent = "";
  $("full-number").textContent = "";
  show("full-form", false);
  $("full-done").textContent = t(approve ? "eid.full.approved" : "eid.full.declined");
  show("full-done", true);
  loadChecks().catch(() => {});
}

function watchFullData() {
  if (fullTimer !== null) return;
  pollFullData().catch(() => {});
  fullTimer = setInterval(() => {
    if (!document.hidden) pollFullData().catch(() => {});
  }, FULL_POLL);
}

// ---- the page ----

async function main() {
  const p = await profile();
  if (!p) {
    show("none");
    return;
  }
  const has = (await wc.loadSealed(RECORD)) !== null;
  show(has ? "open" : "add");
  show("replace", has);
  loadChecks().catch((e) => showError("checks-error", e));

  const submit = (formId, box, fn) => {
    $(formId).addEventListener("submit", (ev) => {
      ev.preventDefault();
      busy($(formId), fn).catch((e) => showError(box, e));
    });
  };
  submit("add-form", "add-error", addCard);
  submit("open-form", "open-error", openCard);
  $("replace").addEventListener("click", () => {
    show("open", false);
    show("add");
    $("add-password").focus();
  });
  $("show-code").addEventListener("click", () => showCode().catch((e) => showError("code-error", e)));
  $("close-card").addEventListener("click", closeCard);
  $("stop-code").addEventListener("click", () => { stopCode(); $("show-code").focus(); });
  $("fullscreen").addEventListener("click", fullScreen);
  $("offline").addEventListener("change", () => { if (timer !== null) showCode().catch((e) => showError("code-error", e)); });
  $("checks-refresh").addEventListener("click", () => loadChecks().catch((e) => showError("checks-error", e)));
  submit("full-form", "full-error", () => answerFull(true));
  $("full-decline").addEventListener("click", () => busy($("full-form"), () => answerFull(false)).catch((e) => showError("full-error", e)));
  watchFullData();
  // A code on a hidden page is not renewed; it is made anew on return.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && timer !== null) stopCode();
  });
}

ready(main);
