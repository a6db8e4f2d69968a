// steps.js: the steps of an application (申领) and of re-proofing, shared
// by the Apply page and Settings (new device, forgotten password, new
// phone, lost device).
//
// An ES module with no dependency and no build step, on wallet.js. Each
// step is the person's side of one state of an application: it fills a
// box with its form, talks to the platform through wallet.api with the
// application's bearer token, and resolves with the application as the
// platform answers after the step (the api.Application JSON: {id, kind,
// state, …}); then it empties the box. A failure the person can mend (a
// wrong code, a file that is no chip, a face that did not match) is shown
// in the step's own alert box, saying what to do, and the person tries
// again; the step rejects only when the application cannot go on here
// (ended, expired, declined, moved on in another tab: see isTerminal), so
// that the page reads the application's state again.
//
// The context every step takes (one object, shared by the steps of one
// application; the steps read and set its fields):
//
//   ctx = {
//     app:      {id, token}     the application and its bearer token
//     view:     the application's latest view (GET /v1/applications/{id});
//               steps read face_challenge, face_image_hash, on_behalf
//     dev:      true on a --dev platform: steps offer the dev fixtures
//               (/dev/documents, /dev/sms, /dev/relationships)
//     face:     true when the platform relays face checks to a liveness
//               provider (POST /v1/liveness; --liveness-url, or --dev's)
//     chip:     the chip container {dg1, dg2, sod} once read; the
//               document step sets it; face reads the face image's hash
//               from it (unless view.face_image_hash), relationship the
//               child's document number, password the birth date
//     phone:    the number the SMS code went to (the phone step sets it)
//     password: the 口令 the password step gave the platform (the page
//               seals the wallet with it)
//   }
//
// Steps (box: an element whose children the step replaces):
//
//   document(box, ctx, {submit = true, documentType})
//       state "document": the reader's JSON file {dg1, dg2, sod}, or in
//       dev a test document made by the dev document authority
//       (POST /dev/documents); PUT …/document. documentType: the type the
//       application was started with (a chip of another type is refused
//       before it is sent). submit false only reads the chip into ctx.chip
//       (a page that needs it after the document step, e.g. on another
//       device) and resolves with ctx.view.
//   relationship(box, ctx)
//       state "relationship": the guardian's 网号 and the relationship
//       evidence (in dev made by POST /dev/relationships for the child
//       reference of this application); PUT …/relationship.
//   face(box, ctx)
//       state "face": the camera (getUserMedia) in a <video>, a captured
//       frame, the liveness attestation from the platform's relay
//       (POST /v1/liveness with the application's token; without a
//       provider, ctx.face false or the answer liveness-unavailable, the
//       step says so and offers no capture); POST …/face.
//   phone(box, ctx, {linked = false})
//       state "phone": the number, POST …/phone; the 6-digit code,
//       POST …/phone/verify; in dev a button shows the dev outbox's code
//       (GET /dev/sms). linked: re-proofing, the number must be the one
//       already linked.
//   password(box, ctx, {current = false})
//       state "password": a new 8-digit 口令 with password.js's rules shown
//       as the person types and a confirmation field (the button stays
//       disabled while a rule is broken or the two differ); current: the
//       口令 the platform already holds (re-proofing), one field, no rules.
//       PUT …/password.
//
//   STEPS                        {document, relationship, face, phone,
//                                password}: the step for a state's name
//   isTerminal(err)              whether an error ends the step (above)
//   readChip(file)               → Promise<chip>; StepError "bad-chip"
//   parseChip(json)              → chip, from the file's text
//   identityOf(chip)             → the DG1 identity {type, number, name,
//                                birth_date, …}
//   faceHash(chip)               → Promise<string> base64url SHA-256 of DG2
//   childRef(appId, type, number) → Promise<string> (guardian.ChildRef)
//   StepError {code}             messages js.steps.error.<code>
//
// Controls carry ids starting with "step-" (one step is shown at a time);
// the tests drive the steps by them.

import { api, t, has, el, busy, showError, clearError, errorText, helpBlock, ApiError, wc } from "./wallet.js";
import * as pw from "./password.js";

// The steps' look, shared by every page that shows them.
if (!document.querySelector('link[href="/wallet/static/steps.css"]')) {
  document.head.append(el("link", { rel: "stylesheet", href: "/wallet/static/steps.css" }));
}

export class StepError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = "StepError";
    this.code = code;
  }
}

// ---- chip data ----

const MAX_CHIP = 1 << 20;

function b64std(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return btoa(s);
}

function unb64std(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function parseChip(text) {
  let c;
  try {
    c = JSON.parse(text);
  } catch {
    throw new StepError("bad-chip", "not JSON");
  }
  if (!c || typeof c !== "object" || Array.isArray(c)) throw new StepError("bad-chip", "not an object");
  for (const k of ["dg1", "dg2", "sod"]) {
    if (typeof c[k] !== "string" || c[k] === "") throw new StepError("bad-chip", "no " + k);
  }
  const chip = { dg1: c.dg1, dg2: c.dg2, sod: c.sod };
  identityOf(chip);
  return chip;
}

export async function readChip(file) {
  if (!file) throw new StepError("no-file");
  if (file.size > MAX_CHIP) throw new StepError("bad-chip", "too large");
  return parseChip(await file.text());
}

export function identityOf(chip) {
  try {
    const id = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(unb64std(chip.dg1)));
    if (!id || typeof id.type !== "string" || typeof id.number !== "string") throw new Error("no type or number");
    return id;
  } catch (e) {
    if (e instanceof StepError) throw e;
    throw new StepError("bad-chip", "DG1 is not identity JSON");
  }
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

export async function faceHash(chip) {
  return wc.b64url(await sha256(unb64std(chip.dg2)));
}

// childRef is guardian.ChildRef: the SHA-256 of "netid/child-ref/v1",
// the application's ID, the document type and the normalized number, each
// followed by a zero byte, base64url.
export async function childRef(appId, type, number) {
  const enc = new TextEncoder();
  const parts = ["netid/child-ref/v1", appId, type, String(number).trim().toUpperCase()];
  const chunks = parts.map((p) => enc.encode(p));
  const total = chunks.reduce((n, c) => n + c.length + 1, 0);
  const buf = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    buf.set(c, o);
    o += c.length + 1;
  }
  return wc.b64url(await sha256(buf));
}

function birthOf(chip) {
  if (!chip) return null;
  try {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(identityOf(chip).birth_date || "");
    return m ? { year: +m[1], month: +m[2], day: +m[3] } : null;
  } catch {
    return null;
  }
}

// ---- test documents (dev) ----

const DEV_AUTHORITY = "开发测试签发机关";

function randomDigits(n) {
  const b = crypto.getRandomValues(new Uint8Array(n));
  return [...b].map((x) => String(x % 10)).join("");
}

function checkChar(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * w[i];
  const c = (12 - (sum % 11)) % 11;
  return c === 10 ? "X" : String(c);
}

// number18 is a GB 11643 number: address code, birth date, a sequence
// code (odd for a man, even for a woman) and the check character.
function number18(prefix, birth, sex) {
  let seq = 1 + (crypto.getRandomValues(new Uint16Array(1))[0] % 998);
  if ((seq % 2 === 1) !== (sex === "M")) seq += 1;
  const first17 = prefix + birth.replace(/-/g, "") + String(seq).padStart(3, "0");
  return first17 + checkChar(first17);
}

// testNumber is a valid number of type for a person born on birth
// (YYYY-MM-DD) of sex.
export function testNumber(type, birth, sex) {
  switch (type) {
    case "resident_id_card": return number18("110105", birth, sex);
    case "hk_macau_residence_permit": return number18("810000", birth, sex);
    case "taiwan_residence_permit": return number18("830000", birth, sex);
    case "hk_macau_travel_permit": return "H" + randomDigits(8);
    case "taiwan_travel_permit": return randomDigits(8);
    case "foreign_permanent_residence_id": return number18("911840", birth, sex);
    case "passport": return "E" + randomDigits(8);
  }
  throw new StepError("bad-chip", "unknown document type");
}

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

async function mintTestDocument(type, name, birth, sex) {
  const now = new Date();
  const identity = {
    type, number: testNumber(type, birth, sex), name, sex, birth_date: birth,
    issuing_authority: DEV_AUTHORITY,
    valid_from: isoDay(new Date(now.getTime() - 365 * 86400000)),
    valid_until: isoDay(new Date(now.getTime() + 10 * 365 * 86400000)),
  };
  if (type === "foreign_permanent_residence_id") identity.nationality = "USA";
  else identity.ethnicity = "汉";
  if (type === "resident_id_card") identity.address = "北京市朝阳区测试路1号";
  return api("POST", "/dev/documents", { body: { identity } });
}

// ---- what the steps share ----

const TERMINAL = new Set([
  "application-not-found", "application-expired", "application-declined", "wrong-state",
  "face-attempts-exhausted", "password-tries-exhausted", "status-401",
]);

export function isTerminal(err) {
  return err instanceof ApiError && TERMINAL.has(err.slug);
}

function appPath(ctx, sub = "") {
  return "/v1/applications/" + encodeURIComponent(ctx.app.id) + sub;
}

function call(ctx, method, sub, body) {
  return api(method, appPath(ctx, sub), { body, token: ctx.app.token });
}

// frame makes the step's section: a heading (focused when the step
// appears, so a screen reader says where the person is), the lines of
// text, and an alert box for the step's errors.
function frame(box, name, title, ...lines) {
  const h = el("h2", { id: "step-" + name + "-h", tabindex: "-1" }, title);
  const alert = el("div", { id: "step-error", class: "error", role: "alert", tabindex: "-1", hidden: true });
  const sec = el("section", { class: "card step", id: "step-" + name + "-step", "aria-labelledby": h.id }, h,
    ...lines.map((l) => el("p", {}, l)), alert);
  box.replaceChildren(sec);
  h.focus();
  return { sec, alert };
}

function field(id, label, attrs = {}, hint) {
  const hintEl = hint ? el("p", { class: "hint", id: id + "-hint" }, hint) : null;
  const input = el("input", { id, name: id, ...(hint ? { "aria-describedby": id + "-hint" } : {}), ...attrs });
  return { wrap: el("div", { class: "field" }, el("label", { for: id }, label), input, hintEl), input };
}

function button(id, label, attrs = {}) {
  return el("button", { id, type: "submit", ...attrs }, label);
}

// fail shows err in the step's alert box; advice {what, next} replaces
// the general words where the step knows better what happened and what to
// do. A terminal error is rethrown.
function fail(alert, err, advice) {
  if (isTerminal(err)) throw err;
  if (advice) {
    // The catalogue's text for the problem if it has one, else the
    // step's own.
    const own = err instanceof ApiError && has("err." + err.slug);
    const what = own || !advice.what ? errorText(err).what : advice.what;
    const next = advice.next;
    const rem = err instanceof ApiError && err.problem && Number.isInteger(err.problem.remaining_attempts)
      ? t("js.error.remaining", err.problem.remaining_attempts) + " " : "";
    alert.replaceChildren(el("p", { class: "what" }, what), el("p", { class: "next" }, rem + next), helpBlock(err));
    alert.hidden = false;
    alert.focus();
    return;
  }
  if (err instanceof StepError) {
    alert.replaceChildren(el("p", { class: "what" }, t("js.steps.error." + err.code)),
      el("p", { class: "next" }, t("js.steps.error." + err.code + ".next")));
    alert.hidden = false;
    alert.focus();
    return;
  }
  showError(alert, err);
}

// run makes a step's promise: build(done, attempt) fills the box; attempt
// runs a try of the step, showing what fails and rejecting on a terminal
// error; done resolves the step and empties the box.
function run(box, build) {
  return new Promise((resolve, reject) => {
    let alert = null;
    const setAlert = (a) => { alert = a; };
    const done = (view) => {
      box.replaceChildren();
      resolve(view);
    };
    const attempt = async (form, fn, advice) => {
      if (alert) clearError(alert);
      try {
        await busy(form, fn);
      } catch (err) {
        try {
          fail(alert, err, typeof advice === "function" ? advice(err) : advice);
        } catch (terminal) {
          box.replaceChildren();
          reject(terminal);
        }
      }
    };
    try {
      build({ done, attempt, setAlert });
    } catch (e) {
      reject(e);
    }
  });
}

// advise returns a step's advice for the problems in table (slug →
// [what, next]).
function advise(table) {
  return (err) => {
    const a = err instanceof ApiError && table[err.slug];
    return a ? { what: a[0], next: a[1] } : null;
  };
}

// ---- document ----

const TYPES = ["resident_id_card", "hk_macau_residence_permit", "taiwan_residence_permit",
  "hk_macau_travel_permit", "taiwan_travel_permit", "foreign_permanent_residence_id", "passport"];

function chipAdvice() {
  const unverifiable = [t("js.steps.document.unverifiable"), t("js.steps.document.unverifiable.next")];
  return advise({
    "guardian-required": [t("js.steps.document.under14"), t("js.steps.document.under14.next")],
    "document-expired": [t("js.steps.document.expired"), t("js.steps.document.expired.next")],
    "document-type-mismatch": [t("js.steps.error.type-mismatch"), t("js.steps.error.type-mismatch.next")],
    "malformed-chip-data": [t("js.steps.error.bad-chip"), t("js.steps.error.bad-chip.next")],
    "chip-signature-invalid": unverifiable,
    "chip-data-altered": unverifiable,
    "untrusted-document-signer": unverifiable,
    "document-signer-certificate-invalid": unverifiable,
  });
}

export function document_(box, ctx, { submit = true, documentType } = {}) {
  return run(box, ({ done, attempt, setAlert }) => {
    const { sec, alert } = frame(box, "document", t(submit ? "js.steps.document.title" : "js.steps.document.again"),
      t(submit ? "js.steps.document.intro" : "js.steps.document.again.intro"));
    setAlert(alert);
    const want = documentType || (ctx.view && ctx.view.document_type) || "";
    const use = async (chip) => {
      const id = identityOf(chip);
      if (want && id.type !== want) throw new StepError("type-mismatch");
      if (!submit) {
        ctx.chip = chip;
        done(ctx.view);
        return;
      }
      const view = await call(ctx, "PUT", "/document", { chip });
      ctx.chip = chip;
      ctx.view = view;
      done(view);
    };
    const file = field("step-chip-file", t("js.steps.document.file"), { type: "file", accept: ".json,application/json", required: true },
      t("js.steps.document.file.hint"));
    const upload = el("form", { id: "step-chip-form" }, file.wrap, el("p", {}, button("step-chip-submit", t("js.steps.document.upload"), { class: "primary" })));
    upload.addEventListener("submit", (ev) => {
      ev.preventDefault();
      attempt(upload, async () => use(await readChip(file.input.files[0])), chipAdvice());
    });
    sec.append(upload);
    if (ctx.dev && TYPES.includes(want)) {
      const name = field("step-mint-name", t("js.steps.document.dev.name"), { type: "text", required: true, autocomplete: "off" });
      const birth = field("step-mint-birth", t("js.steps.document.dev.birth"), { type: "date", required: true, min: "1900-01-01", max: isoDay(new Date()) });
      const sex = el("select", { id: "step-mint-sex", name: "step-mint-sex" },
        el("option", { value: "M" }, t("js.steps.document.dev.male")), el("option", { value: "F" }, t("js.steps.document.dev.female")));
      const mint = el("form", { id: "step-mint-form", class: "dev" },
        el("h3", {}, t("js.steps.document.dev.title")), el("p", {}, t("js.steps.document.dev.intro")),
        name.wrap, birth.wrap,
        el("div", { class: "field" }, el("label", { for: sex.id }, t("js.steps.document.dev.sex")), sex),
        el("p", {}, button("step-mint", t("js.steps.document.dev.make"))));
      mint.addEventListener("submit", (ev) => {
        ev.preventDefault();
        attempt(mint, async () => use(await mintTestDocument(want, name.input.value.trim(), birth.input.value, sex.value)), chipAdvice());
      });
      sec.append(mint);
    }
  });
}

export { document_ as document };

// ---- relationship ----

function normWanghao(s) {
  return s.replace(/[\s-]/g, "").toUpperCase();
}

export function relationship(box, ctx) {
  return run(box, ({ done, attempt, setAlert }) => {
    const { sec, alert } = frame(box, "relationship", t("js.steps.relationship.title"), t("js.steps.relationship.intro"));
    setAlert(alert);
    const g = field("step-guardian", t("js.steps.relationship.guardian"),
      { type: "text", required: true, autocomplete: "off", autocapitalize: "characters", spellcheck: "false", maxlength: "24" },
      t("js.steps.relationship.guardian.hint"));
    const evId = "step-evidence";
    const ev = el("textarea", { id: evId, name: evId, rows: "4", required: true, spellcheck: "false", "aria-describedby": evId + "-hint" });
    const form = el("form", { id: "step-relationship-form" }, g.wrap,
      el("div", { class: "field" }, el("label", { for: evId }, t("js.steps.relationship.evidence")), ev,
        el("p", { class: "hint", id: evId + "-hint" }, t("js.steps.relationship.evidence.hint"))));
    if (ctx.dev) {
      const make = el("button", { id: "step-dev-evidence", type: "button" }, t("js.steps.relationship.dev"));
      make.addEventListener("click", () => attempt(form, async () => {
        if (!ctx.chip) throw new StepError("need-chip");
        const id = identityOf(ctx.chip);
        const ref = await childRef(ctx.app.id, id.type, id.number);
        const r = await api("POST", "/dev/relationships", { body: { guardian: normWanghao(g.input.value), child_ref: ref } });
        ev.value = r.evidence;
      }));
      form.append(el("p", { class: "dev" }, make));
    }
    form.append(el("p", {}, button("step-relationship-submit", t("js.steps.relationship.submit"), { class: "primary" })));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      attempt(form, async () => {
        const view = await call(ctx, "PUT", "/relationship", { guardian: normWanghao(g.input.value), evidence: ev.value.trim() });
        ctx.view = view;
        done(view);
      });
    });
    sec.append(form);
  });
}

// ---- face ----

async function captureFrame(video) {
  const w = Math.min(video.videoWidth || 640, 640);
  const h = Math.round(w * ((video.videoHeight || 480) / (video.videoWidth || 640)));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  canvas.getContext("2d").drawImage(video, 0, 0, w, h);
  const blob = await new Promise((res) => canvas.toBlob(res, "image/jpeg", 0.85));
  if (!blob) throw new StepError("no-frame");
  return new Uint8Array(await blob.arrayBuffer());
}

// FACE_FAILED are the answers of a face check that did not pass, which a
// new picture may mend.
const FACE_FAILED = new Set(["face-mismatch", "not-live", "liveness-binding-mismatch", "liveness-attestation-expired"]);

export function face(box, ctx) {
  return run(box, ({ done, attempt, setAlert }) => {
    const { sec, alert } = frame(box, "face", t("js.steps.face.title"), t("js.steps.face.intro"));
    setAlert(alert);
    // A face check needs the platform's liveness relay; without a
    // provider the person is not asked to look into a camera for nothing.
    const none = () => el("div", { class: "notice", id: "step-face-none", role: "status" },
      el("p", {}, t("js.steps.face.none")), el("p", {}, t("js.steps.face.none.next")));
    if (!ctx.face) {
      sec.append(none());
      return;
    }
    const video = el("video", { id: "step-face-video", autoplay: true, muted: true, playsinline: true, "aria-label": t("js.steps.face.video") });
    video.muted = true;
    const start = el("button", { id: "step-face-start", type: "button" }, t("js.steps.face.start"));
    const shoot = button("step-face-capture", t("js.steps.face.capture"), { class: "primary", hidden: true });
    const form = el("form", { id: "step-face-form" }, el("div", { class: "camera" }, video), el("p", {}, start, " ", shoot));
    let stream = null;
    const stop = () => {
      if (stream) stream.getTracks().forEach((tr) => tr.stop());
      stream = null;
    };
    start.addEventListener("click", () => attempt(form, async () => {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new StepError("no-camera");
      stop();
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
      video.srcObject = stream;
      await video.play().catch(() => {});
      start.hidden = true;
      shoot.hidden = false;
      shoot.focus();
    }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      attempt(form, async () => {
        if (!stream) throw new StepError("no-camera");
        const v = ctx.view || {};
        let hash = v.face_image_hash;
        if (!hash) {
          if (!ctx.chip) throw new StepError("need-chip");
          hash = await faceHash(ctx.chip);
        }
        const capture = await captureFrame(video);
        let att;
        try {
          att = await api("POST", "/v1/liveness", {
            token: ctx.app.token,
            body: { challenge: v.face_challenge, application_id: ctx.app.id, face_image_hash: hash, capture: b64std(capture) },
          });
        } catch (err) {
          if (err instanceof ApiError && err.slug === "liveness-unavailable") {
            stop();
            form.replaceWith(none());
            return;
          }
          throw err;
        }
        const view = await call(ctx, "POST", "/face", { attestation: att.attestation });
        stop();
        ctx.view = view;
        done(view);
      }, (err) => err instanceof ApiError && FACE_FAILED.has(err.slug) ? { what: t("js.steps.face.failed"), next: t("js.steps.face.retry") } : null);
    });
    sec.append(form);
    // The camera stops when the person leaves the page.
    window.addEventListener("pagehide", stop, { once: true });
  });
}

// ---- phone ----

export function phone(box, ctx, { linked = false } = {}) {
  return run(box, ({ done, attempt, setAlert }) => {
    const { sec, alert } = frame(box, "phone", t("js.steps.phone.title"), t(linked ? "js.steps.phone.linked" : "js.steps.phone.intro"));
    setAlert(alert);
    const num = field("step-phone", t("js.steps.phone.number"), { type: "tel", required: true, autocomplete: "tel", inputmode: "tel", maxlength: "20" },
      t("js.steps.phone.number.hint"));
    if (ctx.phone) num.input.value = ctx.phone;
    const send = el("form", { id: "step-phone-form" }, num.wrap, el("p", {}, button("step-phone-send", t("js.steps.phone.send"), { class: "primary" })));
    const code = field("step-code", t("js.steps.phone.code"),
      { type: "text", required: true, autocomplete: "one-time-code", inputmode: "numeric", maxlength: "6", pattern: "[0-9]{6}" });
    const sent = el("p", { id: "step-code-sent", role: "status" });
    const verify = el("form", { id: "step-code-form", hidden: true }, sent, code.wrap,
      el("p", {}, button("step-code-submit", t("js.steps.phone.verify"), { class: "primary" })));
    const sendTo = async () => {
      const number = num.input.value.trim();
      try {
        await call(ctx, "POST", "/phone", { phone: number });
        sent.textContent = t("js.steps.phone.sent");
      } catch (err) {
        // A code was sent moments ago (a reload): that one is still good.
        if (!(err instanceof ApiError && err.slug === "sms-too-soon")) throw err;
        sent.textContent = t("js.steps.phone.sent.before");
      }
      ctx.phone = number;
      verify.hidden = false;
      code.input.focus();
    };
    send.addEventListener("submit", (e) => {
      e.preventDefault();
      attempt(send, sendTo, advise({
        "invalid-phone": [t("js.steps.phone.invalid"), t("js.steps.phone.invalid.next")],
        "phone-not-linked": [t("js.steps.phone.unlinked"), t("js.steps.phone.unlinked.next")],
      }));
    });
    if (ctx.dev) {
      const out = el("output", { id: "step-dev-code", for: "step-dev-sms" });
      const show = el("button", { id: "step-dev-sms", type: "button" }, t("js.steps.phone.dev"));
      show.addEventListener("click", () => attempt(verify, async () => {
        const m = await api("GET", "/dev/sms?phone=" + encodeURIComponent(ctx.phone || num.input.value.trim()));
        out.textContent = t("js.steps.phone.dev.code", m.code || "—");
      }));
      verify.append(el("p", { class: "dev" }, show, " ", out));
    }
    verify.addEventListener("submit", (e) => {
      e.preventDefault();
      attempt(verify, async () => {
        const view = await call(ctx, "POST", "/phone/verify", { code: code.input.value.trim() });
        ctx.view = view;
        done(view);
      }, (err) => {
        if (!(err instanceof ApiError)) return null;
        switch (err.slug) {
          case "wrong-code": return { what: t("js.steps.phone.wrong"), next: t("js.steps.phone.wrong.next") };
          case "code-expired": case "code-used": case "code-attempts-exhausted": case "no-code":
            return { next: t("js.steps.phone.again.next") };
        }
        return null;
      });
    });
    sec.append(send, verify);
  });
}

// ---- password ----

export function password(box, ctx, { current = false } = {}) {
  return run(box, ({ done, attempt, setAlert }) => {
    const { sec, alert } = frame(box, "password", t(current ? "js.steps.password.current" : "js.steps.password.title"),
      t(current ? "js.steps.password.current.intro" : "js.steps.password.intro"));
    setAlert(alert);
    const p1 = field("step-pw", t(current ? "js.steps.password.current.label" : "js.steps.password.new"),
      { type: "password", required: true, inputmode: "numeric", maxlength: "8", autocomplete: current ? "current-password" : "new-password" },
      current ? null : t("js.steps.password.rules"));
    const submit = button("step-pw-submit", t("js.steps.password.submit"), { class: "primary" });
    const form = el("form", { id: "step-pw-form" }, p1.wrap);
    let ok = () => p1.input.value.length > 0;
    if (!current) {
      const birth = birthOf(ctx.chip);
      const items = {};
      const list = el("ul", { class: "rules", id: "step-pw-rules" }, pw.RULES.filter((r) => r !== "birth-date" || birth).map((r) => {
        items[r] = el("li", { "data-rule": r, class: "rule" });
        return items[r];
      }));
      p1.input.setAttribute("aria-describedby", "step-pw-hint step-pw-rules");
      const p2 = field("step-pw2", t("js.steps.password.confirm"),
        { type: "password", required: true, inputmode: "numeric", maxlength: "8", autocomplete: "new-password" });
      const same = el("p", { id: "step-pw-same", class: "rule", "aria-live": "polite" });
      p2.input.setAttribute("aria-describedby", same.id);
      const update = () => {
        const v = p1.input.value;
        for (const { rule, ok: good } of pw.status(v, birth)) {
          if (!items[rule]) continue;
          items[rule].className = "rule " + (v === "" ? "todo" : good ? "ok" : "broken");
          items[rule].replaceChildren(el("span", { class: "mark", "aria-hidden": "true" }, v === "" ? "○" : good ? "✓" : "✗"), " ",
            t("js.steps.rule." + rule), " ",
            el("span", { class: "sr" }, v === "" ? "" : good ? t("js.steps.rule.met") : t("js.steps.rule.broken")));
        }
        const match = p2.input.value !== "" && p2.input.value === v;
        same.className = "rule " + (p2.input.value === "" ? "todo" : match ? "ok" : "broken");
        same.textContent = p2.input.value === "" ? "" : t(match ? "js.steps.password.same" : "js.steps.password.differ");
        submit.disabled = !ok();
      };
      ok = () => pw.check(p1.input.value, birth) === null && p2.input.value === p1.input.value;
      p1.input.addEventListener("input", update);
      p2.input.addEventListener("input", update);
      form.append(list, p2.wrap, same);
      update();
    }
    form.append(el("p", {}, submit));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!ok()) return;
      attempt(form, async () => {
        const value = p1.input.value;
        const view = await call(ctx, "PUT", "/password", { password: value });
        ctx.password = value;
        ctx.view = view;
        done(view);
      }, advise({
        "weak-password": [t("js.steps.password.weak"), t("js.steps.password.weak.next")],
        "wrong-password": [t("js.steps.password.wrong"), t("js.steps.password.wrong.next")],
      })).finally(() => { submit.disabled = !ok(); });
    });
    sec.append(form);
  });
}

export const STEPS = Object.freeze({ document: document_, relationship, face, phone, password });
