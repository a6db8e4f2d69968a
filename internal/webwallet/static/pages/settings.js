// settings.js: the Settings page. Each action sends what the command-line
// wallet sends (internal/wallet/lifecycle.go, selfservice.go), with this
// browser's holder proofs: suspend and resume, change the credential
// password (then seal the wallet's secrets here under the new one), change
// the phone number, withdraw a platform's consent, cancel (注销) the
// network identity (then wipe the wallet here).
import {
  $, show, t, el, busy, profile, holderApi, api, showError, clearError,
  unlock, saveSecrets, wipe, ApiError, helpBlock,
} from "../wallet.js";
import { check, status } from "../password.js";

// say writes a page message (what went wrong and what to do next) into the
// error box.
function say(what, next, err) {
  const box = $("error");
  box.replaceChildren(el("p", { class: "what" }, what), el("p", { class: "next" }, next), err ? helpBlock(err) : null);
  box.hidden = false;
  box.focus();
}

// done tells the person an action succeeded.
function done(text) {
  clearError("error");
  const box = $("done");
  box.replaceChildren(el("p", {}, text));
  box.hidden = false;
  box.focus();
}

// The problems this page words itself: [what, next] message keys.
const PROBLEMS = {
  "operator-suspension": ["settings.problem.operator-suspension", "settings.problem.operator-suspension.next"],
  "wrong-password": ["js.crypto.wrong-password", "js.crypto.wrong-password.next"],
  "same-password": ["settings.problem.same-password", "settings.problem.same-password.next"],
  "same-phone": ["settings.problem.same-phone", "settings.problem.same-phone.next"],
  "weak-password": ["settings.problem.weak-password", "settings.problem.weak-password.next"],
};

// fail shows err, with the page's own words for the problems it explains
// (and the tries left, where the platform counts them).
function fail(err) {
  $("done").hidden = true;
  const known = err instanceof ApiError && PROBLEMS[err.slug];
  if (!known) {
    showError("error", err);
    return;
  }
  let next = t(known[1]);
  if (err.problem && Number.isInteger(err.problem.remaining_attempts)) {
    next = t("js.error.remaining", err.problem.remaining_attempts) + " " + next;
  }
  say(t(known[0]), next, err);
}

function operatorHold(a) {
  return a.status === "suspended" && typeof a.status_by === "string" && a.status_by.startsWith("operator");
}

// showAccount shows the account view the platform answered.
function showAccount(a) {
  let st = t("settings.status." + a.status);
  if (a.status === "suspended" && a.status_by === "holder") st += " " + t("settings.status.by-holder");
  $("status").textContent = st;
  $("phone").textContent = a.phone || "—";
  const held = operatorHold(a);
  show("operator", held);
  $("operator-reason").textContent = held && a.status_reason ? t("settings.operator.reason", a.status_reason) : "";
  const mine = a.status === "suspended" && a.status_by === "holder";
  show("suspend-about", !mine && !held);
  show("resume-about", mine);
  show("suspend-go", a.status === "active");
  show("resume-go", mine);
  show("suspend-form", a.status === "active" || mine);
}

async function loadAccount() {
  showAccount(await holderApi("GET", "/v1/holder/account"));
}

// ---- suspend and resume ----

function suspendOrResume(ev) {
  ev.preventDefault();
  const form = $("suspend-form");
  const resume = !$("resume-go").hidden;
  busy(form, async () => {
    const password = $("suspend-pw").value;
    const a = await holderApi("POST", resume ? "/v1/holder/resume" : "/v1/holder/suspend", { body: { password } });
    $("suspend-pw").value = "";
    showAccount(a);
    done(t(resume ? "settings.resumed" : "settings.suspended"));
  }).catch(fail);
}

// ---- the credential password ----

function showRules() {
  const pw = $("password-new").value;
  const typed = pw !== "";
  // The birth date is in the sealed secrets, not known before the 口令:
  // that rule is left to the platform (weak-password).
  $("password-rules").replaceChildren(...status(pw, null).filter(({ rule }) => rule !== "birth-date").map(({ rule, ok }) => {
    const cls = !typed ? "rule" : ok ? "rule ok" : "rule no";
    const mark = typed ? t(ok ? "settings.rule.ok" : "settings.rule.no") : "";
    return el("li", { class: cls, "data-rule": rule }, mark, t("settings.rule." + rule));
  }));
}

function changePassword(ev) {
  ev.preventDefault();
  const form = $("password-form");
  const old = $("password-old").value;
  const pw = $("password-new").value;
  if (check(pw, null) !== null) {
    say(t("settings.password.broken"), t("settings.password.broken.next"));
    $("password-new").focus();
    return;
  }
  if (pw !== $("password-again").value) {
    say(t("settings.password.mismatch"), t("settings.password.mismatch.next"));
    $("password-again").focus();
    return;
  }
  busy(form, async () => {
    // As the command-line wallet does: the wallet is unlocked with the
    // current password first, the platform changes it, then the secrets
    // are sealed again under the new one.
    const secrets = await unlock(old);
    await holderApi("PUT", "/v1/holder/password", { body: { old_password: old, new_password: pw } });
    try {
      await saveSecrets(pw, secrets);
    } catch {
      say(t("settings.password.not-relocked"), t("settings.password.not-relocked.next"));
      return;
    }
    form.reset();
    showRules();
    done(t("settings.password.done"));
  }).catch(fail);
}

// ---- the phone number ----

let newPhone = "";

function startPhone(ev) {
  ev.preventDefault();
  const form = $("phone-form");
  busy(form, async () => {
    const phone = $("phone-new").value.trim();
    await holderApi("POST", "/v1/holder/phone", { body: { password: $("phone-pw").value, phone } });
    newPhone = phone;
    $("phone-pw").value = "";
    clearError("error");
    show("phone-verify-form");
    $("phone-old-code").focus();
  }).catch(fail);
}

function confirmPhone(ev) {
  ev.preventDefault();
  const form = $("phone-verify-form");
  busy(form, async () => {
    await holderApi("POST", "/v1/holder/phone/verify", {
      body: { phone: newPhone, old_code: $("phone-old-code").value.trim(), new_code: $("phone-new-code").value.trim() },
    });
    form.reset();
    form.hidden = true;
    $("phone-form").reset();
    const a = await holderApi("GET", "/v1/holder/account");
    showAccount(a);
    done(t("settings.phone.done", a.phone || ""));
  }).catch((err) => {
    fail(err);
    // The platform names the code that failed: "old" or "new".
    const which = err instanceof ApiError && err.problem && err.problem.code;
    if (which === "old" || which === "new") $("phone-" + which + "-code").select();
  });
}

// devCodes fills the code fields from the development SMS outbox (only in
// --dev, where the button exists).
function devCodes() {
  busy($("phone-verify-form"), async () => {
    const latest = (phone) => api("GET", "/dev/sms?phone=" + encodeURIComponent(phone));
    $("phone-new-code").value = (await latest(newPhone)).code;
    const linked = $("phone-dev-old").value.trim();
    if (linked !== "") $("phone-old-code").value = (await latest(linked)).code;
  }).catch(fail);
}

// ---- authorised platforms ----

async function loadPlatforms() {
  const list = (await holderApi("GET", "/v1/holder/platforms")).platforms || [];
  show("platforms-none", list.length === 0);
  $("platforms").replaceChildren(...list.map(platformItem));
}

function platformItem(p) {
  const name = p.name || p.rp_id;
  const li = el("li", { class: "platform", "data-rp": p.rp_id },
    el("h3", {}, name),
    (p.domains || []).length ? el("p", { class: "hint" }, p.domains.join(" · ")) : null,
    (p.claims || []).length ? el("p", {}, t("settings.platforms.claims", p.claims.join("、"))) : null,
    (p.plaintext || []).length ? el("p", {}, t("settings.platforms.plain", p.plaintext.join("、"))) : null,
    el("p", { class: "hint" }, t("settings.platforms.granted", String(p.granted_at || "").slice(0, 10))));
  const actions = el("p", {});
  const withdraw = el("button", { type: "button", class: "withdraw", "aria-label": t("settings.platforms.withdraw.label", name) },
    t("settings.platforms.withdraw"));
  actions.append(withdraw);
  const confirm = el("div", { class: "confirm", hidden: true },
    el("p", { class: "what" }, t("settings.platforms.confirm", name)));
  const yes = el("button", { type: "button", class: "danger withdraw-yes" }, t("settings.platforms.yes"));
  const no = el("button", { type: "button", class: "withdraw-no" }, t("settings.platforms.no"));
  confirm.append(el("p", {}, yes, " ", no));
  withdraw.addEventListener("click", () => {
    actions.hidden = true;
    confirm.hidden = false;
    no.focus();
  });
  no.addEventListener("click", () => {
    confirm.hidden = true;
    actions.hidden = false;
    withdraw.focus();
  });
  yes.addEventListener("click", () => {
    busy(confirm, async () => {
      await holderApi("DELETE", "/v1/holder/platforms/" + encodeURIComponent(p.rp_id));
      await loadPlatforms();
      done(t("settings.platforms.done", name));
    }).catch(fail);
  });
  li.append(actions, confirm);
  return li;
}

// ---- cancel (注销) ----

function askCancel(ev) {
  ev.preventDefault();
  if (!$("cancel-understand").checked) {
    say(t("settings.cancel.unticked"), t("settings.cancel.unticked.next"));
    return;
  }
  clearError("error");
  $("cancel-go").hidden = true;
  show("cancel-confirm");
  $("cancel-no").focus();
}

function keepIdentity() {
  show("cancel-confirm", false);
  $("cancel-go").hidden = false;
  $("cancel-go").focus();
}

function cancelIdentity() {
  busy($("cancel-form"), async () => {
    await holderApi("POST", "/v1/holder/cancel", { body: { password: $("cancel-pw").value } });
    $("cancel-form").reset();
    // The credential is revoked: the wallet here is deleted before the
    // page says it is done.
    let wiped = true;
    try {
      await wipe();
    } catch {
      wiped = false;
    }
    show("mine", false);
    $("done").hidden = true;
    show("cancelled");
    if (!wiped) {
      say(t("settings.cancel.kept-local"), t("settings.cancel.kept-local.next"));
      return;
    }
    $("cancelled-h").setAttribute("tabindex", "-1");
    $("cancelled-h").focus();
  }).catch(fail);
}

// ---- the page ----

async function main() {
  const p = await profile();
  if (!p) {
    show("none");
    document.documentElement.dataset.ready = "1";
    return;
  }
  $("wanghao").textContent = p.maskedWanghao;
  show("mine");
  showRules();
  $("suspend-form").addEventListener("submit", suspendOrResume);
  $("password-form").addEventListener("submit", changePassword);
  $("password-new").addEventListener("input", showRules);
  $("phone-form").addEventListener("submit", startPhone);
  $("phone-verify-form").addEventListener("submit", confirmPhone);
  if ($("phone-dev")) $("phone-dev").addEventListener("click", devCodes);
  $("cancel-form").addEventListener("submit", askCancel);
  $("cancel-no").addEventListener("click", keepIdentity);
  $("cancel-yes").addEventListener("click", cancelIdentity);
  await Promise.all([loadAccount(), loadPlatforms()]);
  document.documentElement.dataset.ready = "1";
}

main().catch(fail);
