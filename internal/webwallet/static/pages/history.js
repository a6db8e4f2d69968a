// history.js: the holder's verification records (GET /v1/wallet/history
// with a holder proof), newest first: who, when (local time), how, at what
// level, what was provided, the outcome; a presentation the holder
// reported (本人申报) is shown as their own statement, never as the other
// party's act. A record the holder disputes says so (with the case's
// number and state), the others link to the Cases page to dispute them,
// and the steps of a case name it. Each page of records is checked against the platform's
// signed record log (logcheck.js), as the command-line wallet checks it;
// the newest tree head seen is kept in this browser (not encrypted: it is
// public) so that the next visit can prove the log only grew.
import { $, show, t, has, el, busy, profile, api, holderApi, showError, wc } from "../wallet.js";
import { checkHistory, LogError } from "../logcheck.js";

const LOG_HEAD = "log-head";
const PAGE_SIZE = 50;
const lang = document.documentElement.lang || "zh-CN";
const sep = lang === "en" ? ", " : "、";

let jwks = null;
let oldest = 0;

function named(prefix, name) {
  return has(prefix + name) ? t(prefix + name) : name;
}

async function seenHead() {
  const s = await wc.loadPlain(LOG_HEAD);
  if (!s || s.server !== location.origin || !Number.isSafeInteger(s.size)) return null;
  try {
    return { size: s.size, root: wc.unb64url(s.root) };
  } catch {
    return null;
  }
}

async function keepHead(head) {
  await wc.savePlain(LOG_HEAD, { server: location.origin, size: head.size, root: wc.b64url(head.root), signature: head.signature });
}

async function consistency(from, to) {
  const p = await api("GET", "/v1/audit/consistency?" + new URLSearchParams({ from: String(from), to: String(to) }));
  if (p.from !== from || p.to !== to) return null;
  return p.proof;
}

// check runs the record log's check on a page and says how it went.
async function check(h) {
  if (!jwks) jwks = await api("GET", "/.well-known/jwks.json");
  const seen = await seenHead();
  try {
    const head = await checkHistory(h, { jwks, seen, consistency });
    if (head && (!seen || head.size > seen.size)) await keepHead(head);
    if (head) {
      $("log-ok").textContent = t("history.log.ok", head.size);
      show("log-ok", true);
    }
  } catch (e) {
    if (!(e instanceof LogError)) throw e;
    $("log-what").textContent = named("history.log.", e.code);
    show("log-ok", false);
    show("log-warning", true);
  }
}

function fact(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

function record(r) {
  const reported = r.reported_by === "holder";
  let who = r.relying_party || "";
  if (reported) who = t("history.reported");
  else if ((r.channel === "lifecycle" || r.channel === "case") && (!who || who === "netid")) who = t("history.platform");
  let outcome = named("history.outcome.", r.outcome);
  if (reported) outcome = t("history.reported.to", r.audience || "");
  if (r.guardian_consent) outcome += " " + t("history.guardian");
  if (r.case) outcome += " · " + t("history.case", r.case);
  const when = new Date(r.time);
  const provided = (r.provided || []).map((c) => named("history.claim.", c)).join(sep) || t("history.nothing");
  return el("li", { class: reported ? "card reported" : "card", id: "record-" + r.seq },
    el("h3", {}, who),
    el("dl", { class: "facts" },
      fact(t("history.when"), el("time", { datetime: r.time }, Number.isNaN(when.getTime()) ? r.time : when.toLocaleString(lang))),
      fact(t("history.how"), named("history.channel.", r.channel)),
      r.level ? fact(t("history.level"), named("history.level.", r.level)) : null,
      fact(t("history.provided"), provided),
      fact(t("history.outcome"), outcome)),
    r.disputed_by ? el("p", { class: "disputed" }, t("history.disputed", r.disputed_by) + " · " + named("history.dispute.state.", r.dispute_state)) : null,
    el("p", { class: "hint" }, t("history.seq", r.seq),
      !r.disputed_by && r.channel !== "case" && !reported
        ? [" · ", el("a", { href: "/wallet/cases?record=" + r.seq }, t("history.dispute.record", r.seq))]
        : null));
}

async function load(before) {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (before) q.set("before", String(before));
  const h = await holderApi("GET", "/v1/wallet/history?" + q);
  await check(h);
  const records = h.records || [];
  $("records").append(...records.map(record));
  if (records.length > 0) oldest = records[records.length - 1].seq;
  show("more", records.length === PAGE_SIZE);
  const any = $("records").children.length > 0;
  show("list", any);
  show("empty", !any);
}

async function main() {
  if (!(await profile())) {
    show("none", true);
    return;
  }
  $("more").addEventListener("click", () => busy(null, () => load(oldest)).catch((e) => showError("error", e)));
  await load(0);
}

main().catch((e) => showError("error", e));
