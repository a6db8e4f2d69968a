// Package server is the platform's HTTP interface: the application API the
// wallet drives, the holder API (requests signed with the device key), the
// public documents relying parties fetch (JWKS, issuer metadata, status
// lists), health, readiness and metrics, and, in development mode only, the
// development authorities.
//
// Handlers are thin: they decode strictly (package httpx), call package
// proofing, and map its errors to RFC 9457 problem documents with a stable
// type per failure in one place (problems.go).
package server
