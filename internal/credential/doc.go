// Package credential owns the format of the 网证 (wangzheng, network
// credential): an SD-JWT (RFC 9901) shaped as an SD-JWT VC
// (draft-ietf-oauth-sd-jwt-vc), bound to a key on the holder's device with
// a key-binding JWT, and pointing at an IETF Token Status List entry (see
// the statuslist subpackage) for revocation and suspension.
//
// The issuer-signed JWT carries the holder's public key in cnf.jwk (RFC
// 7800), the status list reference and the digests of the selectively
// disclosable claims (the 网号, age flags, identity attributes, …), padded
// with decoy digests. A holder presents the credential with Present,
// revealing only the claims a relying party asked for and proving
// possession of the device key; the relying party checks it with
// VerifyPresentation.
//
// The 网号 (claim ClaimWanghao) is selectively disclosable like the age
// flags: minimum provision means a relying party that asked only for
// age_over_18 must not learn it, and an offline relying party receives
// whatever the issuer-signed JWT holds. Credentials issued before this
// carried it in plaintext; they still verify, and reveal it to everyone.
//
// Why hand-written: no complete Go SD-JWT library exists, so the SD-JWT
// layer (disclosures, digests, key binding, the RFC 9901 §7 processing
// rules) is implemented here on top of go-jose v4, which does all the JWS
// cryptography, through internal/jws, which holds every JWS of netid to one
// profile. The profile is deliberately narrow: one signature algorithm and
// one digest per crypto suite (ES256 with _sd_alg "sha-256", or SM2 with
// "sm3" on the SM suite, docs/sm-profile.md §4; the issuer key's suite
// decides, and an SD-JWT naming the other suite's _sd_alg is refused),
// explicit typ, strict base64url, and every JSON
// document decoded by a strict decoder that rejects duplicate keys and
// trailing data (internal/strictjson), because two parsers disagreeing
// about a duplicate key is how signature checks get bypassed.
//
// Values of disclosed claims come back as decoded JSON: strings, bools,
// nil, json.Number, []any and map[string]any.
package credential
