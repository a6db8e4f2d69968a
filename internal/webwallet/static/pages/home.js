// home.js: the wallet's home screen. With no wallet in this browser it
// offers to apply; else it shows the masked 网号 and the credential's
// status and validity, read from the platform with a holder proof.
import { $, show, t, profile, holderApi, showError } from "../wallet.js";

async function main() {
  const p = await profile();
  if (!p) {
    show("none");
    return;
  }
  $("wanghao").textContent = p.maskedWanghao;
  show("mine");
  const a = await holderApi("GET", "/v1/holder/account");
  $("status").textContent = t("home.status." + a.status);
  $("valid").textContent = a.expires_at.slice(0, 10);
}

main().catch((e) => showError("error", e));
