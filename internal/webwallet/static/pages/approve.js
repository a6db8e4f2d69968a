// approve.js: answering a relying party's verification (核验).
//
// The code comes from the relying party's QR code (read here from the
// camera with qr.js), from a pasted link, or from the same-device link
// page, which hands the link over in this page's fragment (#link=…) so
// that it never reaches a server's log. The page opens the session with a
// holder proof (POST /v1/wallet/verifications/open), shows who asks, why,
// at what level and for which claims, and the separate consent to
// plaintext data where the relying party has a legal basis (unchecked
// until the holder checks it); it answers (POST
// /v1/wallet/verifications/answer) as the command-line wallet does
// (internal/wallet/approve.go): the 网证口令 from the password level up,
// and at the face level a liveness attestation bound to the session and
// the proofed face, from the platform's liveness relay (POST /v1/liveness
// with a holder proof; the platform asks its liveness provider). Without a
// provider the page says at once that no face check can be done here.
import { $, show, t, has, el, busy, profile, holderApi, showError, clearError, ApiError } from "../wallet.js";
import { parse, LinkError } from "../deeplink.js";

const page = $("approve-page");
// faceCheck: the platform relays face checks to a liveness provider.
const faceCheck = page && page.dataset.face === "1";
const lang = document.documentElement.lang || "zh-CN";

// A LocalError is a mistake the page itself found: its message keys.
class LocalError extends Error {
  constructor(what, next, ...args) {
    super(what);
    this.what = what;
    this.next = next;
    this.args = args;
  }
}

function fail(err) {
  if (err instanceof LocalError) {
    const box = $("error");
    box.replaceChildren(el("p", { class: "what" }, t(err.what, ...err.args)), el("p", { class: "next" }, t(err.next)));
    box.hidden = false;
    box.focus();
    return;
  }
  showError("error", err);
}

function named(prefix, name) {
  return has(prefix + name) ? t(prefix + name) : name;
}

function localTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang);
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
  $("scan-stop").focus();
  const stop = scanVideo(video, (text) => {
    let link;
    try {
      link = parse(text);
    } catch {
      return false; // not a wallet link: keep looking
    }
    queueMicrotask(() => {
      stopScan();
      openLink(link).catch(fail);
    });
    return true;
  });
  scanning = { stop, stream };
}

// captureFace takes one frame from the front camera, as JPEG bytes.
async function captureFace() {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
  const video = $("face-video");
  try {
    video.srcObject = stream;
    show("face-video", true);
    await video.play();
    for (let i = 0; !video.videoWidth; i++) {
      if (i === 100) throw new Error("the camera gives no picture");
      await new Promise((r) => setTimeout(r, 50));
    }
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.85));
    return new Uint8Array(await blob.arrayBuffer());
  } finally {
    stream.getTracks().forEach((tr) => tr.stop());
    video.srcObject = null;
    show("face-video", false);
  }
}

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// ---- the request ----

let current = null; // {code, prompt}

// readLink parses a pasted or scanned link: only links of this platform.
function readLink(s) {
  let l;
  try {
    l = parse(s);
  } catch (e) {
    if (e instanceof LinkError && e.code === "unknown-action") throw new LocalError("approve.link.unknown", "approve.link.unknown.next");
    throw new LocalError("approve.link.bad", "approve.link.bad.next");
  }
  return l;
}

async function openLink(l) {
  clearError("error");
  if (l.platform !== location.origin) throw new LocalError("approve.link.other", "approve.link.other.next", l.platform);
  const prompt = await holderApi("POST", "/v1/wallet/verifications/open", { body: { code: l.code } });
  current = { code: l.code, prompt };
  showPrompt(prompt);
}

function needsPassword(level) {
  return level === "password" || level === "face";
}

// showAlternative shows the relying party's other way in for people who do
// not use a network ID, if it named one: its description, and its address
// as a link (https, or http on this computer, as the platform checked).
function showAlternative(alt) {
  const text = (alt && alt.text) || "";
  const url = (alt && alt.url) || "";
  const linkable = /^https:\/\//.test(url) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url);
  show("alt-box", !!text || linkable);
  show("alt-text", !!text);
  $("alt-text").textContent = text;
  show("alt-url", linkable);
  if (linkable) {
    $("alt-link").setAttribute("href", url);
  } else {
    $("alt-link").removeAttribute("href");
  }
}

function showPrompt(p) {
  const rp = p.relying_party || {};
  $("rp-name").textContent = rp.name || rp.id || "";
  $("rp-domains").textContent = (rp.domains || []).join(lang === "en" ? ", " : "、");
  $("purpose").textContent = p.purpose || "";
  $("level").textContent = named("approve.level.", p.level);
  $("expires").textContent = t("approve.expires", localTime(p.expires_at));
  $("claims").replaceChildren(...(p.claims || []).map((c) => el("li", {}, named("approve.claim.", c))));
  show("guardian", !!p.guardian_consent);
  showAlternative(rp.alternative);
  const plaintext = (p.plaintext || []).length > 0 && !!rp.legal_basis;
  show("plaintext-box", plaintext);
  $("plaintext").checked = false;
  if (plaintext) {
    $("plaintext-basis").textContent = t("approve.plaintext.basis", rp.legal_basis);
    $("plaintext-fields").textContent = t("approve.plaintext.fields",
      p.plaintext.map((c) => named("approve.claim.", c)).join(lang === "en" ? ", " : "、"));
  }
  show("password-box", needsPassword(p.level));
  $("password").value = "";
  const face = p.level === "face";
  show("face-box", face);
  show("approve", !face || faceCheck);
  if (face && !faceCheck) noFaceCheck();
  show("start", false);
  show("ask", true);
  $("ask-h").tabIndex = -1;
  $("ask-h").focus();
}

// noFaceCheck says that no face check can be done here and leaves only
// declining.
function noFaceCheck() {
  show("approve", false);
  $("face-hint").textContent = t("approve.face.none") + " " + t("approve.face.none.next");
}

async function answer(approve) {
  const { code, prompt } = current;
  const body = { code, decision: approve ? "approve" : "decline" };
  if (approve) {
    if (!$("plaintext-box").hidden) body.plaintext_consent = $("plaintext").checked;
    if (needsPassword(prompt.level)) {
      const pw = $("password").value.trim();
      if (!/^[0-9]{8}$/.test(pw)) {
        $("password").focus();
        throw new LocalError("approve.password.missing", "approve.password.missing.next");
      }
      body.password = pw;
    }
    if (prompt.level === "face") {
      const capture = await captureFace();
      let att;
      try {
        att = await holderApi("POST", "/v1/liveness", { body: {
          challenge: prompt.face_challenge, application_id: prompt.session_id,
          face_image_hash: prompt.face_image_hash, capture: base64(capture) } });
      } catch (err) {
        if (!(err instanceof ApiError) || err.slug !== "liveness-unavailable") throw err;
        noFaceCheck();
        return;
      }
      body.face_attestation = att.attestation;
    }
  }
  let r;
  try {
    r = await holderApi("POST", "/v1/wallet/verifications/answer", { body });
  } finally {
    $("password").value = "";
  }
  showDone(r, prompt);
}

function showDone(r, p) {
  const rp = p.relying_party || {};
  const name = rp.name || rp.id || "";
  let what;
  let detail = "";
  switch (r.state) {
    case "approved":
      what = t("approve.done.approved", name);
      detail = t("approve.done.level", named("approve.level.", r.level_reached)) + " " +
        t("approve.done.provided", (r.provided || []).map((c) => named("approve.claim.", c)).join(lang === "en" ? ", " : "、"));
      break;
    case "awaiting_guardian":
      what = t("approve.done.guardian", name);
      break;
    case "declined":
      what = t("approve.done.declined", name);
      break;
    default:
      what = t("approve.done.ended", named("approve.state.", r.state));
  }
  $("done-what").textContent = what;
  $("done-detail").textContent = detail;
  $("done-next").textContent = t("approve.done.next", name);
  const domain = (rp.domains || [])[0];
  const back = $("done-back");
  if (domain && /^[a-z0-9.-]+(:[0-9]{1,5})?$/.test(domain)) {
    back.href = "https://" + domain + "/";
    back.textContent = t("approve.back", domain);
    back.hidden = false;
  } else {
    back.hidden = true;
  }
  current = null;
  show("ask", false);
  show("done", true);
  $("done").focus();
}

// ---- wiring ----

async function main() {
  if (!page) return;
  if (!(await profile())) {
    show("none", true);
    return;
  }
  show("start", true);
  $("scan-start").addEventListener("click", () => startScan().catch((e) => { stopScan(); fail(e); }));
  $("scan-stop").addEventListener("click", stopScan);
  $("paste-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy($("paste-form"), () => openLink(readLink($("link").value.trim()))).catch(fail);
  });
  $("answer-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearError("error");
    busy($("answer-form"), () => answer(true)).catch(fail);
  });
  $("decline").addEventListener("click", () => {
    clearError("error");
    busy($("answer-form"), () => answer(false)).catch(fail);
  });
  // The same-device link page hands the link over in the fragment.
  const frag = new URLSearchParams(location.hash.slice(1));
  const link = frag.get("link");
  if (link) {
    history.replaceState(null, "", location.pathname);
    await openLink(readLink(link));
  }
}

main().catch(fail);
