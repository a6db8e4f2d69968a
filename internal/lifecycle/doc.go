// Package lifecycle is what a holder does with their 网号 and 网证 after
// issuance, with nothing but the wallet's device key (a holder proof) and
// the credential password, and what an operator does to a credential:
//
//   - the account view: the 网号 masked as netnum.Mask does (the first and
//     last four characters, "ABCD-****-****-WXYZ", as the wallet shows it),
//     the full 网号 only after the password; the credential's status
//     (active, suspended, revoked, or expired once ExpiresAt has passed),
//     validity, the linked phone masked as sms.MaskPhone does
//     ("+86 138****1234"), the device key's thumbprint and issue time;
//   - suspending and resuming the credential (the holder may lift only a
//     suspension they set; an operator's stays until an operator lifts it);
//     an operator's suspend, resume and revoke with a reason;
//   - changing the credential password with the old one, and the phone
//     number with SMS codes to both the old and the new number;
//   - the relying parties the holder consented to, and withdrawing consent;
//   - cancelling (注销) the 网号: credentials revoked, consents deleted,
//     sealed identity, photo, phone and password wiped; the blind index and
//     the 网号 stay, so applying again restores the same 网号 (see
//     docs/retention.md);
//   - a guardian's list of wards still under supervision (under 18).
//
// What needs a face check or a document (a forgotten password, a phone
// number that is gone, a lost device, a new device) is re-proofing, in
// package proofing.
//
// Every status change drops the cached status list of the credential's
// list (Service.Status), so relying parties see it within the list's
// time-to-live; holder and operator actions are appended to the record log
// (channel "lifecycle") so the holder's history shows them. Errors carry no
// personal data.
package lifecycle
