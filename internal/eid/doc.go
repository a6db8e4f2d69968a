// Package eid owns the QR payload of the electronic ID card (电子身份证): the
// text a wallet shows as a QR code at a hotel, station or counter and an
// in-person verifier scans. It implements both sides: the wallet signs
// ([SignOnline], [SignOffline]) and the verifier parses and checks
// ([ParseOnline] with [Online.Verify], [ParseOffline] with [VerifyOffline]).
// Which attributes a verifier then sees is decided elsewhere (the platform's
// in-person verification service and its category policy).
//
// # Online payloads
//
// The default payload is the text [PrefixOnline] followed by a compact JWS
// (RFC 7515) signed with ES256 by the 网证's device key:
//
//	protected header  {"alg":"ES256","typ":"netid-eid+jwt","kid":<credential ID>}
//	payload           {"iss":<platform issuer URL>,"cid":<credential ID>,
//	                   "iat":<unix s>,"exp":<unix s>,"jti":<16 random bytes, base64url>}
//
// The wallet sets exp = iat + [Window] (rather than aligning exp to the end
// of a fixed 60-second slot, which would leave a code shown late in its slot
// only a second or two to live) and makes a new payload at least every
// [Window]; the CLI renews it every 30 s, so a displayed code always has
// at least half a window left. A verifier accepts a payload only while now
// is in [iat − [Skew], exp] and exp − iat is in (0, [Window]]; after
// [Online.Verify] it must also check that the credential cid is active and
// that jti was never seen before (the platform keeps jti until exp + Skew),
// which is what makes a screenshot useless: it is dead once its window has
// passed, and dead after its first use within the window.
//
// The payload is about 400 bytes, small enough for a QR code that any phone
// reads from a screen.
//
// # Offline payloads
//
// The offline payload is the text [PrefixOffline] followed by an SD-JWT
// presentation (RFC 9901) of the 网证 with the disclosures the holder chose,
// whose key-binding JWT has aud [AudienceOffline], a random nonce chosen by
// the wallet, and iat = now. A verifier that cannot reach the platform
// checks it with the relying-party SDK ([VerifyOffline]): the issuer
// signature, the status list, the key binding, an age of at most [Window]
// and that the nonce was not seen before (rp.Verifier's nonce cache).
//
// # Strict parsing
//
// The online payload is a fixed format with one algorithm, three header
// members and five claims. It is signed, parsed and verified by
// internal/jws, which holds every netid JWS to one profile (compact form,
// canonical unpadded base64url, ES256 only, explicit typ, duplicate JSON
// keys, trailing data and crit refused); this package adds what is
// particular to the format: no header member but alg, typ and kid, no
// claim but the five, and sizes bounded before anything is decoded.
package eid
