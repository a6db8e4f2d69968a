// password.js: the rules of the credential password (网证口令) as the
// platform applies them (internal/password.Check), for the page where a
// person sets it, so that each rule can be shown as met or not while they
// type. The platform checks again when the password arrives; these rules
// only guide.
//
//   check(pw, birth)  → the first rule pw breaks, or null if none
//   status(pw, birth) → [{rule, ok}] for every rule, in order
//
// pw is a string; birth is {year, month, day} (the holder's birth date, from
// the document) or null to skip that rule. Rule names (RULES) are the keys
// of the page's messages: "format" (exactly 8 digits), "same-digit" (not one
// digit repeated), "sequence" (not a run such as 12345678 or 76543210, also
// wrapping 9→0), "repeat" (not a 2- or 4-digit group repeated), "birth-date"
// (not the birth date as YYYYMMDD, DDMMYYYY or MMDDYYYY).

export const LENGTH = 8;

export const RULES = Object.freeze(["format", "same-digit", "sequence", "repeat", "birth-date"]);

function isDigits(pw) {
  if (typeof pw !== "string" || pw.length !== LENGTH) {
    return false;
  }
  for (let i = 0; i < pw.length; i++) {
    const c = pw.charCodeAt(i);
    if (c < 48 || c > 57) {
      return false;
    }
  }
  return true;
}

// repeats: pw is its first `period` digits repeated.
function repeats(pw, period) {
  for (let i = period; i < pw.length; i++) {
    if (pw[i] !== pw[i - period]) {
      return false;
    }
  }
  return true;
}

// run: each digit is the previous plus step, modulo 10.
function run(pw, step) {
  for (let i = 1; i < pw.length; i++) {
    if ((pw.charCodeAt(i - 1) - 48 + step) % 10 !== pw.charCodeAt(i) - 48) {
      return false;
    }
  }
  return true;
}

function pad(n, width) {
  return String(n).padStart(width, "0");
}

function isBirthDate(pw, birth) {
  if (!birth || !birth.year) {
    return false;
  }
  const y = pad(birth.year, 4);
  const m = pad(birth.month, 2);
  const d = pad(birth.day, 2);
  return pw === y + m + d || pw === d + m + y || pw === m + d + y;
}

// broken reports whether pw breaks rule (format is judged first: the other
// rules only apply to 8 digits).
function broken(rule, pw, birth) {
  const digits = isDigits(pw);
  switch (rule) {
    case "format":
      return !digits;
    case "same-digit":
      return digits && repeats(pw, 1);
    case "sequence":
      return digits && (run(pw, 1) || run(pw, 9));
    case "repeat":
      return digits && (repeats(pw, 2) || repeats(pw, 4));
    case "birth-date":
      return digits && isBirthDate(pw, birth);
  }
  throw new Error("unknown rule " + rule);
}

export function check(pw, birth) {
  for (const rule of RULES) {
    if (broken(rule, pw, birth)) {
      return rule;
    }
  }
  return null;
}

export function status(pw, birth) {
  return RULES.map((rule) => ({ rule, ok: !broken(rule, pw, birth) }));
}
