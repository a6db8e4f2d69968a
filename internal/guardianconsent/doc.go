// Package guardianconsent owns the guardian consent statement (监护人同意
// 声明): what a verifier that works without the platform checks before it
// accepts an under-14 holder's presentation, since the rules require the
// guardian's consent for each platform the child uses the credential with.
//
// A statement is a JWS of type Typ signed by the platform (the key that
// signs credentials, found by kid in the platform's JWK set) with
//
//	iss  the platform (the credential's issuer)
//	aud  the audience it covers: a relying party's ID (the audience of the
//	     child's presentations to it), or the offline in-person checks
//	     (eid.AudienceOffline)
//	cnf  {"jkt": RFC 7638 thumbprint of one credential's holder key}
//	iat, exp
//
// The platform signs one when the guardian has consented (online, to a
// waiting verification, or ahead, naming the relying party) and the child's
// wallet asks; the wallet keeps it and puts it into the key-binding JWT of
// its presentations to that audience (claim ClaimInKeyBinding), and
// package credential's VerifyPresentation requires and checks it when the
// credential says its holder is under 14.
//
// Why bound to the credential's key and not to the child: the statement
// must not move to another child (a friend's consent does not cover you),
// so it names something every presentation of this credential proves,
// the key the key-binding JWT is signed with, and nothing else. A wallet
// holding several credentials with distinct keys (one per relying party or
// per presentation, so colluding verifiers cannot link them) asks for a
// statement per key and audience; each statement reveals only the key that
// the presentation carrying it reveals anyway, and no identifier of the
// child or the guardian. A statement naming every key of the holder, or a
// stable identifier of the child, would let relying parties link the
// child's presentations across each other, which the batch of keys exists
// to prevent. Carried inside the key-binding JWT, the statement is covered
// by the holder's signature over the relying party's audience and nonce,
// so it cannot be replayed apart from a fresh presentation.
//
// A statement is not revoked: the guardian's withdrawal reaches offline
// verifiers when the statement expires (at most MaxTTL, and never after the
// credential); the credential's own status (suspended, revoked) is in its
// status list, which verifiers check anyway.
package guardianconsent
