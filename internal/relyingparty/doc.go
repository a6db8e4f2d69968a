// Package relyingparty owns the register of relying parties (互联网平台:
// the internet platforms and institutions that register or verify people
// through netid) and their authentication to the platform.
//
// It holds:
//
//   - the claim vocabulary a relying party may be registered for, and which
//     claims are plaintext identity data (Known, IsPlaintext, Claims);
//   - the registration rules (Registration.Validate) and the Registry that
//     stores relying parties, with their client secret kept only as a keyed
//     hash (SecretHash) and shown in clear once, and the algorithm of
//     their OpenID Connect ID tokens;
//   - client authentication (Authenticator): HTTP Basic with the client
//     secret, private_key_jwt client assertions (RFC 7523, form fields or a
//     bearer header for JSON APIs), or none for public OIDC clients;
//   - the limits of relying parties' server-to-server calls (Throttle): per
//     relying party once authenticated, per address for failures;
//   - the operators' HTTP API (AdminAPI) under /v1/admin/relying-parties.
//
// JWS parsing and signature checks are go-jose's, with an ES256-only
// allow-list. Two small things are hand-written because the modules this
// project may use lack them: a DNS name check with an RFC 3492 Punycode
// decoder for internationalised (xn--) labels (golang.org/x/net/idna is
// not a dependency).
//
// Client secrets are 256-bit random values the platform draws, not
// passwords people choose: a keyed hash (HMAC-SHA256 under the platform's
// index key, over the client ID and the secret) protects them as well as a
// password hash would, and costs one HMAC per check, so wrong secrets
// cannot occupy the server's CPU. Secrets stored earlier as argon2id hashes
// still verify (at most two such checks at once) and are replaced by the
// keyed hash on their first successful use.
package relyingparty
