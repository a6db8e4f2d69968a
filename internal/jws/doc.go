// Package jws signs and verifies every JSON Web Signature netid reads or
// writes: credentials and key-binding JWTs, status list tokens, signed
// results, log heads, holder and device proofs, liveness and guardian
// attestations, eID codes, client assertions. It holds all of them to one
// profile, so no call site can forget a check:
//
//   - compact serialization only (RFC 7515 §7.1): three base64url parts in
//     their one canonical encoding (no padding, no stray bits); the JSON
//     serialization, with its unprotected headers and several signatures,
//     is refused before anything is parsed;
//   - an algorithm allow-list: [ES256] and [SM2] (SM2 over SM3, the
//     national profile of docs/sm-profile.md) by default ("none", HMAC and
//     every other algorithm are refused); an algorithm is a suite in this
//     package, so adding one later changes no caller. Each algorithm takes
//     only its own keys (P-256, the SM2 curve), so a token is verified in
//     the algorithm its key source's keys are for, and a caller that wants
//     one suite only names it in Expect.Algorithms;
//   - explicit typing (RFC 8725 §3.11): the caller names the typ it expects
//     and a token whose typ is missing or different is refused; typ is
//     compared by one rule, RFC 7515 §4.1.9's (letter case ignored, an
//     "application/" prefix optional). The one exception is a token kind
//     defined elsewhere without a typ (an RFC 7523 client assertion, which
//     common OAuth libraries send untyped): Expect.TypOptional lets it omit
//     typ, but a typ it carries must still match;
//   - header and payload decoded by package strictjson: duplicate keys (also
//     those differing only in letter case) and trailing data are refused;
//     the payload must be a JSON object;
//   - critical header extensions ("crit") are refused: none is understood.
//
// [Verify] does it all in one call and returns the protected header and
// the payload; [VerifyClaims] also decodes the payload into a struct
// (unknown claims ignored, as RFC 7519 §4 asks). Keys come from a
// [KeySource]: a JWK set looked up by kid, one known public key, or a
// function of the unverified token for keys found by its issuer or kid in
// storage. [Parse] checks everything but the signature, for the few
// places that must read a token before they know its key.
//
// The signatures themselves are the standard library's crypto/ecdsa for
// ES256 and gmsm's for SM2 (which go-jose does not know); JWKs are
// go-jose's. This package writes and reads the compact form around them
// by hand, with the profile checks go-jose leaves to the caller: go-jose's
// own signer marshals each header through reflection and turns the
// signer's ASN.1 signature around twice, which made an ES256 signature
// cost a fifth more than the same signature here (BenchmarkSignES256), and
// a verification session signs four times. TestES256ReadByGoJose checks
// that go-jose reads and verifies what this package signs.
package jws
