// Package guardian owns guardian relationship evidence (监护关系证明): the
// proof, required for minors' applications and for an under-14's use of
// the credential, that a person is the parent or legal guardian of a
// child.
//
// The proofing service depends only on the Verifier interface. JWSVerifier
// implements it for attestations issued by relationship authorities (for
// example a civil-affairs or household-registration service) as compact
// JWS tokens signed with ES256, of type "guardian-relationship+jwt",
// trusted through a list of issuers and their JWK sets. Authority issues
// such attestations, for the development relationship authority and for
// tests.
//
// Parsing and signature verification are internal/jws's (compact ES256
// only, explicit typ, strict JSON); this package adds the trust list and
// the claim checks.
//
// The child is named by an opaque reference the platform computes from the
// child's document (a blind index), never by the document number, so an
// attestation carries no plaintext identity data.
package guardian
