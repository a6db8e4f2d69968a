// Package server is the platform's HTTP interface: the application API the
// wallet drives, the holder API (requests signed with the device key), the
// public documents relying parties fetch (JWKS, issuer metadata, status
// lists), health, readiness and metrics, and, in development mode only, the
// development authorities.
//
// Handlers are thin: they decode strictly (package httpx) into package
// api's request types, call the domain packages (proofing, lifecycle,
// verification, eidverify), encode their answers as api types through the
// mappings in wire_*.go (one file per route group, one table per
// enumeration), and map errors to RFC 9457 problem documents with a stable
// type per failure in one place (problems.go). The callback that tells a
// relying party a session ended (callback.go) is written the same way.
package server
