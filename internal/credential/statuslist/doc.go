// Package statuslist implements the IETF Token Status List
// (draft-ietf-oauth-status-list) for the 网证: a compressed bit array in
// which every issued credential owns an index holding its status (Valid,
// Invalid = revoked, Suspended), published as a signed status list token
// (typ "statuslist+jwt", ES256) that relying parties fetch and cache for
// its ttl.
//
// The bit layout, zlib (RFC 1950) compression and token claims follow the
// draft; the JWS layer is go-jose v4 under the same ES256-only, strict-JSON
// profile as package credential. No Go implementation of the draft exists,
// hence this package. Decoding is guarded against decompression bombs:
// a list never decompresses to more than MaxBytes.
package statuslist
