// Package rp is the relying-party SDK of netid: what an internet platform
// imports to verify people without receiving plaintext identity data,
// either offline from a holder's 网证 presentation (Verifier) or through
// the platform's verification session API (Client) and its signed results.
//
// # Presentations
//
// A Verifier fetches the platform's issuer keys (JWKS) once, and each
// status list at most once per the list's time-to-live; verifying a
// presentation is then a local computation: the issuer's signature,
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
// its nonce), ErrReplay, ErrAudience, ErrNonce, ErrIssuer, and
// ErrGuardianConsent: the holder is under 14 (their credential says so) and
// the presentation carries no consent of their guardian for this relying
// party's audience. The rules require that consent per platform; the
// guardian gives it from their wallet, and the child's wallet then carries
// a statement signed by the platform in every presentation to this
// audience (Presentation.GuardianConsent reports it).
//
// # Crypto suites
//
// A platform signs with ES256 (P-256, SHA-256), or, on a deployment of the
// national algorithms, with SM2 over SM3 and SD-JWT digests under SM3
// (docs/sm-profile.md). The SDK needs no setting for either: the keys the
// platform publishes decide. A P-256 key verifies only ES256 signatures,
// an SM2 key (JWK kty "EC", crv "SM2") only SM2 ones, and a presentation's
// _sd_alg and sd_hash must use the hash of the key that signed it
// ("sha-256" under ES256, "sm3" under SM2).
//
// # Verification sessions
//
// A Client calls the platform's session API as one registered relying
// party (client_secret_basic with ClientSecret, or private_key_jwt with
// PrivateKeyJWT): the person scans a QR code or follows a netid:// link,
// approves in their wallet, and the relying party gets a result signed by
// the platform.
//
//	c, err := rp.NewClient("https://netid.example", "shop", rp.ClientSecret(secret))
//	...
//	s, err := c.CreateSession(ctx, rp.SessionRequest{Claims: []string{"age_over_18"}, Purpose: "购买需年满18岁的商品"})
//	// show the QR code (<img src=s.QRURL>, or c.QRPNG) or s.Link, then:
//	r, err := c.Wait(ctx, s.ID, 2*time.Second)
//	if err != nil { /* ErrDeclined, ErrSessionExpired, …, or an *APIError */ }
//	account := r.Subject // pairwise: stable for the person at this relying party only
//
// Wait (or Session followed by Result) verifies the signed result with
// VerifyResult before returning it: the platform's signature with
// its published keys (cached; fetched again, at most once a minute, for a
// key the cache does not hold), the netid-result+jwt type, the issuer,
// the relying party as audience, the session, and the level asked for. A
// result that reaches the relying party otherwise (the callback URL)
// is verified with Verifier.VerifyResult and ResultExpect.SessionID. A
// result carries "verified" and the pairwise "sub", and only the claims
// asked for and agreed to; the default is the result alone.
//
// Client.Stats reads the relying party's own daily counts of
// verifications by level and outcome (GET /v1/rp/stats), for up to 92
// days in Beijing time.
//
// Sessions that end without a result are ErrDeclined, ErrCancelled,
// ErrSessionExpired or ErrSessionFailed; results that do not verify wrap
// ErrInvalid, and ErrIssuer, ErrAudience, ErrSession, ErrNonce, ErrLevel,
// ErrStale or ErrExpired (a result's exp or nbf) where the reason
// matters. Error answers of the API are *APIError (errors.As), carrying
// the RFC 9457 problem's status, type, title and detail; no error message
// holds a secret or a claim value.
//
// The client assertion of PrivateKeyJWT is signed through the module's
// internal jws package, which signs ES256 with a P-256 key and SM2 (over
// SM3, docs/sm-profile.md) with an SM2 key, so that a relying party of an
// sm platform authenticates the same way.
//
// The session API's bodies (the request, Session, the problem document)
// are declared here, as this package's own public types, rather than taken
// from the platform's internal wire package (internal/api), which a public
// package must not expose: they are copies of the relying-party-facing
// part of it, and the platform's end-to-end tests run this client against
// the server to keep the two in step.
//
// Platforms must keep offering other lawful ways to verify identity to
// people who do not use a 网号 (Measures, art. 11): this package is one path,
// never the only one.
package rp
