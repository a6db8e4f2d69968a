// cases.js: the holder's cases (申诉与投诉, /v1/holder/cases with a holder
// proof): open one about a record of the history (the History page links
// here with ?record=SEQ), the operator's suspension, or a relying party's
// conduct; list them with their number, deadline, state and the
// operator's answer. What the holder writes goes only to the platform,
// which keeps it sealed.
import { $, show, t, has, el, busy, profile, holderApi, showError, clearError } from "../wallet.js";

const lang = document.documentElement.lang || "zh-CN";

// The grounds that fit each kind, the first the default.
const GROUNDS = {
  record: ["not_me", "wrong_details", "other"],
  suspension: ["wrongly_suspended", "other"],
  relying_party: ["plaintext_again", "no_other_way", "other"],
};

function named(prefix, name) {
  return has(prefix + name) ? t(prefix + name) : name;
}

function when(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString(lang);
}

function fact(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

function kindChanged() {
  const kind = $("kind").value;
  show("record-box", kind === "record");
  show("rp-box", kind === "relying_party");
  $("ground").replaceChildren(...GROUNDS[kind].map((g) => el("option", { value: g }, named("cases.ground.", g))));
}

function caseCard(c) {
  let state = named("cases.state.", c.state);
  if (c.resolution) state += " · " + named("cases.resolution.", c.resolution);
  if (c.action) state += " · " + named("cases.action.", c.action);
  let about = named("cases.kind.", c.kind);
  if (c.record_seq) about += " · " + t("cases.record.seq", c.record_seq);
  if (c.relying_party || c.rp_id) about += " · " + (c.relying_party || c.rp_id);
  return el("li", { class: "card", id: "case-" + c.number },
    el("h3", {}, t("cases.number") + " " + c.number),
    el("dl", { class: "facts" },
      fact(t("cases.kind"), about),
      fact(t("cases.ground"), named("cases.ground.", c.ground)),
      fact(t("cases.state"), state),
      fact(t("cases.created"), el("time", { datetime: c.created_at }, when(c.created_at))),
      fact(t("cases.due"), [el("time", { datetime: c.due_at }, when(c.due_at)),
        c.overdue ? el("span", { class: "overdue" }, " " + t("cases.overdue")) : null])),
    el("p", { class: "text" }, c.statement),
    c.answer ? [el("h4", {}, t("cases.answer")), el("p", { class: "text answer" }, c.answer)] : null);
}

async function load() {
  const list = await holderApi("GET", "/v1/holder/cases");
  const cases = (list.cases || []).slice().reverse(); // newest first
  $("cases").replaceChildren(...cases.map(caseCard));
  show("empty", cases.length === 0);
}

async function submit(ev) {
  ev.preventDefault();
  clearError("error");
  show("done", false);
  const form = $("new-form");
  const body = { kind: $("kind").value, ground: $("ground").value, statement: $("statement").value };
  if (body.kind === "record") body.record_seq = Number.parseInt($("record").value, 10) || 0;
  if (body.kind === "relying_party") body.rp_id = $("rp").value.trim();
  try {
    const c = await busy(form, () => holderApi("POST", "/v1/holder/cases", { body }));
    $("statement").value = "";
    $("done").textContent = t("cases.opened", c.number, when(c.due_at));
    show("done", true);
    $("done").focus();
    await load();
  } catch (e) {
    showError("error", e);
  }
}

async function main() {
  if (!(await profile())) {
    show("none", true);
    return;
  }
  show("mine", true);
  $("kind").addEventListener("change", kindChanged);
  const q = new URLSearchParams(location.search);
  if (/^[1-9][0-9]*$/.test(q.get("record") || "")) {
    $("kind").value = "record";
    $("record").value = q.get("record");
  } else if (q.get("rp")) {
    $("kind").value = "relying_party";
    $("rp").value = q.get("rp");
  }
  kindChanged();
  $("new-form").addEventListener("submit", submit);
  await load();
}

main().catch((e) => showError("error", e));
