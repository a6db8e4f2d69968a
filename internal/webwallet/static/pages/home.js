// home.js: the wallet's home screen. With no wallet in this browser it
// offers to apply; else it shows the masked 网号 (the full one after the
// 网证口令, POST /v1/holder/account/reveal), the credential's status (who
// suspended it and why) and validity, read with a holder proof
// (GET /v1/holder/account), and what waits for the holder: a guardian's
// tasks (GET /v1/guardian/requests, GET /v1/guardian/consents), a
// suspended, revoked or expired credential, a document or credential
// that expires within 90 days. Care mode's home (关怀版) shows only the
// three main actions: the server leaves the rest out of the page.
import { $, show, t, has, el, busy, profile, holderApi, showError, clearError } from "../wallet.js";

const SOON_DAYS = 90;
const DAY = 24 * 60 * 60 * 1000;
const lang = document.documentElement.lang || "zh-CN";

function named(prefix, name) {
  return has(prefix + name) ? t(prefix + name) : name;
}

function localDate(d) {
  return d.toLocaleDateString(lang);
}

// daysLeft is the number of days from now to d (a Date), rounded up.
function daysLeft(d) {
  return Math.ceil((d.getTime() - Date.now()) / DAY);
}

// dateOnly reads YYYY-MM-DD as the end of that day, local time.
function dateOnly(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || "");
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59) : null;
}

function task(text, detail, href, label) {
  return el("li", {}, text, detail ? el("span", { class: "hint" }, detail) : null,
    href ? el("a", { class: "button", href }, label) : null);
}

function showAccount(a) {
  $("wanghao").textContent = a.wanghao;
  let status = named("home.status.", a.status);
  if (a.status_by) status += "（" + named("home.by.", a.status_by) + "）";
  if (a.status_reason) status += " " + t("home.reason", a.status_reason);
  $("status").textContent = status;
  const expires = new Date(a.expires_at);
  $("valid").textContent = Number.isNaN(expires.getTime()) ? "" : localDate(expires);
  if (a.document_type) {
    const doc = dateOnly(a.document_valid_until);
    $("document").textContent = doc ? localDate(doc) : t("home.document.life");
    show("document-h", true);
    show("document", true);
  }
}

// nextActions lists what waits for the holder, most urgent first.
function nextActions(a, requests, consents) {
  const out = [];
  switch (a.status) {
    case "suspended": {
      const mine = a.status_by === "holder";
      out.push(task(t("home.next.suspended"), t(mine ? "home.next.suspended.holder" : "home.next.suspended.other"), "/wallet/settings", t("home.next.settings")));
      break;
    }
    case "revoked":
      out.push(task(t("home.next.revoked"), t("home.next.revoked.next"), "/wallet/apply", t("home.apply")));
      break;
    case "expired":
      out.push(task(t("home.next.expired"), t("home.next.expired.next"), "/wallet/apply", t("home.apply")));
      break;
  }
  if (requests > 0) out.push(task(t("home.next.requests", requests), "", "/wallet/guardian", t("home.next.guardian")));
  if (consents > 0) out.push(task(t("home.next.consents", consents), "", "/wallet/guardian", t("home.next.guardian")));
  const doc = dateOnly(a.document_valid_until);
  if (doc && daysLeft(doc) <= SOON_DAYS) {
    out.push(task(t("home.next.document", localDate(doc), Math.max(0, daysLeft(doc))), t("home.next.document.next"), "/wallet/settings", t("home.next.settings")));
  }
  const cred = new Date(a.expires_at);
  if (a.status !== "expired" && !Number.isNaN(cred.getTime()) && daysLeft(cred) <= SOON_DAYS) {
    out.push(task(t("home.next.credential", localDate(cred), Math.max(0, daysLeft(cred))), t("home.next.credential.next"), "/wallet/settings", t("home.next.settings")));
  }
  return out;
}

// count is the length of a guardian list, or 0 when the platform does not
// answer it (a suspended credential may not ask).
function count(settled, field) {
  return settled.status === "fulfilled" && settled.value && Array.isArray(settled.value[field]) ? settled.value[field].length : 0;
}

async function reveal() {
  const pw = $("reveal-password").value.trim();
  if (!/^[0-9]{8}$/.test(pw)) {
    const box = $("error");
    box.replaceChildren(el("p", { class: "what" }, t("home.reveal.missing")), el("p", { class: "next" }, t("home.reveal.missing.next")));
    box.hidden = false;
    $("reveal-password").focus();
    return;
  }
  let a;
  try {
    a = await holderApi("POST", "/v1/holder/account/reveal", { body: { password: pw } });
  } finally {
    $("reveal-password").value = "";
  }
  clearError("error");
  $("wanghao").textContent = a.wanghao;
  show("reveal-form", false);
  show("reveal", false);
  $("wanghao").tabIndex = -1;
  $("wanghao").focus();
}

async function main() {
  if (!$("mine")) return; // care mode: only the three main actions
  const p = await profile();
  if (!p) {
    show("none");
    return;
  }
  $("wanghao").textContent = p.maskedWanghao;
  show("mine");
  $("reveal").addEventListener("click", () => {
    const open = $("reveal-form").hidden;
    show("reveal-form", open);
    $("reveal").setAttribute("aria-expanded", String(open));
    if (open) $("reveal-password").focus();
  });
  $("reveal-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy($("reveal-form"), reveal).catch((e) => showError("error", e));
  });
  const a = await holderApi("GET", "/v1/holder/account");
  showAccount(a);
  const [requests, consents] = await Promise.allSettled([
    a.status === "active" ? holderApi("GET", "/v1/guardian/requests") : Promise.reject(new Error("inactive")),
    a.status === "active" ? holderApi("GET", "/v1/guardian/consents") : Promise.reject(new Error("inactive")),
  ]);
  const items = nextActions(a, count(requests, "requests"), count(consents, "requests"));
  $("next-list").replaceChildren(...items);
  show("next-none", items.length === 0);
  show("next");
}

main().catch((e) => showError("error", e));
