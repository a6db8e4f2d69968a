// link.js: the same-device link page (/wallet/verify?code=…). When this
// browser holds a wallet, it opens the Approve page with the link in the
// fragment, which browsers never send to a server; otherwise the page
// stays as the server wrote it: the netid:// link for another wallet,
// the command line, and a way to apply.
import { profile } from "../wallet.js";

const a = document.getElementById("wallet-link");
if (a && (await profile())) {
  location.replace("/wallet/approve#" + new URLSearchParams({ link: a.textContent }));
}
