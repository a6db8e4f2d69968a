// Package verification is how relying parties verify people (核验): the
// assurance levels, verification sessions (the relying party asks, the
// holder's wallet approves or declines, the relying party gets a signed
// result), minimum provision (result only by default; plaintext fields
// only for a relying party with a legal basis and only with the holder's
// separate consent), pairwise subject identifiers per sector, the
// guardian's consent for an under-14 holder's first use of a relying party,
// and the verification records every outcome writes.
//
// The OpenID Connect provider (package oidc) and the session API (package
// server) are two doors to the same sessions: both create a session here
// and wait for the holder's answer.
package verification
