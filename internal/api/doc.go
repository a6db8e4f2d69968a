// Package api is the wire format of the platform's HTTP API: the JSON
// bodies of every request and response of the routes that package server
// mounts, the enumerated strings in them, and the names of the problem
// document's extension members. It is the contract that the server, the
// CLI wallet (package wallet), the coming web wallet and the tests share.
//
// The package holds types and constants only, and depends on nothing of
// the platform's but the legal document vocabulary (package document),
// whose type and sex codes are the same strings on the chip, in the
// credential and here. Storage and domain types never reach the wire:
// the server converts its domain values to these explicitly, one mapping
// per enumeration, each tested to cover every domain constant, so that
// renaming a database state cannot change what clients read.
//
// Encoding rules kept for compatibility:
//   - Field names, order and omitempty are those the platform has always
//     written; the server's golden files pin them byte for byte.
//   - Lists the server always writes as [] are never null; lists it
//     copies from records (Record.Provided) may be null.
//   - Times are RFC 3339 with the server's precision and zone, except
//     CredentialInfo, which writes whole seconds as strings.
//   - Request types reject nothing themselves: the server decodes them
//     strictly (unknown members, duplicates and trailing data are errors)
//     and checks enumerations with their Valid method.
//
// What is not here: the RFC 9457 problem document itself (package httpx,
// whose problem type slugs the server's table maps), JWKS and status list
// tokens (standard formats), the relying parties' admin API (package
// relyingparty) and OpenID Connect (package oidc), which own their
// routes.
package api
