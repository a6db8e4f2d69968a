package credential

import "errors"

// Sentinel errors. Every error returned by this package wraps at least one
// of them; test with errors.Is. Messages never contain claim values.
var (
	// ErrMalformed: the SD-JWT or one of its parts is not well formed or
	// breaks an RFC 9901 processing rule (bad '~' structure, bad
	// base64url, bad or duplicate-key JSON, a bad disclosure, an
	// unreferenced or repeated digest, a claim name collision, missing
	// required claims, a wrong typ, …).
	ErrMalformed = errors.New("credential: malformed SD-JWT")
	// ErrUnsupported: well formed but outside this profile: an _sd_alg
	// other than the one of the issuer key's suite ("sha-256" with ES256,
	// "sm3" with SM2), or an issuer key of another suite than
	// PresentationOptions.Suite.
	ErrUnsupported = errors.New("credential: unsupported SD-JWT feature")
	// ErrSignature: the issuer signature does not verify, or uses another
	// algorithm than its key's (ES256 for P-256, SM2 for SM2).
	ErrSignature = errors.New("credential: invalid issuer signature")
	// ErrUnknownKey: no issuer key matches the header's kid.
	ErrUnknownKey = errors.New("credential: unknown issuer key")
	// ErrExpired: the credential's exp has passed.
	ErrExpired = errors.New("credential: expired")
	// ErrNotYetValid: the credential's nbf or iat is in the future.
	ErrNotYetValid = errors.New("credential: not yet valid")
	// ErrKeyBinding: the key-binding JWT is missing, malformed, not signed
	// by the key in cnf.jwk, or its sd_hash does not match the
	// presentation (disclosures added, removed or altered).
	ErrKeyBinding = errors.New("credential: key binding failed")
	// ErrAudience: the key-binding JWT is for another audience.
	ErrAudience = errors.New("credential: wrong audience")
	// ErrNonce: the key-binding JWT carries another nonce.
	ErrNonce = errors.New("credential: wrong nonce")
	// ErrStale: the key-binding JWT's iat is older than MaxKBAge or in the
	// future.
	ErrStale = errors.New("credential: key binding JWT not fresh")
	// ErrUnknownClaim: Present was asked to disclose a claim that is not
	// selectively disclosable in this credential.
	ErrUnknownClaim = errors.New("credential: no such selectively disclosable claim")
	// ErrGuardianConsent: the credential says its holder is under 14 and
	// the key-binding JWT carries no valid guardian consent statement for
	// this audience and this credential's key (package guardianconsent).
	ErrGuardianConsent = errors.New("credential: guardian consent required")
	// ErrInvalidClaims: Issue was given incomplete or inconsistent claims
	// or keys.
	ErrInvalidClaims = errors.New("credential: invalid claims for issuance")
)
