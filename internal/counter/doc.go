// Package counter owns the counters (柜台) of the service: police stations
// and government service halls that an operator registers, each with a
// kind, a legal basis and its own ES256 key, so that a person whose phone
// cannot read the document's chip, or who needs help, can apply there.
//
// A counter's terminal reads the document's chip and runs the face check
// with its own equipment, then signs what it saw as a submission: a
// compact JWS (typ SubmissionType, ES256, kid the counter's ID) carrying
// the chip data, the face check's result bound to the SHA-256 of the
// chip's face image, the way the person finishes (in their own wallet, or
// with a 网号 alone) and a one-time jti. Verifier checks it as the platform
// checks a document signer: the counter is registered and active, the
// signature verifies with its registered key, the audience is this
// platform, the time is fresh and the jti was never used (storage
// UseNonce). The chip itself is then checked by package proofing's
// passive authentication exactly as for a wallet's application.
//
// Registry registers, lists and disables counters (netid admin counter);
// AdminAPI serves the same under /v1/admin/counters with the operators'
// bearer token; Sign is the terminal's side (netid counter apply).
package counter
