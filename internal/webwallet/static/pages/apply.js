// apply.js: the Apply page (申领). The person chooses a document type and
// starts an application; the page then shows the step the platform's
// state asks for (steps.js), one after the other, keeping the application
// as pending so that a reload goes on where it was. A 14–17-year-old's
// application waits for the guardian's confirmation; a guardian's
// application for a child under 14 arrives on the child's device as
// /wallet/apply#app=<id>&token=<token>. At the device step the browser
// makes the device key and the batch keys, proves them, receives the
// credential and keeps it sealed under the 口令.
import {
  $, show, t, el, api, busy, showError, clearError, ApiError,
  profile, pending, savePending, clearPending, saveIssued, wc,
} from "../wallet.js";
import * as steps from "../steps.js";

const root = $("apply");
const dev = root && root.dataset.dev === "1";
// faceCheck: the platform relays face checks to a liveness provider.
const faceCheck = root && root.dataset.face === "1";
const box = $("step");

// How often the page asks whether the guardian has confirmed.
const GUARDIAN_POLL_MS = 3000;

// The sections the page shows one at a time (besides the step box).
const PANELS = ["have", "choose", "waiting", "device", "done", "ended"];

// only shows panel id; its heading takes the focus (so that a screen
// reader says where the person is) unless the page just opened.
function only(id, focus = true) {
  for (const p of PANELS) show(p, p === id);
  if (id !== null && id !== "step") box.replaceChildren();
  const h = focus && id && $(id + "-h");
  if (h) h.focus();
}

// ---- the chip, for this tab only ----
//
// The chip's data (name, number, photo) is needed after the document step
// (the face image's hash, the birth date for the password rules, the
// child's reference for the guardian evidence, the eID card at the end).
// Until the wallet is sealed under the 口令 it stays in this tab's session
// storage: it survives a reload but not the tab.

const CHIP = "netid-apply-chip:";

function loadChip(id) {
  try {
    const s = sessionStorage.getItem(CHIP + id);
    return s ? steps.parseChip(s) : null;
  } catch {
    return null;
  }
}

function keepChip(id, chip) {
  try {
    if (chip) sessionStorage.setItem(CHIP + id, JSON.stringify(chip));
  } catch { /* a full or disabled storage: the page asks again if needed */ }
}

function forgetChip(id) {
  try { sessionStorage.removeItem(CHIP + id); } catch { /* nothing kept */ }
}

// ---- progress ----

function order(view) {
  const s = ["document"];
  if (view.minor) s.push("relationship");
  s.push("face", "phone", "password");
  if (view.minor === "14_to_17") s.push("guardian");
  s.push("device");
  return s;
}

function progress(view) {
  show("under-way", true);
  show("abandon-p", true);
  const all = order(view);
  const at = all.indexOf(view.state);
  $("progress").replaceChildren(...all.map((s, i) => el("li", {
    class: i < at ? "past" : i === at ? "now" : "next", "aria-current": i === at ? "step" : null,
  }, t("apply.step." + s), i < at ? el("span", { class: "sr-only" }, " " + t("apply.step.done")) : null)));
}

function hideProgress() {
  show("under-way", false);
  show("abandon-p", false);
}

// ---- the application ----

async function start(documentType) {
  const started = await api("POST", "/v1/applications", { body: { document_type: documentType } });
  const app = { id: started.id, token: started.token, kind: "apply", documentType };
  await savePending(app);
  return app;
}

function ended(what, next) {
  hideProgress();
  $("ended-h").textContent = what;
  $("ended-next").textContent = next;
  only("ended");
}

async function end(app, what, next) {
  await clearPending();
  forgetChip(app.id);
  ended(what, next);
}

// drive goes through the application's states until it ends or waits.
async function drive(app) {
  const ctx = { app: { id: app.id, token: app.token }, dev, face: faceCheck, chip: loadChip(app.id) };
  for (;;) {
    let view;
    try {
      view = await api("GET", "/v1/applications/" + encodeURIComponent(app.id), { token: app.token });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 401 || err.status === 410)) {
        if (err.slug === "application-declined") return end(app, t("apply.declined"), t("apply.declined.next"));
        return end(app, t("apply.expired"), t("apply.expired.next"));
      }
      throw err;
    }
    ctx.view = view;
    if (!app.documentType && view.document_type) {
      app.documentType = view.document_type;
      await savePending(app);
    }
    switch (view.state) {
      case "issued":
        return end(app, t("apply.issued"), t("apply.issued.next"));
      case "declined":
        return end(app, t("apply.declined"), t("apply.declined.next"));
      case "completed":
        return end(app, t("apply.expired"), t("apply.expired.next"));
      case "guardian":
        progress(view);
        await waitForGuardian(app);
        continue;
      case "device":
        progress(view);
        return device(app, ctx, view);
    }
    const step = steps.STEPS[view.state];
    if (!step) return end(app, t("apply.expired"), t("apply.expired.next"));
    progress(view);
    only("step");
    try {
      if ((view.state === "face" || view.state === "relationship") && !ctx.chip) {
        // Another device started it, or the tab was closed: the chip is
        // read again, here only.
        await steps.document(box, ctx, { submit: false, documentType: app.documentType });
        keepChip(app.id, ctx.chip);
      }
      await step(box, ctx, { documentType: app.documentType });
      if (view.state === "document") keepChip(app.id, ctx.chip);
    } catch (err) {
      // The application ended or moved on: read its state again.
      if (!steps.isTerminal(err)) throw err;
    }
  }
}

// waitForGuardian polls until the application leaves the guardian state.
function waitForGuardian(app) {
  only("waiting");
  return new Promise((resolve) => {
    let timer = null;
    let over = false;
    const finish = () => {
      over = true;
      clearTimeout(timer);
      $("waiting-check").onclick = null;
      resolve(); // drive reads where the application went
    };
    const check = async () => {
      clearTimeout(timer);
      try {
        const v = await api("GET", "/v1/applications/" + encodeURIComponent(app.id), { token: app.token });
        if (v.state !== "guardian") return finish();
      } catch (err) {
        if (err instanceof ApiError && err.slug !== "network") return finish();
        // Offline for a moment: try again later.
      }
      if (!over) timer = setTimeout(check, GUARDIAN_POLL_MS);
    };
    $("waiting-check").onclick = () => { check(); };
    timer = setTimeout(check, GUARDIAN_POLL_MS);
  });
}

// ---- the device ----

// freshKey makes key name. A key of that name without a wallet in this
// browser is left from an earlier try that did not finish: it proves
// nothing the platform holds, and goes.
async function freshKey(name) {
  if (await wc.loadKey(name)) await wc.deleteKey(name);
  return wc.createKey(name);
}

function payloadOf(jwt) {
  const part = jwt.split("~")[0].split(".")[1];
  return JSON.parse(new TextDecoder().decode(wc.unb64url(part)));
}

// boundTo reports whether the issued SD-JWT names keyPair's public key in
// its cnf and this platform as its issuer.
async function boundTo(sdjwt, keyPair) {
  try {
    const p = payloadOf(sdjwt);
    const jwk = await wc.publicJwk(keyPair);
    const cnf = p.cnf && p.cnf.jwk;
    return !!cnf && cnf.x === jwk.x && cnf.y === jwk.y && cnf.crv === jwk.crv && p.iss === location.origin;
  } catch {
    return false;
  }
}

function device(app, ctx, view) {
  only("device");
  const form = $("device");
  const pwField = $("device-pw-field");
  const pwInput = $("device-pw");
  // After a reload past the password step the page no longer knows the
  // 口令: the person gives it again, and the platform checks it (a holder
  // proof of the new credential) before the wallet is sealed with it.
  show(pwField, !ctx.password);
  pwInput.required = !ctx.password;
  // got is the credential once issued: a wrong 口令 is asked again
  // without asking for another credential.
  let got = null;
  form.onsubmit = (e) => {
    e.preventDefault();
    clearError("device-error");
    busy(form, async () => {
      const password = ctx.password || pwInput.value;
      if (!got) got = await issue(app, view);
      if (!ctx.password) await confirmPassword(got.issued, got.keys, password);
      await saveIssued(got.issued, password, got.names, ctx.chip ? { chip: ctx.chip } : {});
      await clearPending();
      forgetChip(app.id);
      done(got.issued);
    }).catch((err) => {
      if (err instanceof NotBound) {
        const box = $("device-error");
        box.replaceChildren(el("p", { class: "what" }, t("apply.device.bound")), el("p", { class: "next" }, t("apply.device.bound.next")));
        box.hidden = false;
        box.focus();
        return;
      }
      if (!got && steps.isTerminal(err)) {
        drive(app).catch((e) => showError("error", e));
        return;
      }
      if (err instanceof ApiError && err.slug === "wrong-password") {
        const left = err.problem && Number.isInteger(err.problem.remaining_attempts) ? t("js.error.remaining", err.problem.remaining_attempts) + " " : "";
        const box = $("device-error");
        box.replaceChildren(el("p", { class: "what" }, t("apply.device.wrong")), el("p", { class: "next" }, left + t("apply.device.wrong.next")));
        box.hidden = false;
        box.focus();
        return;
      }
      showError("device-error", err);
    });
  };
}

class NotBound extends Error {}

// issue makes the device key and the batch keys, proves them (aud this
// platform, nonce the application's device nonce) and receives the
// credential, which must be bound to the device key.
async function issue(app, view) {
  const keys = await freshKey("device");
  const names = [];
  const batch = [];
  for (let i = 1; i <= (view.batch_size || 0); i++) {
    const name = "batch-" + i;
    batch.push(await wc.deviceProof(await freshKey(name), location.origin, view.device_nonce));
    names.push(name);
  }
  const proof = await wc.deviceProof(keys, location.origin, view.device_nonce);
  const issued = await api("POST", "/v1/applications/" + encodeURIComponent(app.id) + "/credential",
    { body: batch.length ? { proof, batch } : { proof }, token: app.token });
  if (!(await boundTo(issued.credential, keys))) throw new NotBound("the credential is not bound to this browser's key");
  return { issued, keys, names };
}

// confirmPassword asks the platform, with a holder proof of the new
// credential, whether password is the 口令 it holds.
async function confirmPassword(issued, keys, password) {
  const path = "/v1/holder/password/verify";
  const proof = await wc.holderProof(keys, issued.credential_id, "POST", location.origin + path);
  const headers = { "Content-Type": "application/json", Accept: "application/json", [wc.HOLDER_PROOF_HEADER]: proof };
  let r;
  try {
    r = await fetch(path, { method: "POST", headers, body: JSON.stringify({ password }), credentials: "same-origin", cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, "network", null, { cause: e });
  }
  if (r.ok) return;
  let problem = null;
  try { problem = await r.json(); } catch { /* no body */ }
  const base = "https://netid.dev/problems/";
  const slug = problem && typeof problem.type === "string" && problem.type.startsWith(base) ? problem.type.slice(base.length) : "status-" + r.status;
  throw new ApiError(r.status, slug, problem);
}

function groups(wanghao) {
  return wanghao.replace(/(.{4})(?=.)/g, "$1 ");
}

function done(issued) {
  hideProgress();
  $("done-wanghao").textContent = groups(issued.wanghao);
  $("done-valid").textContent = t("apply.done.valid", String(issued.expires_at).slice(0, 10));
  only("done");
}

// ---- the page ----

// fromLink takes an application handed over by a link (a guardian's for a
// child under 14) out of the address bar.
function fromLink() {
  if (!location.hash) return null;
  const f = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", location.pathname + location.search);
  const id = f.get("app");
  const token = f.get("token");
  if (!id || !token || id.length > 200 || token.length > 200) return null;
  return { id, token, kind: "apply", documentType: "" };
}

async function main() {
  const linked = fromLink();
  if (await profile()) {
    only("have", false);
    return;
  }
  let app = linked;
  if (app) await savePending(app);
  else app = await pending();
  if (app && app.kind === "apply" && app.id && app.token) {
    await drive(app);
    return;
  }
  choose(false);
}

// choose offers the seven document types: each is a button that starts
// the application with its type.
function choose(focus = true) {
  hideProgress();
  only("choose", focus);
  const form = $("choose");
  form.onsubmit = (e) => {
    e.preventDefault();
    clearError("error");
    const type = e.submitter && e.submitter.value;
    if (!type) return;
    busy(form, async () => {
      const app = await start(type);
      await drive(app);
    }).catch((err) => showError("error", err));
  };
}

$("again").addEventListener("click", () => {
  clearError("error");
  choose();
});

$("abandon").addEventListener("click", async () => {
  const app = await pending();
  await clearPending();
  if (app) forgetChip(app.id);
  clearError("error");
  location.reload();
});

main().catch((err) => showError("error", err));
