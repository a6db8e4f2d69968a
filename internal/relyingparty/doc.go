// Package relyingparty owns the register of relying parties (互联网平台:
// the internet platforms and institutions that register or verify people
// through netid) and their authentication to the platform.
//
// It holds:
//
//   - the claim vocabulary a relying party may be registered for, and which
//     claims are plaintext identity data (Known, IsPlaintext, Claims);
//   - the registration rules (Registration.Validate) and the Registry that
//     stores relying parties, with their client secret kept only as an
//     argon2id hash and shown in clear once;
//   - client authentication (Authenticator): HTTP Basic with the client
//     secret, private_key_jwt client assertions (RFC 7523, form fields or a
//     bearer header for JSON APIs), or none for public OIDC clients;
//   - the operators' HTTP API (AdminAPI) under /v1/admin/relying-parties.
//
// JWS parsing and signature checks are go-jose's, with an ES256-only
// allow-list. Two small things are hand-written because the modules this
// project may use lack them: a DNS name check with an RFC 3492 Punycode
// decoder for internationalised (xn--) labels (golang.org/x/net/idna is
// not a dependency), and a five-minute in-memory cache of successful
// client secret checks, so a busy relying party does not pay an argon2id
// hash on every call. The cache is keyed by a SHA-256 of the client ID, the
// presented secret and the stored hash, so a wrong secret never hits it and
// rotating the secret invalidates it at once.
package relyingparty
