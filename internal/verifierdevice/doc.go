// Package verifierdevice owns the terminals of in-person verifiers: the
// browser at a hotel's front desk or a service counter that checks
// electronic ID card codes (package eidverify) for its relying party.
//
// A terminal never holds a shared secret. An operator (netid admin
// verifier-device add, or the admin API) or the relying party itself
// (with its client authentication) adds a device to an in-person relying
// party and gets a one-time enrolment code ([Service.Add]): 16 characters
// of an alphabet without look-alikes, stored only as a keyed hash, valid
// for a day. The terminal makes its own ES256 key (in a browser: a
// non-extractable WebCrypto key kept in IndexedDB) and sends the code with
// a proof of possession of the key ([EnrolProof], [Service.Enrol]): the
// code is used once, and the device becomes active with that public key.
//
// Every request of the device is then signed by its key: a short JWS in the
// [Header] header, typ [ProofType], kid the device ID, over the method,
// the absolute URL, the time, a one-time jti and the SHA-256 of the body
// ([Sign], [Service.Authenticate]). A proof is good for one request within
// a minute; its body hash binds it to the eID code it submits.
//
// The operator lists and revokes devices ([Service.List],
// [Service.Revoke]); a revoked device, or one whose relying party is
// disabled or no longer registered for in-person checks, authenticates
// nothing.
package verifierdevice
