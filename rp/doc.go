// Package rp is the relying-party SDK of netid: what an internet platform
// imports to verify a holder's 网证 presentation without receiving plaintext
// identity data and without calling the platform for each verification.
//
// A Verifier fetches the platform's issuer keys (JWKS) once, and each
// status list at most once per the list's time-to-live; verifying a
// presentation is then a local computation: the issuer's ES256 signature,
// validity, the key-binding JWT signed by the holder's device key with the
// relying party's audience and nonce, the selective disclosures, the
// credential's status, and that the nonce was not presented before.
//
//	v, err := rp.New(ctx, "https://netid.example")
//	...
//	p, err := v.VerifyPresentation(ctx, presentation, rp.Expect{Audience: "https://shop.example", Nonce: nonce})
//	if err != nil { /* reject: err says why */ }
//	adult := p.Claims["age_over_18"] == true
//
// Every failure wraps ErrInvalid, and a more specific sentinel where the
// relying party may act on the reason: ErrStale (ask the wallet again with
// a new nonce), ErrExpired, ErrSuspended and ErrRevoked (the holder must
// renew or reinstate the credential), ErrStatusUnavailable (the platform
// cannot be reached; retry later: a rejected presentation does not use up
// its nonce), ErrReplay, ErrAudience, ErrNonce and ErrIssuer.
//
// Platforms must keep offering other lawful ways to verify identity to
// people who do not use a 网号 (Measures, art. 11): this package is one path,
// never the only one.
package rp
