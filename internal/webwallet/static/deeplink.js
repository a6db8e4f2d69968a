// deeplink.js: wallet links read in the page, as package deeplink reads
// them on the platform and in the command-line wallet.
//
//   parse(s) → {action, platform, code}, or throws LinkError
//
// s is a link in either form: netid://verify?platform=…&code=… (what a
// relying party's QR code holds) or <platform>/wallet/verify?code=… (its
// https form, the same-device link). parse accepts only links that
// deeplink.Parse accepts, and reads them the same way; it is stricter
// where that keeps it short (printable ASCII only, no percent escapes in
// the https form's path), so a link it refuses may still be one Go takes,
// never the other way round. LinkError.code is "unknown-action" for a
// well-formed link of an action this wallet does not know (a newer
// platform's), else "invalid".

export const SCHEME = "netid";
export const MAX_LEN = 2048;
export const UNIVERSAL_PATH_PREFIX = "/wallet/";
export const ACTION_VERIFY = "verify";
export const MIN_CODE_LEN = 16;
export const MAX_CODE_LEN = 128;

// The parameters each known action takes, in the order String writes
// them; every action takes the platform.
const ACTIONS = { [ACTION_VERIFY]: ["platform", "code"] };

export class LinkError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "LinkError";
    this.code = code;
  }
}

function bad(why) {
  return new LinkError("invalid", "invalid link: " + why);
}

function known(action) {
  return Object.prototype.hasOwnProperty.call(ACTIONS, action);
}

// checkAction accepts a known action; a well-formed unknown one is
// "unknown-action".
function checkAction(action) {
  if (known(action)) return;
  if (/^[a-z][a-z0-9-]{0,31}$/.test(action)) throw new LinkError("unknown-action", "unknown action");
  throw bad("malformed action");
}

// queryUnescape is Go's url.QueryUnescape, limited to ASCII results.
function queryUnescape(s) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "+") {
      out += " ";
    } else if (c === "%") {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw bad("bad escaping");
      const n = parseInt(h, 16);
      if (n < 0x20 || n > 0x7e) throw bad("escaped byte outside printable ASCII");
      out += String.fromCharCode(n);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// queryEscape is Go's url.QueryEscape (for the length of the netid://
// form).
function queryEscape(s) {
  let out = "";
  for (const ch of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(ch);
    if (/[A-Za-z0-9_.~-]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + ch.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

// parseQuery reads each of names exactly once, nothing else, no empty
// pieces.
function parseQuery(raw, names) {
  const got = {};
  if (raw !== "") {
    for (const piece of raw.split("&")) {
      const eq = piece.indexOf("=");
      if (eq < 0) throw bad("query piece without '='");
      const name = piece.slice(0, eq);
      if (!names.includes(name)) throw bad("unknown parameter");
      if (Object.prototype.hasOwnProperty.call(got, name)) throw bad("repeated parameter " + name);
      got[name] = queryUnescape(piece.slice(eq + 1));
    }
  }
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(got, name)) throw bad("missing " + name);
  }
  return got;
}

function validCode(s) {
  return s.length >= MIN_CODE_LEN && s.length <= MAX_CODE_LEN && /^[A-Za-z0-9_-]+$/.test(s);
}

// validDNSName: lower-case ASCII labels of a-z 0-9 and inner hyphens, the
// last not readable as a number (browsers read "127.1" or "0x7f000001" as
// IPv4 addresses).
function validDNSName(s) {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split(".");
  for (const l of labels) {
    if (l.length === 0 || l.length > 63 || !/^[a-z0-9-]+$/.test(l) || l[0] === "-" || l[l.length - 1] === "-") return false;
  }
  const last = labels[labels.length - 1];
  if (/^[0-9]+$/.test(last)) return false;
  if (/^0x[0-9a-f]*$/.test(last)) return false;
  return true;
}

// checkIPv4 reports whether s is a canonical dotted-quad IPv4 address.
function canonicalIPv4(s) {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

// canonicalIPv6 reports whether s is an IPv6 address written as RFC 5952
// writes it (as Go's netip does), not an IPv4-mapped one, without a zone.
function canonicalIPv6(s) {
  if (!/^[0-9a-f:]+$/.test(s) || s.startsWith("::ffff:") || s.indexOf("::") !== s.lastIndexOf("::")) return false;
  let u;
  try {
    u = new URL("http://[" + s + "]/");
  } catch {
    return false;
  }
  return u.hostname === "[" + s + "]";
}

// checkHost accepts host[:port]; it returns whether the host is loopback.
function checkHost(hostport) {
  let host = hostport;
  let port = null;
  let loopback;
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]");
    if (end < 0) throw bad("platform: malformed IPv6 literal");
    host = hostport.slice(1, end);
    const rest = hostport.slice(end + 1);
    if (rest !== "") {
      if (rest[0] !== ":") throw bad("platform: malformed host");
      port = rest.slice(1);
    }
    if (!canonicalIPv6(host)) throw bad("platform: IPv6 literal not in canonical form");
    loopback = host === "::1";
  } else {
    const i = hostport.lastIndexOf(":");
    if (i >= 0) {
      host = hostport.slice(0, i);
      port = hostport.slice(i + 1);
    }
    if (/^[0-9.]+$/.test(host)) {
      if (!canonicalIPv4(host)) throw bad("platform: IP address not in canonical form");
      loopback = host.startsWith("127.");
    } else if (!validDNSName(host)) {
      throw bad("platform: host must be a lower-case ASCII DNS name or an IP address");
    } else {
      loopback = host === "localhost";
    }
  }
  if (port !== null && !(/^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535)) {
    throw bad("platform: port must be 1 to 65535");
  }
  return loopback;
}

// splitURL reads scheme://host[:port][/path] (https or http), nothing
// else: no userinfo, query or fragment; path characters unreserved ones
// and "/" only.
function splitURL(s) {
  const m = /^(https?):\/\/([^/?#@]+)(\/[A-Za-z0-9._~\/-]*)?$/.exec(s);
  if (!m) return null;
  return { scheme: m[1], host: m[2], path: m[3] || "" };
}

// checkPlatform accepts a canonical https URL (http on a loopback host)
// without userinfo, query, fragment or trailing slash.
function checkPlatform(s) {
  const u = splitURL(s);
  if (!u) throw bad("platform: not a canonical https URL");
  const loopback = checkHost(u.host);
  if (u.scheme === "http" && !loopback) throw bad("platform: http only on a loopback host");
  if (u.path !== "") {
    if (u.path.endsWith("/")) throw bad("platform: trailing slash");
    for (const seg of u.path.slice(1).split("/")) {
      if (seg === "" || seg === "." || seg === "..") throw bad("platform: empty or dot path segment");
    }
  }
}

// linkString is the netid:// form, as deeplink's Link.String writes it.
export function linkString(l) {
  const names = ACTIONS[l.action] || ["platform", "code"];
  return SCHEME + "://" + l.action + "?" + names.map((n) => n + "=" + queryEscape(l[n] || "")).join("&");
}

// httpsLink is the https form, as Link.HTTPS writes it.
export function httpsLink(l) {
  const names = (ACTIONS[l.action] || ["platform", "code"]).filter((n) => n !== "platform");
  return l.platform + UNIVERSAL_PATH_PREFIX + l.action + "?" + names.map((n) => n + "=" + queryEscape(l[n] || "")).join("&");
}

function validate(l) {
  checkAction(l.action);
  checkPlatform(l.platform);
  if (!validCode(l.code)) throw bad(`code must be ${MIN_CODE_LEN} to ${MAX_CODE_LEN} characters of A-Z a-z 0-9 _ -`);
  if (linkString(l).length > MAX_LEN) throw bad("too long");
}

export function parse(s) {
  if (typeof s !== "string") throw bad("not a string");
  if (s.length > MAX_LEN) throw bad("too long");
  if (!/^[\x21-\x7e]*$/.test(s)) throw bad("characters outside printable ASCII");
  if (s.includes("#")) throw bad("fragment");
  let l;
  if (s.startsWith(SCHEME + "://")) {
    const rest = s.slice(SCHEME.length + 3);
    const q = rest.indexOf("?");
    const action = q < 0 ? rest : rest.slice(0, q);
    checkAction(action);
    const got = parseQuery(q < 0 ? "" : rest.slice(q + 1), ACTIONS[action]);
    l = { action, platform: got.platform, code: got.code };
  } else if (s.startsWith("https://") || s.startsWith("http://")) {
    const q = s.indexOf("?");
    const u = splitURL(q < 0 ? s : s.slice(0, q));
    if (!u) throw bad("not an absolute URL with a host and no userinfo");
    const i = u.path.lastIndexOf("/");
    if (i < 0 || !u.path.slice(0, i + 1).endsWith(UNIVERSAL_PATH_PREFIX)) throw bad("path is not …/wallet/<action>");
    const action = u.path.slice(i + 1);
    checkAction(action);
    const platform = u.scheme + "://" + u.host + u.path.slice(0, i + 1 - UNIVERSAL_PATH_PREFIX.length);
    const got = parseQuery(q < 0 ? "" : s.slice(q + 1), ACTIONS[action].filter((n) => n !== "platform"));
    l = { action, platform, code: got.code };
  } else {
    throw bad("not a netid:// or http(s) link");
  }
  validate(l);
  return l;
}
