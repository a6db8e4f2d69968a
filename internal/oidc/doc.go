// Package oidc is the platform's OpenID Connect provider, the standard way
// for a relying party to verify a holder (beside the session API):
// discovery, the authorization code flow with PKCE, the token
// endpoint, userinfo and ID tokens signed with the platform's key of the
// algorithm each relying party registered: the platform's crypto suite's
// by default (ES256, or SM2 with an SM3 at_hash on a platform of the SM
// suite, docs/sm-profile.md), or RS256 (published in the platform's JWKS,
// /.well-known/jwks.json, and alone in /.well-known/jwks-rs256.json for
// clients whose JOSE library refuses a set holding an SM2 key; both served
// by package server). Token and userinfo are limited per relying party and
// answer a refusal as OAuth errors (429 temporarily_unavailable with
// Retry-After).
//
// An authorization is a verification session (package verification,
// channel "oidc"): the authorization endpoint validates the request,
// maps scopes and the claims parameter to the session's claims (dropping
// what the relying party is not registered for), creates the session and
// sends the browser to the authorization page. The page shows the relying
// party's registered name and domains, the purpose, what is asked, the QR
// code of the netid:// link, the link itself and its https form for the
// same device. The holder's approval in their wallet is the consent
// (plaintext fields only with its separate consent, enforced by package
// verification). The page polls (a small script from this package's own
// route, or a meta refresh without JavaScript) and, once the holder has
// answered, redirects to the relying party with the code, or with
// error=access_denied when the holder declined, the page was cancelled or
// the session expired. The page is bound to the browser that started it
// by a cookie, so that a leaked page URL does not leak the code.
//
// Subjects are pairwise per sector (verification.Service.Subject); the
// public 网号 is only the wanghao claim of a relying party registered for
// it. acr is the level reached (verification.Level.ACR), amr its methods
// (RFC 8176: pop, pwd, face, mfa). A replayed code fails with
// invalid_grant and revokes every token of its session.
//
// # Why the protocol is written here and not with a library
//
// A well-kept provider library would be preferable to our own code. Both
// candidates served by the module proxy were evaluated against what this provider must do: an
// authorization that waits for an approval given in another device's
// wallet, the platform's own client registry and client authentication
// (relyingparty.Authenticator: keyed hashes of secrets, private_key_jwt
// with one-time jti, shared with the session API), ES256 signing with the
// rotating keys.KeySet, state in storage.Storage, and pairwise subjects
// per sector rather than per client.
//
// zitadel/oidc/v3 op (v3.49.2): widely used and well kept. Its login
// redirect (Client.LoginURL, then op.AuthResponse) can host our page.
// Against it: discovery hard-codes subject_types_supported ["public"]
// (op.SubjectTypes, a TODO), the authorization response has no iss
// parameter (RFC 9207), code_challenge_method plain is accepted, and
// private_key_jwt is verified by its own JWT-profile verifier rather than
// our Authenticator. Using it would mean an op.Storage of some twenty
// methods mirroring its AuthRequest model onto our sessions, wrapping its
// discovery and redirects to fix the above, and a dependency tree (chi,
// gorilla/securecookie, OpenTelemetry, zitadel/schema) larger than the
// protocol we need.
//
// luikyv/go-oidc (v0.10.0): certified and the closer fit: RFC 9207 iss,
// PKCE-required S256, a pairwise-subject hook, a crypto.Signer hook and an
// authentication policy that may return "in progress" and resume at a
// callback, which maps onto our waiting page. Against it: client
// authentication is its own and verifies client_secret_basic only
// against bcrypt hashes (ours are argon2id), so our registry would need a
// second secret hash or a fork; its client, authentication-session and
// grant-session managers are three more models to serialise into our
// Session and Grant; it is pre-1.0 with a single maintainer; and most of
// its surface (PAR, JAR, JARM, DPoP, CIBA, DCR, federation) is unused.
//
// Neither fits the external-approval model and our client authentication
// without contortions, so this package implements the small part of
// OpenID Connect Core the platform offers: response_type=code with
// response_mode=query only, no refresh tokens, no request objects, no
// dynamic registration. It is built on go-jose for signing, checked
// against coreos/go-oidc and golang.org/x/oauth2 as the relying party in
// the tests.
package oidc
