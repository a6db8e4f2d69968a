// guardian.js: the guardian's page (监护).
//
// A holder who is a guardian sees here:
//   - applications to confirm: a 14–17-year-old names them as guardian
//     (GET /v1/guardian/requests); confirm or decline with the 网证口令
//     (POST /v1/guardian/requests/{id}, {decision, password});
//   - first-use consents: an under-14 ward's first verification by a
//     relying party waits for them (GET /v1/guardian/consents; POST
//     /v1/guardian/consents/{session}, {decision, password});
//   - wards (GET /v1/holder/wards), a ward's records (GET
//     /v1/guardian/wards/{id}/history), and consent ahead for an under-14
//     ward to a relying party or to offline in-person checks (netid:eid)
//     (POST /v1/guardian/wards/{id}/consents, {audience, password});
//   - applying for a child under 14, as the CLI wallet's apply --on-behalf
//     does: the application is started with the guardian's holder proof
//     (POST /v1/applications {document_type, on_behalf: true}), given the
//     child's document chip, and the relationship evidence (in --dev from
//     POST /dev/relationships, for the guardian's 网号 and the child's
//     reference bound to this application); the child's device then goes
//     on from the face check with the link /wallet/apply#app=…&token=…,
//     shown with its QR code (the fragment never reaches a server).
import { $, show, t, has, el, PageError, profile, api, holderApi, showError, clearError, unlock, busy, ready } from "../wallet.js";
import { drawQR } from "../qrdraw.js";

// DEV: the page offers the dev fixtures (the template leaves out the
// evidence field, which the dev relationship authority fills).
const DEV = !document.getElementById("child-evidence");

function typeName(type) {
  return has("guardian.type." + type) ? t("guardian.type." + type) : type;
}

function when(iso) {
  return new Date(iso).toLocaleString(document.documentElement.lang);
}


// passwordField is a labelled 口令 field with the id given.
function passwordField(id) {
  return [el("label", { for: id }, t("guardian.password")),
    el("input", { id, type: "password", inputmode: "numeric", autocomplete: "current-password", maxlength: "8", required: true })];
}

// decisionForm is a form with the 口令 and two buttons, approve and
// decline, for item prefix; decide(approve, password) does the rest.
function decisionForm(prefix, approveText, declineText, decide) {
  const box = el("div", { id: prefix + "-error", class: "error", role: "alert", tabindex: "-1", hidden: true });
  const form = el("form", { id: prefix + "-form", novalidate: true },
    ...passwordField(prefix + "-password"), box,
    el("p", { class: "actions" },
      el("button", { type: "submit", id: prefix + "-approve", class: "primary", value: "approve" }, approveText), " ",
      el("button", { type: "submit", id: prefix + "-decline", value: "decline" }, declineText)));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const approve = !(ev.submitter && ev.submitter.value === "decline");
    clearError(box);
    busy(form, () => decide(approve, $(prefix + "-password").value)).catch((e) => showError(box, e));
  });
  return form;
}

// ---- applications to confirm ----

async function loadRequests() {
  const r = await holderApi("GET", "/v1/guardian/requests");
  const list = r.requests || [];
  $("request-list").replaceChildren(...list.map((q, i) => el("li", { class: "item", id: "request-" + i },
    el("p", null, el("strong", null, q.name), " · ", t("guardian.age", q.age), " · ", typeName(q.document_type)),
    el("p", { class: "hint" }, t("guardian.expires", when(q.expires_at))),
    decisionForm("request-" + i, t("guardian.requests.approve"), t("guardian.requests.decline"), async (approve, password) => {
      await holderApi("POST", "/v1/guardian/requests/" + encodeURIComponent(q.application_id), { body: { decision: approve ? "approve" : "decline", password } });
      done("request-" + i, approve ? "guardian.requests.approved" : "guardian.requests.declined");
    }))));
  show("requests-none", list.length === 0);
}

// done replaces an item's form with what was done.
function done(prefix, key) {
  const form = $(prefix + "-form");
  const p = el("p", { class: "done", id: prefix + "-done", role: "status" }, t(key));
  form.replaceWith(p);
}

// ---- first-use consents ----

async function loadConsents() {
  const r = await holderApi("GET", "/v1/guardian/consents");
  const list = r.requests || [];
  $("consent-list").replaceChildren(...list.map((c, i) => el("li", { class: "item", id: "consent-" + i },
    el("p", null, t("guardian.consents.who", c.ward, c.relying_party)),
    c.domains && c.domains.length ? el("p", { class: "hint" }, t("guardian.consents.domains", c.domains.join(", "))) : null,
    c.purpose ? el("p", null, t("guardian.consents.purpose", c.purpose)) : null,
    el("p", null, t("guardian.consents.claims", (c.claims || []).join(", ") || "—")),
    el("p", { class: "hint" }, t("guardian.expires", when(c.expires_at))),
    decisionForm("consent-" + i, t("guardian.consents.give"), t("guardian.consents.refuse"), async (approve, password) => {
      await holderApi("POST", "/v1/guardian/consents/" + encodeURIComponent(c.session_id), { body: { decision: approve ? "approve" : "decline", password } });
      done("consent-" + i, approve ? "guardian.consents.given" : "guardian.consents.refused");
    }))));
  show("consents-none", list.length === 0);
}

// ---- wards ----

function aheadForm(ward, i) {
  const p = "ward-" + i;
  const box = el("div", { id: p + "-error", class: "error", role: "alert", tabindex: "-1", hidden: true });
  const form = el("form", { id: p + "-ahead", novalidate: true },
    el("label", { for: p + "-audience" }, t("guardian.ahead.audience")),
    el("select", { id: p + "-audience" },
      el("option", { value: "netid:eid" }, t("guardian.ahead.eid")),
      el("option", { value: "rp" }, t("guardian.ahead.rp"))),
    el("label", { for: p + "-rp" }, t("guardian.ahead.rp-id")),
    el("input", { id: p + "-rp", type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": p + "-rp-hint" }),
    el("p", { id: p + "-rp-hint", class: "hint" }, t("guardian.ahead.rp-id.hint")),
    ...passwordField(p + "-ahead-password"), box,
    el("p", null, el("button", { type: "submit", id: p + "-ahead-submit" }, t("guardian.ahead.submit"))));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearError(box);
    busy(form, async () => {
      let audience = $(p + "-audience").value;
      if (audience === "rp") audience = $(p + "-rp").value.trim();
      if (audience === "") throw new PageError("guardian.err.no-audience");
      await holderApi("POST", "/v1/guardian/wards/" + encodeURIComponent(ward.person_id) + "/consents",
        { body: { audience, password: $(p + "-ahead-password").value } });
      $(p + "-ahead-password").value = "";
      const ok = el("p", { role: "status", id: p + "-ahead-done" }, t("guardian.ahead.done", audience === "netid:eid" ? t("guardian.ahead.eid") : audience));
      const old = $(p + "-ahead-done");
      if (old) old.replaceWith(ok); else form.after(ok);
    }).catch((e) => showError(box, e));
  });
  return el("details", null, el("summary", null, t("guardian.ahead.title")), el("p", { class: "hint" }, t("guardian.ahead.intro")), form);
}

async function loadWards() {
  const r = await holderApi("GET", "/v1/holder/wards");
  const list = r.wards || [];
  $("ward-list").replaceChildren(...list.map((w, i) => el("li", { class: "item", id: "ward-" + i },
    el("p", null, el("strong", null, w.name), " · ", t("guardian.age", w.age)),
    el("p", { class: "hint" }, t(w.consent_needed ? "guardian.wards.under14" : "guardian.wards.teen")),
    w.consent_needed ? el("p", null, el("button", { type: "button", id: "ward-" + i + "-history" }, t("guardian.wards.history"))) : null,
    w.consent_needed ? aheadForm(w, i) : null)));
  list.forEach((w, i) => {
    const b = $("ward-" + i + "-history");
    if (b) b.addEventListener("click", () => wardHistory(w).catch((e) => showError("wards-error", e)));
  });
  show("wards-none", list.length === 0);
}

function outcomeText(o) {
  return has("guardian.outcome." + o) ? t("guardian.outcome." + o) : o;
}

async function wardHistory(w) {
  const h = await holderApi("GET", "/v1/guardian/wards/" + encodeURIComponent(w.person_id) + "/history?limit=100");
  const rs = h.records || [];
  $("ward-history-h").textContent = t("guardian.history.title", w.name);
  $("ward-records").replaceChildren(...rs.map((r) => el("li", { class: "item" },
    el("time", { datetime: r.time }, when(r.time)), " · ",
    el("strong", null, r.relying_party || r.audience || "—"), " · ", outcomeText(r.outcome),
    r.provided && r.provided.length ? " · " + t("guardian.history.provided", r.provided.join(", ")) : null)));
  show("ward-history-none", rs.length === 0);
  show("ward-history");
  $("ward-history-h").focus();
}

// ---- applying for a child under 14 ----

const utf8 = new TextDecoder("utf-8", { fatal: true });

function dg1(chip) {
  try {
    const bin = atob(chip.dg1);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const id = JSON.parse(utf8.decode(bytes));
    if (typeof id.type !== "string" || typeof id.number !== "string" || id.number === "") throw new Error("DG1");
    return id;
  } catch {
    throw new PageError("guardian.err.chip");
  }
}

// childRef is guardian.ChildRef: SHA-256 over "netid/child-ref/v1", the
// application ID, the document type and the normalized number (ASCII
// letters upper-cased, surrounding spaces removed), each followed by a
// zero byte; base64url.
async function childRef(applicationId, type, number) {
  const norm = number.trim().replace(/[a-z]/g, (c) => c.toUpperCase());
  const enc = new TextEncoder();
  const parts = ["netid/child-ref/v1", applicationId, type, norm].map((s) => enc.encode(s));
  const buf = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length + 1;
  }
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  let s = "";
  for (const b of d) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

let child = null; // {app, id (DG1), ref}: an application started here

async function applyForChild() {
  clearError("child-error");
  const password = $("child-password").value;
  if (child === null) {
    const file = $("child-chip").files[0];
    if (!file) throw new PageError("guardian.err.no-file");
    if (file.size > 1 << 20) throw new PageError("guardian.err.chip");
    let chip;
    try {
      chip = JSON.parse(await file.text());
    } catch {
      throw new PageError("guardian.err.chip");
    }
    const id = dg1(chip);
    // The guardian's wallet must open: the 网号 goes into the evidence.
    const secrets = await unlock(password);
    const started = await holderApi("POST", "/v1/applications", { body: { document_type: id.type, on_behalf: true } });
    const app = { id: started.id, token: started.token, expiresAt: started.expires_at };
    let v = await api("PUT", "/v1/applications/" + encodeURIComponent(app.id) + "/document", { token: app.token, body: { chip } });
    child = { app, id, wanghao: secrets.wanghao, ref: await childRef(app.id, id.type, id.number), state: v.state };
  } else {
    await unlock(password);
  }
  if (child.state === "relationship") {
    let evidence;
    if (DEV) {
      const r = await api("POST", "/dev/relationships", { body: { guardian: child.wanghao, child_ref: child.ref, relationship: "parent" } });
      evidence = r.evidence;
    } else {
      evidence = $("child-evidence").value.trim();
      if (evidence === "") {
        $("child-ref").textContent = child.ref;
        show("child-ref-box");
        throw new PageError("guardian.err.need-evidence");
      }
    }
    const v = await api("PUT", "/v1/applications/" + encodeURIComponent(child.app.id) + "/relationship",
      { token: child.app.token, body: { guardian: child.wanghao, evidence } });
    child.state = v.state;
  }
  handoff(child.app);
  $("child-form").reset();
  show("child-form", false);
  show("child-ref-box", false);
  child = null;
}

function handoff(app) {
  const frag = new URLSearchParams({ app: app.id, token: app.token }).toString();
  const url = location.origin + "/wallet/apply#" + frag;
  const a = $("handoff-link");
  a.href = url;
  a.textContent = url;
  drawQR($("handoff-qr"), url);
  $("handoff-expires").textContent = t("guardian.handoff.expires", when(app.expiresAt));
  show("handoff");
  $("handoff-h").focus();
}

// ---- the page ----

async function main() {
  const p = await profile();
  if (!p) {
    show("none");
    return;
  }
  show("mine");
  $("child-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy($("child-form"), applyForChild).catch((e) => showError("child-error", e));
  });
  $("ward-history-close").addEventListener("click", () => show("ward-history", false));
  await Promise.all([
    loadRequests().catch((e) => showError("requests-error", e)),
    loadConsents().catch((e) => showError("consents-error", e)),
    loadWards().catch((e) => showError("wards-error", e)),
  ]);
  document.body.dataset.loaded = "1";
}

ready(main);
