// Package holder authenticates the holder of a 网证 to the platform: each
// wallet request carries a short JWS signed by the credential's device key
// (kid = the credential ID) naming the HTTP method and URL, a fresh
// issued-at time and a one-time ID, in the manner of DPoP (RFC 9449). The
// platform checks the signature against the device key it bound at
// issuance, that the credential is active and unexpired, and that the proof
// was not seen before.
//
// The wallet's side, signing proofs, is the subpackage proof, which does
// not link the platform's storage.
//
// It is written here rather than taken from an OAuth library because the
// key is looked up by credential, not carried in the proof, and the proof
// authenticates the holder directly instead of binding an access token.
package holder
