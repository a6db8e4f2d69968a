// recover.js: re-proofing in this browser (internal/wallet/reproof.go):
// move the credential to this device (kind device), set a new password
// after forgetting it (password), link a new phone when the old number is
// gone (phone), and, with the identity document, suspend, resume or have
// the credential issued again to this device after losing one (recover).
// Each is an application (POST /v1/applications with a kind) whose steps
// (static/steps.js) this page runs in the order the platform asks for
// them; the kinds that end with a credential make the device key here and
// keep the wallet as the Apply page does, and the platform revokes the
// old device's credential.
import { $, show, t, el, api, showError, clearError, profile, saveIssued, wipe, wc } from "../wallet.js";
import * as steps from "../steps.js";

// Kinds that start from the 网号 (the SMS code to the linked phone is the
// first factor); the others start from the document's chip.
const FROM_WANGHAO = new Set(["device", "password"]);

const MAX_STEPS = 16;

const KINDS = ["device", "password", "phone", "recover"];

let hasWallet = false;

// chosenKind is the kind the page's link names (?kind=…), by default a
// move to this device.
const chosenKind = (() => {
  const k = new URLSearchParams(location.search).get("kind");
  return KINDS.includes(k) ? k : "device";
})();

function kind() {
  return chosenKind;
}

function action() {
  return $("action").value;
}

// issues says whether the chosen kind ends with a new credential here.
function issues() {
  return kind() === "device" || (kind() === "recover" && action() === "reissue");
}

function showChoice() {
  const k = kind();
  show("by-wanghao", FROM_WANGHAO.has(k));
  show("by-document", !FROM_WANGHAO.has(k));
  show("actions", k === "recover");
  show("replace", hasWallet && issues());
}

function normWanghao(s) {
  return s.replace(/[\s-]/g, "").toUpperCase();
}

function fail(err) {
  showError("error", err);
}

function say(what, next) {
  const box = $("error");
  box.replaceChildren(el("p", { class: "what" }, what), el("p", { class: "next" }, next));
  box.hidden = false;
  box.focus();
}

// actStep is the state "action" of a recover application: the action the
// person chose, with the 口令 for resume and reissue (the platform checks
// it), POST …/action.
function actStep(ctx, chosen) {
  return new Promise((resolve, reject) => {
    const sec = $("action-step");
    const form = $("action-form");
    const needPw = chosen !== "suspend";
    $("action-what").textContent = t("recover.act." + chosen);
    show("action-pw-field", needPw);
    $("action-pw").required = needPw;
    clearError("action-error");
    sec.hidden = false;
    $("action-h").focus();
    const submit = async (ev) => {
      ev.preventDefault();
      clearError("action-error");
      const password = needPw ? $("action-pw").value : "";
      try {
        const view = await api("POST", "/v1/applications/" + encodeURIComponent(ctx.app.id) + "/action",
          { body: { action: chosen, password }, token: ctx.app.token });
        if (needPw) ctx.password = password;
        form.removeEventListener("submit", submit);
        form.reset();
        sec.hidden = true;
        resolve(view);
      } catch (err) {
        if (steps.isTerminal(err)) {
          form.removeEventListener("submit", submit);
          sec.hidden = true;
          reject(err);
          return;
        }
        showError("action-error", err);
      }
    };
    form.addEventListener("submit", submit);
  });
}

// issue makes the device key and the batch keys here, proves them, and
// keeps the credential the platform issues, sealed under the 口令 the
// application checked. A wallet already here (the person agreed to
// replace it) is deleted first: its credential is revoked by this issue.
async function issue(ctx) {
  const v = ctx.view;
  if (hasWallet) {
    await wipe();
    hasWallet = false;
  }
  const dev = await wc.createKey("device");
  const proof = await wc.deviceProof(dev, location.origin, v.device_nonce);
  const names = [];
  const batch = [];
  for (let i = 1; i <= (v.batch_size || 0); i++) {
    const name = "batch-" + i;
    batch.push(await wc.deviceProof(await wc.createKey(name), location.origin, v.device_nonce));
    names.push(name);
  }
  const issued = await api("POST", "/v1/applications/" + encodeURIComponent(ctx.app.id) + "/credential",
    { body: { proof, batch }, token: ctx.app.token });
  await saveIssued(issued, ctx.password, names, ctx.chip ? { chip: ctx.chip } : {});
  return issued;
}

// drive runs the application's steps until it ends.
async function drive(ctx, k, chosen) {
  const box = $("steps");
  for (let i = 0; i < MAX_STEPS; i++) {
    const v = ctx.view;
    switch (v.state) {
      case "document":
        ctx.view = await steps.document(box, ctx, { documentType: v.document_type });
        break;
      case "face":
        ctx.view = await steps.face(box, ctx);
        break;
      case "phone":
        // The phone kind links a new number; the others prove the linked one.
        ctx.view = await steps.phone(box, ctx, { linked: k !== "phone" });
        break;
      case "password":
        // The password kind sets a new 口令; the others give the current one.
        ctx.view = await steps.password(box, ctx, { current: k !== "password" });
        break;
      case "action":
        ctx.view = await actStep(ctx, chosen);
        break;
      case "device":
        return { issued: await issue(ctx) };
      case "completed":
        return {};
      default:
        throw new Error("unexpected state " + v.state);
    }
  }
  throw new Error("no progress");
}

function finish(k, chosen, result) {
  let key = "recover.done." + k;
  if (k === "recover") key += "." + chosen;
  $("finished-h").textContent = t(key);
  $("finished-detail").textContent = t(key + ".detail");
  show("finished-stale", k === "password" && hasWallet);
  show("finished");
  $("finished-h").focus();
  document.documentElement.dataset.finished = result.issued ? "issued" : "done";
}

async function start(ev) {
  ev.preventDefault();
  clearError("error");
  const k = kind();
  const chosen = action();
  if (hasWallet && issues() && !$("replace-ok").checked) {
    say(t("recover.replace.needed"), t("recover.replace.needed.next"));
    return;
  }
  const body = { kind: k };
  if (FROM_WANGHAO.has(k)) {
    body.wanghao = normWanghao($("wanghao").value);
    if (body.wanghao === "") {
      say(t("recover.wanghao.missing"), t("recover.wanghao.missing.next"));
      $("wanghao").focus();
      return;
    }
  } else {
    body.document_type = $("document-type").value;
  }
  const form = $("start-form");
  let started;
  try {
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    started = await api("POST", "/v1/applications", { body });
  } catch (err) {
    form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    fail(err);
    return;
  }
  form.hidden = true;
  const ctx = { app: { id: started.id, token: started.token }, view: started, dev: form.dataset.dev === "1", face: form.dataset.face === "1" };
  try {
    finish(k, chosen, await drive(ctx, k, chosen));
  } catch (err) {
    fail(err);
    form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    form.hidden = false;
  }
}

async function main() {
  hasWallet = (await profile()) !== null;
  $("kind-" + chosenKind).setAttribute("aria-current", "page");
  document.querySelectorAll("#kind-h [data-kind]").forEach((s) => { s.hidden = s.dataset.kind !== chosenKind; });
  $("action").addEventListener("change", showChoice);
  showChoice();
  $("start-form").addEventListener("submit", start);
  document.documentElement.dataset.ready = "1";
}

main().catch(fail);
