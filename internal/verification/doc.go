// Package verification is how relying parties verify people (核验): the
// assurance levels, verification sessions (the relying party asks, the
// holder's wallet approves or declines, the relying party gets a signed
// result), minimum provision (result only by default; plaintext fields
// only for a relying party with a legal basis and only with the holder's
// separate consent), pairwise subject identifiers per sector, the
// guardian's consent for an under-14 holder's first use of a relying party
// (or given ahead, and then signed as the guardian consent statements the
// holder's offline presentations carry: package guardianconsent), the
// verification records every outcome writes, and the offline presentations
// a holder chooses to report, kept as their own statement (本人申报) and
// limited per holder and day in the Store.
//
// The OpenID Connect provider (package oidc) and the session API (package
// server) are two doors to the same sessions: both create a session here
// and wait for the holder's answer.
package verification
