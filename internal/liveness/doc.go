// Package liveness owns the live face check of the proofing flow (活体检测).
//
// The platform issues a fresh challenge for an application. The wallet runs a
// liveness provider's SDK, which captures the applicant's face, compares it
// with the face image read from the document chip and returns an
// attestation: a compact JWS (ES256, typ "liveness+jwt") signed by the
// provider, bound to the challenge, the application and the SHA-256 of the
// chip's face image, and carrying a similarity score and a liveness verdict.
// The platform checks the attestation with a [Verifier] against the
// providers in its trust list ([LoadTrust]) and a score threshold. The
// platform itself never sees the live capture.
//
// The package has both sides: [Provider] is what the wallet (or the
// development server standing in for it) calls; [HTTPProvider] calls a real
// liveness service, and [Signer] is a provider's signing side, used as the
// development liveness provider and in tests.
//
// The attestation is a plain JWT-shaped JWS rather than an SD-JWT or a
// verifiable credential because a provider answers one question, once, for
// one relying party (the platform); parsing and signature checks are
// internal/jws's (compact ES256 only, explicit typ, strict JSON). Claim checks are
// hand-written because the claims are specific to this exchange (challenge,
// application, face hash, score, live) and must map onto this package's
// sentinel errors.
package liveness
